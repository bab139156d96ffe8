//! The action log: who did what to which object, and how it ended. Written by the server for
//! every API write and login attempt, and by the task engine when a task ends; read through
//! `GET /actionlogs`. Entries are append-only and name objects by text, so they outlive them.

use chrono::{DateTime, Utc};
use strato_types::{ActionLogId, ActionOutcome, DomainId, ListQuery, Page, ProjectId, TaskId, UserId};

use crate::db::{from_micros, now, parse_enum, parse_id, to_micros, with_db};
use crate::error::StoreResult;
use crate::list::{field, lookup, run_list, Field, FieldType as T, KindSpec, Visibility};
use crate::Store;

/// Longest text kept in a free-text column (error messages, names): an entry stays small
/// whatever a caller sent.
const TEXT_MAX: usize = 2000;
const NAME_MAX: usize = 256;

/// A stored entry: what was written, with its id and time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionLog {
    pub id: ActionLogId,
    pub created_at: DateTime<Utc>,
    pub entry: NewActionLog,
}

/// An entry to write; `created_at` is the time of the write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewActionLog {
    pub domain_id: Option<DomainId>,
    pub project_id: Option<ProjectId>,
    pub user_id: Option<UserId>,
    pub user_name: Option<String>,
    pub object_kind: String,
    pub object_id: String,
    pub object_name: Option<String>,
    pub action: String,
    pub outcome: ActionOutcome,
    pub error: Option<String>,
    pub task_id: Option<TaskId>,
    pub request_id: Option<String>,
}

impl NewActionLog {
    /// An entry with only the object, action and outcome set.
    pub fn new(
        object_kind: impl Into<String>,
        object_id: impl Into<String>,
        action: impl Into<String>,
        outcome: ActionOutcome,
    ) -> Self {
        NewActionLog {
            domain_id: None,
            project_id: None,
            user_id: None,
            user_name: None,
            object_kind: object_kind.into(),
            object_id: object_id.into(),
            object_name: None,
            action: action.into(),
            outcome,
            error: None,
            task_id: None,
            request_id: None,
        }
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    created_at: i64,
    domain_id: Option<String>,
    project_id: Option<String>,
    user_id: Option<String>,
    user_name: Option<String>,
    object_kind: String,
    object_id: String,
    object_name: Option<String>,
    action: String,
    outcome: String,
    error: Option<String>,
    task_id: Option<String>,
    request_id: Option<String>,
}

impl Row {
    fn into_record(self) -> StoreResult<ActionLog> {
        Ok(ActionLog {
            id: parse_id(&self.id, "actionlogs.id")?,
            created_at: from_micros(self.created_at),
            entry: NewActionLog {
                domain_id: self.domain_id.as_deref().map(|d| parse_id(d, "actionlogs.domain_id")).transpose()?,
                project_id: self.project_id.as_deref().map(|p| parse_id(p, "actionlogs.project_id")).transpose()?,
                user_id: self.user_id.as_deref().map(|u| parse_id(u, "actionlogs.user_id")).transpose()?,
                user_name: self.user_name,
                object_kind: self.object_kind,
                object_id: self.object_id,
                object_name: self.object_name,
                action: self.action,
                outcome: parse_enum(&self.outcome, "actionlogs.outcome")?,
                error: self.error,
                task_id: self.task_id.as_deref().map(|t| parse_id(t, "actionlogs.task_id")).transpose()?,
                request_id: self.request_id,
            },
        })
    }
}

const SELECT: &str = "t.id, t.created_at, t.domain_id, t.project_id, t.user_id, t.user_name, t.object_kind, \
                      t.object_id, t.object_name, t.action, t.outcome, t.error, t.task_id, t.request_id";

/// Filterable / orderable fields of `GET /actionlogs`.
pub const FIELDS: &[Field] = &[
    field("id", "t.id", T::Id),
    field("created_at", "t.created_at", T::Timestamp),
    field("domain_id", "t.domain_id", T::Id),
    field("project_id", "t.project_id", T::Id),
    field("user_id", "t.user_id", T::Id),
    field("user", "t.user_name", T::Text),
    field("user_name", "t.user_name", T::Text),
    field("object_kind", "t.object_kind", T::Text),
    field("object_id", "t.object_id", T::Text),
    field("object_name", "t.object_name", T::Text),
    field("action", "t.action", T::Text),
    field("outcome", "t.outcome", T::Enum(ActionOutcome::EXPECTED)),
    field("error", "t.error", T::Text),
    field("task_id", "t.task_id", T::Id),
    field("request_id", "t.request_id", T::Text),
    lookup("project", "(SELECT name FROM projects x WHERE x.id = t.project_id)"),
    lookup("domain", "(SELECT name FROM domains x WHERE x.id = t.domain_id)"),
];

const SPEC: KindSpec = KindSpec {
    kind: "action log entry",
    table: "actionlogs",
    fields: FIELDS,
    domain_column: Some("t.domain_id"),
    project_column: Some("t.project_id"),
    select: SELECT,
    // names are copied into the entry when it is written; nothing to join
    details_select: "",
    details_joins: "",
};

fn clip(text: Option<String>, max: usize) -> Option<String> {
    text.map(|t| if t.chars().count() > max { t.chars().take(max).collect() } else { t })
}

pub struct ActionLogs<'a> {
    pub(crate) store: &'a Store,
}

