//! Task rows for the durable task engine (strato-tasks): create, claim through leases, commit
//! after each step (fenced by the lease), renew and take over leases, cancel, retry.
//!
//! The engine owns a claimed row: it keeps the record in memory and writes it back with
//! [`Tasks::save`], which only succeeds while the caller still holds the lease, so two
//! replicas never commit the same step.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use strato_types::{DomainId, ListQuery, Page, ProjectId, TaskId, UserId};

use crate::db::{from_micros, now, parse_enum, parse_id, to_micros, with_db, Db};
use crate::error::{StoreError, StoreResult};
use crate::list::{field, lookup, run_list, Field, FieldType as T, KindSpec, Visibility};
use crate::Store;

/// Where a task is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    Queued,
    Running,
    /// Polling the cloud, backing off after a retryable error, or waiting for children;
    /// no worker holds it.
    Waiting,
    Succeeded,
    Failed,
    Cancelled,
}

impl TaskStatus {
    pub const ALL: [TaskStatus; 6] = [
        TaskStatus::Queued,
        TaskStatus::Running,
        TaskStatus::Waiting,
        TaskStatus::Succeeded,
        TaskStatus::Failed,
        TaskStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Queued => "queued",
            TaskStatus::Running => "running",
            TaskStatus::Waiting => "waiting",
            TaskStatus::Succeeded => "succeeded",
            TaskStatus::Failed => "failed",
            TaskStatus::Cancelled => "cancelled",
        }
    }

    /// Succeeded, failed or cancelled.
    pub fn is_finished(self) -> bool {
        matches!(self, TaskStatus::Succeeded | TaskStatus::Failed | TaskStatus::Cancelled)
    }
}

impl std::fmt::Display for TaskStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for TaskStatus {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TaskStatus::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| StoreError::invalid("status", format!("unknown task status {s:?}")))
    }
}

/// Running the steps forward, or undoing the completed ones in reverse after a failure or cancel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskPhase {
    Forward,
    Unwinding,
}

impl TaskPhase {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskPhase::Forward => "forward",
            TaskPhase::Unwinding => "unwinding",
        }
    }
}

impl std::str::FromStr for TaskPhase {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "forward" => Ok(TaskPhase::Forward),
            "unwinding" => Ok(TaskPhase::Unwinding),
            _ => Err(StoreError::invalid("phase", format!("unknown task phase {s:?}"))),
        }
    }
}

/// The object a task works on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskTarget {
    pub kind: String,
    pub id: String,
}

/// Whom a task acts for: its project (task lists are scoped like other objects) and the user
/// who asked (the action log names them). `None` on system tasks no user started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskOwner {
    pub domain_id: DomainId,
    pub project_id: ProjectId,
    pub user_id: Option<UserId>,
    pub user_name: Option<String>,
}

/// What happened to one step (stored as JSON in the task row).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRecord {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Times the step answered "wait" and was polled again.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub polls: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undone_at: Option<DateTime<Utc>>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// A task row.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRecord {
    pub id: TaskId,
    pub kind: String,
    pub target: Option<TaskTarget>,
    pub owner: Option<TaskOwner>,
    pub params: serde_json::Value,
    pub initial_params: serde_json::Value,
    pub step_index: u32,
    pub steps: Vec<StepRecord>,
    pub status: TaskStatus,
    pub phase: TaskPhase,
    pub attempts: u32,
    pub lease_owner: Option<String>,
    pub lease_expires_at: Option<DateTime<Utc>>,
    pub not_before: DateTime<Utc>,
    pub parent_id: Option<TaskId>,
    pub waiting_children: bool,
    pub wait_started_at: Option<DateTime<Utc>>,
    pub cancel_requested: bool,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// A task to enqueue.
#[derive(Debug, Clone)]
pub struct NewTask {
    pub id: TaskId,
    pub kind: String,
    pub target: Option<TaskTarget>,
    pub owner: Option<TaskOwner>,
    pub params: serde_json::Value,
    pub parent_id: Option<TaskId>,
    /// Not claimed before this time; `None`: at once.
    pub not_before: Option<DateTime<Utc>>,
}

