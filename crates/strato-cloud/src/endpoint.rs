//! Which API endpoints a cloud account may name. A server that connects to any URL a user
//! types is a request forger (SSRF) and a port scanner, so an endpoint is accepted only when
//! its provider takes one at all ([`EndpointPolicy`]) and it is one of the provider's public
//! endpoints or matches the operator's allow-list ([`EndpointAllowList`]).

use std::str::FromStr;

/// Longest endpoint accepted.
pub const ENDPOINT_MAX: usize = 2048;

/// The one message for "the endpoint did not answer as a cloud": connection refused, reset,
/// timed out, TLS or DNS failure all read the same, so errors do not tell open ports from
/// closed ones. The detail goes to the server log.
pub const ENDPOINT_UNREACHABLE: &str = "the cloud endpoint could not be reached";
/// `CloudError::code` of [`ENDPOINT_UNREACHABLE`] errors.
pub const ENDPOINT_UNREACHABLE_CODE: &str = "EndpointUnreachable";

/// What endpoint an account of a provider may have, declared by the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointPolicy {
    /// The provider takes no endpoint (e.g. `kvm`: the account is this host).
    None,
    /// An http(s) URL. `public_host_suffixes` are the provider's own public endpoints
    /// (`amazonaws.com`): an `https` endpoint on the default port whose host is one of them
    /// or a subdomain needs no allow-list entry. Any other URL must be allow-listed.
    Url { public_host_suffixes: &'static [&'static str] },
}

/// Why an endpoint was refused; the text is for the API user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    #[error("the {provider} provider takes no endpoint")]
    NotAccepted { provider: String },
    #[error("endpoint must be an http:// or https:// URL with a host (at most {ENDPOINT_MAX} characters, no user info, query, fragment, backslash, whitespace or control characters)")]
    Malformed,
    #[error("endpoint {host} is not one of the provider's public endpoints and is not allowed by this server's allowed-endpoint setting")]
    NotAllowed { host: String },
}

/// A parsed endpoint URL that passed the shape checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointUrl {
    url: url::Url,
}

impl EndpointUrl {
    /// Shape checks: http(s), a host, no user info, query or fragment; no character another
    /// URL parser might read differently (backslash, whitespace, control characters).
    pub fn parse(endpoint: &str) -> Result<Self, EndpointError> {
        let plain = endpoint.len() <= ENDPOINT_MAX
            && !endpoint.chars().any(|c| c.is_whitespace() || c.is_control() || c == '\\')
            && endpoint.is_ascii();
        if !plain {
            return Err(EndpointError::Malformed);
        }
        let lower = endpoint.to_ascii_lowercase();
        let rest = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://")).ok_or(EndpointError::Malformed)?;
        // '@' before the path is user info; refused here as well as by the parser below, so
        // the two can never disagree about the host.
        let authority = rest.split('/').next().unwrap_or_default();
        if authority.is_empty() || authority.contains('@') {
            return Err(EndpointError::Malformed);
        }
        let url = url::Url::parse(endpoint).map_err(|_| EndpointError::Malformed)?;
        let ok = matches!(url.scheme(), "http" | "https")
            && url.host().is_some()
            && url.username().is_empty()
            && url.password().is_none()
            && url.query().is_none()
            && url.fragment().is_none();
        if ok {
            Ok(EndpointUrl { url })
        } else {
            Err(EndpointError::Malformed)
        }
    }

    /// Lower-case host as the URL parser normalised it (IP literals in canonical form).
    pub fn host(&self) -> String {
        self.url.host_str().unwrap_or_default().to_ascii_lowercase()
    }

    fn is_domain(&self) -> bool {
        matches!(self.url.host(), Some(url::Host::Domain(_)))
    }

    /// The port, the scheme's default when not written.
    pub fn port(&self) -> u16 {
        self.url.port_or_known_default().unwrap_or(0)
    }

    pub fn scheme(&self) -> &str {
        self.url.scheme()
    }

    pub fn path(&self) -> &str {
        self.url.path()
    }
}

/// Whether `host` is `suffix` or a subdomain of it.
fn host_under(host: &str, suffix: &str) -> bool {
    host == suffix || host.strip_suffix(suffix).is_some_and(|head| head.ends_with('.'))
}

