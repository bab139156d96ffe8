//! What lifecycle operations write on synced rows, generically over `KindDef`: the transitional
//! status set together with the task that will do the work (one transaction, so two requests
//! cannot both start), the failed status or delete protection a user sets, the external id a
//! create learns, and the removal of a row whose resource is gone. Every change of a field is
//! logged with source `user`.

use strato_types::CloudAccountId;

use super::history::change_statements;
use super::{bind_values, ChangeEntry, ChangeSource, KindDef, ResourceId, Statement, Synced, Value};
use crate::db::{now, to_micros, with_db};
use crate::error::{StoreError, StoreResult};
use crate::tasks::{bind_new, to_json, NewTask, INSERT};
use crate::TaskRecord;

/// External ids of rows Strato made for a resource the cloud does not have (yet): a create in
/// progress or one that failed. Sync never touches them; the operation (or a delete) does.
pub const PENDING_PREFIX: &str = "pending:";

/// Whether an external id is a placeholder (see [`PENDING_PREFIX`]).
pub fn is_pending(external_id: &str) -> bool {
    external_id.starts_with(PENDING_PREFIX)
}

/// A row's facts the operation writes read first.
struct RowFacts {
    status: String,
    disable_delete: bool,
    external_id: String,
    cloudaccount_id: CloudAccountId,
}

/// The start of an operation on one row.
#[derive(Debug, Clone)]
pub struct OperationStart<'a> {
    pub def: &'static KindDef,
    pub id: ResourceId,
    pub cloudaccount_id: CloudAccountId,
    /// The status the caller saw and checked against the state machine; the start fails when
    /// the row moved on meanwhile.
    pub from_status: &'a str,
    /// The transitional status, e.g. `stopping`.
    pub status: &'a str,
    /// Refuse when the row has delete protection on (deletes).
    pub refuse_protected: bool,
    /// Who asked (the change log's actor).
    pub actor: &'a str,
}

/// How a start ended.
#[derive(Debug)]
pub enum Started {
    Task(Box<TaskRecord>),
    /// The row changed since the caller read it (another operation began); nothing written.
    Moved { status: String },
    /// Delete protection is on; nothing written.
    Protected,
}