impl NewTask {
    pub fn new(kind: impl Into<String>, params: serde_json::Value) -> Self {
        NewTask { id: TaskId::new(), kind: kind.into(), target: None, owner: None, params, parent_id: None, not_before: None }
    }
}

/// Progress of a parent's children.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChildrenSummary {
    pub total: u64,
    pub succeeded: u64,
    /// Failed or cancelled.
    pub failed: u64,
    pub unfinished: u64,
}

const COLUMNS: &str = "id, kind, target_kind, target_id, params, initial_params, step_index, steps, status, phase, \
     attempts, lease_owner, lease_expires_at, not_before, parent_id, waiting_children, wait_started_at, \
     cancel_requested, error, created_at, updated_at, finished_at, domain_id, project_id, user_id, user_name";

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    kind: String,
    target_kind: String,
    target_id: String,
    params: String,
    initial_params: String,
    step_index: i64,
    steps: String,
    status: String,
    phase: String,
    attempts: i64,
    lease_owner: Option<String>,
    lease_expires_at: Option<i64>,
    not_before: i64,
    parent_id: Option<String>,
    waiting_children: bool,
    wait_started_at: Option<i64>,
    cancel_requested: bool,
    error: Option<String>,
    created_at: i64,
    updated_at: i64,
    finished_at: Option<i64>,
    domain_id: Option<String>,
    project_id: Option<String>,
    user_id: Option<String>,
    user_name: Option<String>,
}

fn corrupt(column: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Config(format!("corrupt {column} in the database: {e}"))
}

impl Row {
    fn into_record(self) -> StoreResult<TaskRecord> {
        let owner = match (&self.domain_id, &self.project_id) {
            (Some(domain), Some(project)) => Some(TaskOwner {
                domain_id: parse_id(domain, "tasks.domain_id")?,
                project_id: parse_id(project, "tasks.project_id")?,
                user_id: self.user_id.as_deref().map(|u| parse_id(u, "tasks.user_id")).transpose()?,
                user_name: self.user_name.clone(),
            }),
            _ => None,
        };
        Ok(TaskRecord {
            id: parse_id(&self.id, "tasks.id")?,
            kind: self.kind,
            target: (!self.target_kind.is_empty()).then_some(TaskTarget { kind: self.target_kind, id: self.target_id }),
            owner,
            params: serde_json::from_str(&self.params).map_err(|e| corrupt("tasks.params", e))?,
            initial_params: serde_json::from_str(&self.initial_params).map_err(|e| corrupt("tasks.initial_params", e))?,
            step_index: u32::try_from(self.step_index).map_err(|e| corrupt("tasks.step_index", e))?,
            steps: serde_json::from_str(&self.steps).map_err(|e| corrupt("tasks.steps", e))?,
            status: parse_enum(&self.status, "tasks.status")?,
            phase: parse_enum(&self.phase, "tasks.phase")?,
            attempts: u32::try_from(self.attempts).map_err(|e| corrupt("tasks.attempts", e))?,
            lease_owner: self.lease_owner,
            lease_expires_at: self.lease_expires_at.map(from_micros),
            not_before: from_micros(self.not_before),
            parent_id: self.parent_id.map(|p| parse_id(&p, "tasks.parent_id")).transpose()?,
            waiting_children: self.waiting_children,
            wait_started_at: self.wait_started_at.map(from_micros),
            cancel_requested: self.cancel_requested,
            error: self.error,
            created_at: from_micros(self.created_at),
            updated_at: from_micros(self.updated_at),
            finished_at: self.finished_at.map(from_micros),
        })
    }
}

pub(crate) fn to_json<T: Serialize>(value: &T, what: &str) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::invalid(what, e.to_string()))
}

fn micros(d: Duration) -> i64 {
    d.num_microseconds().unwrap_or(i64::MAX)
}

/// Task rows: `store.tasks()`.
pub struct Tasks<'a> {
    pub(crate) store: &'a Store,
}