/// One allow-list entry: `host`, `*.domain`, `host:port`, or a URL prefix
/// (`http://127.0.0.1:5000/`, scheme, host and port exact, path by segment prefix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowedEndpoint {
    /// Any port and scheme on this host.
    Host(String),
    /// This domain's subdomains (written `*.example.com`).
    Subdomains(String),
    HostPort(String, u16),
    UrlPrefix { scheme: String, host: String, port: u16, path: String },
}

impl FromStr for AllowedEndpoint {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let bad = || format!("allowed endpoint {text:?}: expected a host, *.domain, host:port or an http(s):// URL prefix");
        if text.is_empty() {
            return Err(bad());
        }
        if text.contains("://") {
            let url = EndpointUrl::parse(text).map_err(|_| bad())?;
            return Ok(AllowedEndpoint::UrlPrefix {
                scheme: url.scheme().to_string(),
                host: url.host(),
                port: url.port(),
                path: url.path().to_string(),
            });
        }
        if let Some(domain) = text.strip_prefix("*.") {
            let host = normalise_host(domain).ok_or_else(bad)?;
            return Ok(AllowedEndpoint::Subdomains(host));
        }
        // host or host:port, parsed as a URL so IP literals normalise as endpoints do.
        let url = EndpointUrl::parse(&format!("http://{text}")).map_err(|_| bad())?;
        if url.path() != "/" {
            return Err(bad());
        }
        let written_port = text.rsplit_once(':').filter(|(_, p)| p.chars().all(|c| c.is_ascii_digit()) && !text.ends_with(']'));
        Ok(match written_port {
            Some(_) => AllowedEndpoint::HostPort(url.host(), url.port()),
            None => AllowedEndpoint::Host(url.host()),
        })
    }
}

fn normalise_host(host: &str) -> Option<String> {
    let url = EndpointUrl::parse(&format!("http://{host}")).ok()?;
    (url.path() == "/" && url.is_domain() && !host.contains(':')).then(|| url.host())
}

impl AllowedEndpoint {
    fn allows(&self, url: &EndpointUrl) -> bool {
        match self {
            AllowedEndpoint::Host(host) => url.host() == *host,
            AllowedEndpoint::Subdomains(domain) => url.is_domain() && host_under(&url.host(), domain) && url.host() != *domain,
            AllowedEndpoint::HostPort(host, port) => url.host() == *host && url.port() == *port,
            AllowedEndpoint::UrlPrefix { scheme, host, port, path } => {
                let under = path.ends_with('/') && url.path().starts_with(path.as_str())
                    || url.path() == path
                    || url.path().strip_prefix(path.as_str()).is_some_and(|rest| rest.starts_with('/'));
                url.scheme() == scheme && url.host() == *host && url.port() == *port && under
            }
        }
    }
}

/// The operator's allow-list (`strato serve --allowed-endpoint`); empty by default, which
/// leaves only the providers' public endpoints.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointAllowList {
    entries: Vec<AllowedEndpoint>,
}

impl EndpointAllowList {
    pub fn new(entries: Vec<AllowedEndpoint>) -> Self {
        EndpointAllowList { entries }
    }

