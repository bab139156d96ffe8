//! The one error type every driver returns, classified once at the driver boundary.

use std::time::Duration;

/// What went wrong, in the terms callers act on (retry, treat as gone, report to the user).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CloudErrorKind {
    NotFound,
    NotImplemented,
    Unauthorized,
    Forbidden,
    Throttled,
    Transient,
    InvalidInput,
    Conflict,
    QuotaExceeded,
    Other,
}

impl CloudErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotFound => "not_found",
            Self::NotImplemented => "not_implemented",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::Throttled => "throttled",
            Self::Transient => "transient",
            Self::InvalidInput => "invalid_input",
            Self::Conflict => "conflict",
            Self::QuotaExceeded => "quota_exceeded",
            Self::Other => "other",
        }
    }
}

impl std::fmt::Display for CloudErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error from a cloud call. `code` keeps the cloud's own error code (e.g.
/// `InvalidInstanceID.NotFound`) for logs; `message` must never contain secrets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {message}{}", code.as_ref().map(|c| format!(" ({c})")).unwrap_or_default())]
pub struct CloudError {
    pub kind: CloudErrorKind,
    pub message: String,
    pub code: Option<String>,
    /// How long the cloud asked us to wait (Retry-After), for throttled/transient errors.
    pub retry_after: Option<Duration>,
}

pub type CloudResult<T> = Result<T, CloudError>;

impl CloudError {
    pub fn new(kind: CloudErrorKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into(), code: None, retry_after: None }
    }
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }
    pub fn with_retry_after(mut self, after: Duration) -> Self {
        self.retry_after = Some(after);
        self
    }
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::new(CloudErrorKind::NotFound, what)
    }
    pub fn not_implemented(what: impl Into<String>) -> Self {
        Self::new(CloudErrorKind::NotImplemented, what)
    }
    pub fn unauthorized(msg: impl Into<String>) -> Self {
        Self::new(CloudErrorKind::Unauthorized, msg)
    }
    pub fn forbidden(msg: impl Into<String>) -> Self {
        Self::new(CloudErrorKind::Forbidden, msg)
    }
    pub fn throttled(msg: impl Into<String>) -> Self {
        Self::new(CloudErrorKind::Throttled, msg)
    }
    pub fn transient(msg: impl Into<String>) -> Self {
        Self::new(CloudErrorKind::Transient, msg)
    }
    pub fn invalid_input(msg: impl Into<String>) -> Self {
        Self::new(CloudErrorKind::InvalidInput, msg)
    }
    pub fn conflict(msg: impl Into<String>) -> Self {
        Self::new(CloudErrorKind::Conflict, msg)
    }
    pub fn quota_exceeded(msg: impl Into<String>) -> Self {
        Self::new(CloudErrorKind::QuotaExceeded, msg)
    }
    pub fn other(msg: impl Into<String>) -> Self {
        Self::new(CloudErrorKind::Other, msg)
    }
    /// The endpoint did not answer as a cloud (refused, reset, timed out, TLS, DNS, not HTTP):
    /// one text for all of them, so errors do not tell open ports from closed ones. Drivers
    /// log the detail.
    pub fn unreachable(api: &str) -> Self {
        Self::transient(format!("{api}: {}", crate::endpoint::ENDPOINT_UNREACHABLE)).with_code(crate::endpoint::ENDPOINT_UNREACHABLE_CODE)
    }
    pub fn is_unreachable(&self) -> bool {
        self.code.as_deref() == Some(crate::endpoint::ENDPOINT_UNREACHABLE_CODE)
    }

    /// Only throttling and transient failures are worth another attempt.
    pub fn is_retryable(&self) -> bool {
        matches!(self.kind, CloudErrorKind::Throttled | CloudErrorKind::Transient)
    }
    pub fn is_not_found(&self) -> bool {
        self.kind == CloudErrorKind::NotFound
    }
    pub fn is_not_implemented(&self) -> bool {
        self.kind == CloudErrorKind::NotImplemented
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_throttled_and_transient_are_retryable() {
        assert!(CloudError::throttled("slow down").is_retryable());
        assert!(CloudError::transient("503").is_retryable());
        assert!(!CloudError::not_found("i-1").is_retryable());
        assert!(!CloudError::invalid_input("bad").is_retryable());
        assert!(!CloudError::unauthorized("no").is_retryable());
    }

    #[test]
    fn display_names_kind_and_code() {
        let e = CloudError::not_found("instance i-1").with_code("InvalidInstanceID.NotFound");
        assert_eq!(e.to_string(), "not_found: instance i-1 (InvalidInstanceID.NotFound)");
    }
}