impl Synced<'_> {
    /// Sets the transitional status and enqueues the task in one transaction.
    pub async fn begin_operation(&self, start: &OperationStart<'_>, task: &NewTask) -> StoreResult<Started> {
        let def = start.def;
        let now = now();
        let params = to_json(&task.params, "params")?;
        let update = format!(
            "UPDATE {} SET status = $1, updated_at = $2, sync_hash = NULL WHERE id = $3 AND status = $4 AND (disable_delete = FALSE OR $5 = FALSE)",
            def.plural
        );
        let change = user_change(def, start.id, start.cloudaccount_id, "status", Some(start.from_status), Some(start.status), start.actor);
        let started = with_db!(self.store.db(), pool => {
            let mut tx = pool.begin().await?;
            let changed = sqlx::query(&update)
                .bind(start.status)
                .bind(to_micros(now))
                .bind(start.id.to_string())
                .bind(start.from_status)
                .bind(start.refuse_protected)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if changed == 1 {
                bind_new!(sqlx::query(INSERT), task, params, now).execute(&mut *tx).await?;
                for (sql, values) in change_statements(&[change]) {
                    bind_values!(sqlx::query(&sql), values).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                true
            } else {
                tx.rollback().await?;
                false
            }
        });
        if started {
            return Ok(Started::Task(Box::new(self.store.tasks().get(task.id).await?)));
        }
        let (status, protected) = self.status_of(def, start.id).await?;
        if start.refuse_protected && protected {
            return Ok(Started::Protected);
        }
        Ok(Started::Moved { status })
    }

    /// The stored status and delete protection of one row.
    pub async fn status_of(&self, def: &KindDef, id: ResourceId) -> StoreResult<(String, bool)> {
        let row = self.facts(def, id).await?;
        Ok((row.status, row.disable_delete))
    }

    /// What the writes below need of a row, in one read.
    async fn facts(&self, def: &KindDef, id: ResourceId) -> StoreResult<RowFacts> {
        let sql = format!("SELECT status, disable_delete, external_id, cloudaccount_id FROM {} WHERE id = $1", def.plural);
        let row: Option<(String, bool, String, String)> =
            with_db!(self.store.db(), pool => sqlx::query_as(&sql).bind(id.to_string()).fetch_optional(pool).await?);
        let (status, disable_delete, external_id, account) = row.ok_or_else(|| StoreError::not_found(def.keyword(), id))?;
        Ok(RowFacts { status, disable_delete, external_id, cloudaccount_id: crate::db::parse_id(&account, "cloudaccount_id")? })
    }

    /// Sets a row's status (an operation's end: `stop_failed`, or back to where it was after
    /// a cancel), logging the change. A row that is gone is not an error.
    pub async fn set_status(&self, def: &KindDef, id: ResourceId, status: &str, actor: &str) -> StoreResult<()> {
        let Ok(row) = self.facts(def, id).await else { return Ok(()) };
        let (old, account) = (row.status, row.cloudaccount_id);
        if old == status {
            return Ok(());
        }
        // no hash: the next re-read or sync writes the cloud's status over this one
        let update = format!("UPDATE {} SET status = $1, updated_at = $2, sync_hash = NULL WHERE id = $3", def.plural);
        let change = user_change(def, id, account, "status", Some(&old), Some(status), actor);
        self.write_with_change(&update, vec![Value::text(status), Value::Int(Some(to_micros(now()))), Value::text(id.to_string())], change)
            .await
    }

    /// Turns delete protection on or off, logging the change.
    pub async fn set_disable_delete(&self, def: &KindDef, id: ResourceId, disable_delete: bool, actor: &str) -> StoreResult<()> {
        let row = self.facts(def, id).await?;
        let (old, account) = (row.disable_delete, row.cloudaccount_id);
        if old == disable_delete {
            return Ok(());
        }
        let update = format!("UPDATE {} SET disable_delete = $1, updated_at = $2 WHERE id = $3", def.plural);
        let change = user_change(
            def,
            id,
            account,
            "disable_delete",
            Some(&old.to_string()),
            Some(&disable_delete.to_string()),
            actor,
        );
        self.write_with_change(&update, vec![Value::Bool(disable_delete), Value::Int(Some(to_micros(now()))), Value::text(id.to_string())], change)
            .await
    }

    /// Gives a created row its cloud external id. A row a sync inserted meanwhile for the same
    /// resource (it listed the new resource before this commit) is dropped in the same
    /// transaction: the operation's row is the one the user knows.
    pub async fn set_external_id(&self, def: &KindDef, id: ResourceId, external_id: &str, actor: &str) -> StoreResult<()> {
        let row = self.facts(def, id).await?;
        let (old, account) = (row.external_id, row.cloudaccount_id);
        let drop_dup = format!("DELETE FROM {} WHERE cloudaccount_id = $1 AND external_id = $2 AND id <> $3", def.plural);
        let update = format!("UPDATE {} SET external_id = $1, updated_at = $2 WHERE id = $3", def.plural);
        let change = user_change(def, id, account, "external_id", Some(&old), Some(external_id), actor);
        let statements: Vec<Statement> = vec![
            (drop_dup, vec![Value::text(account.to_string()), Value::text(external_id), Value::text(id.to_string())]),
            (update, vec![Value::text(external_id), Value::Int(Some(to_micros(now()))), Value::text(id.to_string())]),
        ];
        self.run_statements(statements.into_iter().chain(change_statements(&[change])).collect()).await
    }

    /// Removes a row whose resource is gone (its child rows go with it), logging the removal.
    pub async fn remove(&self, def: &KindDef, id: ResourceId, actor: &str) -> StoreResult<()> {
        let Ok(row) = self.facts(def, id).await else { return Ok(()) };
        let (old, account) = (row.external_id, row.cloudaccount_id);
        let delete = format!("DELETE FROM {} WHERE id = $1", def.plural);
        let change = user_change(def, id, account, "removed", Some(&old), None, actor);
        self.write_with_change(&delete, vec![Value::text(id.to_string())], change).await
    }

    async fn write_with_change(&self, sql: &str, values: Vec<Value>, change: ChangeEntry) -> StoreResult<()> {
        let statements = std::iter::once((sql.to_string(), values)).chain(change_statements(&[change])).collect();
        self.run_statements(statements).await
    }

    async fn run_statements(&self, statements: Vec<Statement>) -> StoreResult<()> {
        with_db!(self.store.db(), pool => {
            let mut tx = pool.begin().await?;
            for (sql, values) in statements {
                bind_values!(sqlx::query(&sql), values).execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }
}

fn user_change(
    def: &KindDef,
    id: ResourceId,
    account: CloudAccountId,
    field: &str,
    old: Option<&str>,
    new: Option<&str>,
    actor: &str,
) -> ChangeEntry {
    ChangeEntry {
        resource_kind: def.keyword(),
        resource_id: id,
        cloudaccount_id: Some(account),
        field: field.to_string(),
        old_value: old.map(str::to_string),
        new_value: new.map(str::to_string),
        source: ChangeSource::User,
        actor: Some(actor.to_string()),
    }
}

impl Synced<'_> {
    /// The server a disk is attached to, from the server's attachment rows: its external id
    /// and name.
    pub async fn attached_server(&self, disk: ResourceId) -> StoreResult<Option<(String, String)>> {
        let sql = "SELECT s.external_id, s.name FROM server_disks d JOIN servers s ON s.id = d.server_id WHERE d.disk_id = $1 LIMIT 1";
        Ok(with_db!(self.store.db(), pool => sqlx::query_as(sql).bind(disk.to_string()).fetch_optional(pool).await?))
    }
}
