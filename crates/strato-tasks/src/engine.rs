//! The engine: a dispatcher claims due tasks through leases and runs each on a worker slot;
//! a renewer extends this engine's leases; expired leases of dead replicas are re-queued.
//! A local `Notify` starts a queued task at once in this process, and on PostgreSQL another
//! replica's enqueue wakes it too (`LISTEN`); polling every `poll_interval` picks up waits
//! that came due and anything a lost notice left behind.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use strato_store::{NewTask, Store, TaskOwner, TaskRecord, TaskTarget};
use strato_types::TaskId;
use tokio::sync::{Notify, Semaphore};
use tokio::task::{JoinHandle, JoinSet};

use crate::error::EngineError;
use crate::hooks::TestHooks;
use crate::kind::Registry;

/// Exponential backoff for retryable step errors.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Tries per step, the first included.
    pub max_attempts: u32,
    pub base: Duration,
    pub max: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { max_attempts: 5, base: Duration::from_millis(500), max: Duration::from_secs(60) }
    }
}

impl RetryPolicy {
    /// Delay before try `attempt + 1` (attempt >= 1), with up to 10% jitter; at least the
    /// cloud's Retry-After.
    pub fn backoff(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let exp = self.base.saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1).min(20)));
        let capped = exp.min(self.max);
        let jitter = capped.mul_f64(rand::random::<f64>() * 0.1);
        (capped + jitter).max(retry_after.unwrap_or_default())
    }
}

#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// This replica's lease owner name; unique per process run.
    pub owner: String,
    /// Tasks run at once by this engine (waiting tasks do not count).
    pub workers: usize,
    /// Most tasks claimed in one statement.
    pub claim_batch: u32,
    pub lease_ttl: Duration,
    pub poll_interval: Duration,
    /// Fallback re-check of a parent waiting for children (children also wake it when they end).
    pub children_poll: Duration,
    pub retry: RetryPolicy,
    pub hooks: TestHooks,
}

impl Default for EngineConfig {
    fn default() -> Self {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "strato".into());
        EngineConfig {
            owner: format!("{host}-{}-{}", std::process::id(), TaskId::new()),
            workers: 64,
            claim_batch: 64,
            lease_ttl: Duration::from_secs(30),
            poll_interval: Duration::from_millis(100),
            children_poll: Duration::from_secs(5),
            retry: RetryPolicy::default(),
            hooks: TestHooks::default(),
        }
    }
}

pub(crate) struct Shared {
    pub(crate) store: Store,
    pub(crate) registry: Arc<Registry>,
    pub(crate) config: EngineConfig,
    pub(crate) notify: Arc<Notify>,
}

impl Shared {
    pub(crate) fn lease_ttl(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.config.lease_ttl).unwrap_or(chrono::Duration::seconds(30))
    }

    /// Wakes this engine's dispatcher after `delay` (a wait shorter than the poll interval).
    pub(crate) fn wake_after(&self, delay: Duration) {
        if delay < self.config.poll_interval {
            let notify = self.notify.clone();
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                notify.notify_one();
            });
        }
    }
}

/// A running engine. Dropping it stops its workers where they are, like a crash: their
/// tasks resume elsewhere (or on the next start) once the leases expire.
pub struct Engine {
    shared: Arc<Shared>,
    dispatcher: JoinHandle<()>,
    renewer: JoinHandle<()>,
    waker: JoinHandle<()>,
}

impl Engine {
    pub fn start(store: Store, registry: Registry, config: EngineConfig) -> Engine {
        let shared = Arc::new(Shared { store, registry: Arc::new(registry), config, notify: Arc::new(Notify::new()) });
        let dispatcher = tokio::spawn(dispatch(shared.clone()));
        let renewer = tokio::spawn(renew(shared.clone()));
        let waker = tokio::spawn(wake_on_other_replicas_enqueues(shared.clone()));
        Engine { shared, dispatcher, renewer, waker }
    }

