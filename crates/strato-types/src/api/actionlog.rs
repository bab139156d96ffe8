//! The action log as the API shows it (`GET /actionlogs`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::enums::ActionOutcome;
use crate::ids::{ActionLogId, DomainId, ProjectId, TaskId, UserId};

/// One entry: an API write or login attempt (with its request id), or the end of a task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ActionLogView {
    #[schema(value_type = String, format = Uuid)]
    pub id: ActionLogId,
    pub created_at: DateTime<Utc>,
    /// The object's domain and project when known, else the caller's; none on system entries.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub domain_id: Option<DomainId>,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub project_id: Option<ProjectId>,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub user_id: Option<UserId>,
    pub user_name: Option<String>,
    /// Singular kind, e.g. `server`, `cloudaccount`, `role_assignment`.
    pub object_kind: String,
    /// The id or name the caller gave (the new id for a create); empty when unknown.
    pub object_id: String,
    pub object_name: Option<String>,
    /// `create`, `update`, `delete`, an action (`sync`, `stop`, ...), `login`, or a task kind
    /// (`cloudaccount.sync`) for a task's end.
    pub action: String,
    pub outcome: ActionOutcome,
    /// What the caller was told, or the task's error.
    pub error: Option<String>,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub task_id: Option<TaskId>,
    /// The request's `x-request-id`; none for a task's end.
    pub request_id: Option<String>,
}
