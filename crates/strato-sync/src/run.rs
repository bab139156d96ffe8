//! One sync run: regions phase, then every region's kinds in dependency order.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use futures::stream::{self, StreamExt};
use strato_cloud::{ApiClass, RequestKey, ResourceKind};
use strato_store::synced::operations::is_pending;
use strato_store::synced::{Batch, Scope, SyncHistoryRow, SyncRow, SyncRunId, SyncScopeStatus};
use strato_store::CloudAccount;
use strato_types::{CloudAccountId, CloudRegionId};

use crate::kinds::{self, Desired, Resolver};
use crate::merge::{self, ChangeOrigin};
use crate::{ConnectedDriver, Progress, Reconciler, SyncError, SyncRequest};

/// How one (region, kind) ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeStatus {
    Succeeded,
    /// The listing (or the write) failed; the scope's rows are untouched.
    Failed,
    /// A kind it depends on failed in this region; rows untouched.
    Skipped,
    /// The driver does not support the kind; rows untouched.
    NotSupported,
    /// Another sync holds this region's lease.
    Busy,
}

#[derive(Debug, Clone)]
pub struct ScopeReport {
    /// Region external id; empty for account-wide kinds.
    pub region: String,
    pub kind: ResourceKind,
    pub status: ScopeStatus,
    pub added: u64,
    pub updated: u64,
    pub removed: u64,
    pub duplicates: Vec<String>,
    pub cloud_requests: u64,
    pub duration: Duration,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    Succeeded,
    /// Some scopes failed or were skipped; the rest synced.
    Partial,
    Failed,
    /// Another sync holds every lease of this account.
    Busy,
    /// The account is disabled; nothing was done.
    Disabled,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Succeeded => "succeeded",
            RunStatus::Partial => "partial",
            RunStatus::Failed => "failed",
            RunStatus::Busy => "busy",
            RunStatus::Disabled => "disabled",
        }
    }
}

/// What the caller (scheduler) does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextAction {
    /// Wait for the next periodic sync.
    Done,
    /// Try again after this long (failed scopes, or a lease held by another sync).
    RetryAfter(Duration),
}

#[derive(Debug, Clone)]
pub struct SyncOutcome {
    pub run_id: SyncRunId,
    pub account: CloudAccountId,
    pub status: RunStatus,
    pub scopes: Vec<ScopeReport>,
    pub next: NextAction,
    pub duration: Duration,
}

impl SyncOutcome {
    pub fn scope(&self, region: &str, kind: ResourceKind) -> Option<&ScopeReport> {
        self.scopes.iter().find(|s| s.region == region && s.kind == kind)
    }
    pub fn totals(&self) -> (u64, u64, u64) {
        self.scopes.iter().fold((0, 0, 0), |t, s| (t.0 + s.added, t.1 + s.updated, t.2 + s.removed))
    }
}

/// Result of a targeted re-read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshOutcome {
    Added,
    Updated,
    Unchanged,
    /// The cloud no longer has it; the row was removed.
    Removed,
    /// Neither the cloud nor the store has it.
    Absent,
}

const RETRY_FAILED: Duration = Duration::from_secs(60);

fn report(region: &str, kind: ResourceKind, status: ScopeStatus, error: Option<String>) -> ScopeReport {
    ScopeReport {
        region: region.to_string(),
        kind,
        status,
        added: 0,
        updated: 0,
        removed: 0,
        duplicates: Vec::new(),
        cloud_requests: 0,
        duration: Duration::ZERO,
        error,
    }
}

struct Ctx {
    rec: Reconciler,
    account: CloudAccount,
    conn: ConnectedDriver,
    run: SyncRunId,
    /// Whom the change log credits (the run, or the user of a targeted re-read).
    origin: ChangeOrigin,
    request: SyncRequest,
    progress: Option<Progress>,
    started_at: chrono::DateTime<Utc>,
}

impl Ctx {
    /// The name this run's leases are held under: the run id (= its task's id).
    fn lease_owner(&self) -> String {
        self.run.to_string()
    }

    fn scope(&self, region: Option<CloudRegionId>) -> Scope {
        Scope {
            cloudaccount_id: self.account.id,
            domain_id: self.account.domain_id,
            project_id: self.account.project_id,
            cloudregion_id: region,
        }
    }