    /// A handle to enqueue, cancel and retry tasks; cheap to clone.
    pub fn queue(&self) -> TaskQueue {
        TaskQueue { store: self.shared.store.clone(), registry: Some(self.shared.registry.clone()), notify: self.shared.notify.clone() }
    }

    pub fn owner(&self) -> &str {
        &self.shared.config.owner
    }

    pub fn hooks(&self) -> &TestHooks {
        &self.shared.config.hooks
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.dispatcher.abort();
        self.renewer.abort();
        self.waker.abort();
    }
}

/// Enqueue, cancel, retry and read tasks. From an engine's `queue()` a new task starts at
/// once in this process; one made with `TaskQueue::new` (no engine here) is picked up by
/// a replica's next poll.
#[derive(Clone)]
pub struct TaskQueue {
    store: Store,
    registry: Option<Arc<Registry>>,
    notify: Arc<Notify>,
}

/// What to enqueue.
#[derive(Debug, Clone)]
pub struct TaskSpec<P> {
    pub kind: String,
    pub params: P,
    pub target: Option<TaskTarget>,
    pub owner: Option<TaskOwner>,
    pub parent: Option<TaskId>,
}

impl<P: Serialize> TaskSpec<P> {
    pub fn new(kind: impl Into<String>, params: P) -> Self {
        TaskSpec { kind: kind.into(), params, target: None, owner: None, parent: None }
    }
    pub fn target(mut self, kind: impl Into<String>, id: impl ToString) -> Self {
        self.target = Some(TaskTarget { kind: kind.into(), id: id.to_string() });
        self
    }
    /// The project the task belongs to and the user it acts for.
    pub fn owner(mut self, owner: TaskOwner) -> Self {
        self.owner = Some(owner);
        self
    }
}

impl TaskQueue {
    pub fn new(store: Store) -> TaskQueue {
        TaskQueue { store, registry: None, notify: Arc::new(Notify::new()) }
    }

    fn new_task<P: Serialize>(&self, spec: TaskSpec<P>) -> Result<NewTask, EngineError> {
        if let Some(registry) = &self.registry {
            if !registry.contains(&spec.kind) {
                return Err(EngineError::UnknownKind(spec.kind));
            }
        }
        let params = serde_json::to_value(&spec.params)
            .map_err(|e| EngineError::Params { kind: spec.kind.clone(), message: e.to_string() })?;
        let mut task = NewTask::new(spec.kind, params);
        task.target = spec.target;
        task.owner = spec.owner;
        task.parent_id = spec.parent;
        Ok(task)
    }

    /// Tells this replica's workers a task was queued behind the queue's back (in a store
    /// transaction of its own), so it starts now rather than at the next poll.
    pub fn wake(&self) {
        self.notify.notify_one();
    }

    pub async fn enqueue<P: Serialize>(&self, spec: TaskSpec<P>) -> Result<TaskRecord, EngineError> {
        let task = self.new_task(spec)?;
        let record = self.store.tasks().create(&task).await?;
        self.notify.notify_one();
        Ok(record)
    }

    /// Enqueues many tasks in one transaction; answers their ids in order.
    pub async fn enqueue_many<P: Serialize>(&self, specs: Vec<TaskSpec<P>>) -> Result<Vec<TaskId>, EngineError> {
        let tasks = specs.into_iter().map(|s| self.new_task(s)).collect::<Result<Vec<_>, _>>()?;
        self.store.tasks().create_many(&tasks).await?;
        self.notify.notify_one();
        Ok(tasks.iter().map(|t| t.id).collect())
    }

    pub async fn get(&self, id: TaskId) -> Result<TaskRecord, EngineError> {
        Ok(self.store.tasks().get(id).await?)
    }

    /// See `strato_store::tasks::Tasks::request_cancel`.
    pub async fn cancel(&self, id: TaskId) -> Result<TaskRecord, EngineError> {
        let task = self.store.tasks().request_cancel(id).await?;
        self.notify.notify_one();
        Ok(task)
    }