pub(crate) const INSERT: &str = "INSERT INTO tasks (id, kind, target_kind, target_id, params, initial_params, status, not_before, \
     parent_id, created_at, updated_at, domain_id, project_id, user_id, user_name) \
     VALUES ($1, $2, $3, $4, $5, $5, 'queued', $6, $7, $8, $8, $9, $10, $11, $12)";

macro_rules! bind_new {
    ($q:expr, $t:expr, $params:expr, $now:expr) => {{
        let t: &NewTask = $t;
        let (target_kind, target_id) = match &t.target {
            Some(target) => (target.kind.clone(), target.id.clone()),
            None => (String::new(), String::new()),
        };
        $q.bind(t.id.to_string())
            .bind(t.kind.clone())
            .bind(target_kind)
            .bind(target_id)
            .bind($params)
            .bind(to_micros(t.not_before.unwrap_or($now)))
            .bind(t.parent_id.map(|p| p.to_string()))
            .bind(to_micros($now))
            .bind(t.owner.as_ref().map(|o| o.domain_id.to_string()))
            .bind(t.owner.as_ref().map(|o| o.project_id.to_string()))
            .bind(t.owner.as_ref().and_then(|o| o.user_id.map(|u| u.to_string())))
            .bind(t.owner.as_ref().and_then(|o| o.user_name.clone()))
    }};
}
pub(crate) use bind_new;

/// The PostgreSQL channel on which enqueues are announced (see [`TaskWakeups`]).
pub const WAKE_CHANNEL: &str = "strato_tasks";

/// Notices that another replica queued tasks (PostgreSQL `LISTEN`). It holds its own
/// connection, outside the store's pool, and reconnects by itself when that drops.
pub struct TaskWakeups {
    listener: sqlx::postgres::PgListener,
    _pool: sqlx::PgPool,
}

impl TaskWakeups {
    /// Waits for the next notice (one per enqueue call on any replica).
    pub async fn next(&mut self) -> StoreResult<()> {
        self.listener.recv().await?;
        Ok(())
    }
}