    fn requests(&self, region: &str) -> u64 {
        if region.is_empty() {
            // account-wide calls: every region key of this account
            return self
                .conn
                .requests
                .all_counters()
                .into_iter()
                .filter(|(k, _)| k.account == self.conn.account_key && k.class == ApiClass::Describe)
                .map(|(_, c)| c.requests)
                .sum();
        }
        let key = RequestKey {
            provider: self.conn.driver.provider(),
            account: self.conn.account_key.clone(),
            region: region.to_string(),
            class: ApiClass::Describe,
        };
        self.conn.requests.counters(&key).requests
    }

    /// Lists, merges and writes one (region, kind). Returns the report and the external id ->
    /// local id map of the scope (stored rows when the listing failed).
    async fn sync_kind(
        &self,
        kind: ResourceKind,
        region: &str,
        region_id: Option<CloudRegionId>,
        cx: &Resolver,
    ) -> (ScopeReport, HashMap<String, strato_store::synced::ResourceId>) {
        let started = Instant::now();
        let requests_before = self.requests(region);
        let def = kind.meta();
        let mut rep = report(region, kind, ScopeStatus::Succeeded, None);
        // read the store while the cloud lists: the two overlap
        let synced = self.rec.store.synced();
        let (stored, listing) =
            tokio::join!(synced.scan(def, self.account.id, region_id), strato_cloud::kinds::lookup(kind).list(self.conn.driver.as_ref(), region, cx));
        let stored = match stored {
            // rows of creates in progress (or failed) are the operation's, not the cloud's
            Ok(s) => s.into_iter().filter(|r| !is_pending(&r.external_id)).collect::<Vec<_>>(),
            Err(e) => {
                rep.status = ScopeStatus::Failed;
                rep.error = Some(format!("reading the store: {e}"));
                return (rep, HashMap::new());
            }
        };
        let listing: Result<Vec<Desired>, _> = listing;
        rep.cloud_requests = self.requests(region).saturating_sub(requests_before);
        let desired = match listing {
            // A region filter on the account: regions outside it are not ours, so they are
            // never inserted (and any stored earlier are removed by the merge).
            Ok(mut d) if kind == ResourceKind::CloudRegion && !self.account.regions.is_empty() => {
                d.retain(|r| self.account.regions.contains(&r.external_id));
                d
            }
            Ok(d) => d,
            Err(e) => {
                rep.status = if e.is_not_implemented() { ScopeStatus::NotSupported } else { ScopeStatus::Failed };
                rep.error = Some(e.to_string());
                rep.duration = started.elapsed();
                if rep.status == ScopeStatus::Failed {
                    tracing::warn!(account = %self.account.id, region, %kind, error = %e, "listing failed; rows left untouched");
                }
                return (rep, stored.into_iter().map(|s| (s.external_id, s.id)).collect());
            }
        };
        let mut plan = merge::plan_with(desired, stored, None, self.request.full);
        // A row with a running operation belongs to that operation until it ends (its
        // transitional status must not be overwritten); the operation re-reads it itself.
        match self.rec.store.tasks().busy_targets(def.keyword()).await {
            Ok(busy) if !busy.is_empty() => {
                let before = plan.updates.len() + plan.removals.len();
                plan.updates.retain(|u| !busy.contains(&u.id.to_string()));
                plan.removals.retain(|r| !busy.contains(&r.id.to_string()));
                let held = before - plan.updates.len() - plan.removals.len();
                if held > 0 {
                    tracing::info!(account = %self.account.id, region, %kind, held, "rows with running operations left alone");
                }
            }
            Ok(_) => {}
            Err(e) => {
                rep.status = ScopeStatus::Failed;
                rep.error = Some(format!("reading running operations: {e}"));
                rep.duration = started.elapsed();
                return (rep, plan.ids);
            }
        }
        rep.duplicates = std::mem::take(&mut plan.duplicates);
        if !rep.duplicates.is_empty() {
            tracing::warn!(account = %self.account.id, region, %kind, duplicates = rep.duplicates.len(), "cloud listed duplicate external ids");
        }
        let counts = (plan.inserts.len() as u64, plan.updates.len() as u64, plan.removals.len() as u64);
        let ids = std::mem::take(&mut plan.ids);
        match self.write(kind, region_id, plan).await {
            Ok(()) => {
                (rep.added, rep.updated, rep.removed) = counts;
            }
            Err(e) => {
                rep.status = ScopeStatus::Failed;
                rep.error = Some(format!("writing the store: {e}"));
            }
        }
        rep.duration = started.elapsed();
        (rep, ids)
    }

