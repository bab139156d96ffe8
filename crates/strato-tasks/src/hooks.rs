//! Test-only hooks: pause a task after step k (so a test can kill the process mid-task) and
//! inject a failure at step k. Steps are numbered from 1 here, as in "failure at step k
//! unwinds k-1..1". Off unless configured; `serve` reads them from the environment.

use std::sync::{Arc, Mutex};

use strato_types::TaskId;
use tokio::sync::Notify;

/// Which step of which kind (`None`: every kind).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepHook {
    pub kind: Option<String>,
    /// 1-based step number.
    pub step: usize,
}

impl StepHook {
    /// Parses `kind:k` or `k`.
    pub fn parse(text: &str) -> Option<StepHook> {
        let (kind, step) = match text.rsplit_once(':') {
            Some((kind, step)) => (Some(kind.to_string()), step),
            None => (None, text),
        };
        let step = step.trim().parse().ok().filter(|k| *k >= 1)?;
        Some(StepHook { kind, step })
    }

    pub(crate) fn matches(&self, kind: &str, step_number: usize) -> bool {
        self.step == step_number && self.kind.as_deref().is_none_or(|k| k == kind)
    }
}

#[derive(Debug, Clone, Default)]
pub struct TestHooks {
    /// After committing this step, the worker stops there (holding the task) until the
    /// engine is dropped or the process killed.
    pub pause_after: Option<StepHook>,
    /// This step fails permanently instead of running its action.
    pub fail_at: Option<StepHook>,
    paused: Arc<PausedTasks>,
}

#[derive(Debug, Default)]
struct PausedTasks {
    ids: Mutex<Vec<TaskId>>,
    notify: Notify,
}

impl TestHooks {
    pub const PAUSE_ENV: &'static str = "STRATO_TEST_TASK_PAUSE_AFTER";
    pub const FAIL_ENV: &'static str = "STRATO_TEST_TASK_FAIL_AT";

    /// `STRATO_TEST_TASK_PAUSE_AFTER` and `STRATO_TEST_TASK_FAIL_AT`, each `kind:k` or `k`.
    pub fn from_env() -> TestHooks {
        let read = |name: &str| std::env::var(name).ok().and_then(|v| StepHook::parse(&v));
        TestHooks { pause_after: read(Self::PAUSE_ENV), fail_at: read(Self::FAIL_ENV), ..TestHooks::default() }
    }

    pub fn pause_after(kind: Option<&str>, step: usize) -> TestHooks {
        TestHooks { pause_after: Some(StepHook { kind: kind.map(str::to_string), step }), ..TestHooks::default() }
    }

    pub fn fail_at(kind: Option<&str>, step: usize) -> TestHooks {
        TestHooks { fail_at: Some(StepHook { kind: kind.map(str::to_string), step }), ..TestHooks::default() }
    }

    /// Waits until some task paused (its step is committed), and answers its id.
    pub async fn next_paused(&self) -> TaskId {
        loop {
            let notified = self.paused.notify.notified();
            if let Some(id) = self.take_paused() {
                return id;
            }
            notified.await;
        }
    }

    fn take_paused(&self) -> Option<TaskId> {
        let mut ids = match self.paused.ids.lock() {
            Ok(ids) => ids,
            Err(poisoned) => poisoned.into_inner(),
        };
        (!ids.is_empty()).then(|| ids.remove(0))
    }

    pub(crate) fn record_paused(&self, id: TaskId) {
        match self.paused.ids.lock() {
            Ok(mut ids) => ids.push(id),
            Err(poisoned) => poisoned.into_inner().push(id),
        }
        self.paused.notify.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_kind_and_step() {
        assert_eq!(StepHook::parse("server.create:2"), Some(StepHook { kind: Some("server.create".into()), step: 2 }));
        assert_eq!(StepHook::parse("3"), Some(StepHook { kind: None, step: 3 }));
        assert_eq!(StepHook::parse("x:0"), None);
        assert_eq!(StepHook::parse("nope"), None);
    }
}
