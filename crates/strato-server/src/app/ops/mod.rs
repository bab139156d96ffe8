//! Lifecycle operations on synced resources (DESIGN.md "Flows" 2), one shared path for every
//! kind: the app checks scope, the kind's state machine and delete protection, then sets the
//! transitional status and enqueues the task in one transaction (`Synced::begin_operation`).
//! The task's steps are the same for every action:
//!
//! 1. `accepted`: nothing forward; its undo marks the row `<action>_failed` (or puts the
//!    old status back after a cancel), so a failed operation is visible on the resource;
//! 2. `cloud_call`: the driver call (a delete of something the cloud no longer has is done);
//! 3. `await_cloud`: polls the cloud with backoff, without holding a worker, until the
//!    resource reaches the action's end state (or is gone, for deletes);
//! 4. `reread`: the targeted re-read of the resource (and of the server a disk moved on or
//!    off), so the inventory shows the new state at once; the change log credits the user.
//!
//! Every action is a `Transition` of its kind's declaration (`strato_cloud::kinds`: the state
//! machine's `from`/`during`/`failed`/`until`); [`actions()`] makes one task kind of each. A
//! plain action (id only) is performed by the driver's facet of the kind and needs nothing
//! here (`plain.rs` serves them all). An action with a body has its cloud call and app
//! function in its kind's file (`servers.rs`, `disks.rs`, listed in [`written_calls`]);
//! creates add their own create step.

pub mod disks;
mod plain;
mod preflight;
pub mod servers;

use std::time::Duration;

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

use strato_cloud::kinds::{self, Transition, Until};
use strato_cloud::{CloudDriver, CloudResult, ResourceKind};
use strato_store::synced::operations::{is_pending, OperationStart, Started};
use strato_store::synced::query::SyncedRecord;
use strato_store::synced::{KindDef, ResourceId};
use strato_store::{NewTask, TaskTarget};
use strato_sync::{ChangeOrigin, Reconciler, SyncError};
use strato_tasks::{Registry, Step, StepContext, StepError, StepOutcome, TaskKind};
use strato_types::api::TaskView;
use strato_types::CloudAccountId;

use super::authz::Principal;
use super::App;
use crate::error::{ApiError, ApiResult};

/// The cloud call of an action with a body, written in its kind's file.
pub(crate) type CloudCall = for<'a> fn(&'a dyn CloudDriver, &'a OpParams) -> BoxFuture<'a, CloudResult<()>>;

/// How an action reaches the cloud.
#[derive(Clone, Copy)]
pub(crate) enum Call {
    /// The driver's facet of the kind performs the verb.
    Plain,
    /// An action with a body: its call, written in the kind's file.
    Written(CloudCall),
    /// A create: its own step makes the resource.
    Create,
}

/// One action of a kind's state machine, as its task runs it.
pub(crate) struct Action {
    pub resource: ResourceKind,
    /// The declaration: verb, from / during / failed / until, timeout.
    pub transition: &'static Transition,
    /// Task kind, e.g. `server.stop`.
    pub task: &'static str,
    pub call: Call,
}

impl Action {
    fn def(&self) -> &'static KindDef {
        self.resource.meta()
    }
    pub(crate) fn verb(&self) -> &'static str {
        self.transition.verb
    }
    fn is_delete(&self) -> bool {
        self.transition.is_delete()
    }
    /// Whether the state machine accepts the action from `status`.
    pub(crate) fn accepts(&self, status: &str) -> bool {
        self.transition.from.contains(&status)
    }
    fn is_create(&self) -> bool {
        matches!(self.call, Call::Create)
    }
    /// The cloud call (none for a create, whose own step makes the resource).
    async fn call_cloud(&self, driver: &dyn CloudDriver, p: &OpParams) -> CloudResult<()> {
        match self.call {
            Call::Plain => kinds::lookup(self.resource).act(driver, &p.region, &p.external_id, self.verb()).await,
            Call::Written(call) => call(driver, p).await,
            Call::Create => Ok(()),
        }
    }
}

