//! The store's one error type. `class()` names the API error class each variant maps to.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No such object (or not visible to the caller).
    #[error("{kind} {key} not found")]
    NotFound { kind: &'static str, key: String },
    /// A uniqueness rule or a reference from another object forbids the change.
    #[error("{message}")]
    Conflict { kind: &'static str, message: String },
    /// Bad input, e.g. an unknown filter field; `field` names the culprit.
    #[error("invalid {field}: {message}")]
    InvalidInput { field: String, message: String },
    /// The master key is missing, malformed or does not match this database.
    #[error("{0}")]
    MasterKey(String),
    /// A ciphertext could not be decrypted (corrupt, or written under another key).
    #[error("decryption failed: {0}")]
    Crypto(String),
    #[error("bad store configuration: {0}")]
    Config(String),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    /// The API error class (see DESIGN.md "REST API").
    pub fn class(&self) -> &'static str {
        match self {
            StoreError::NotFound { .. } => "NotFoundError",
            StoreError::Conflict { .. } => "ConflictError",
            StoreError::InvalidInput { .. } => "InvalidInputError",
            _ => "InternalError",
        }
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        StoreError::InvalidInput { field: field.into(), message: message.into() }
    }

    pub fn not_found(kind: &'static str, key: impl std::fmt::Display) -> Self {
        StoreError::NotFound { kind, key: key.to_string() }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        StoreError::Io { path: path.into(), source }
    }
}

impl From<strato_types::ListQueryError> for StoreError {
    fn from(e: strato_types::ListQueryError) -> Self {
        StoreError::InvalidInput { field: e.param().to_string(), message: e.to_string() }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// How many of several objects sharing a name a lookup by that name lists in its conflict.
pub(crate) const AMBIGUOUS_SHOWN: usize = 5;

/// The one object a lookup by name found: `NotFound` for none, and for several a `Conflict`
/// that lists them (`describe` gives id and whereabouts), since acting on an arbitrary one of
/// them (`elasticsearch-delete NAME`) could hit the wrong object. Callers fetch at most
/// `AMBIGUOUS_SHOWN + 1` matches, within what the caller may see.
pub(crate) fn the_one_named<T>(kind: &'static str, name: &str, mut matches: Vec<T>, describe: impl Fn(&T) -> String) -> StoreResult<T> {
    let shown: String = name.chars().take(64).collect();
    match matches.len() {
        0 => Err(StoreError::not_found(kind, format!("{shown:?}"))),
        1 => Ok(matches.remove(0)),
        n => {
            let listed: Vec<String> = matches.iter().take(AMBIGUOUS_SHOWN).map(describe).collect();
            let more = if n > AMBIGUOUS_SHOWN { ", and more" } else { "" };
            Err(StoreError::Conflict {
                kind,
                message: format!("{kind} name {shown:?} is ambiguous: {}{more}; name one by its id", listed.join(", ")),
            })
        }
    }
}

/// "<id> (cloud account <name>, region <name>)" for an ambiguity conflict.
pub(crate) fn describe_cloud_object(id: impl std::fmt::Display, account: Option<&str>, region: Option<&str>) -> String {
    let mut whereabouts = Vec::new();
    if let Some(account) = account {
        whereabouts.push(format!("cloud account {account}"));
    }
    if let Some(region) = region {
        whereabouts.push(format!("region {region}"));
    }
    if whereabouts.is_empty() {
        id.to_string()
    } else {
        format!("{id} ({})", whereabouts.join(", "))
    }
}

/// Turns a write's database error into `Conflict` when it broke a unique or foreign-key rule.
pub(crate) fn on_write(kind: &'static str, unique_msg: impl FnOnce() -> String) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |e| match e.as_database_error() {
        Some(db) if db.is_unique_violation() => StoreError::Conflict { kind, message: unique_msg() },
        Some(db) if db.is_foreign_key_violation() => StoreError::Conflict {
            kind,
            message: format!("{kind} refers to a missing object, or other objects still refer to it"),
        },
        _ => StoreError::Database(e),
    }
}

/// Maps a delete's foreign-key violation to a clear conflict.
pub(crate) fn on_delete(kind: &'static str, key: String) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |e| match e.as_database_error() {
        Some(db) if db.is_foreign_key_violation() => StoreError::Conflict {
            kind,
            message: format!("{kind} {key} is still in use by other objects; delete them first"),
        },
        _ => StoreError::Database(e),
    }
}
