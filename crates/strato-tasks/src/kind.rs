//! Task kinds: ordered steps, each with an action and an undo, over typed params; and the
//! registry of kinds an engine runs.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;
use strato_store::{NewTask, TaskOwner, TaskRecord, TaskTarget};
use strato_types::TaskId;

use crate::engine::Shared;
use crate::error::{EngineError, StepError};

/// Params of a task kind: stored as JSON in the task row, committed after every step (a step
/// may record what it created, e.g. an instance id, for later steps and for its undo).
pub trait TaskParams: Serialize + DeserializeOwned + Send + Sync + 'static {}
impl<T: Serialize + DeserializeOwned + Send + Sync + 'static> TaskParams for T {}

/// What a step's action answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepOutcome {
    /// The step is done; commit and go on.
    Done,
    /// Not there yet (e.g. the server is still starting): run the action again after this
    /// delay, without holding a worker, until the step's `wait_timeout`.
    Wait(Duration),
    /// The step spawned children (`StepContext::spawn_child`); it is done when they all
    /// succeed, and fails when one fails or is cancelled.
    WaitForChildren,
}

/// What a step sees: the task's params (mutable; committed with the step) and where it is.
pub struct StepContext<P> {
    pub params: P,
    pub(crate) task_id: TaskId,
    pub(crate) kind: String,
    pub(crate) step: usize,
    pub(crate) attempt: u32,
    pub(crate) polls: u32,
    pub(crate) target: Option<TaskTarget>,
    pub(crate) owner: Option<TaskOwner>,
    /// While unwinding: the error that started it (`CANCELLED` for a cancel).
    pub(crate) unwinding_because: Option<String>,
    pub(crate) children: Vec<NewTask>,
}

impl<P> StepContext<P> {
    pub fn task_id(&self) -> TaskId {
        self.task_id
    }
    pub fn kind(&self) -> &str {
        &self.kind
    }
    /// 0-based index of the step.
    pub fn step(&self) -> usize {
        self.step
    }
    /// Retryable failures of this step so far (0 on the first try).
    pub fn attempt(&self) -> u32 {
        self.attempt
    }
    /// Times this step answered `Wait` so far (for the step's own polling backoff).
    pub fn polls(&self) -> u32 {
        self.polls
    }
    pub fn target(&self) -> Option<&TaskTarget> {
        self.target.as_ref()
    }
    /// Whom the task acts for.
    pub fn owner(&self) -> Option<&TaskOwner> {
        self.owner.as_ref()
    }
    /// In an undo: whether the task unwinds because it was cancelled (not because a step failed).
    pub fn cancelled(&self) -> bool {
        self.unwinding_because.as_deref() == Some(crate::runner::CANCELLED)
    }
    /// In an undo: the error that made the task unwind.
    pub fn unwinding_because(&self) -> Option<&str> {
        self.unwinding_because.as_deref()
    }

    /// Queues a child task; it is inserted together with this step's commit, so a step that
    /// is re-run after a crash does not leave duplicate children. Return
    /// `StepOutcome::WaitForChildren` to wait for them.
    pub fn spawn_child<Q: Serialize>(&mut self, kind: &str, params: &Q, target: Option<TaskTarget>) -> Result<TaskId, StepError> {
        let params = serde_json::to_value(params).map_err(|e| StepError::permanent(format!("child params: {e}")))?;
        let mut child = NewTask::new(kind, params);
        child.parent_id = Some(self.task_id);
        child.target = target;
        let id = child.id;
        self.children.push(child);
        Ok(id)
    }
}

/// One step of a task kind.
#[async_trait::async_trait]
pub trait Step<P: TaskParams>: Send + Sync + 'static {
    /// Shown in the task's step records.
    fn name(&self) -> &str;

    async fn run(&self, ctx: &mut StepContext<P>) -> Result<StepOutcome, StepError>;

    /// Undoes a completed run when a later step fails or the task is cancelled.
    async fn undo(&self, _ctx: &mut StepContext<P>) -> Result<(), StepError> {
        Ok(())
    }

    /// How long the step may keep answering `Wait` before it fails.
    fn wait_timeout(&self) -> Duration {
        Duration::from_secs(30 * 60)
    }
}

/// A task kind: a name and its steps in order.
pub struct TaskKind<P: TaskParams> {
    pub(crate) name: String,
    pub(crate) steps: Vec<Arc<dyn Step<P>>>,
    pub(crate) max_attempts: Option<u32>,
}

impl<P: TaskParams> TaskKind<P> {
    pub fn new(name: impl Into<String>) -> Self {
        TaskKind { name: name.into(), steps: Vec::new(), max_attempts: None }
    }

    pub fn step(mut self, step: impl Step<P>) -> Self {
        self.steps.push(Arc::new(step));
        self
    }

    /// Tries per step (first try included) for retryable errors; default from `EngineConfig`.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = Some(attempts.max(1));
        self
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

/// A kind with its params type erased, as the engine holds it.
#[async_trait::async_trait]
pub(crate) trait ErasedKind: Send + Sync {
    fn step_names(&self) -> Vec<String>;
    async fn run(&self, shared: &Shared, task: TaskRecord);
}

#[async_trait::async_trait]
impl<P: TaskParams> ErasedKind for TaskKind<P> {
    fn step_names(&self) -> Vec<String> {
        self.steps.iter().map(|s| s.name().to_string()).collect()
    }
    async fn run(&self, shared: &Shared, task: TaskRecord) {
        crate::runner::run(self, shared, task).await
    }
}

/// The task kinds an engine runs, registered explicitly in one place.
#[derive(Default, Clone)]
pub struct Registry {
    kinds: HashMap<String, Arc<dyn ErasedKind>>,
}

impl Registry {
    pub fn new() -> Self {
        Registry::default()
    }

    pub fn register<P: TaskParams>(&mut self, kind: TaskKind<P>) -> Result<(), EngineError> {
        if self.kinds.contains_key(&kind.name) {
            return Err(EngineError::DuplicateKind(kind.name));
        }
        self.kinds.insert(kind.name.clone(), Arc::new(kind));
        Ok(())
    }

    pub fn contains(&self, kind: &str) -> bool {
        self.kinds.contains_key(kind)
    }

    /// Registered kind names, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.kinds.keys().cloned().collect();
        names.sort();
        names
    }

    /// Step names of a kind, in order.
    pub fn step_names(&self, kind: &str) -> Option<Vec<String>> {
        self.kinds.get(kind).map(|k| k.step_names())
    }

    pub(crate) fn get(&self, kind: &str) -> Option<Arc<dyn ErasedKind>> {
        self.kinds.get(kind).cloned()
    }
}
