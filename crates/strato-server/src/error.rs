//! The one API error type and its HTTP mapping. Every failure a handler or extractor can
//! produce becomes an `ApiError`, and `IntoResponse` below is the only place that turns it into
//! a status code and the `{"error": {...}}` body.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;
use strato_types::api::{ErrorBody, ErrorDetail};
use strato_types::list::ListQueryError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{message}")]
    InvalidInput { message: String, details: Value },
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    /// The message is logged, never sent: it may describe internals.
    #[error("internal error: {0}")]
    Internal(String),
    #[error("{0}")]
    Unavailable(String),
    /// Throttled (login attempts): answered with `Retry-After: retry_after_secs`.
    #[error("{message}")]
    TooManyRequests { message: String, retry_after_secs: u64 },
    /// The request body did not arrive within the body timeout.
    #[error("{0}")]
    RequestTimeout(String),
    /// The request line's URI is longer than the server reads.
    #[error("{0}")]
    UriTooLong(String),
    /// The request head (headers) is larger than the server reads.
    #[error("{0}")]
    HeadersTooLarge(String),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn invalid(message: impl Into<String>) -> Self {
        ApiError::InvalidInput { message: message.into(), details: Value::Null }
    }

    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        ApiError::InvalidInput {
            message: message.into(),
            details: serde_json::json!({ "field": field }),
        }
    }

    /// The answer for an object the caller may not see or that does not exist: the two are
    /// indistinguishable on purpose.
    pub fn not_found(kind: &str, id_or_name: &str) -> Self {
        ApiError::NotFound(format!("{kind} {id_or_name:?} not found"))
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError::Forbidden(message.into())
    }

    pub fn internal(message: impl std::fmt::Display) -> Self {
        ApiError::Internal(message.to_string())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::InvalidInput { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::UriTooLong(_) => StatusCode::URI_TOO_LONG,
            ApiError::HeadersTooLarge(_) => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        }
    }

    pub fn class(&self) -> &'static str {
        match self {
            ApiError::InvalidInput { .. } => "InvalidInputError",
            ApiError::Unauthorized(_) => "UnauthorizedError",
            ApiError::Forbidden(_) => "ForbiddenError",
            ApiError::NotFound(_) => "NotFoundError",
            ApiError::MethodNotAllowed(_) => "MethodNotAllowedError",
            ApiError::Conflict(_) => "ConflictError",
            ApiError::PayloadTooLarge(_) => "PayloadTooLargeError",
            ApiError::Internal(_) => "InternalError",
            ApiError::Unavailable(_) => "UnavailableError",
            ApiError::TooManyRequests { .. } => "TooManyRequestsError",
            ApiError::RequestTimeout(_) => "RequestTimeoutError",
            ApiError::UriTooLong(_) => "UriTooLongError",
            ApiError::HeadersTooLarge(_) => "HeadersTooLargeError",
        }
    }

    pub fn body(&self) -> ErrorBody {
        let (message, details) = match self {
            ApiError::InvalidInput { message, details } => (message.clone(), details.clone()),
            ApiError::Internal(_) => ("internal error; see the server log".to_string(), Value::Null),
            other => (other.to_string(), Value::Null),
        };
        ErrorBody {
            error: ErrorDetail {
                code: self.status().as_u16(),
                class: self.class().to_string(),
                message,
                details,
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(cause) = &self {
            tracing::error!(%cause, "internal error");
        }
        let mut response = (self.status(), Json(self.body())).into_response();
        if let ApiError::TooManyRequests { retry_after_secs, .. } = &self {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, (*retry_after_secs).into());
        }
        response
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::JsonDataError(e) => {
                let (field, message) = describe_data_error(&e);
                let details = match &field {
                    Some(field) => serde_json::json!({ "field": field }),
                    None => Value::Null,
                };
                let message = match field {
                    Some(field) => format!("invalid request body: {field}: {message}"),
                    None => format!("invalid request body: {message}"),
                };
                ApiError::InvalidInput { message, details }
            }
            // serde_json's syntax errors name a position, never a value.
            JsonRejection::JsonSyntaxError(e) => ApiError::invalid(format!("malformed JSON: {}", e.body_text())),
            JsonRejection::MissingJsonContentType(_) => {
                ApiError::invalid("expected a request with `Content-Type: application/json`")
            }
            JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                ApiError::PayloadTooLarge(format!("request body is larger than {} bytes", crate::BODY_LIMIT_BYTES))
            }
            JsonRejection::BytesRejection(e) if crate::limits::is_body_timeout(&e) => {
                crate::limits::body_timeout_error()
            }
            _ => ApiError::invalid("could not read the request body"),
        }
    }
}

