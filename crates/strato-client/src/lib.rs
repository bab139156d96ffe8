//! Typed HTTP client of the Strato REST API (see ../../shared/DESIGN.md, "REST API").
//!
//! Objects are kept as `serde_json::Value`: the CLI prints the API's own objects, and a typed
//! view of every kind would only duplicate strato-types. Lists, login and errors are typed.

mod error;
mod list;

pub use error::{ApiError, ClientError};
pub use list::{ListPage, ListQuery};
pub use reqwest::Method;

use reqwest::{StatusCode, Url};
use serde::Deserialize;
use serde_json::Value;
use std::fmt;
use std::time::Duration;

pub type Result<T> = std::result::Result<T, ClientError>;

/// The address the server listens on by default.
pub const DEFAULT_URL: &str = "http://127.0.0.1:8686";

/// A bearer token. Its Debug and Display never show the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    pub fn new(secret: impl Into<String>) -> Self {
        Token(secret.into())
    }
    /// The secret itself; only for sending it or writing it to the 0600 config file.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// Answer of `POST /auth/login`.
#[derive(Debug, Clone, Deserialize)]
pub struct LoginResponse {
    pub token: Token,
    #[serde(default)]
    pub expires_at: Option<String>,
}

impl<'de> Deserialize<'de> for Token {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        String::deserialize(d).map(Token)
    }
}

/// A client of one Strato server, optionally authenticated with a bearer token.
#[derive(Clone)]
pub struct Client {
    base: Url,
    token: Option<Token>,
    http: reqwest::Client,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base.as_str())
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl Client {
    /// A client of the server at `base_url` (e.g. `http://127.0.0.1:8686`).
    pub fn new(base_url: &str, token: Option<Token>) -> Result<Self> {
        let mut base = Url::parse(base_url).map_err(|e| ClientError::InvalidUrl {
            url: base_url.to_string(),
            reason: e.to_string(),
        })?;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err(ClientError::InvalidUrl {
                url: base_url.to_string(),
                reason: "expected an http:// or https:// URL".to_string(),
            });
        }
        // Paths are appended segment by segment; a trailing slash would leave an empty segment.
        if base.path().ends_with('/') {
            let trimmed = base.path().trim_end_matches('/').to_string();
            base.set_path(&trimmed);
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(300))
            .build()
            .map_err(|e| ClientError::Transport {
                url: base.to_string(),
                reason: error::describe_transport(&e),
            })?;
        Ok(Client { base, token, http })
    }

    pub fn base_url(&self) -> &str {
        self.base.as_str()
    }

    pub fn with_token(mut self, token: Token) -> Self {
        self.token = Some(token);
        self
    }

    /// `POST /auth/login`.
    pub async fn login(&self, username: &str, password: &str, domain: &str) -> Result<LoginResponse> {
        let body = serde_json::json!({"username": username, "password": password, "domain": domain});
        let value = self.send(Method::POST, &["auth", "login"], &[], Some(&body), false).await?;
        let url = self.url(&["auth", "login"], &[])?.to_string();
        serde_json::from_value(value).map_err(|e| ClientError::Decode {
            url,
            status: 200,
            reason: e.to_string(),
        })
    }

    /// `POST /auth/logout`: revokes the token this client sends; answers the revoked token.
    pub async fn logout(&self) -> Result<Value> {
        self.send(Method::POST, &["auth", "logout"], &[], None, true).await
    }

    /// `GET /auth/whoami`.
    pub async fn whoami(&self) -> Result<Value> {
        self.send(Method::GET, &["auth", "whoami"], &[], None, true).await
    }

    /// `GET /<plural>` with every list parameter.
    pub async fn list(&self, plural: &str, query: &ListQuery) -> Result<ListPage> {
        let params = query.to_params();
        let value = self.send(Method::GET, &[plural], &params, None, true).await?;
        ListPage::from_response(plural, value).map_err(|reason| ClientError::Decode {
            url: self.base.to_string(),
            status: 200,
            reason,
        })
    }

    /// `GET /<plural>/<id-or-name>`; `details` adds the names of referenced objects.
    pub async fn show(&self, plural: &str, id: &str, details: bool) -> Result<Value> {
        let params = if details { vec![("details".to_string(), "true".to_string())] } else { vec![] };
        self.send(Method::GET, &[plural, id], &params, None, true).await
    }

    /// `POST /<plural>`.
    pub async fn create(&self, plural: &str, body: &Value) -> Result<Value> {
        self.send(Method::POST, &[plural], &[], Some(body), true).await
    }

    /// `PUT /<plural>/<id>`.
    pub async fn update(&self, plural: &str, id: &str, body: &Value) -> Result<Value> {
        self.send(Method::PUT, &[plural, id], &[], Some(body), true).await
    }

    /// `DELETE /<plural>/<id>`; answers the deleted object, or `Value::Null` on 204.
    pub async fn delete(&self, plural: &str, id: &str) -> Result<Value> {
        self.send(Method::DELETE, &[plural, id], &[], None, true).await
    }

    /// `POST /<plural>/<id>/<action>`; asynchronous actions answer 202 with the task.
    pub async fn perform(&self, plural: &str, id: &str, action: &str, body: &Value) -> Result<Value> {
        self.send(Method::POST, &[plural, id, action], &[], Some(body), true).await
    }

    /// Any other call: `method` on the given path segments (each is percent-encoded).
    pub async fn request(
        &self,
        method: Method,
        segments: &[&str],
        params: &[(String, String)],
        body: Option<&Value>,
    ) -> Result<Value> {
        self.send(method, segments, params, body, true).await
    }

    fn url(&self, segments: &[&str], params: &[(String, String)]) -> Result<Url> {
        let mut url = self.base.clone();
        {
            let mut path = url.path_segments_mut().map_err(|()| ClientError::InvalidUrl {
                url: self.base.to_string(),
                reason: "cannot be a base URL".to_string(),
            })?;
            path.pop_if_empty();
            path.extend(segments);
        }
        if !params.is_empty() {
            url.query_pairs_mut().extend_pairs(params);
        }
        Ok(url)
    }

    async fn send(
        &self,
        method: Method,
        segments: &[&str],
        params: &[(String, String)],
        body: Option<&Value>,
        authenticated: bool,
    ) -> Result<Value> {
        let url = self.url(segments, params)?;
        let shown_url = url.to_string();
        let mut request = self.http.request(method, url);
        if authenticated {
            let token = self.token.as_ref().ok_or(ClientError::NoToken)?;
            request = request.bearer_auth(token.expose());
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(|e| ClientError::Transport {
            url: shown_url.clone(),
            reason: error::describe_transport(&e),
        })?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(|e| ClientError::Transport {
            url: shown_url.clone(),
            reason: error::describe_transport(&e),
        })?;
        decode(&shown_url, status, &bytes)
    }
}