    async fn write(&self, kind: ResourceKind, region_id: Option<CloudRegionId>, plan: merge::Plan) -> Result<(), SyncError> {
        let def = kind.meta();
        let synced = self.rec.store.synced();
        let ids: Vec<_> = plan.updates.iter().map(|u| u.id).collect();
        let old = if ids.is_empty() { Vec::new() } else { synced.load(def, &ids).await? };
        let changes = merge::changes(def, self.account.id, &self.origin, &plan.updates, &old, &plan.removals);
        let mut inserts = plan.inserts;
        self.apply_project_rules(&mut inserts).await?;
        let batch = Batch { inserts, updates: plan.updates, removals: plan.removals.iter().map(|r| r.id).collect(), changes };
        synced.apply(def, &self.scope(region_id), &batch).await?;
        Ok(())
    }

    /// New rows go to the project of the account's first rule that matches their cloud tags
    /// (else the account's project). A rule whose project was deleted since is skipped, so
    /// it cannot fail the write.
    async fn apply_project_rules(&self, inserts: &mut [SyncRow]) -> Result<(), SyncError> {
        if self.account.project_rules.is_empty() || inserts.is_empty() {
            return Ok(());
        }
        let mut rules = Vec::with_capacity(self.account.project_rules.len());
        for rule in &self.account.project_rules {
            match self.rec.store.projects().get(rule.project_id).await {
                Ok(_) => rules.push(rule),
                Err(strato_store::StoreError::NotFound { .. }) => {
                    tracing::warn!(account = %self.account.id, project = %rule.project_id, tag = %rule.tag_key, "project rule names a deleted project; skipped");
                }
                Err(e) => return Err(e.into()),
            }
        }
        for row in inserts {
            let tags = row.tags();
            row.project_id = rules.iter().find(|r| r.matches(&tags)).map(|r| r.project_id);
        }
        Ok(())
    }

    /// Every kind of one region, in dependency order, under the region's lease. Kinds left
    /// out of the request keep their rows; their stored ids resolve the others' references.
    async fn sync_region(&self, region: String, region_id: CloudRegionId) -> Vec<ScopeReport> {
        let leases = self.rec.store.sync_leases();
        let cfg = &self.rec.config;
        match leases.acquire(self.account.id, &region, &self.lease_owner(), cfg.lease_ttl).await {
            Ok(true) => {}
            Ok(false) => {
                let rep = report(&region, ResourceKind::Zone, ScopeStatus::Busy, Some("another sync holds this region's lease".into()));
                self.finished(&rep).await;
                return vec![rep];
            }
            Err(e) => {
                let rep = report(&region, ResourceKind::Zone, ScopeStatus::Failed, Some(format!("lease: {e}")));
                self.finished(&rep).await;
                return vec![rep];
            }
        }
        let mut cx = Resolver::for_provider(self.conn.driver.provider());
        let mut failed: HashSet<ResourceKind> = HashSet::new();
        let mut out = Vec::new();
        for &kind in kinds::region_kinds() {
            if !self.request.covers(kind) {
                match self.rec.store.synced().scan(kind.meta(), self.account.id, Some(region_id)).await {
                    Ok(rows) => {
                        cx.ids.insert(kind, rows.into_iter().map(|r| (r.external_id, r.id)).collect());
                    }
                    Err(e) => {
                        tracing::warn!(account = %self.account.id, region, %kind, error = %e, "reading stored ids failed");
                        failed.insert(kind);
                    }
                }
                continue;
            }
            let rep = if let Some(dep) = kind.meta().depends_on.iter().find(|d| failed.contains(d)) {
                failed.insert(kind);
                report(&region, kind, ScopeStatus::Skipped, Some(format!("{dep} failed in this region")))
            } else {
                let (rep, ids) = self.sync_kind(kind, &region, Some(region_id), &cx).await;
                if rep.status == ScopeStatus::Failed {
                    failed.insert(kind);
                }
                cx.ids.insert(kind, ids);
                rep
            };
            self.finished(&rep).await;
            out.push(rep);
            match leases.renew(self.account.id, &region, &self.lease_owner(), cfg.lease_ttl).await {
                Ok(true) => {}
                _ => {
                    tracing::warn!(account = %self.account.id, region, "lease lost; stopping this region");
                    break;
                }
            }
        }
        if let Err(e) = leases.release(self.account.id, &region, &self.lease_owner()).await {
            tracing::warn!(account = %self.account.id, region, error = %e, "releasing the lease failed; it expires");
        }
        out
    }

