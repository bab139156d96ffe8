//! The two backends behind one API. SQL text is shared (`$1` placeholders work on both); the
//! `with_db!` macro compiles each query once per backend.

use chrono::{DateTime, TimeZone, Utc};
use sqlx::{PgPool, SqlitePool};

use crate::error::{StoreError, StoreResult};

#[derive(Clone, Debug)]
pub(crate) enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Db {
    pub(crate) fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }
}

/// `with_db!(db, pool => expr)` evaluates `expr` with `pool` bound to the backend's pool.
macro_rules! with_db {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}
pub(crate) use with_db;

/// A bound parameter of a dynamically built query.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SqlValue {
    Text(String),
    Int(i64),
    Bool(bool),
}

/// Binds every value of `$values` onto the query `$q` (works for any backend).
macro_rules! bind_all {
    ($q:expr, $values:expr) => {{
        let mut q = $q;
        for value in $values {
            q = match value {
                $crate::db::SqlValue::Text(t) => q.bind(t.clone()),
                $crate::db::SqlValue::Int(i) => q.bind(*i),
                $crate::db::SqlValue::Bool(b) => q.bind(*b),
            };
        }
        q
    }};
}
pub(crate) use bind_all;

/// Timestamps are stored as microseconds since the epoch.
pub(crate) fn to_micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

pub(crate) fn from_micros(micros: i64) -> DateTime<Utc> {
    Utc.timestamp_micros(micros).single().unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

/// Now, truncated to what the database keeps.
pub(crate) fn now() -> DateTime<Utc> {
    from_micros(to_micros(Utc::now()))
}

/// Parses a stored id; a malformed one means the database was edited by hand.
pub(crate) fn parse_id<T: std::str::FromStr>(text: &str, column: &str) -> StoreResult<T> {
    text.parse().map_err(|_| StoreError::Config(format!("corrupt {column} {text:?} in the database")))
}

pub(crate) fn parse_enum<T: std::str::FromStr>(text: &str, column: &str) -> StoreResult<T> {
    text.parse().map_err(|_| StoreError::Config(format!("corrupt {column} {text:?} in the database")))
}

/// Checks a user-given name. Names may not look like ids, so "id or name" is unambiguous.
pub(crate) fn validate_name(kind: &str, name: &str) -> StoreResult<()> {
    let problem = if name.is_empty() {
        Some("must not be empty".to_string())
    } else if name.chars().count() > 128 {
        Some("is longer than 128 characters".to_string())
    } else if name.chars().any(|c| c.is_control()) {
        Some("contains control characters".to_string())
    } else if name.trim() != name {
        Some("has leading or trailing spaces".to_string())
    } else if strato_types::ids::looks_like_id(name) {
        Some("looks like an id (a UUID)".to_string())
    } else {
        None
    };
    match problem {
        Some(p) => Err(StoreError::invalid("name", format!("{kind} name {:?} {p}", name.chars().take(64).collect::<String>()))),
        None => Ok(()),
    }
}