    /// Runs a failed or cancelled task again from its first step.
    pub async fn retry(&self, id: TaskId) -> Result<TaskRecord, EngineError> {
        let task = self.store.tasks().retry(id).await?;
        self.notify.notify_one();
        Ok(task)
    }

    /// Polls until the task is finished (succeeded, failed or cancelled).
    pub async fn wait_finished(&self, id: TaskId, timeout: Duration) -> Result<TaskRecord, EngineError> {
        let deadline = Instant::now() + timeout;
        loop {
            let task = self.get(id).await?;
            if task.status.is_finished() {
                return Ok(task);
            }
            if Instant::now() >= deadline {
                return Err(EngineError::Timeout(id));
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

async fn dispatch(shared: Arc<Shared>) {
    let config = &shared.config;
    let slots = Arc::new(Semaphore::new(config.workers.max(1)));
    // owned here, so aborting the dispatcher aborts every running task too
    let mut running = JoinSet::new();
    let reap_every = (config.lease_ttl / 4).max(config.poll_interval);
    let mut last_reap: Option<Instant> = None;
    loop {
        while running.try_join_next().is_some() {}
        if last_reap.is_none_or(|t| t.elapsed() >= reap_every) {
            last_reap = Some(Instant::now());
            match shared.store.tasks().requeue_expired().await {
                Ok(0) => {}
                Ok(n) => tracing::warn!(tasks = n, "re-queued tasks whose worker lease expired"),
                Err(e) => tracing::warn!(error = %e, "re-queueing expired task leases failed"),
            }
        }
        let Ok(first) = slots.clone().acquire_owned().await else { return };
        let mut permits = vec![first];
        while permits.len() < config.claim_batch.max(1) as usize {
            match slots.clone().try_acquire_owned() {
                Ok(p) => permits.push(p),
                Err(_) => break,
            }
        }
        let wanted = permits.len();
        let claimed = match shared.store.tasks().claim(&config.owner, wanted as u32, shared.lease_ttl()).await {
            Ok(tasks) => tasks,
            Err(e) => {
                tracing::warn!(error = %e, "claiming tasks failed");
                Vec::new()
            }
        };
        let got = claimed.len();
        for task in claimed {
            let Some(permit) = permits.pop() else { break };
            let shared = shared.clone();
            running.spawn(async move {
                run_claimed(&shared, task).await;
                drop(permit);
            });
        }
        drop(permits);
        if got < wanted {
            // nothing more due now: sleep until a local enqueue or the next poll
            tokio::select! {
                _ = shared.notify.notified() => {}
                _ = tokio::time::sleep(config.poll_interval) => {}
            }
        }
    }
}

async fn run_claimed(shared: &Shared, task: TaskRecord) {
    match shared.registry.get(&task.kind) {
        Some(kind) => kind.run(shared, task).await,
        None => crate::runner::release_unknown(shared, task).await,
    }
}

/// Wakes the dispatcher when another replica queues tasks (PostgreSQL `LISTEN`), so they
/// start at once rather than at the next poll; the poll stays as the fallback.
async fn wake_on_other_replicas_enqueues(shared: Arc<Shared>) {
    loop {
        let mut wakeups = match shared.store.tasks().wakeups().await {
            Ok(Some(w)) => w,
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(error = %e, "listening for other replicas' tasks failed; polling only, retrying in 10 s");
                tokio::time::sleep(Duration::from_secs(10)).await;
                continue;
            }
        };
        while wakeups.next().await.is_ok() {
            shared.notify.notify_one();
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn renew(shared: Arc<Shared>) {
    let every = (shared.config.lease_ttl / 3).max(Duration::from_millis(10));
    loop {
        tokio::time::sleep(every).await;
        if let Err(e) = shared.store.tasks().renew_leases(&shared.config.owner, shared.lease_ttl()).await {
            tracing::warn!(error = %e, "renewing task leases failed");
        }
    }
}