/// The calls of the actions with a body, by kind and verb; each kind file lists its own.
fn written_calls() -> impl Iterator<Item = &'static (ResourceKind, &'static str, CloudCall)> {
    servers::CALLS.iter().chain(disks::CALLS)
}

/// Every declared action of every kind, each with its task kind.
pub(crate) fn actions() -> &'static [Action] {
    static ACTIONS: OnceLock<Vec<Action>> = OnceLock::new();
    ACTIONS.get_or_init(|| {
        let mut actions = Vec::new();
        for kind in kinds::all() {
            let meta = kind.meta();
            for transition in meta.transitions {
                let call = if transition.plain.is_some() {
                    Call::Plain
                } else if transition.is_create() {
                    Call::Create
                } else {
                    match written_calls().find(|(k, verb, _)| *k == meta.kind && *verb == transition.verb) {
                        Some((_, _, call)) => Call::Written(*call),
                        // a declared action with a body but no call: refused at start (a test
                        // finds it first)
                        None => continue,
                    }
                };
                // one string per declared action, made once per process
                let task: &'static str = Box::leak(format!("{}.{}", meta.kind, transition.verb).into_boxed_str());
                actions.push(Action { resource: meta.kind, transition, task, call });
            }
        }
        actions
    })
}

/// The action `verb` of `kind`, if it is declared (and, with a body, written).
pub(crate) fn action(kind: ResourceKind, verb: &str) -> Option<&'static Action> {
    actions().iter().find(|a| a.resource == kind && a.verb() == verb)
}

/// An action the kind's file relies on being declared (the tests check each one).
pub(crate) fn declared(kind: ResourceKind, verb: &str) -> ApiResult<&'static Action> {
    action(kind, verb).ok_or_else(|| ApiError::internal(format!("{kind} {verb} is not a declared action")))
}

/// Params of every operation task (stored with the task; committed after every step).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OpParams {
    pub resource_id: ResourceId,
    pub cloudaccount_id: CloudAccountId,
    /// Region external id.
    pub region: String,
    /// The resource's external id (a `pending:` placeholder until a create made it).
    pub external_id: String,
    /// Status before the operation (put back when it is cancelled).
    pub prior_status: String,
    /// The user's name (change log and action log).
    pub actor: String,
    /// change_config: the new instance type.
    #[serde(default)]
    pub instance_type: Option<String>,
    /// disk resize: the new size.
    #[serde(default)]
    pub size_gb: Option<u64>,
    /// disk attach/detach: the server's external id (re-read with the disk).
    #[serde(default)]
    pub server_external_id: Option<String>,
    /// disk attach: the device name asked for.
    #[serde(default)]
    pub device: Option<String>,
    /// creates: what to make.
    #[serde(default)]
    pub create: Option<CreateSpec>,
}

/// What a create task makes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CreateSpec {
    Server(strato_cloud::ServerCreate),
    Disk(strato_cloud::DiskCreate),
}

/// Every operation task kind.
pub(crate) fn register(registry: &mut Registry, reconciler: &Reconciler) -> Vec<Result<(), strato_tasks::EngineError>> {
    let mut results = Vec::new();
    for action in actions() {
        let kind = match action.call {
            Call::Create if action.resource == ResourceKind::Server => servers::create_kind(action, reconciler.clone()),
            Call::Create if action.resource == ResourceKind::Disk => disks::create_kind(action, reconciler.clone()),
            Call::Create => continue,
            _ => action_kind(action, reconciler.clone()),
        };
        results.push(registry.register(kind));
    }
    results
}

fn action_kind(action: &'static Action, rec: Reconciler) -> TaskKind<OpParams> {
    TaskKind::new(action.task)
        .step(Accepted { action, rec: rec.clone() })
        .step(CallCloud { action, rec: rec.clone() })
        .step(AwaitCloud { action, rec: rec.clone() })
        .step(Reread { action, rec })
}