/// The field and what was wrong with it, without the value that was sent: serde quotes the
/// offending value (`invalid type: string "hunter2", expected a map`), and a secret sent with
/// the wrong type must not come back in the answer or land in the action log.
fn describe_data_error(error: &axum::extract::rejection::JsonDataError) -> (Option<String>, String) {
    // axum wraps serde's error once or twice; walk down to it.
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(error);
    let inner = loop {
        match source {
            Some(e) => match e.downcast_ref::<serde_path_to_error::Error<serde_json::Error>>() {
                Some(found) => break found,
                None => source = e.source(),
            },
            None => return (None, "the body does not match the expected shape".into()),
        }
    };
    let path = inner.path().to_string();
    let field = (path != ".").then_some(path);
    (field, without_values(&inner.inner().to_string()))
}

/// serde_json's data error message with every quoted value of the input left out; messages
/// of a shape not known to be value-free become a generic one.
fn without_values(message: &str) -> String {
    // "... at line 1 column 42" says nothing the field path does not.
    let message = match message.rfind(" at line ") {
        Some(at) => &message[..at],
        None => message,
    };
    let expected = |rest: &str| rest.split_once(", expected ").map(|(_, e)| e.to_string());
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        // "string \"...\"", "integer `1`", "floating point `1.5`", "map": the words before the value
        let sent = rest.split(['`', '"', ',']).next().unwrap_or("value").trim();
        return match expected(rest) {
            Some(e) => format!("wrong type ({sent}), expected {e}"),
            None => format!("wrong type ({sent})"),
        };
    }
    for (prefix, what) in [("invalid value: ", "invalid value"), ("unknown variant ", "unknown value")] {
        if let Some(rest) = message.strip_prefix(prefix) {
            return match expected(rest) {
                Some(e) => format!("{what}, expected {e}"),
                None => what.to_string(),
            };
        }
    }
    // These name fields or counts, never values.
    let value_free = ["unknown field ", "missing field ", "duplicate field ", "invalid length "];
    if value_free.iter().any(|p| message.starts_with(p)) {
        return message.to_string();
    }
    "invalid value".to_string()
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::invalid(format!("invalid path: {}", rejection.body_text()))
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::invalid(format!("invalid query: {}", rejection.body_text()))
    }
}

impl From<ListQueryError> for ApiError {
    fn from(error: ListQueryError) -> Self {
        let details = match &error {
            ListQueryError::Filter(f) => serde_json::json!({ "field": "filter", "expression": f.expression }),
            other => serde_json::json!({ "field": other.param() }),
        };
        ApiError::InvalidInput { message: error.to_string(), details }
    }
}

/// The one place store failures become API errors.
impl From<strato_store::StoreError> for ApiError {
    fn from(error: strato_store::StoreError) -> Self {
        use strato_store::StoreError as E;
        match error {
            E::NotFound { kind, key } => ApiError::NotFound(format!("{kind} {key:?} not found")),
            E::Conflict { message, .. } => ApiError::Conflict(message),
            E::InvalidInput { field, message } => ApiError::InvalidInput {
                message: format!("invalid {field}: {message}"),
                details: serde_json::json!({ "field": field }),
            },
            other => ApiError::Internal(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::without_values;

    #[test]
    fn data_errors_never_quote_the_value_sent() {
        let cases = [
            ("invalid type: string \"hunter2-secret\", expected a map at line 1 column 30", "wrong type (string), expected a map"),
            ("invalid type: integer `123456789`, expected a string at line 1 column 9", "wrong type (integer), expected a string"),
            ("invalid type: floating point `1.5`, expected a string", "wrong type (floating point), expected a string"),
            ("invalid value: string \"s3cret\", expected a valid id", "invalid value, expected a valid id"),
            ("unknown variant `Viewer`, expected one of `admin`, `member`, `viewer`", "unknown value, expected one of `admin`, `member`, `viewer`"),
            ("missing field `name` at line 1 column 2", "missing field `name`"),
            ("unknown field `nmae`, expected `name`", "unknown field `nmae`, expected `name`"),
            ("some custom message quoting hunter2", "invalid value"),
        ];
        for (serde, ours) in cases {
            assert_eq!(without_values(serde), ours, "{serde}");
        }
    }
}
