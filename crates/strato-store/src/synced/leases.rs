//! Sync leases: one sync per (account, scope) at a time, also across replicas sharing one
//! database. A lease expires; anyone may take over an expired lease, and the lease of a dead
//! holder at once. Sync runs hold leases under their run id, which is their task's id, so the
//! task's own lease tells whether the holder lives: a holder whose task has ended, is no longer
//! running, or is running under an expired task lease (its process died) holds nothing. One
//! upsert statement decides, so it is atomic on SQLite and on PostgreSQL.

use std::time::Duration;

use chrono::{DateTime, Utc};
use strato_types::CloudAccountId;

use crate::db::{from_micros, now, to_micros, with_db};
use crate::error::StoreResult;
use crate::Store;

pub struct Leases<'a> {
    pub(crate) store: &'a Store,
}

/// Who holds a lease, until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseHolder {
    pub owner: String,
    pub expires_at: DateTime<Utc>,
}

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX / 2)
}

impl Leases<'_> {
    /// Takes the lease if it is free, expired, already ours (then it is extended) or held by
    /// a dead task. Answers whether `owner` holds it now.
    pub async fn acquire(&self, account: CloudAccountId, scope: &str, owner: &str, ttl: Duration) -> StoreResult<bool> {
        let t = to_micros(now());
        let done = with_db!(self.store.db(), pool => sqlx::query(
            "INSERT INTO sync_leases (cloudaccount_id, scope, owner, acquired_at, expires_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (cloudaccount_id, scope) DO UPDATE SET owner = excluded.owner, acquired_at = excluded.acquired_at, \
             expires_at = excluded.expires_at \
             WHERE sync_leases.expires_at <= $4 OR sync_leases.owner = excluded.owner \
                OR EXISTS (SELECT 1 FROM tasks WHERE tasks.id = sync_leases.owner \
                           AND (tasks.status <> 'running' OR tasks.lease_expires_at <= $4))")
            .bind(account.to_string()).bind(scope).bind(owner).bind(t).bind(t.saturating_add(micros(ttl)))
            .execute(pool).await?.rows_affected());
        Ok(done == 1)
    }

    /// Extends our lease; false when it was lost (expired and taken over).
    pub async fn renew(&self, account: CloudAccountId, scope: &str, owner: &str, ttl: Duration) -> StoreResult<bool> {
        let t = to_micros(now());
        let done = with_db!(self.store.db(), pool => sqlx::query(
            "UPDATE sync_leases SET expires_at = $1 WHERE cloudaccount_id = $2 AND scope = $3 AND owner = $4")
            .bind(t.saturating_add(micros(ttl))).bind(account.to_string()).bind(scope).bind(owner)
            .execute(pool).await?.rows_affected());
        Ok(done == 1)
    }

    /// Gives the lease back (only if we still hold it).
    pub async fn release(&self, account: CloudAccountId, scope: &str, owner: &str) -> StoreResult<()> {
        with_db!(self.store.db(), pool => sqlx::query(
            "DELETE FROM sync_leases WHERE cloudaccount_id = $1 AND scope = $2 AND owner = $3")
            .bind(account.to_string()).bind(scope).bind(owner).execute(pool).await?.rows_affected());
        Ok(())
    }

    pub async fn holder(&self, account: CloudAccountId, scope: &str) -> StoreResult<Option<LeaseHolder>> {
        let row: Option<(String, i64)> = with_db!(self.store.db(), pool => sqlx::query_as(
            "SELECT owner, expires_at FROM sync_leases WHERE cloudaccount_id = $1 AND scope = $2")
            .bind(account.to_string()).bind(scope).fetch_optional(pool).await?);
        Ok(row.map(|(owner, e)| LeaseHolder { owner, expires_at: from_micros(e) }))
    }
}
