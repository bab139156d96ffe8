//! Errors of the kvm layer. They are typed so the driver boundary can classify them once
//! (not_found, invalid_input, conflict, quota_exceeded, transient, other).

use std::path::PathBuf;

use crate::qmp::QmpError;

#[derive(Debug, thiserror::Error)]
pub enum KvmError {
    #[error("{kind} {id} not found")]
    NotFound { kind: &'static str, id: String },
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The request conflicts with the resource's current state (e.g. running, attached elsewhere).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The host lacks the cpus, memory or disk space the request needs.
    #[error("host capacity exceeded: {0}")]
    CapacityExceeded(String),
    #[error("qmp: {0}")]
    Qmp(#[from] QmpError),
    /// qemu or qemu-img failed; the message carries their stderr.
    #[error("{program} failed: {message}")]
    Command { program: String, message: String },
    #[error("{context}: {path}: {source}")]
    Io { context: &'static str, path: PathBuf, source: std::io::Error },
    #[error("bad state file {path}: {message}")]
    BadState { path: PathBuf, message: String },
    #[error("timed out: {0}")]
    Timeout(String),
}

pub type Result<T, E = KvmError> = std::result::Result<T, E>;

impl KvmError {
    pub(crate) fn io(context: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> KvmError {
        let path = path.into();
        move |source| KvmError::Io { context, path, source }
    }
}
