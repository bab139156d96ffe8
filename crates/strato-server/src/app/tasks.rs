//! Durable tasks: the kinds this server runs (registered here, in one list), and their view.
//! A task is visible to whoever may read its target.

use strato_store::TaskRecord;
use strato_sync::Reconciler;
use strato_tasks::Registry;
use strato_types::api::{TaskStepView, TaskView};
use strato_types::TaskId;

use super::authz::Principal;
use super::App;
use crate::error::{ApiError, ApiResult};

/// Every task kind the engine runs.
pub fn registry(reconciler: &Reconciler) -> Registry {
    let mut registry = Registry::new();
    for result in [registry.register(super::sync::task_kind(reconciler.clone()))] {
        if let Err(error) = result {
            // Only a programming error (a kind registered twice) gets here.
            tracing::error!(%error, "task kind registration failed");
        }
    }
    registry
}

pub(crate) fn view(task: TaskRecord) -> TaskView {
    let finished = task.status.is_finished();
    let step = (!finished).then(|| task.steps.get(task.step_index as usize).map(|s| s.name.clone())).flatten();
    TaskView {
        id: task.id,
        kind: task.kind,
        status: task.status.as_str().to_string(),
        phase: task.phase.as_str().to_string(),
        target_kind: task.target.as_ref().map(|t| t.kind.clone()),
        target_id: task.target.map(|t| t.id),
        step,
        steps: task
            .steps
            .into_iter()
            .map(|s| TaskStepView {
                name: s.name,
                started_at: s.started_at,
                ended_at: s.ended_at,
                error: s.error,
                polls: s.polls,
                undone_at: s.undone_at,
            })
            .collect(),
        attempts: task.attempts,
        error: task.error,
        parent_id: task.parent_id,
        created_at: task.created_at,
        updated_at: task.updated_at,
        finished_at: task.finished_at,
    }
}

impl App {
    /// A task, when the caller may read its target (otherwise 404, like the target itself).
    pub async fn show_task(&self, principal: &Principal, key: &str) -> ApiResult<TaskView> {
        let missing = || ApiError::NotFound(format!("task {key:?} not found"));
        let id: TaskId = key.parse().map_err(|_| missing())?;
        let task = self.store.tasks().get(id).await.map_err(|_| missing())?;
        let target = task.target.as_ref().ok_or_else(missing)?;
        match target.kind.as_str() {
            "cloudaccount" => {
                let account = self.store.cloudaccounts().find(principal.domain_id, &target.id).await.map_err(|_| missing())?;
                principal.check_read("task", key, account.domain_id, account.project_id).map_err(|_| missing())?;
            }
            _ => return Err(missing()),
        }
        Ok(view(task))
    }
}
