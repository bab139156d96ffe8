//! Raw AWS calls and error mapping: SDK clients per region (with the SDK's own retries off;
//! the shared request layer retries), and the one place AWS error codes become `CloudError`s.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use chrono::{DateTime, Utc};
use strato_cloud::{ApiClass, CloudError, CloudResult, DriverConfig, Requests, Tags};

use crate::{LIMITS, PROVIDER};

/// Region used for account-wide calls when the account names none.
pub const DEFAULT_REGION: &str = "us-east-1";

pub struct AwsClient {
    sdk: SdkConfig,
    pub requests: Requests,
    pub page_size: i32,
    pub default_region: String,
    regional: Mutex<HashMap<String, (aws_sdk_ec2::Client, aws_sdk_opensearch::Client)>>,
}

/// Access key ids are 16-128 upper-case letters and digits (AKIA..., ASIA...).
fn check_access_key_id(id: &str) -> CloudResult<()> {
    if (16..=128).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(CloudError::invalid_input("malformed credential 'access_key_id': expected 16-128 upper-case letters and digits"))
    }
}

fn check_secret(name: &str, secret: &str) -> CloudResult<()> {
    if secret.is_empty() || secret.len() > 4096 || secret.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(CloudError::invalid_input(format!("malformed credential '{name}': empty or contains whitespace")));
    }
    Ok(())
}

impl AwsClient {
    pub async fn connect(config: &DriverConfig) -> CloudResult<Self> {
        let creds = &config.credentials;
        let access_key_id = creds.require("access_key_id")?;
        check_access_key_id(access_key_id)?;
        let secret = creds.require("secret_access_key")?;
        check_secret("secret_access_key", secret)?;
        let session_token = creds.get("session_token").filter(|t| !t.is_empty());
        if let Some(token) = session_token {
            check_secret("session_token", token)?;
        }
        let role_arn = creds.get("role_arn").filter(|r| !r.is_empty());
        if let Some(role) = role_arn {
            if !role.starts_with("arn:") || role.split(':').count() < 6 {
                return Err(CloudError::invalid_input("malformed credential 'role_arn': expected arn:aws:iam::<account>:role/<name>"));
            }
        }
        let default_region = config.default_region.clone().unwrap_or_else(|| DEFAULT_REGION.to_string());
        let static_creds = aws_credential_types::Credentials::new(access_key_id, secret, session_token.map(str::to_string), None, "strato");
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(default_region.clone()))
            .credentials_provider(static_creds)
            // The shared request layer retries; the SDK must not retry on its own.
            .retry_config(RetryConfig::disabled())
            .timeout_config(TimeoutConfig::builder().connect_timeout(Duration::from_secs(10)).operation_attempt_timeout(Duration::from_secs(60)).build());
        if let Some(endpoint) = &config.endpoint {
            loader = loader.endpoint_url(endpoint);
        }
        let mut sdk = loader.load().await;
        if let Some(role) = role_arn {
            let provider = aws_config::sts::AssumeRoleProvider::builder(role).session_name("strato").configure(&sdk).build().await;
            sdk = sdk.into_builder().credentials_provider(SharedCredentialsProvider::new(provider)).build();
        }
        let page_size = config.page_size.map(|p| p.clamp(5, 1000) as i32).unwrap_or(1000);
        Ok(Self {
            sdk,
            requests: config.requests.scope(PROVIDER, config.account.clone(), LIMITS),
            page_size,
            default_region,
            regional: Mutex::new(HashMap::new()),
        })
    }

    fn clients(&self, region: &str) -> (aws_sdk_ec2::Client, aws_sdk_opensearch::Client) {
        let mut map = self.regional.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(region.to_string())
            .or_insert_with(|| {
                let ec2 = aws_sdk_ec2::config::Builder::from(&self.sdk).region(Region::new(region.to_string())).build();
                let os = aws_sdk_opensearch::config::Builder::from(&self.sdk).region(Region::new(region.to_string())).build();
                (aws_sdk_ec2::Client::from_conf(ec2), aws_sdk_opensearch::Client::from_conf(os))
            })
            .clone()
    }

    pub fn ec2(&self, region: &str) -> aws_sdk_ec2::Client {
        self.clients(region).0
    }

    pub fn opensearch(&self, region: &str) -> aws_sdk_opensearch::Client {
        self.clients(region).1
    }

    /// One EC2/OpenSearch call through the request layer, its error classified.
    pub async fn call<T, E, F, Fut>(&self, region: &str, class: ApiClass, api: &str, mut op: F) -> CloudResult<T>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        self.requests.call(region, class, api, || { let fut = op(); async move { fut.await.map_err(|e| map_sdk_error(api, &e)) } }).await
    }
}