/// Makes a kind's resource in the cloud and answers its external id. The task id comes as
/// the idempotency token, so a step run again after a crash finds what it made before.
pub(crate) type MakeCall = for<'a> fn(&'a dyn CloudDriver, &'a OpParams, String) -> BoxFuture<'a, Result<String, StepError>>;

/// A create task: accepted, the kind's make call, then await and re-read like every action.
/// `delete` is the kind's delete action, whose call undoes the make (none: nothing undoes it).
pub(crate) fn create_kind(
    action: &'static Action,
    delete: Option<&'static Action>,
    step_name: &'static str,
    make: MakeCall,
    rec: Reconciler,
) -> TaskKind<OpParams> {
    TaskKind::new(action.task)
        .step(Accepted { action, rec: rec.clone() })
        .step(Create { action, delete, step_name, make, rec: rec.clone() })
        .step(AwaitCloud { action, rec: rec.clone() })
        .step(Reread { action, rec })
}

/// Makes the resource and gives its row the cloud's id; the undo deletes it in the cloud and
/// puts the placeholder id back (the row is again a record of a create that made nothing).
struct Create {
    action: &'static Action,
    delete: Option<&'static Action>,
    step_name: &'static str,
    make: MakeCall,
    rec: Reconciler,
}

#[async_trait::async_trait]
impl Step<OpParams> for Create {
    fn name(&self) -> &str {
        self.step_name
    }
    async fn run(&self, ctx: &mut StepContext<OpParams>) -> Result<StepOutcome, StepError> {
        let token = ctx.task_id().to_string();
        let p = &ctx.params;
        let driver = driver(&self.rec, p.cloudaccount_id).await?;
        let external_id = (self.make)(driver.as_ref(), p, token).await?;
        self.rec.store().synced().set_external_id(self.action.def(), p.resource_id, &external_id, &p.actor).await?;
        ctx.params.external_id = external_id;
        Ok(StepOutcome::Done)
    }
    async fn undo(&self, ctx: &mut StepContext<OpParams>) -> Result<(), StepError> {
        let p = &ctx.params;
        if is_pending(&p.external_id) {
            return Ok(());
        }
        if let Some(delete) = self.delete {
            let driver = driver(&self.rec, p.cloudaccount_id).await?;
            match delete.call_cloud(driver.as_ref(), p).await {
                Ok(()) => {}
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e.into()),
            }
        }
        let placeholder = strato_sync::pending_external_id(p.resource_id);
        self.rec.store().synced().set_external_id(self.action.def(), p.resource_id, &placeholder, &p.actor).await?;
        ctx.params.external_id = placeholder;
        Ok(())
    }
}

pub(crate) fn sync_error(e: SyncError) -> StepError {
    match e {
        SyncError::Store(e) => e.into(),
        SyncError::Connect(e) | SyncError::Cloud(e) => e.into(),
    }
}

pub(crate) async fn driver(rec: &Reconciler, account: CloudAccountId) -> Result<std::sync::Arc<dyn CloudDriver>, StepError> {
    Ok(rec.connect(account).await.map_err(sync_error)?.driver)
}

struct Accepted {
    action: &'static Action,
    rec: Reconciler,
}

#[async_trait::async_trait]
impl Step<OpParams> for Accepted {
    fn name(&self) -> &str {
        "accepted"
    }
    async fn run(&self, _ctx: &mut StepContext<OpParams>) -> Result<StepOutcome, StepError> {
        Ok(StepOutcome::Done)
    }
    async fn undo(&self, ctx: &mut StepContext<OpParams>) -> Result<(), StepError> {
        let p = &ctx.params;
        let synced = self.rec.store().synced();
        let def = self.action.def();
        if ctx.cancelled() && self.action.is_create() {
            // nothing was made (the create step undid itself): the row goes
            synced.remove(def, p.resource_id, &p.actor).await?;
        } else if ctx.cancelled() {
            synced.set_status(def, p.resource_id, &p.prior_status, &p.actor).await?;
        } else {
            synced.set_status(def, p.resource_id, self.action.transition.failed, &p.actor).await?;
        }
        Ok(())
    }
}

