//! Durable tasks: the kinds this server runs (registered here, in one list), their view, and
//! list / show / cancel / retry. A task belongs to its owner's project (set when it was
//! enqueued); rows without an owner belong to their target cloud account's project, and
//! owner-less tasks of anything else only to the system admin.

use strato_store::{StoreError, TaskOwner, TaskRecord};
use strato_sync::Reconciler;
use strato_tasks::{EngineError, Registry};
use strato_types::api::{TaskList, TaskStepView, TaskView};
use strato_types::{CloudAccountId, DomainId, ProjectId, TaskId};

use super::authz::Principal;
use super::App;
use crate::error::{ApiError, ApiResult};
use strato_types::ListRequest;

/// Every task kind the engine runs.
pub fn registry(reconciler: &Reconciler) -> Registry {
    let mut registry = Registry::new();
    let mut results = vec![registry.register(super::sync::task_kind(reconciler.clone()))];
    results.extend(super::ops::register(&mut registry, reconciler));
    for result in results {
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
        project_id: task.owner.as_ref().map(|o| o.project_id),
        user: task.owner.and_then(|o| o.user_name),
        created_at: task.created_at,
        updated_at: task.updated_at,
        finished_at: task.finished_at,
    }
}

/// Whom a task acts for: the project it belongs to, and the user who asked (`None`: the
/// system, e.g. the sync scheduler).
pub(crate) fn task_owner(domain: DomainId, project: ProjectId, user: Option<&Principal>) -> TaskOwner {
    TaskOwner {
        domain_id: domain,
        project_id: project,
        user_id: user.map(|p| p.user_id),
        user_name: user.map(|p| p.user_name.clone()),
    }
}

/// The engine's refusals as API errors: a finished or unretryable task is the store's 409.
fn engine_error(error: EngineError) -> ApiError {
    match error {
        EngineError::Store(e) => e.into(),
        other => ApiError::internal(other),
    }
}

impl App {
    pub async fn list_tasks(&self, principal: &Principal, request: ListRequest) -> ApiResult<TaskList> {
        let (query, visibility) = self.resolve_list(principal, request)?;
        let page = self.store.tasks().list(&query, &visibility).await?;
        Ok(TaskList {
            tasks: page.items.into_iter().map(view).collect(),
            total: page.total,
            limit: u64::from(page.limit),
            offset: page.offset,
        })
    }

    /// The task's domain and project: its owner's, else its target cloud account's.
    async fn task_scope(&self, task: &TaskRecord) -> ApiResult<Option<(DomainId, ProjectId)>> {
        if let Some(owner) = &task.owner {
            return Ok(Some((owner.domain_id, owner.project_id)));
        }
        let Some(target) = task.target.as_ref().filter(|t| t.kind == "cloudaccount") else { return Ok(None) };
        let Ok(account) = target.id.parse::<CloudAccountId>() else { return Ok(None) };
        match self.store.cloudaccounts().get(account).await {
            Ok(account) => Ok(Some((account.domain_id, account.project_id))),
            Err(StoreError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// A task the caller may see (404 otherwise, like any invisible object); with `write`,
    /// one they may also change (403 for a viewer).
    async fn find_task(&self, principal: &Principal, key: &str, write: bool) -> ApiResult<TaskRecord> {
        let missing = || ApiError::not_found("task", key);
        let id: TaskId = key.parse().map_err(|_| missing())?;
        let task = match self.store.tasks().get(id).await {
            Ok(task) => task,
            Err(StoreError::NotFound { .. }) => return Err(missing()),
            Err(e) => return Err(e.into()),
        };
        match self.task_scope(&task).await? {
            Some((domain, project)) if write => principal.check_write("task", key, domain, project)?,
            Some((domain, project)) => principal.check_read("task", key, domain, project)?,
            None if principal.system_admin => {}
            None => return Err(missing()),
        }
        Ok(task)
    }

    pub async fn show_task(&self, principal: &Principal, key: &str) -> ApiResult<TaskView> {
        let task = self.find_task(principal, key, false).await?;
        let scope = if task.owner.is_none() { self.task_scope(&task).await? } else { None };
        let mut shown = view(task);
        if let Some((_, project)) = scope {
            shown.project_id = Some(project);
        }
        Ok(shown)
    }

    /// Cancels an unfinished task (at once when it ran nothing yet, else after its worker
    /// undoes the completed steps); 409 when it already ended.
    pub async fn cancel_task(&self, principal: &Principal, key: &str) -> ApiResult<TaskView> {
        let task = self.find_task(principal, key, true).await?;
        Ok(view(self.tasks().cancel(task.id).await.map_err(engine_error)?))
    }

    /// Runs a failed or cancelled task again from its first step; 409 for any other.
    pub async fn retry_task(&self, principal: &Principal, key: &str) -> ApiResult<TaskView> {
        let task = self.find_task(principal, key, true).await?;
        Ok(view(self.tasks().retry(task.id).await.map_err(engine_error)?))
    }
}
