//! Sync history (one row per account x region x kind x run) and the change log (every field a
//! sync or a user's action changed).

use chrono::{DateTime, Utc};
use strato_types::CloudAccountId;

use super::{multi_row, ResourceId, Statement, SyncRunId, Synced, Value};
use crate::db::{from_micros, now, parse_enum, parse_id, to_micros, with_db};
use crate::error::StoreResult;

macro_rules! text_enum {
    ($name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }
        impl $name {
            pub fn as_str(self) -> &'static str { match self { $($name::$variant => $text),+ } }
        }
        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s { $($text => Ok($name::$variant),)+ _ => Err(format!("unknown {} {s:?}", stringify!($name))) }
            }
        }
    };
}

text_enum!(SyncScopeStatus { Succeeded => "succeeded", Failed => "failed", Skipped => "skipped" });
text_enum!(ChangeSource { Sync => "sync", User => "user" });

/// One (account, region, kind) of one sync run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncHistoryRow {
    pub run_id: SyncRunId,
    pub cloudaccount_id: CloudAccountId,
    /// The region's external id; empty for account-wide kinds.
    pub region: String,
    pub kind: String,
    pub status: SyncScopeStatus,
    pub added: u64,
    pub updated: u64,
    pub removed: u64,
    pub errors: u64,
    pub duplicates: u64,
    pub cloud_requests: u64,
    pub duration_ms: u64,
    pub error: Option<String>,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
}

/// One changed field of one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeEntry {
    pub resource_kind: &'static str,
    pub resource_id: ResourceId,
    pub cloudaccount_id: Option<CloudAccountId>,
    pub field: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub source: ChangeSource,
    /// The sync run id, or the acting user.
    pub actor: Option<String>,
}

/// A stored change-log entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredChange {
    pub resource_kind: String,
    pub resource_id: ResourceId,
    pub field: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub source: ChangeSource,
    pub actor: Option<String>,
    pub created_at: DateTime<Utc>,
}

const CHANGE_COLUMNS: &str = "id, resource_kind, resource_id, cloudaccount_id, field, old_value, new_value, source, actor, created_at";

pub(crate) fn change_statements(changes: &[ChangeEntry]) -> Vec<Statement> {
    let t = to_micros(now());
    let mut out = Vec::new();
    for chunk in changes.chunks(2_000) {
        let mut sql = String::new();
        multi_row(&format!("INSERT INTO resource_changes ({CHANGE_COLUMNS}) VALUES "), 10, chunk.len(), &mut sql);
        let mut values = Vec::with_capacity(chunk.len() * 10);
        for c in chunk {
            values.push(Value::text(uuid::Uuid::now_v7().to_string()));
            values.push(Value::text(c.resource_kind));
            values.push(Value::text(c.resource_id.to_string()));
            values.push(Value::Text(c.cloudaccount_id.map(|a| a.to_string())));
            values.push(Value::text(c.field.clone()));
            values.push(Value::Text(c.old_value.clone()));
            values.push(Value::Text(c.new_value.clone()));
            values.push(Value::text(c.source.as_str()));
            values.push(Value::Text(c.actor.clone()));
            values.push(Value::Int(Some(t)));
        }
        out.push((sql, values));
    }
    out
}

type HistoryTuple = (String, String, String, String, String, i64, i64, i64, i64, i64, i64, i64, Option<String>, i64, i64);

