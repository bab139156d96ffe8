//! Syncing cloud accounts: the `cloudaccount.sync` task kind (one step that runs the
//! reconciler), on-demand syncs, the periodic scheduler, and the sync history.
//!
//! A sync run's id is its task's id, so a client that started a sync follows its history
//! (`GET /cloudaccounts/{id}/sync_history?run_id=<task id>`) while it runs.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use strato_cloud::ResourceKind;
use strato_store::synced::SyncRunId;
use strato_store::{TaskOwner, TaskTarget};
use strato_sync::{Reconciler, RunStatus, ScopeStatus, SyncError, SyncRequest};
use strato_tasks::{Step, StepContext, StepError, StepOutcome, TaskKind, TaskSpec};
use strato_types::api::{CloudAccountSync, SyncHistoryList, SyncHistoryView, TaskView};
use strato_types::CloudAccountId;

use super::authz::Principal;
use super::App;
use crate::error::{ApiError, ApiResult};

pub const SYNC_TASK: &str = "cloudaccount.sync";
/// How often the scheduler looks for accounts whose periodic sync is due.
pub const SCHEDULER_TICK: Duration = Duration::from_secs(10);
/// While another sync holds the account's leases, look again this often.
const BUSY_RETRY: Duration = Duration::from_secs(2);
const HISTORY_MAX: i64 = 2000;

/// Params of a sync task (stored with the task).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SyncParams {
    pub cloudaccount_id: CloudAccountId,
    #[serde(default)]
    pub regions: Vec<String>,
    #[serde(default)]
    pub kinds: Vec<String>,
    #[serde(default)]
    pub full: bool,
}

impl SyncParams {
    /// Every region and kind of the account.
    pub fn whole(cloudaccount_id: CloudAccountId) -> Self {
        SyncParams { cloudaccount_id, regions: vec![], kinds: vec![], full: false }
    }
}

pub(crate) fn task_kind(reconciler: Reconciler) -> TaskKind<SyncParams> {
    TaskKind::new(SYNC_TASK).step(RunSync { reconciler })
}

fn parse_kind(text: &str) -> Option<ResourceKind> {
    text.parse().ok()
}

struct RunSync {
    reconciler: Reconciler,
}

#[async_trait::async_trait]
impl Step<SyncParams> for RunSync {
    fn name(&self) -> &str {
        "sync"
    }

    async fn run(&self, ctx: &mut StepContext<SyncParams>) -> Result<StepOutcome, StepError> {
        let params = &ctx.params;
        let kinds = params.kinds.iter().filter_map(|k| parse_kind(k)).collect();
        let request = SyncRequest { regions: params.regions.clone(), kinds, full: params.full };
        let run = SyncRunId::from_uuid(*ctx.task_id().as_uuid());
        let outcome = match self.reconciler.sync(params.cloudaccount_id, run, request, None).await {
            Ok(outcome) => outcome,
            Err(SyncError::Store(e)) => return Err(e.into()),
            Err(SyncError::Connect(e) | SyncError::Cloud(e)) => return Err(e.into()),
        };
        let (added, updated, removed) = outcome.totals();
        tracing::info!(cloudaccount = %params.cloudaccount_id, run = %run, status = outcome.status.as_str(),
            added, updated, removed, ms = outcome.duration.as_millis() as u64, "sync run finished");
        match outcome.status {
            RunStatus::Succeeded | RunStatus::Disabled => Ok(StepOutcome::Done),
            RunStatus::Busy => Ok(StepOutcome::Wait(BUSY_RETRY)),
            RunStatus::Partial | RunStatus::Failed => {
                // The rows of scopes that did not sync are untouched; the task fails so
                // `--wait` says so, naming each such scope and why.
                let not_synced: Vec<String> = outcome
                    .scopes
                    .iter()
                    .filter_map(|s| {
                        let why = match s.status {
                            ScopeStatus::Failed => "failed",
                            ScopeStatus::Skipped => "skipped",
                            ScopeStatus::Busy => "busy",
                            ScopeStatus::Succeeded | ScopeStatus::NotSupported => return None,
                        };
                        let region = if s.region.is_empty() { "account" } else { s.region.as_str() };
                        Some(match &s.error {
                            Some(error) => format!("{region}/{} {why}: {error}", s.kind),
                            None => format!("{region}/{} {why}", s.kind),
                        })
                    })
                    .collect();
                Err(StepError::permanent(format!(
                    "{} of {} scopes did not sync: {}",
                    not_synced.len(),
                    outcome.scopes.len(),
                    not_synced.join("; ")
                )))
            }
        }
    }

    fn wait_timeout(&self) -> Duration {
        Duration::from_secs(3600)
    }
}

fn history_view(row: strato_store::synced::SyncHistoryRow) -> SyncHistoryView {
    SyncHistoryView {
        run_id: row.run_id.to_string(),
        region: row.region,
        kind: row.kind,
        status: row.status.as_str().to_string(),
        added: row.added,
        updated: row.updated,
        removed: row.removed,
        errors: row.errors,
        duplicates: row.duplicates,
        cloud_requests: row.cloud_requests,
        duration_ms: row.duration_ms,
        error: row.error,
        started_at: row.started_at,
        finished_at: row.finished_at,
    }
}

