//! Errors of the client: API errors decoded from the server's error body, and everything that
//! can go wrong before one arrives. None of them carries a token or a password.

use serde::Deserialize;

/// The server's error body: `{"error": {"code", "class", "message", "details"}}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ApiError {
    /// HTTP status the server answered with (also in `code`, but taken from the response line).
    #[serde(default)]
    pub code: u16,
    /// Error class, e.g. `NotFoundError`, `InvalidInputError`.
    pub class: String,
    pub message: String,
    #[serde(default)]
    pub details: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ApiErrorBody {
    pub error: ApiError,
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered with an error body.
    #[error("{}: {}", .0.class, .0.message)]
    Api(ApiError),
    /// The base URL (or a path built from it) is not a usable URL.
    #[error("invalid URL {url:?}: {reason}")]
    InvalidUrl { url: String, reason: String },
    /// The request could not be sent or its response not read (server down, refused, timeout).
    #[error("cannot reach {url}: {reason}")]
    Transport { url: String, reason: String },
    /// The server answered something that is not the documented shape.
    #[error("unexpected response from {url} (HTTP {status}): {reason}")]
    Decode { url: String, status: u16, reason: String },
    /// A call that needs a token was made without one.
    #[error("not logged in: run `strato login` or set STRATO_TOKEN")]
    NoToken,
}

impl ClientError {
    /// The class shown to users: the API's class, or a client-side one.
    pub fn class(&self) -> &str {
        match self {
            ClientError::Api(e) => &e.class,
            ClientError::InvalidUrl { .. } => "InvalidInputError",
            ClientError::Transport { .. } => "ConnectionError",
            ClientError::Decode { .. } => "ProtocolError",
            ClientError::NoToken => "UnauthorizedError",
        }
    }

    /// The message without the class prefix.
    pub fn message(&self) -> String {
        match self {
            ClientError::Api(e) => e.message.clone(),
            other => other.to_string(),
        }
    }

    /// HTTP status of an API error, if this is one.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Api(e) => Some(e.code),
            ClientError::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// Describes a reqwest error without its full chain of URLs and internals; reqwest errors never
/// contain headers, so the bearer token cannot leak through here.
pub(crate) fn describe_transport(err: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut reason = if err.is_timeout() {
        "timed out".to_string()
    } else if err.is_connect() {
        "connection failed".to_string()
    } else {
        "request failed".to_string()
    };
    // The innermost cause says what really happened ("Connection refused (os error 111)").
    let mut source = err.source();
    let mut last = None;
    while let Some(s) = source {
        last = Some(s.to_string());
        source = s.source();
    }
    if let Some(cause) = last {
        reason.push_str(": ");
        reason.push_str(&cause);
    }
    reason
}
