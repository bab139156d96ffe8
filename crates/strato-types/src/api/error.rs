//! The one error body every failing API call answers with.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `{"error": {...}}`: the body of every 4xx/5xx answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    /// The HTTP status code, repeated in the body.
    pub code: u16,
    /// Machine-readable error class, e.g. `InvalidInputError`, `NotFoundError`.
    pub class: String,
    /// Human-readable explanation.
    pub message: String,
    /// Extra structured information (e.g. which field was wrong), or null.
    #[schema(value_type = Object, nullable = true)]
    pub details: serde_json::Value,
}