    /// A scope is done: its history row is written at once (so progress can be followed
    /// while the run goes on) and the progress observer is told.
    async fn finished(&self, rep: &ScopeReport) {
        let row = history_row(self.run, self.account.id, rep, self.started_at);
        if let Err(e) = self.rec.store.synced().record_history(std::slice::from_ref(&row)).await {
            tracing::warn!(account = %self.account.id, region = rep.region, kind = %rep.kind, error = %e, "writing sync history failed");
        }
        if let Some(progress) = &self.progress {
            progress(rep);
        }
    }
}

fn history_row(run: SyncRunId, account: CloudAccountId, s: &ScopeReport, started_at: chrono::DateTime<Utc>) -> SyncHistoryRow {
    SyncHistoryRow {
        run_id: run,
        cloudaccount_id: account,
        region: s.region.clone(),
        kind: s.kind.as_str().to_string(),
        status: match s.status {
            ScopeStatus::Succeeded => SyncScopeStatus::Succeeded,
            ScopeStatus::Failed => SyncScopeStatus::Failed,
            ScopeStatus::Skipped | ScopeStatus::NotSupported | ScopeStatus::Busy => SyncScopeStatus::Skipped,
        },
        added: s.added,
        updated: s.updated,
        removed: s.removed,
        errors: u64::from(s.status == ScopeStatus::Failed),
        duplicates: s.duplicates.len() as u64,
        cloud_requests: s.cloud_requests,
        duration_ms: s.duration.as_millis() as u64,
        error: s.error.clone().or_else(|| {
            (!s.duplicates.is_empty()).then(|| format!("duplicate external ids from the cloud: {}", s.duplicates.join(", ")))
        }),
        started_at,
        finished_at: Utc::now(),
    }
}

pub(crate) async fn sync_account(
    rec: &Reconciler,
    account_id: CloudAccountId,
    run: SyncRunId,
    request: SyncRequest,
    progress: Option<Progress>,
) -> Result<SyncOutcome, SyncError> {
    let started = Instant::now();
    let started_at = Utc::now();
    let account = rec.account(account_id).await?;
    if !account.enabled {
        return Ok(SyncOutcome { run_id: run, account: account_id, status: RunStatus::Disabled, scopes: vec![], next: NextAction::Done, duration: started.elapsed() });
    }
    let conn = match rec.driver_for(&account).await {
        Ok(conn) => conn,
        Err(e) => {
            rec.store.cloudaccounts().record_contact(account_id, Err(&e.to_string())).await?;
            rec.store.cloudaccounts().record_sync(account_id, "failed", Utc::now()).await?;
            return Err(e);
        }
    };
    let ctx = Arc::new(Ctx { rec: rec.clone(), account, conn, run, origin: ChangeOrigin::sync(run), request, progress, started_at });
    let leases = rec.store.sync_leases();
    let cfg = &rec.config;

    // account-wide: the regions (unless the request names regions or leaves them out)
    let mut scopes = Vec::new();
    if ctx.request.regions.is_empty() && ctx.request.covers(ResourceKind::CloudRegion) {
        let rep = if leases.acquire(account_id, "", &ctx.lease_owner(), cfg.lease_ttl).await? {
            let (rep, _) = ctx.sync_kind(ResourceKind::CloudRegion, "", None, &Resolver::for_provider(ctx.conn.driver.provider())).await;
            leases.release(account_id, "", &ctx.lease_owner()).await?;
            rep
        } else {
            report("", ResourceKind::CloudRegion, ScopeStatus::Busy, Some("another sync holds this account's lease".into()))
        };
        record_contact(&ctx, &rep).await?;
        ctx.finished(&rep).await;
        scopes.push(rep);
    }
    let regions = rec.store.synced().scan(ResourceKind::CloudRegion.meta(), account_id, None).await?;
    let mut regions: Vec<(String, CloudRegionId)> = regions
        .into_iter()
        .filter(|r| ctx.request.regions.is_empty() || ctx.request.regions.contains(&r.external_id))
        .map(|r| (r.external_id, CloudRegionId::from_uuid(*r.id.as_uuid())))
        .collect();
    regions.sort();

    // each region on its own task, so regions use every core; at most `region_parallelism` at once
    let per_region: Vec<Vec<ScopeReport>> = stream::iter(regions.into_iter().map(|(ext, id)| {
        let ctx = ctx.clone();
        async move {
            let name = ext.clone();
            tokio::spawn(async move { ctx.sync_region(ext, id).await }).await.unwrap_or_else(|e| {
                vec![report(&name, ResourceKind::Zone, ScopeStatus::Failed, Some(format!("region sync task failed: {e}")))]
            })
        }
    }))
    .buffer_unordered(cfg.region_parallelism.max(1))
    .collect()
    .await;
    for r in per_region {
        scopes.extend(r);
    }
    scopes.sort_by(|a, b| (a.region.as_str(), order(a.kind)).cmp(&(b.region.as_str(), order(b.kind))));

    let busy = !scopes.is_empty() && scopes.iter().all(|s| s.status == ScopeStatus::Busy);
    let bad = scopes.iter().filter(|s| matches!(s.status, ScopeStatus::Failed | ScopeStatus::Skipped | ScopeStatus::Busy)).count();
    let status = if busy {
        RunStatus::Busy
    } else if bad == 0 {
        RunStatus::Succeeded
    } else if scopes.iter().any(|s| s.status == ScopeStatus::Succeeded) {
        RunStatus::Partial
    } else {
        RunStatus::Failed
    };
    if status != RunStatus::Busy {
        rec.store.cloudaccounts().record_sync(account_id, status.as_str(), Utc::now()).await?;
    }
    let next = if status == RunStatus::Succeeded { NextAction::Done } else { NextAction::RetryAfter(RETRY_FAILED) };
    Ok(SyncOutcome { run_id: run, account: account_id, status, scopes, next, duration: started.elapsed() })
}