impl ActionLogs<'_> {
    /// Appends an entry; long texts are clipped.
    pub async fn record(&self, entry: NewActionLog) -> StoreResult<ActionLogId> {
        let id = ActionLogId::new();
        let object_id: String = entry.object_id.chars().take(NAME_MAX).collect();
        let object_kind: String = entry.object_kind.chars().take(NAME_MAX).collect();
        let action: String = entry.action.chars().take(NAME_MAX).collect();
        with_db!(self.store.db(), pool => sqlx::query(
            "INSERT INTO actionlogs (id, created_at, domain_id, project_id, user_id, user_name, object_kind, object_id, \
             object_name, action, outcome, error, task_id, request_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)")
            .bind(id.to_string())
            .bind(to_micros(now()))
            .bind(entry.domain_id.map(|d| d.to_string()))
            .bind(entry.project_id.map(|p| p.to_string()))
            .bind(entry.user_id.map(|u| u.to_string()))
            .bind(clip(entry.user_name, NAME_MAX))
            .bind(object_kind)
            .bind(object_id)
            .bind(clip(entry.object_name, NAME_MAX))
            .bind(action)
            .bind(entry.outcome.as_str())
            .bind(clip(entry.error, TEXT_MAX))
            .bind(entry.task_id.map(|t| t.to_string()))
            .bind(clip(entry.request_id, NAME_MAX))
            .execute(pool).await.map(|r| r.rows_affected())?);
        Ok(id)
    }

    /// Deletes the entries written before `cutoff` (the retention setting); answers how many.
    pub async fn purge_before(&self, cutoff: DateTime<Utc>) -> StoreResult<u64> {
        Ok(with_db!(self.store.db(), pool => sqlx::query("DELETE FROM actionlogs WHERE created_at < $1")
            .bind(to_micros(cutoff)).execute(pool).await.map(|r| r.rows_affected())?))
    }

    /// Lists entries (oldest first unless ordered otherwise). Entries have no name of their
    /// own, so `search` looks in the object's name.
    pub async fn list(&self, query: &ListQuery, visibility: &Visibility) -> StoreResult<Page<ActionLog>> {
        let query = search_as_filter(query, "object_name");
        let db = self.store.db();
        run_list!(db, SPEC.build(db.backend(), &query, visibility)?, query, Row, Row::into_record)
    }
}

/// The generic list engine searches `t.name`; kinds without that column search another one.
pub(crate) fn search_as_filter(query: &ListQuery, field: &str) -> ListQuery {
    let mut query = query.clone();
    if let Some(text) = query.search.take() {
        query.filters.push(strato_types::Filter {
            field: field.to_string(),
            op: strato_types::FilterOp::Contains,
            values: vec![text],
        });
    }
    query
}
