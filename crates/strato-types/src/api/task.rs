//! Durable tasks as the API shows them (asynchronous actions answer 202 with one).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ids::{ProjectId, TaskId};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TaskStepView {
    pub name: String,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub error: Option<String>,
    /// Times the step polled the cloud again while waiting.
    pub polls: u32,
    pub undone_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TaskView {
    #[schema(value_type = String, format = Uuid)]
    pub id: TaskId,
    pub kind: String,
    /// queued, running, waiting, succeeded, failed or cancelled.
    pub status: String,
    /// forward, or unwinding (undoing completed steps after a failure or cancel).
    pub phase: String,
    pub target_kind: Option<String>,
    pub target_id: Option<String>,
    /// Name of the step running or next to run; none when finished.
    pub step: Option<String>,
    pub steps: Vec<TaskStepView>,
    pub attempts: u32,
    pub error: Option<String>,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub parent_id: Option<TaskId>,
    /// The project the task belongs to (tasks are listed and shown by project).
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub project_id: Option<ProjectId>,
    /// Name of the user who started it; none for system tasks (periodic syncs).
    #[serde(default)]
    pub user: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}