/// The region listing is the account's contact with the cloud: it says whether the
/// credentials work. Other failures (a flaky region) say nothing about the account.
async fn record_contact(ctx: &Ctx, rep: &ScopeReport) -> Result<(), SyncError> {
    let accounts = ctx.rec.store.cloudaccounts();
    match (&rep.status, &rep.error) {
        (ScopeStatus::Succeeded, _) => {
            let caps = strato_cloud::kinds::capability_names(ctx.conn.driver.as_ref());
            accounts.record_contact(ctx.account.id, Ok(&caps)).await?;
        }
        (ScopeStatus::Failed, Some(error)) => accounts.record_contact(ctx.account.id, Err(error)).await?,
        _ => {}
    }
    Ok(())
}


fn order(kind: ResourceKind) -> usize {
    kinds::region_kinds().iter().position(|k| *k == kind).map(|p| p + 1).unwrap_or(0)
}

pub(crate) async fn refresh_one(
    rec: &Reconciler,
    account_id: CloudAccountId,
    region: &str,
    kind: ResourceKind,
    external_id: &str,
    origin: ChangeOrigin,
) -> Result<RefreshOutcome, SyncError> {
    let account = rec.account(account_id).await?;
    let conn = rec.driver_for(&account).await?;
    let region_row = rec.store.cloudregions().get_by_external_id(account_id, region).await?;
    let ctx = Ctx {
        rec: rec.clone(),
        account,
        conn,
        run: SyncRunId::new(),
        origin,
        request: SyncRequest::default(),
        progress: None,
        started_at: Utc::now(),
    };
    let synced = rec.store.synced();
    // references resolve against what the store holds for this region
    let mut cx = Resolver::for_provider(ctx.conn.driver.provider());
    for dep in kind.meta().depends_on {
        let rows = synced.scan(dep.meta(), account_id, Some(region_row.id)).await?;
        cx.ids.insert(*dep, rows.into_iter().map(|r| (r.external_id, r.id)).collect());
    }
    let mut stored = synced.scan(kind.meta(), account_id, Some(region_row.id)).await?;
    stored.retain(|r| !is_pending(&r.external_id));
    let had = stored.iter().any(|s| s.external_id == external_id);
    let desired = match strato_cloud::kinds::lookup(kind).get(ctx.conn.driver.as_ref(), region, external_id, &cx).await {
        Ok(d) => vec![d],
        Err(e) if e.is_not_found() => vec![],
        Err(e) => return Err(SyncError::Cloud(e)),
    };
    let found = !desired.is_empty();
    let plan = merge::plan(desired, stored, Some(external_id));
    let updated = !plan.updates.is_empty();
    ctx.write(kind, Some(region_row.id), plan).await?;
    Ok(match (had, found) {
        (false, false) => RefreshOutcome::Absent,
        (true, false) => RefreshOutcome::Removed,
        (false, true) => RefreshOutcome::Added,
        (true, true) if !updated => RefreshOutcome::Unchanged,
        (true, true) => RefreshOutcome::Updated,
    })
}