impl Tasks<'_> {
    /// Listens for other replicas' enqueues; `None` on SQLite, where one process owns the
    /// database and its own enqueues wake it directly.
    pub async fn wakeups(&self) -> StoreResult<Option<TaskWakeups>> {
        let Db::Postgres(pool) = self.db() else { return Ok(None) };
        let options = pool.connect_options().as_ref().clone();
        let own = sqlx::postgres::PgPoolOptions::new().max_connections(1).connect_lazy_with(options);
        let mut listener = sqlx::postgres::PgListener::connect_with(&own).await?;
        listener.listen(WAKE_CHANNEL).await?;
        Ok(Some(TaskWakeups { listener, _pool: own }))
    }

    fn db(&self) -> &Db {
        self.store.db()
    }

    /// Enqueues one task and answers it as queued. The row is read back inside the inserting
    /// transaction: read after the commit, a worker may already have claimed it.
    pub async fn create(&self, task: &NewTask) -> StoreResult<TaskRecord> {
        let now = now();
        let params = to_json(&task.params, "params")?;
        let select = format!("SELECT {COLUMNS} FROM tasks WHERE id = $1");
        let row: Row = with_db!(self.db(), pool => {
            let mut tx = pool.begin().await?;
            bind_new!(sqlx::query(INSERT), task, params, now).execute(&mut *tx).await?;
            let row: Row = sqlx::query_as(&select).bind(task.id.to_string()).fetch_one(&mut *tx).await?;
            tx.commit().await?;
            row
        });
        self.announce().await;
        row.into_record()
    }

    /// Enqueues many tasks in one transaction.
    pub async fn create_many(&self, tasks: &[NewTask]) -> StoreResult<()> {
        let now = now();
        let params: Vec<String> = tasks.iter().map(|t| to_json(&t.params, "params")).collect::<StoreResult<_>>()?;
        with_db!(self.db(), pool => {
            let mut tx = pool.begin().await?;
            for (t, p) in tasks.iter().zip(params) {
                bind_new!(sqlx::query(INSERT), t, p, now).execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        self.announce().await;
        Ok(())
    }

    /// Tells the other replicas (PostgreSQL: `NOTIFY` on [`WAKE_CHANNEL`]) that tasks were
    /// queued, so they claim them at once instead of at their next poll. Best effort: the
    /// poll still finds the tasks when a notice is lost.
    async fn announce(&self) {
        if let Db::Postgres(pool) = self.db() {
            if let Err(e) = sqlx::query("SELECT pg_notify($1, '')").bind(WAKE_CHANNEL).execute(pool).await {
                tracing::debug!(error = %e, "announcing queued tasks failed; replicas find them at their next poll");
            }
        }
    }

    pub async fn get(&self, id: TaskId) -> StoreResult<TaskRecord> {
        let sql = format!("SELECT {COLUMNS} FROM tasks WHERE id = $1");
        let row: Option<Row> = with_db!(self.db(), pool => sqlx::query_as(&sql).bind(id.to_string()).fetch_optional(pool).await?);
        row.ok_or_else(|| StoreError::not_found("task", id))?.into_record()
    }

    /// The newest unfinished task of `kind` on a target, if any (one sync per account at a time).
    pub async fn unfinished_for_target(&self, kind: &str, target: &TaskTarget) -> StoreResult<Option<TaskRecord>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM tasks WHERE target_kind = $1 AND target_id = $2 AND kind = $3 \
             AND status IN ('queued', 'running', 'waiting') ORDER BY created_at DESC, id DESC LIMIT 1"
        );
        let row: Option<Row> = with_db!(self.db(), pool => sqlx::query_as(&sql)
            .bind(&target.kind).bind(&target.id).bind(kind).fetch_optional(pool).await?);
        row.map(Row::into_record).transpose()
    }

    /// Ids of the objects of `target_kind` that an unfinished task works on (sync leaves
    /// those rows alone: the operation owns their state until it ends).
    pub async fn busy_targets(&self, target_kind: &str) -> StoreResult<std::collections::HashSet<String>> {
        let ids: Vec<String> = with_db!(self.db(), pool => sqlx::query_scalar(
            "SELECT target_id FROM tasks WHERE target_kind = $1 AND status IN ('queued', 'running', 'waiting')")
            .bind(target_kind).fetch_all(pool).await?);
        Ok(ids.into_iter().collect())
    }

    /// Tasks of a parent, oldest first.
    pub async fn children(&self, parent: TaskId) -> StoreResult<Vec<TaskRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM tasks WHERE parent_id = $1 ORDER BY created_at, id");
        let rows: Vec<Row> = with_db!(self.db(), pool => sqlx::query_as(&sql).bind(parent.to_string()).fetch_all(pool).await?);
        rows.into_iter().map(Row::into_record).collect()
    }

    pub async fn children_summary(&self, parent: TaskId) -> StoreResult<ChildrenSummary> {
        let rows: Vec<(String, i64)> = with_db!(self.db(), pool => sqlx::query_as(
            "SELECT status, COUNT(*) FROM tasks WHERE parent_id = $1 GROUP BY status")
            .bind(parent.to_string()).fetch_all(pool).await?);
        let mut summary = ChildrenSummary::default();
        for (status, count) in rows {
            let count = count.max(0) as u64;
            summary.total += count;
            match parse_enum::<TaskStatus>(&status, "tasks.status")? {
                TaskStatus::Succeeded => summary.succeeded += count,
                TaskStatus::Failed | TaskStatus::Cancelled => summary.failed += count,
                _ => summary.unfinished += count,
            }
        }
        Ok(summary)
    }

    /// Number of tasks per status (for metrics and benchmarks).
    pub async fn count_by_status(&self) -> StoreResult<Vec<(TaskStatus, u64)>> {
        let rows: Vec<(String, i64)> = with_db!(self.db(), pool => sqlx::query_as(
            "SELECT status, COUNT(*) FROM tasks GROUP BY status").fetch_all(pool).await?);
        rows.into_iter().map(|(s, n)| Ok((parse_enum(&s, "tasks.status")?, n.max(0) as u64))).collect()
    }

    /// Claims up to `limit` due queued or waiting tasks for `owner`, oldest due first: they
    /// become running with a lease until now + `lease`. PostgreSQL skips rows other replicas
    /// are claiming (`FOR UPDATE SKIP LOCKED`); SQLite runs the one statement under its write lock.
    pub async fn claim(&self, owner: &str, limit: u32, lease: Duration) -> StoreResult<Vec<TaskRecord>> {
        let now = now();
        let pick = "SELECT id FROM tasks WHERE status IN ('queued', 'waiting') AND not_before <= $3 ORDER BY not_before LIMIT $4";
        let rows: Vec<Row> = match self.db() {
            Db::Sqlite(pool) => {
                let sql = format!(
                    "UPDATE tasks SET status = 'running', lease_owner = $1, lease_expires_at = $2, updated_at = $3 \
                     WHERE id IN ({pick}) RETURNING {COLUMNS}"
                );
                bind_claim(sqlx::query_as(&sql), owner, now, lease, limit).fetch_all(pool).await?
            }
            Db::Postgres(pool) => {
                let sql = format!(
                    "UPDATE tasks SET status = 'running', lease_owner = $1, lease_expires_at = $2, updated_at = $3 \
                     WHERE id IN ({pick} FOR UPDATE SKIP LOCKED) RETURNING {COLUMNS}"
                );
                bind_claim(sqlx::query_as(&sql), owner, now, lease, limit).fetch_all(pool).await?
            }
        };
        let mut tasks: Vec<TaskRecord> = rows.into_iter().map(Row::into_record).collect::<StoreResult<_>>()?;
        // RETURNING gives no order; keep the oldest first
        tasks.sort_by_key(|t| (t.not_before, t.id));
        Ok(tasks)
    }

    /// Extends the leases of every running task of `owner` to now + `lease`.
    pub async fn renew_leases(&self, owner: &str, lease: Duration) -> StoreResult<u64> {
        let until = to_micros(now()) + micros(lease);
        Ok(with_db!(self.db(), pool => sqlx::query(
            "UPDATE tasks SET lease_expires_at = $1 WHERE lease_owner = $2 AND status = 'running'")
            .bind(until).bind(owner).execute(pool).await?.rows_affected()))
    }

    /// Puts running tasks whose lease expired (their worker died) back in the queue, to
    /// resume at their last committed step. Answers how many.
    pub async fn requeue_expired(&self) -> StoreResult<u64> {
        let now = to_micros(now());
        Ok(with_db!(self.db(), pool => sqlx::query(
            "UPDATE tasks SET status = 'queued', lease_owner = NULL, lease_expires_at = NULL, not_before = $1, updated_at = $1 \
             WHERE status = 'running' AND lease_expires_at < $1")
            .bind(now).execute(pool).await?.rows_affected()))
    }

    /// Writes back a claimed task's progress (params, step index and records, status, phase,
    /// attempts, not-before, waits, error; a finished status sets `finished_at`; any status
    /// but running releases the lease), and inserts `children` in the same transaction.
    /// Only while `owner` holds the lease: answers `None` when it lost it (another replica
    /// took the task over), else whether a cancel was requested meanwhile.
    pub async fn save(&self, owner: &str, task: &TaskRecord, children: &[NewTask]) -> StoreResult<Option<bool>> {
        let now = now();
        let params = to_json(&task.params, "params")?;
        let steps = to_json(&task.steps, "steps")?;
        let running = task.status == TaskStatus::Running;
        let child_params: Vec<String> =
            children.iter().map(|t| to_json(&t.params, "params")).collect::<StoreResult<_>>()?;
        // children act for whom their parent acts for
        let children: Vec<NewTask> = children
            .iter()
            .map(|c| NewTask { owner: c.owner.clone().or_else(|| task.owner.clone()), ..c.clone() })
            .collect();
        let sql = "UPDATE tasks SET params = $1, step_index = $2, steps = $3, status = $4, phase = $5, attempts = $6, \
             not_before = $7, waiting_children = $8, wait_started_at = $9, error = $10, updated_at = $11, \
             finished_at = $12, lease_owner = CASE WHEN $13 THEN lease_owner ELSE NULL END, \
             lease_expires_at = CASE WHEN $13 THEN lease_expires_at ELSE NULL END \
             WHERE id = $14 AND lease_owner = $15 AND status = 'running' RETURNING cancel_requested";
        let cancel: Option<bool> = with_db!(self.db(), pool => {
            let mut tx = pool.begin().await?;
            let cancel: Option<bool> = sqlx::query_scalar(sql)
                .bind(params)
                .bind(i64::from(task.step_index))
                .bind(steps)
                .bind(task.status.as_str())
                .bind(task.phase.as_str())
                .bind(i64::from(task.attempts))
                .bind(to_micros(task.not_before))
                .bind(task.waiting_children)
                .bind(task.wait_started_at.map(to_micros))
                .bind(task.error.clone())
                .bind(to_micros(now))
                .bind(task.status.is_finished().then(|| to_micros(now)))
                .bind(running)
                .bind(task.id.to_string())
                .bind(owner)
                .fetch_optional(&mut *tx)
                .await?;
            if cancel.is_some() {
                for (t, p) in children.iter().zip(child_params) {
                    bind_new!(sqlx::query(INSERT), t, p, now).execute(&mut *tx).await?;
                }
                tx.commit().await?;
            } else {
                tx.rollback().await?;
            }
            cancel
        });
        Ok(cancel)
    }

    /// Makes a waiting task due now (a child finished, a cancel arrived).
    pub async fn wake(&self, id: TaskId) -> StoreResult<bool> {
        let now = to_micros(now());
        Ok(with_db!(self.db(), pool => sqlx::query(
            "UPDATE tasks SET not_before = $1, updated_at = $1 WHERE id = $2 AND status = 'waiting'")
            .bind(now).bind(id.to_string()).execute(pool).await?.rows_affected()) > 0)
    }

    /// Cancels a task and, one level down, its unfinished children. A queued task that ran no
    /// step is cancelled at once; a running, waiting or partly done task is cancelled by its
    /// worker at the next step boundary, after undoing its completed steps. A finished task
    /// is a conflict.
    pub async fn request_cancel(&self, id: TaskId) -> StoreResult<TaskRecord> {
        let now = to_micros(now());
        let done = with_db!(self.db(), pool => sqlx::query(
            "UPDATE tasks SET status = 'cancelled', cancel_requested = TRUE, error = 'cancelled', updated_at = $1, finished_at = $1 \
             WHERE id = $2 AND status = 'queued' AND step_index = 0 AND phase = 'forward'")
            .bind(now).bind(id.to_string()).execute(pool).await?.rows_affected());
        if done == 0 {
            let flagged = with_db!(self.db(), pool => sqlx::query(
                "UPDATE tasks SET cancel_requested = TRUE, updated_at = $1, \
                 not_before = CASE WHEN status = 'running' THEN not_before ELSE $1 END \
                 WHERE id = $2 AND status IN ('queued', 'running', 'waiting')")
                .bind(now).bind(id.to_string()).execute(pool).await?.rows_affected());
            if flagged == 0 {
                let task = self.get(id).await?;
                return Err(StoreError::Conflict {
                    kind: "task",
                    message: format!("task {id} is already {}; only unfinished tasks can be cancelled", task.status),
                });
            }
        }
        for child in self.children(id).await? {
            if !child.status.is_finished() {
                // a child may finish meanwhile: that is not an error here
                match Box::pin(self.request_cancel(child.id)).await {
                    Ok(_) | Err(StoreError::Conflict { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        self.get(id).await
    }

    /// Queues a failed or cancelled task again from its first step with its original params.
    /// Refused while completed steps remain un-undone (an undo failed): the cloud state is
    /// then unknown and needs an operator.
    pub async fn retry(&self, id: TaskId) -> StoreResult<TaskRecord> {
        let now = to_micros(now());
        let changed = with_db!(self.db(), pool => sqlx::query(
            "UPDATE tasks SET status = 'queued', phase = 'forward', step_index = 0, steps = '[]', params = initial_params, \
             attempts = 0, not_before = $1, waiting_children = FALSE, wait_started_at = NULL, cancel_requested = FALSE, \
             error = NULL, finished_at = NULL, updated_at = $1 \
             WHERE id = $2 AND status IN ('failed', 'cancelled') AND step_index = 0")
            .bind(now).bind(id.to_string()).execute(pool).await?.rows_affected());
        if changed == 0 {
            let task = self.get(id).await?;
            let message = if task.status == TaskStatus::Succeeded {
                format!("task {id} succeeded; only failed or cancelled tasks can be retried")
            } else if task.status.is_finished() {
                format!("task {id} could not undo all its steps ({} remain); it cannot be retried", task.step_index)
            } else {
                format!("task {id} is {}; only failed or cancelled tasks can be retried", task.status)
            };
            return Err(StoreError::Conflict { kind: "task", message });
        }
        self.get(id).await
    }

    /// Lists tasks (`GET /tasks`). Rows without an owner (enqueued before tasks had one)
    /// belong to their target cloud account's project. Tasks have no name: `search` looks in
    /// the kind.
    pub async fn list(&self, query: &ListQuery, visibility: &Visibility) -> StoreResult<Page<TaskRecord>> {
        let query = crate::actionlogs::search_as_filter(query, "kind");
        let db = self.db();
        run_list!(db, LIST_SPEC.build(db.backend(), &query, visibility)?, query, Row, Row::into_record)
    }
}

/// A task's project and domain: its owner's, else its target account's.
const PROJECT_OF: &str = "COALESCE(t.project_id, (SELECT x.project_id FROM cloudaccounts x \
     WHERE t.target_kind = 'cloudaccount' AND x.id = t.target_id))";
const DOMAIN_OF: &str = "COALESCE(t.domain_id, (SELECT x.domain_id FROM cloudaccounts x \
     WHERE t.target_kind = 'cloudaccount' AND x.id = t.target_id))";

/// Filterable / orderable fields of `GET /tasks`.
pub const FIELDS: &[Field] = &[
    field("id", "t.id", T::Id),
    field("kind", "t.kind", T::Text),
    field("status", "t.status", T::Enum("queued running waiting succeeded failed cancelled")),
    field("phase", "t.phase", T::Enum("forward unwinding")),
    field("target_kind", "t.target_kind", T::Text),
    field("target_id", "t.target_id", T::Text),
    field("parent_id", "t.parent_id", T::Id),
    field("project_id", PROJECT_OF, T::Id),
    field("domain_id", DOMAIN_OF, T::Id),
    field("user_id", "t.user_id", T::Id),
    field("user", "t.user_name", T::Text),
    field("attempts", "t.attempts", T::Int),
    field("error", "t.error", T::Text),
    field("created_at", "t.created_at", T::Timestamp),
    field("updated_at", "t.updated_at", T::Timestamp),
    field("finished_at", "t.finished_at", T::Timestamp),
    lookup("project", "(SELECT name FROM projects x WHERE x.id = t.project_id)"),
];

const LIST_SPEC: KindSpec = KindSpec {
    kind: "task",
    table: "tasks",
    fields: FIELDS,
    domain_column: Some(DOMAIN_OF),
    project_column: Some(PROJECT_OF),
    // unprefixed is fine: there are no joins
    select: COLUMNS,
    details_select: "",
    details_joins: "",
};

fn bind_claim<'q, DB, O>(
    q: sqlx::query::QueryAs<'q, DB, O, <DB as sqlx::Database>::Arguments<'q>>,
    owner: &str,
    now: DateTime<Utc>,
    lease: Duration,
    limit: u32,
) -> sqlx::query::QueryAs<'q, DB, O, <DB as sqlx::Database>::Arguments<'q>>
where
    DB: sqlx::Database,
    String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    let now = to_micros(now);
    q.bind(owner.to_string()).bind(now + micros(lease)).bind(now).bind(i64::from(limit))
}