/// Classify an SDK error. Messages carry AWS's text (which never includes our credentials).
pub fn map_sdk_error<E>(api: &str, err: &SdkError<E, HttpResponse>) -> CloudError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match err {
        SdkError::ConstructionFailure(_) => CloudError::invalid_input(format!("{api}: request could not be built")),
        // Refused, reset, timed out, TLS, DNS or not HTTP: one error for all, so its text does
        // not tell an open port from a closed one; the detail is for the server log only.
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            tracing::warn!(api, error = %aws_smithy_types::error::display::DisplayErrorContext(err), "AWS endpoint could not be reached");
            CloudError::unreachable(api)
        }
        SdkError::ServiceError(ctx) => {
            let status = Some(ctx.raw().status().as_u16());
            classify(api, ctx.err().code(), ctx.err().message(), status)
        }
        _ => CloudError::other(format!("{api}: {err}")),
    }
}

/// AWS error code (and HTTP status) -> our error kind.
pub fn classify(api: &str, code: Option<&str>, message: Option<&str>, status: Option<u16>) -> CloudError {
    let text = format!("{api}: {}", message.unwrap_or("request failed"));
    let Some(code) = code else {
        return match status {
            Some(429) => CloudError::throttled(text),
            Some(s) if s >= 500 => CloudError::transient(text),
            Some(401) => CloudError::unauthorized(text),
            Some(403) => CloudError::forbidden(text),
            Some(404) => CloudError::not_found(text),
            _ => CloudError::other(text),
        };
    };
    let err = match code {
        "RequestLimitExceeded" | "Throttling" | "ThrottlingException" | "TooManyRequestsException" | "SlowDown" | "RequestThrottled" => {
            CloudError::throttled(text)
        }
        "AuthFailure" | "UnrecognizedClientException" | "InvalidClientTokenId" | "SignatureDoesNotMatch" | "ExpiredToken"
        | "ExpiredTokenException" | "InvalidAccessKeyId" | "IncompleteSignature" | "MissingAuthenticationToken" => CloudError::unauthorized(text),
        "UnauthorizedOperation" | "AccessDenied" | "AccessDeniedException" | "OptInRequired" | "Blocked" | "PendingVerification" => {
            CloudError::forbidden(text)
        }
        "InternalError" | "InternalFailure" | "InternalException" | "ServiceUnavailable" | "Unavailable" | "ServiceUnavailableException"
        | "InsufficientInstanceCapacity" | "InsufficientCapacity" => CloudError::transient(text),
        "IncorrectState" | "IncorrectInstanceState" | "VolumeInUse" | "DependencyViolation" | "IdempotentParameterMismatch"
        | "InvalidState" | "ResourceAlreadyExistsException" | "ConflictException" | "InvalidStateException" | "ResourceInUse"
        | "InvalidVolume.NotAvailable" => CloudError::conflict(text),
        "ResourceNotFoundException" | "NotFound" => CloudError::not_found(text),
        "InvalidParameterValue" | "InvalidParameter" | "InvalidParameterCombination" | "MissingParameter" | "ValidationException"
        | "InvalidInput" | "UnsupportedOperation" | "Unsupported" | "InvalidRequest" | "InvalidInstanceType" | "InvalidBlockDeviceMapping"
        | "InvalidVolume.ZoneMismatch" | "InvalidAMIID.Unavailable" | "InvalidPaginationToken" | "InvalidNextToken"
        | "InvalidInstanceAttributeValue" => CloudError::invalid_input(text),
        c if c.ends_with(".Duplicate") || c.ends_with(".InUse") => CloudError::conflict(text),
        c if c.ends_with(".Malformed") => CloudError::invalid_input(text),
        c if c.ends_with(".NotFound") => CloudError::not_found(text),
        c if c.ends_with("LimitExceeded") || c.ends_with("LimitExceededException") || c.ends_with("QuotaExceeded") => {
            CloudError::quota_exceeded(text)
        }
        _ => match status {
            Some(s) if s >= 500 => CloudError::transient(text),
            Some(403) => CloudError::forbidden(text),
            Some(s) if (400..500).contains(&s) => CloudError::invalid_input(text),
            _ => CloudError::other(text),
        },
    };
    err.with_code(code)
}