impl App {
    /// Starts a sync of an account (202 with the task). A sync already queued or running for
    /// the account is answered instead of starting a second one.
    pub async fn sync_cloudaccount(&self, principal: &Principal, key: &str, input: CloudAccountSync) -> ApiResult<TaskView> {
        let account = self.find_cloudaccount(principal, key).await?;
        principal.check_write("cloud account", key, account.domain_id, account.project_id)?;
        if !account.enabled {
            return Err(ApiError::Conflict(format!("cloud account {:?} is disabled; enable it to sync", account.name)));
        }
        let mut kinds = Vec::new();
        for kind in input.kinds.unwrap_or_default() {
            match parse_kind(&kind) {
                Some(k) if k != ResourceKind::CloudRegion => kinds.push(k.as_str().to_string()),
                _ => {
                    let known: Vec<&str> = strato_sync::kinds::region_kinds().iter().map(|k| k.as_str()).collect();
                    return Err(ApiError::invalid_field(
                        "kinds",
                        format!("unknown kind {:?}; known: {}", kind.chars().take(64).collect::<String>(), known.join(", ")),
                    ));
                }
            }
        }
        let regions = input.regions.unwrap_or_default();
        for region in &regions {
            if self.store.cloudregions().get_by_external_id(account.id, region).await.is_err() {
                return Err(ApiError::invalid_field(
                    "regions",
                    format!("cloud account {:?} has no region {:?} (sync it without a region first)", account.name, region.chars().take(64).collect::<String>()),
                ));
            }
        }
        let params = SyncParams { cloudaccount_id: account.id, regions, kinds, full: input.full };
        let owner = super::tasks::task_owner(account.domain_id, account.project_id, Some(principal));
        Ok(super::tasks::view(self.enqueue_sync(params, owner).await?))
    }

    /// Enqueues a sync unless one of the same account is queued or running. `owner`: the
    /// account's project, and the user who asked (none for the scheduler's syncs).
    pub(crate) async fn enqueue_sync(&self, params: SyncParams, owner: TaskOwner) -> ApiResult<strato_store::TaskRecord> {
        let target = TaskTarget { kind: "cloudaccount".into(), id: params.cloudaccount_id.to_string() };
        if let Some(running) = self.store.tasks().unfinished_for_target(SYNC_TASK, &target).await? {
            return Ok(running);
        }
        let account = params.cloudaccount_id;
        let task = self
            .tasks()
            .enqueue(TaskSpec::new(SYNC_TASK, params).target("cloudaccount", account).owner(owner))
            .await
            .map_err(|e| ApiError::internal(format!("enqueueing a sync: {e}")))?;
        self.store.cloudaccounts().postpone_sync(account, chrono::Utc::now()).await?;
        Ok(task)
    }

    pub async fn cloudaccount_sync_history(
        &self,
        principal: &Principal,
        key: &str,
        run_id: Option<&str>,
        limit: Option<u32>,
    ) -> ApiResult<SyncHistoryList> {
        let account = self.find_cloudaccount(principal, key).await?;
        let run = match run_id {
            Some(r) => Some(r.parse::<SyncRunId>().map_err(|_| ApiError::invalid_field("run_id", "run_id must be a sync run (task) id"))?),
            None => None,
        };
        let limit = i64::from(limit.unwrap_or(200)).clamp(1, HISTORY_MAX);
        let rows = self.store.synced().history_of(account.id, run, limit).await?;
        let total = rows.len() as u64;
        Ok(SyncHistoryList { sync_history: rows.into_iter().map(history_view).collect(), total })
    }

    /// The periodic scheduler: every tick, claim the accounts whose sync is due and enqueue
    /// their syncs. Claims are conditional in the store, so replicas do not double up.
    pub async fn run_sync_scheduler(self: std::sync::Arc<Self>) {
        let Some(tick) = self.sync_tick else { return };
        let mut every = tokio::time::interval(tick);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            let due = match self.store.cloudaccounts().claim_due_syncs(chrono::Utc::now(), 100).await {
                Ok(due) => due,
                Err(error) => {
                    tracing::warn!(%error, "looking for due syncs failed");
                    continue;
                }
            };
            for account in due {
                let owner = match self.store.cloudaccounts().get(account).await {
                    Ok(found) => super::tasks::task_owner(found.domain_id, found.project_id, None),
                    Err(error) => {
                        tracing::warn!(cloudaccount = %account, %error, "looking up an account due for sync failed");
                        continue;
                    }
                };
                if let Err(error) = self.enqueue_sync(SyncParams::whole(account), owner).await {
                    tracing::warn!(cloudaccount = %account, %error, "enqueueing a periodic sync failed");
                }
            }
        }
    }
}