impl Synced<'_> {
    /// Records a run's history rows (one statement per 1,000 rows).
    pub async fn record_history(&self, rows: &[SyncHistoryRow]) -> StoreResult<()> {
        const COLS: &str = "id, run_id, cloudaccount_id, region, kind, status, added, updated, removed, errors, duplicates, \
                            cloud_requests, duration_ms, error, started_at, finished_at";
        for chunk in rows.chunks(1_000) {
            let mut sql = String::new();
            multi_row(&format!("INSERT INTO sync_history ({COLS}) VALUES "), 16, chunk.len(), &mut sql);
            let mut values = Vec::with_capacity(chunk.len() * 16);
            for r in chunk {
                values.push(Value::text(uuid::Uuid::now_v7().to_string()));
                values.push(Value::text(r.run_id.to_string()));
                values.push(Value::text(r.cloudaccount_id.to_string()));
                values.push(Value::text(r.region.clone()));
                values.push(Value::text(r.kind.clone()));
                values.push(Value::text(r.status.as_str()));
                for n in [r.added, r.updated, r.removed, r.errors, r.duplicates, r.cloud_requests, r.duration_ms] {
                    values.push(Value::Int(Some(i64::try_from(n).unwrap_or(i64::MAX))));
                }
                values.push(Value::Text(r.error.clone()));
                values.push(Value::Int(Some(to_micros(r.started_at))));
                values.push(Value::Int(Some(to_micros(r.finished_at))));
            }
            with_db!(self.store.db(), pool => {
                let mut q = sqlx::query(&sql);
                for v in &values {
                    q = match v {
                        Value::Text(t) => q.bind(t.clone()),
                        Value::Int(i) => q.bind(*i),
                        Value::Bool(b) => q.bind(*b),
                    };
                }
                q.execute(pool).await?.rows_affected();
            });
        }
        Ok(())
    }

    /// History of an account, newest run first (rows of a run in insertion order).
    pub async fn history(&self, account: CloudAccountId, limit: i64) -> StoreResult<Vec<SyncHistoryRow>> {
        self.history_of(account, None, limit).await
    }

    /// History of an account, or of one of its runs, newest run first.
    pub async fn history_of(&self, account: CloudAccountId, run: Option<SyncRunId>, limit: i64) -> StoreResult<Vec<SyncHistoryRow>> {
        let rows: Vec<HistoryTuple> = with_db!(self.store.db(), pool => sqlx::query_as(
            "SELECT run_id, cloudaccount_id, region, kind, status, added, updated, removed, errors, duplicates, cloud_requests, \
             duration_ms, error, started_at, finished_at FROM sync_history WHERE cloudaccount_id = $1 \
             AND ($3 = '' OR run_id = $3) ORDER BY started_at DESC, run_id DESC, id ASC LIMIT $2")
            .bind(account.to_string()).bind(limit).bind(run.map(|r| r.to_string()).unwrap_or_default())
            .fetch_all(pool).await?);
        rows.into_iter()
            .map(|r| {
                let n = |v: i64| u64::try_from(v).unwrap_or(0);
                Ok(SyncHistoryRow {
                    run_id: parse_id(&r.0, "sync_history.run_id")?,
                    cloudaccount_id: parse_id(&r.1, "sync_history.cloudaccount_id")?,
                    region: r.2,
                    kind: r.3,
                    status: parse_enum(&r.4, "sync_history.status")?,
                    added: n(r.5),
                    updated: n(r.6),
                    removed: n(r.7),
                    errors: n(r.8),
                    duplicates: n(r.9),
                    cloud_requests: n(r.10),
                    duration_ms: n(r.11),
                    error: r.12,
                    started_at: from_micros(r.13),
                    finished_at: from_micros(r.14),
                })
            })
            .collect()
    }

    /// Records change-log entries outside a sync (e.g. after a user's operation).
    pub async fn record_changes(&self, changes: &[ChangeEntry]) -> StoreResult<()> {
        for (sql, values) in change_statements(changes) {
            with_db!(self.store.db(), pool => {
                let mut q = sqlx::query(&sql);
                for v in &values {
                    q = match v {
                        Value::Text(t) => q.bind(t.clone()),
                        Value::Int(i) => q.bind(*i),
                        Value::Bool(b) => q.bind(*b),
                    };
                }
                q.execute(pool).await?.rows_affected();
            });
        }
        Ok(())
    }

    /// The change log of one resource, oldest first.
    pub async fn changes(&self, resource_kind: &str, resource: ResourceId) -> StoreResult<Vec<StoredChange>> {
        type Tuple = (String, String, String, Option<String>, Option<String>, String, Option<String>, i64);
        let rows: Vec<Tuple> = with_db!(self.store.db(), pool => sqlx::query_as(
            "SELECT resource_kind, resource_id, field, old_value, new_value, source, actor, created_at FROM resource_changes \
             WHERE resource_kind = $1 AND resource_id = $2 ORDER BY created_at, id")
            .bind(resource_kind).bind(resource.to_string()).fetch_all(pool).await?);
        rows.into_iter()
            .map(|r| {
                Ok(StoredChange {
                    resource_kind: r.0,
                    resource_id: parse_id(&r.1, "resource_changes.resource_id")?,
                    field: r.2,
                    old_value: r.3,
                    new_value: r.4,
                    source: parse_enum(&r.5, "resource_changes.source")?,
                    actor: r.6,
                    created_at: from_micros(r.7),
                })
            })
            .collect()
    }

    /// Number of change-log entries of an account (tests and benchmarks).
    pub async fn count_changes(&self, account: CloudAccountId) -> StoreResult<i64> {
        Ok(with_db!(self.store.db(), pool => sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM resource_changes WHERE cloudaccount_id = $1")
            .bind(account.to_string()).fetch_one(pool).await?))
    }
}