struct CallCloud {
    action: &'static Action,
    rec: Reconciler,
}

#[async_trait::async_trait]
impl Step<OpParams> for CallCloud {
    fn name(&self) -> &str {
        "cloud_call"
    }
    async fn run(&self, ctx: &mut StepContext<OpParams>) -> Result<StepOutcome, StepError> {
        let p = &ctx.params;
        if is_pending(&p.external_id) {
            // a row of a create that never made anything: nothing to call
            return Ok(StepOutcome::Done);
        }
        let driver = driver(&self.rec, p.cloudaccount_id).await?;
        match self.action.call_cloud(driver.as_ref(), p).await {
            Ok(()) => Ok(StepOutcome::Done),
            // deleting what the cloud no longer has is done
            Err(e) if e.is_not_found() && self.action.is_delete() => Ok(StepOutcome::Done),
            Err(e) => Err(e.into()),
        }
    }
}

/// Backoff of a polling step: 1 s, 2 s, 4 s, ... up to 15 s.
pub(crate) fn poll_delay(polls: u32) -> Duration {
    Duration::from_secs(1u64 << polls.min(4)).min(Duration::from_secs(15))
}

struct AwaitCloud {
    action: &'static Action,
    rec: Reconciler,
}

#[async_trait::async_trait]
impl Step<OpParams> for AwaitCloud {
    fn name(&self) -> &str {
        "await_cloud"
    }
    async fn run(&self, ctx: &mut StepContext<OpParams>) -> Result<StepOutcome, StepError> {
        let p = &ctx.params;
        if is_pending(&p.external_id) {
            return Ok(StepOutcome::Done);
        }
        let driver = driver(&self.rec, p.cloudaccount_id).await?;
        let status = kinds::lookup(self.action.resource).status(driver.as_ref(), &p.region, &p.external_id).await?;
        let arrived = match (self.action.transition.until, status) {
            (Until::Gone, None) => true,
            (Until::Status(wanted), Some(s)) => wanted.contains(&s),
            (Until::Status(_), None) => {
                return Err(StepError::permanent(format!("{} {} disappeared from the cloud", self.action.resource, p.external_id)))
            }
            (Until::Gone, Some(_)) => false,
        };
        if arrived {
            Ok(StepOutcome::Done)
        } else {
            Ok(StepOutcome::Wait(poll_delay(ctx.polls())))
        }
    }
    fn wait_timeout(&self) -> Duration {
        self.action.transition.timeout
    }
}

struct Reread {
    action: &'static Action,
    rec: Reconciler,
}

#[async_trait::async_trait]
impl Step<OpParams> for Reread {
    fn name(&self) -> &str {
        "reread"
    }
    async fn run(&self, ctx: &mut StepContext<OpParams>) -> Result<StepOutcome, StepError> {
        let p = &ctx.params;
        if is_pending(&p.external_id) {
            self.rec.store().synced().remove(self.action.def(), p.resource_id, &p.actor).await?;
            return Ok(StepOutcome::Done);
        }
        let origin = ChangeOrigin::user(p.actor.clone());
        let reread = |kind, id: String| {
            let (rec, origin, region, account) = (self.rec.clone(), origin.clone(), p.region.clone(), p.cloudaccount_id);
            async move { rec.refresh_one(account, &region, kind, &id, origin).await }
        };
        // the re-read of one resource is worth retrying: the operation itself is done
        let retryable = |e: SyncError| match sync_error(e) {
            StepError::Permanent(m) => StepError::retryable(m),
            other => other,
        };
        reread(self.action.resource, p.external_id.clone()).await.map_err(retryable)?;
        if let Some(server) = &p.server_external_id {
            reread(ResourceKind::Server, server.clone()).await.map_err(retryable)?;
        }
        Ok(StepOutcome::Done)
    }
}