/// Turns a response into the object, or into the typed API error.
fn decode(url: &str, status: StatusCode, bytes: &[u8]) -> Result<Value> {
    if status.is_success() {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        return serde_json::from_slice(bytes).map_err(|e| ClientError::Decode {
            url: url.to_string(),
            status: status.as_u16(),
            reason: format!("invalid JSON: {e}"),
        });
    }
    match serde_json::from_slice::<error::ApiErrorBody>(bytes) {
        Ok(body) => {
            let mut api = body.error;
            api.code = status.as_u16();
            Err(ClientError::Api(api))
        }
        // Not our error body (a proxy, or a server crash): keep the status and a short excerpt.
        Err(_) => {
            let text = String::from_utf8_lossy(bytes);
            let excerpt: String = text.trim().chars().take(200).collect();
            Err(ClientError::Decode {
                url: url.to_string(),
                status: status.as_u16(),
                reason: if excerpt.is_empty() { "no error body".to_string() } else { excerpt },
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_error_is_decoded_with_class_and_message() {
        let body = br#"{"error":{"code":404,"class":"NotFoundError","message":"project p9 not found","details":null}}"#;
        let err = decode("http://x/projects/p9", StatusCode::NOT_FOUND, body).unwrap_err();
        assert_eq!(err.class(), "NotFoundError");
        assert_eq!(err.message(), "project p9 not found");
        assert_eq!(err.status(), Some(404));
        assert_eq!(err.to_string(), "NotFoundError: project p9 not found");
    }

    #[test]
    fn non_api_error_body_keeps_status() {
        let err = decode("http://x/", StatusCode::BAD_GATEWAY, b"<html>bad gateway</html>").unwrap_err();
        assert_eq!(err.class(), "ProtocolError");
        assert_eq!(err.status(), Some(502));
    }

    #[test]
    fn empty_success_is_null() {
        assert_eq!(decode("http://x/", StatusCode::NO_CONTENT, b"").unwrap(), Value::Null);
    }

    #[test]
    fn debug_never_shows_the_token() {
        let client = Client::new("http://127.0.0.1:8686/", Some(Token::new("s3cr3t-value"))).unwrap();
        let shown = format!("{client:?}");
        assert!(!shown.contains("s3cr3t-value"), "{shown}");
        assert!(!format!("{:?}", Token::new("s3cr3t-value")).contains("s3cr3t"));
    }

    #[test]
    fn urls_encode_each_segment_and_repeat_filters() {
        let client = Client::new("http://127.0.0.1:8686/api/", None).unwrap();
        let query = ListQuery {
            limit: Some(5),
            filters: vec!["name.in(a,b)".into(), "status.equals(ok)".into()],
            details: true,
            ..Default::default()
        };
        let url = client.url(&["projects", "my project/x"], &query.to_params()).unwrap();
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:8686/api/projects/my%20project%2Fx?limit=5&filter=name.in%28a%2Cb%29&filter=status.equals%28ok%29&details=true"
        );
    }

    #[test]
    fn bad_base_urls_are_rejected() {
        assert!(matches!(Client::new("127.0.0.1:8686", None), Err(ClientError::InvalidUrl { .. })));
        assert!(matches!(Client::new("ftp://h/", None), Err(ClientError::InvalidUrl { .. })));
    }

    #[tokio::test]
    async fn calls_without_a_token_fail_before_sending() {
        let client = Client::new("http://127.0.0.1:9", None).unwrap();
        let err = client.list("projects", &ListQuery::default()).await.unwrap_err();
        assert!(matches!(err, ClientError::NoToken));
    }
}
