//! The action log: listing it (scoped by project like every project-owned list), and writing
//! the entry of one API request, which the middleware in `crate::action_log` hands over once
//! the answer is known. Task ends are written by the task engine itself (strato-tasks).

use strato_store::{ActionLog, NewActionLog, StoreError};
use strato_types::api::{ActionLogList, ActionLogView};
use strato_types::{ActionOutcome, DomainId, ProjectId, TaskId, UserId};

use super::authz::Principal;
use super::App;
use crate::error::ApiResult;
use strato_types::ListRequest;

pub(crate) fn view(log: ActionLog) -> ActionLogView {
    let entry = log.entry;
    ActionLogView {
        id: log.id,
        created_at: log.created_at,
        domain_id: entry.domain_id,
        project_id: entry.project_id,
        user_id: entry.user_id,
        user_name: entry.user_name,
        object_kind: entry.object_kind,
        object_id: entry.object_id,
        object_name: entry.object_name,
        action: entry.action,
        outcome: entry.outcome,
        error: entry.error,
        task_id: entry.task_id,
        request_id: entry.request_id,
    }
}

/// What the middleware learnt about one write request from its path and its answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RequestEntry {
    pub object_kind: String,
    pub object_id: String,
    pub object_name: Option<String>,
    pub action: String,
    pub success: bool,
    /// The message of the error answer.
    pub error: Option<String>,
    /// The task a 202 answer started.
    pub task_id: Option<TaskId>,
    /// The object's project and domain, when the answer names them.
    pub project_id: Option<ProjectId>,
    pub domain_id: Option<DomainId>,
    pub request_id: Option<String>,
}

/// Who made a request.
pub(crate) enum Actor<'a> {
    Principal(&'a Principal),
    /// A login attempt, by the names given (the password is never looked at).
    Login {
        user: &'a str,
        domain: &'a str,
    },
}

impl App {
    pub async fn list_actionlogs(&self, principal: &Principal, request: ListRequest) -> ApiResult<ActionLogList> {
        let (query, visibility) = self.resolve_list(principal, request)?;
        let page = self.store.actionlogs().list(&query, &visibility).await?;
        Ok(ActionLogList {
            actionlogs: page.items.into_iter().map(view).collect(),
            total: page.total,
            limit: u64::from(page.limit),
            offset: page.offset,
        })
    }

    /// Deletes entries older than the retention setting (none without one).
    pub async fn purge_old_actionlogs(&self) -> Result<u64, StoreError> {
        let Some(retention) = self.limits.action_log_retention else { return Ok(0) };
        let cutoff = chrono::Duration::from_std(retention).ok().and_then(|r| chrono::Utc::now().checked_sub_signed(r));
        let Some(cutoff) = cutoff else { return Ok(0) };
        self.store.actionlogs().purge_before(cutoff).await
    }

    /// Writes the entry of one request. The request already happened, so a failure here is
    /// logged and goes no further.
    pub(crate) async fn record_request(&self, actor: Actor<'_>, entry: RequestEntry) {
        let action = entry.action.clone();
        let written = match self.request_log(actor, entry).await {
            Ok(new) => self.store.actionlogs().record(new).await.map(|_| ()),
            Err(e) => Err(e),
        };
        if let Err(error) = written {
            tracing::warn!(%error, action, "writing an action log entry failed");
        }
    }

    /// Whose entry it is: the object's project and domain when the answer named them; for a
    /// failure, the caller's project when they have just one (a member's mistakes show in
    /// their project's log); else the caller's domain.
    async fn request_log(&self, actor: Actor<'_>, entry: RequestEntry) -> Result<NewActionLog, StoreError> {
        let outcome = if entry.success { ActionOutcome::Success } else { ActionOutcome::Failure };
        let mut new = NewActionLog::new(entry.object_kind, entry.object_id, entry.action, outcome);
        new.object_name = entry.object_name;
        new.error = entry.error;
        new.task_id = entry.task_id;
        new.request_id = entry.request_id;
        match actor {
            Actor::Principal(principal) => {
                new.user_id = Some(principal.user_id);
                new.user_name = Some(principal.user_name.clone());
                let mut project = entry.project_id;
                let mut domain = entry.domain_id;
                if !entry.success && project.is_none() && domain.is_none() {
                    let projects = principal.projects();
                    if let [only] = projects.as_slice() {
                        project = Some(*only);
                        domain = principal.grants.iter().find(|g| g.project_id == Some(*only)).map(|g| g.domain_id);
                    }
                }
                if domain.is_none() {
                    domain = match project {
                        Some(p) => match self.store.projects().get(p).await {
                            Ok(found) => Some(found.domain_id),
                            Err(StoreError::NotFound { .. }) => None,
                            Err(e) => return Err(e),
                        },
                        None => None,
                    };
                }
                new.project_id = project;
                new.domain_id = domain.or(Some(principal.domain_id));
            }
            Actor::Login { user, domain } => {
                new.user_name = Some(user.to_string());
                let (domain_id, user_id) = self.login_ids(user, domain).await?;
                new.domain_id = domain_id;
                new.user_id = user_id;
            }
        }
        Ok(new)
    }

    /// The domain and user a login named, when they exist.
    async fn login_ids(&self, user: &str, domain: &str) -> Result<(Option<DomainId>, Option<UserId>), StoreError> {
        let domain = match self.store.domains().find(domain).await {
            Ok(d) => d,
            Err(StoreError::NotFound { .. } | StoreError::InvalidInput { .. }) => return Ok((None, None)),
            Err(e) => return Err(e),
        };
        match self.store.users().get_by_name(domain.id, user).await {
            Ok(u) => Ok((Some(domain.id), Some(u.id))),
            Err(StoreError::NotFound { .. } | StoreError::InvalidInput { .. }) => Ok((Some(domain.id), None)),
            Err(e) => Err(e),
        }
    }
}