pub fn to_chrono(dt: Option<&aws_smithy_types::DateTime>) -> Option<DateTime<Utc>> {
    dt.and_then(|d| DateTime::from_timestamp(d.secs(), d.subsec_nanos()))
}

/// Tag keys Strato keeps for itself (hidden from snapshots, kept by replacing tag sets).
pub const INTERNAL_TAG_PREFIX: &str = "strato:";
/// Tag carrying a server's idempotency token (emulators ignore ClientToken).
pub const TOKEN_TAG: &str = "strato:idempotency-token";

/// A not_found about something an input refers to (image, subnet, type) is bad input.
pub fn input_error(e: CloudError) -> CloudError {
    if e.is_not_found() {
        CloudError { kind: strato_cloud::CloudErrorKind::InvalidInput, ..e }
    } else {
        e
    }
}

/// EC2 tags -> (name from the `Name` tag, the other tags).
pub fn ec2_tags(tags: &[aws_sdk_ec2::types::Tag]) -> (Option<String>, Tags) {
    let mut name = None;
    let mut out = Tags::new();
    for t in tags {
        match (t.key(), t.value()) {
            (Some("Name"), Some(v)) => name = Some(v.to_string()),
            (Some(k), _) if k.starts_with(INTERNAL_TAG_PREFIX) => {}
            (Some(k), v) => {
                out.insert(k.to_string(), v.unwrap_or_default().to_string());
            }
            _ => {}
        }
    }
    (name, out)
}

pub fn ec2_tag_list(name: Option<&str>, tags: &Tags) -> Vec<aws_sdk_ec2::types::Tag> {
    let named = name.filter(|n| !n.is_empty()).map(|n| ("Name", n));
    named
        .into_iter()
        .chain(tags.iter().filter(|(k, _)| k.as_str() != "Name" && !k.starts_with(INTERNAL_TAG_PREFIX)).map(|(k, v)| (k.as_str(), v.as_str())))
        .map(|(k, v)| aws_sdk_ec2::types::Tag::builder().key(k).value(v).build())
        .collect()
}

pub fn filter(name: &str, values: &[&str]) -> aws_sdk_ec2::types::Filter {
    values.iter().fold(aws_sdk_ec2::types::Filter::builder().name(name), |b, v| b.values(*v)).build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use strato_cloud::CloudErrorKind as K;

    #[test]
    fn aws_codes_map_to_kinds() {
        let cases = [
            ("InvalidInstanceID.NotFound", K::NotFound),
            ("InvalidVolume.NotFound", K::NotFound),
            ("ResourceNotFoundException", K::NotFound),
            ("AuthFailure", K::Unauthorized),
            ("UnauthorizedOperation", K::Forbidden),
            ("RequestLimitExceeded", K::Throttled),
            ("InstanceLimitExceeded", K::QuotaExceeded),
            ("VcpuLimitExceeded", K::QuotaExceeded),
            ("InvalidInstanceID.Malformed", K::InvalidInput),
            ("InvalidAMIID.NotFound", K::NotFound),
            ("InvalidSubnetID.NotFound", K::NotFound),
            ("IncorrectInstanceState", K::Conflict),
            ("InvalidGroup.Duplicate", K::Conflict),
            ("InternalError", K::Transient),
        ];
        for (code, kind) in cases {
            let e = classify("Api", Some(code), Some("m"), Some(400));
            assert_eq!(e.kind, kind, "{code}");
            assert_eq!(e.code.as_deref(), Some(code));
        }
        assert_eq!(classify("Api", None, None, Some(503)).kind, K::Transient);
        assert_eq!(classify("Api", Some("Weird"), None, Some(500)).kind, K::Transient);
    }

    #[test]
    fn malformed_access_keys_are_rejected_without_echo() {
        let e = check_access_key_id("not a key").unwrap_err();
        assert!(!e.to_string().contains("not a key"));
        assert!(check_access_key_id("AKIAIOSFODNN7EXAMPLE").is_ok());
    }
}