/// The refusal a state machine gives.
fn refuse(action: &Action, record: &SyncedRecord) -> ApiError {
    ApiError::Conflict(format!(
        "{} {:?} is {}; {} needs it to be {}",
        action.resource,
        record.name,
        record.status,
        action.transition.command_suffix(),
        action.transition.from.join(" or ")
    ))
}

fn protected(action: &Action, record: &SyncedRecord) -> ApiError {
    ApiError::Conflict(format!(
        "{} {:?} has delete protection on; lift it with `strato {}-update {} --enable-delete`",
        action.resource, record.name, action.resource, record.name
    ))
}

/// Where a create puts its resource: account, region and the project that will own it.
pub(crate) struct CreationTarget {
    pub account: strato_store::CloudAccount,
    pub region: strato_store::CloudRegion,
    pub project: strato_types::ProjectId,
}

/// What an action needs besides the resource.
#[derive(Debug, Clone, Default)]
pub(crate) struct ActionArgs {
    pub instance_type: Option<String>,
    pub size_gb: Option<u64>,
    pub server_external_id: Option<String>,
    pub device: Option<String>,
}

impl App {
    /// Starts `action` on the resource `key` (id or name): checks scope, the account, the
    /// state machine and delete protection, then sets the transitional status and enqueues
    /// the task in one transaction. Answers the task (202).
    pub(crate) async fn start_action(
        &self,
        principal: &Principal,
        action: &'static Action,
        record: &SyncedRecord,
        args: ActionArgs,
    ) -> ApiResult<TaskView> {
        let def = action.def();
        principal.check_write(def.keyword(), &record.name, record.common.domain_id, record.common.project_id)?;
        if !action.accepts(&record.status) {
            return Err(refuse(action, record));
        }
        if action.is_delete() && record.common.disable_delete {
            return Err(protected(action, record));
        }
        let account = self.store.cloudaccounts().get(record.common.cloudaccount_id).await?;
        if !account.enabled {
            return Err(ApiError::Conflict(format!("cloud account {:?} is disabled; enable it first", account.name)));
        }
        let region = match record.common.cloudregion_id {
            Some(r) => self.store.cloudregions().get(r).await?.common.external_id,
            None => return Err(ApiError::internal(format!("{} {} has no region", def.kind, record.id))),
        };
        let params = OpParams {
            resource_id: record.id,
            cloudaccount_id: account.id,
            region,
            external_id: record.common.external_id.clone(),
            prior_status: record.status.clone(),
            actor: principal.user_name.clone(),
            instance_type: args.instance_type,
            size_gb: args.size_gb,
            server_external_id: args.server_external_id,
            device: args.device,
            create: None,
        };
        let mut task = NewTask::new(action.task, serde_json::to_value(&params).map_err(ApiError::internal)?);
        task.target = Some(TaskTarget { kind: def.keyword().to_string(), id: record.id.to_string() });
        task.owner = Some(super::tasks::task_owner(record.common.domain_id, record.common.project_id, Some(principal)));
        let start = OperationStart {
            def,
            id: record.id,
            cloudaccount_id: account.id,
            from_status: &record.status,
            status: action.transition.during,
            refuse_protected: action.is_delete(),
            actor: &principal.user_name,
        };
        match self.store.synced().begin_operation(&start, &task).await? {
            Started::Task(task) => {
                self.tasks().wake();
                Ok(super::tasks::view(*task))
            }
            Started::Protected => Err(protected(action, record)),
            Started::Moved { status } => Err(ApiError::Conflict(format!(
                "{} {:?} changed meanwhile (now {status}); look again and retry",
                def.kind, record.name
            ))),
        }
    }

