//! Errors: what a step answers (`StepError`) and what the engine's own operations answer.

use std::time::Duration;

use strato_cloud::CloudError;
use strato_store::StoreError;

/// A step's failure. Retryable ones are retried with exponential backoff up to the kind's
/// attempt limit; permanent ones (and retryable ones past the limit) unwind the task.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StepError {
    #[error("{message}")]
    Retryable { message: String, retry_after: Option<Duration> },
    #[error("{0}")]
    Permanent(String),
}

impl StepError {
    pub fn retryable(message: impl Into<String>) -> Self {
        StepError::Retryable { message: message.into(), retry_after: None }
    }
    pub fn permanent(message: impl Into<String>) -> Self {
        StepError::Permanent(message.into())
    }
    pub fn is_retryable(&self) -> bool {
        matches!(self, StepError::Retryable { .. })
    }
}

/// Cloud errors keep their driver-boundary classification (throttled and transient retry).
impl From<CloudError> for StepError {
    fn from(e: CloudError) -> Self {
        if e.is_retryable() {
            StepError::Retryable { message: e.to_string(), retry_after: e.retry_after }
        } else {
            StepError::Permanent(e.to_string())
        }
    }
}

/// A database error inside a step is worth another try; anything else the store says is not.
impl From<StoreError> for StepError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Database(_) => StepError::retryable(e.to_string()),
            other => StepError::Permanent(other.to_string()),
        }
    }
}

/// Errors of the engine's operations (enqueue, cancel, retry, registration).
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("unknown task kind {0:?}")]
    UnknownKind(String),
    #[error("task kind {0:?} is registered twice")]
    DuplicateKind(String),
    #[error("params of task kind {kind:?}: {message}")]
    Params { kind: String, message: String },
    #[error("timed out waiting for task {0}")]
    Timeout(strato_types::TaskId),
}