    /// Parses every entry; the first bad one is the error.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Self, String> {
        let entries = entries.iter().map(|e| e.as_ref().parse()).collect::<Result<Vec<_>, _>>()?;
        Ok(EndpointAllowList { entries })
    }

    pub fn entries(&self) -> &[AllowedEndpoint] {
        &self.entries
    }

    /// Whether an account of `provider` (with `policy`) may use `endpoint`.
    pub fn check(&self, provider: &str, policy: EndpointPolicy, endpoint: &str) -> Result<(), EndpointError> {
        let EndpointPolicy::Url { public_host_suffixes } = policy else {
            return Err(EndpointError::NotAccepted { provider: provider.to_string() });
        };
        let url = EndpointUrl::parse(endpoint)?;
        let public = url.scheme() == "https"
            && url.port() == 443
            && url.is_domain()
            && public_host_suffixes.iter().any(|suffix| host_under(&url.host(), suffix));
        if public || self.entries.iter().any(|entry| entry.allows(&url)) {
            Ok(())
        } else {
            Err(EndpointError::NotAllowed { host: url.host() })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AWS: EndpointPolicy = EndpointPolicy::Url { public_host_suffixes: &["amazonaws.com"] };

    fn list(entries: &[&str]) -> EndpointAllowList {
        EndpointAllowList::parse(entries).expect("valid allow-list")
    }

    #[test]
    fn shapes_that_are_refused() {
        for bad in [
            "ftp://x/",
            "http://",
            "http:///path",
            "http://user:pw@127.0.0.1/",
            "http://127.0.0.1@evil/",
            "http://x/?q=1",
            "http://x/#f",
            "http://x\\@y/",
            "http://x/\u{1b}[2J",
            "http://x /",
            "file:///etc/passwd",
            "/var/lib/strato",
            "http://é.example/",
        ] {
            assert_eq!(EndpointUrl::parse(bad), Err(EndpointError::Malformed), "{bad:?}");
        }
        assert!(EndpointUrl::parse(&format!("http://x/{}", "a".repeat(ENDPOINT_MAX))).is_err());
    }

    #[test]
    fn public_endpoints_need_no_entry_and_nothing_else_passes_by_default() {
        let empty = EndpointAllowList::default();
        empty.check("aws", AWS, "https://ec2.us-east-1.amazonaws.com").expect("public endpoint");
        empty.check("aws", AWS, "https://amazonaws.com/").expect("the suffix itself");
        for refused in [
            "http://ec2.us-east-1.amazonaws.com",
            "https://ec2.amazonaws.com:8443/",
            "https://evilamazonaws.com/",
            "https://amazonaws.com.evil.net/",
            "http://127.0.0.1:5000",
            "http://169.254.169.254/latest/meta-data/",
            "http://2130706433/",
            "http://0x7f.1/",
        ] {
            assert!(matches!(empty.check("aws", AWS, refused), Err(EndpointError::NotAllowed { .. })), "{refused}");
        }
        assert_eq!(
            empty.check("kvm", EndpointPolicy::None, "https://ec2.amazonaws.com"),
            Err(EndpointError::NotAccepted { provider: "kvm".into() })
        );
    }

    #[test]
    fn entries_match_host_port_and_prefix() {
        let allow = list(&["127.0.0.1", "moto.local:5000", "*.corp.example", "https://proxy.example/aws/"]);
        allow.check("aws", AWS, "http://127.0.0.1:5000").expect("host, any port");
        allow.check("aws", AWS, "http://2130706433:81/").expect("IP literals normalise before matching");
        allow.check("aws", AWS, "http://moto.local:5000/").expect("host:port");
        assert!(allow.check("aws", AWS, "http://moto.local:5001/").is_err());
        allow.check("aws", AWS, "https://ec2.corp.example/").expect("subdomain");
        assert!(allow.check("aws", AWS, "https://corp.example/").is_err(), "*.domain is subdomains only");
        assert!(allow.check("aws", AWS, "https://xcorp.example/").is_err());
        allow.check("aws", AWS, "https://proxy.example/aws/ec2").expect("under the prefix");
        assert!(allow.check("aws", AWS, "https://proxy.example/awsx").is_err());
        assert!(allow.check("aws", AWS, "http://proxy.example/aws/").is_err(), "scheme is part of a prefix");
        assert!(allow.check("aws", AWS, "http://127.0.0.2/").is_err());
        let exact = list(&["http://127.0.0.1:5000"]);
        exact.check("aws", AWS, "http://127.0.0.1:5000").expect("same URL");
        exact.check("aws", AWS, "http://127.0.0.1:5000/x").expect("path under /");
        assert!(exact.check("aws", AWS, "http://127.0.0.1:5001").is_err());
    }

    #[test]
    fn bad_entries_are_refused() {
        for bad in ["", "http://u@h/", "h/path", "*.1.2.3.4:5", "ftp://h/"] {
            assert!(bad.parse::<AllowedEndpoint>().is_err(), "{bad:?}");
        }
        assert_eq!("LocalHost:80".parse::<AllowedEndpoint>(), Ok(AllowedEndpoint::HostPort("localhost".into(), 80)));
        assert_eq!("[::1]".parse::<AllowedEndpoint>(), Ok(AllowedEndpoint::Host("[::1]".into())));
    }
}