    /// Resolves a create's account, region and project, checking the caller may create there.
    pub(crate) async fn creation_target(
        &self,
        principal: &Principal,
        account: &str,
        region: Option<&str>,
        project: Option<&str>,
    ) -> ApiResult<CreationTarget> {
        let account = self.find_cloudaccount(principal, account).await.map_err(|e| match e {
            ApiError::NotFound(m) => ApiError::invalid_field("cloudaccount", m),
            other => other,
        })?;
        if !account.enabled {
            return Err(ApiError::Conflict(format!("cloud account {:?} is disabled; enable it first", account.name)));
        }
        let project = match project {
            Some(key) => self.find_project(principal, Some(account.domain_id), key).await?.id,
            None => account.project_id,
        };
        principal.check_write("project", &project.to_string(), account.domain_id, project)?;
        let regions = self.store.cloudregions();
        let region = match region {
            Some(r) => regions.get_by_external_id(account.id, r).await.map_err(|_| {
                ApiError::invalid_field("region", format!("cloud account {:?} has no region {:?}", account.name, r.chars().take(64).collect::<String>()))
            })?,
            None => {
                let known = self.store.synced().scan(ResourceKind::CloudRegion.meta(), account.id, None).await?;
                match known.as_slice() {
                    [only] => regions.get_by_external_id(account.id, &only.external_id).await?,
                    _ => return Err(ApiError::invalid_field("region", format!("cloud account {:?} has several regions; name one", account.name))),
                }
            }
        };
        Ok(CreationTarget { account, region, project })
    }

    /// A zone of the target region by id, name or external id: its external id.
    pub(crate) async fn zone_in(&self, principal: &Principal, target: &CreationTarget, key: &str) -> ApiResult<String> {
        let zones = self.store.zones();
        let zone = match zones.get_by_external_id(target.account.id, key).await {
            Ok(z) => Some(z),
            Err(_) => zones.find(key, &super::cloudregions::show_visibility(principal)?).await.ok(),
        };
        match zone {
            Some(z) if z.cloudregion_id == target.region.id => Ok(z.common.external_id),
            _ => Err(ApiError::invalid_field("zone", format!("no zone {:?} in region {}", key.chars().take(64).collect::<String>(), target.region.common.external_id))),
        }
    }

    /// Inserts a create's row (status creating, placeholder external id) and enqueues its task;
    /// the row goes again when the task cannot be queued.
    pub(crate) async fn start_create(
        &self,
        principal: &Principal,
        action: &'static Action,
        target: &CreationTarget,
        spec: CreateSpec,
        resource: strato_sync::PendingResource,
    ) -> ApiResult<TaskView> {
        let region = target.region.common.external_id.clone();
        let id = self
            .reconciler
            .insert_pending(target.account.id, &region, target.project, resource)
            .await
            .map_err(|e| ApiError::internal(format!("recording the new {}: {e}", action.resource)))?;
        let params = OpParams {
            resource_id: id,
            cloudaccount_id: target.account.id,
            region,
            external_id: strato_sync::pending_external_id(id),
            prior_status: action.transition.during.to_string(),
            actor: principal.user_name.clone(),
            instance_type: None,
            size_gb: None,
            server_external_id: None,
            device: None,
            create: Some(spec),
        };
        let owner = super::tasks::task_owner(target.account.domain_id, target.project, Some(principal));
        let spec = strato_tasks::TaskSpec::new(action.task, params).target(action.def().keyword(), id).owner(owner);
        match self.tasks().enqueue(spec).await {
            Ok(task) => Ok(super::tasks::view(task)),
            Err(e) => {
                let _ = self.store.synced().remove(action.def(), id, &principal.user_name).await;
                Err(ApiError::internal(format!("enqueueing {}: {e}", action.task)))
            }
        }
    }

    /// Turns delete protection on or off (`PUT /<plural>/{id}`).
    pub async fn update_resource(
        &self,
        principal: &Principal,
        plural: &str,
        key: &str,
        input: strato_types::api::ResourceUpdate,
    ) -> ApiResult<strato_types::api::ResourceView> {
        let def = super::resources::kind(plural)?;
        let record = self.find_resource(principal, def, key).await?;
        principal.check_write(def.keyword(), key, record.common.domain_id, record.common.project_id)?;
        if let Some(disable_delete) = input.disable_delete {
            self.store.synced().set_disable_delete(def, record.id, disable_delete, &principal.user_name).await?;
        }
        self.show_resource(principal, plural, &record.id.to_string(), false).await
    }
}
