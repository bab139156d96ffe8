//! The task engine on SQLite and PostgreSQL: order and commits, unwinding, retries, waits
//! that hold no worker, crash and resume, two replicas, children, cancel and retry.

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use strato_tasks::{Engine, Registry, Step, StepContext, StepError, StepOutcome, TaskKind, TaskPhase, TaskSpec, TaskStatus, TestHooks};
use strato_types::TaskId;

fn kind(name: &str, steps: Vec<Rec>) -> TaskKind<Params> {
    steps.into_iter().fold(TaskKind::new(name), |k, s| k.step(s))
}

fn registry(kinds: Vec<TaskKind<Params>>) -> Registry {
    let mut registry = Registry::new();
    for k in kinds {
        registry.register(k).expect("register");
    }
    registry
}

fn abc(log: &Log) -> Vec<Rec> {
    vec![rec("a", log, Behavior::Ok), rec("b", log, Behavior::Ok), rec("c", log, Behavior::Ok)]
}

fn events(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

both!(steps_run_in_order_and_commit, |env: Env| async move {
    let log = Log::default();
    let engine = Engine::start(env.open().await, registry(vec![kind("three", abc(&log))]), config());
    let queue = engine.queue();
    let task = queue.enqueue(TaskSpec::new("three", Params::default()).target("server", "s-1")).await.unwrap();
    assert_eq!(task.status, TaskStatus::Queued);
    let done = queue.wait_finished(task.id, WAIT).await.unwrap();
    assert_eq!(done.status, TaskStatus::Succeeded, "{:?}", done.error);
    assert_eq!(log.of(task.id), events(&["run:a", "run:b", "run:c"]));
    assert_eq!(done.step_index, 3);
    assert_eq!(done.params["count"], 3, "params are committed with each step");
    assert_eq!(done.steps.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["a", "b", "c"]);
    for step in &done.steps {
        let (start, end) = (step.started_at.unwrap(), step.ended_at.unwrap());
        assert!(start <= end && step.error.is_none());
    }
    assert!(done.finished_at.is_some() && done.lease_owner.is_none());
    assert_eq!(done.target.as_ref().map(|t| (t.kind.as_str(), t.id.as_str())), Some(("server", "s-1")));
    // an unknown kind is refused at enqueue
    assert!(queue.enqueue(TaskSpec::new("nope", Params::default())).await.is_err());
});

both!(failure_at_step_k_unwinds_in_reverse, |env: Env| async move {
    let log = Log::default();
    let four = vec![rec("a", &log, Behavior::Ok), rec("b", &log, Behavior::Ok), rec("c", &log, Behavior::Ok), rec("d", &log, Behavior::Ok)];
    let broken = vec![rec("a", &log, Behavior::Ok), rec("b", &log, Behavior::Fail), rec("c", &log, Behavior::Ok)];
    let mut cfg = config();
    cfg.hooks = TestHooks::fail_at(Some("four"), 3);
    let engine = Engine::start(env.open().await, registry(vec![kind("four", four), kind("broken", broken)]), cfg);
    let queue = engine.queue();

    let injected = queue.enqueue(TaskSpec::new("four", Params::default())).await.unwrap();
    let done = queue.wait_finished(injected.id, WAIT).await.unwrap();
    assert_eq!(done.status, TaskStatus::Failed);
    assert_eq!(log.of(injected.id), events(&["run:a", "run:b", "undo:b", "undo:a"]));
    assert!(done.error.as_deref().unwrap().contains("injected failure at step 3"), "{:?}", done.error);
    assert_eq!((done.step_index, done.phase), (0, TaskPhase::Unwinding));
    assert_eq!(done.params["count"], 0, "undos see and commit the params");
    assert!(done.steps[0].undone_at.is_some() && done.steps[1].undone_at.is_some());
    assert!(done.steps[2].error.is_some() && done.steps[2].undone_at.is_none());

    let failing = queue.enqueue(TaskSpec::new("broken", Params::default())).await.unwrap();
    let done = queue.wait_finished(failing.id, WAIT).await.unwrap();
    assert_eq!(done.status, TaskStatus::Failed);
    assert_eq!(log.of(failing.id), events(&["run:a", "fail:b", "undo:a"]));
    assert_eq!(done.error.as_deref(), Some("step b failed: b broke"));
});

both!(retryable_errors_retry_then_succeed, |env: Env| async move {
    let log = Log::default();
    let flaky = vec![rec("a", &log, Behavior::Ok), rec("b", &log, Behavior::Throttled(2))];
    let hopeless = vec![rec("a", &log, Behavior::Ok), rec("b", &log, Behavior::Throttled(100))];
    let engine = Engine::start(env.open().await, registry(vec![kind("flaky", flaky), kind("hopeless", hopeless)]), config());
    let queue = engine.queue();

    let task = queue.enqueue(TaskSpec::new("flaky", Params::default())).await.unwrap();
    let done = queue.wait_finished(task.id, WAIT).await.unwrap();
    assert_eq!(done.status, TaskStatus::Succeeded, "{:?}", done.error);
    assert_eq!(log.of(task.id), events(&["run:a", "throttled:b", "throttled:b", "run:b"]));

    // past max_attempts (4) a retryable error is permanent and unwinds
    let task = queue.enqueue(TaskSpec::new("hopeless", Params::default())).await.unwrap();
    let done = queue.wait_finished(task.id, WAIT).await.unwrap();
    assert_eq!(done.status, TaskStatus::Failed);
    assert_eq!(
        log.of(task.id),
        events(&["run:a", "throttled:b", "throttled:b", "throttled:b", "throttled:b", "undo:a"])
    );
    assert!(done.error.as_deref().unwrap().contains("slow down"));
});

both!(waiting_does_not_hold_a_worker, |env: Env| async move {
    // 12 tasks, 2 workers: each waits until all 12 reached the wait step, which only
    // happens if a waiting task gives its worker back
    const TASKS: usize = 12;
    let log = Log::default();
    let arrived: Arc<Mutex<std::collections::HashSet<TaskId>>> = Arc::default();
    let seen = arrived.clone();
    let ready = Arc::new(move || seen.lock().unwrap().len() >= TASKS);
    struct Arrive(Arc<Mutex<std::collections::HashSet<TaskId>>>);
    #[async_trait::async_trait]
    impl Step<Params> for Arrive {
        fn name(&self) -> &str {
            "arrive"
        }
        async fn run(&self, ctx: &mut StepContext<Params>) -> Result<StepOutcome, StepError> {
            self.0.lock().unwrap().insert(ctx.task_id());
            Ok(StepOutcome::Done)
        }
    }
    let kind = TaskKind::new("gather").step(Arrive(arrived.clone())).step(rec("wait", &log, Behavior::WaitUntil(Duration::from_millis(10), ready)));
    let mut cfg = config();
    cfg.workers = 2;
    let mut registry = Registry::new();
    registry.register(kind).unwrap();
    let engine = Engine::start(env.open().await, registry, cfg);
    let queue = engine.queue();
    let ids = queue.enqueue_many((0..TASKS).map(|_| TaskSpec::new("gather", Params::default())).collect()).await.unwrap();
    for id in &ids {
        let done = queue.wait_finished(*id, WAIT).await.unwrap();
        assert_eq!(done.status, TaskStatus::Succeeded, "{:?}", done.error);
    }
    let polled: usize = ids.iter().filter(|id| log.of(**id).iter().any(|e| e == "wait:wait")).count();
    assert!(polled >= TASKS - 2, "most tasks had to wait: {polled}");
});

both!(crash_after_step_k_resumes_at_k_plus_1, |env: Env| async move {
    let log = Log::default();
    let steps = |log: &Log| vec![rec("a", log, Behavior::Ok), rec("b", log, Behavior::Ok), rec("c", log, Behavior::Ok), rec("d", log, Behavior::Ok)];
    let mut cfg = config();
    cfg.lease_ttl = Duration::from_millis(600);
    cfg.hooks = TestHooks::pause_after(Some("four"), 2);
    let first = Engine::start(env.open().await, registry(vec![kind("four", steps(&log))]), cfg.clone());
    let task = first.queue().enqueue(TaskSpec::new("four", Params::default())).await.unwrap();
    let paused = tokio::time::timeout(WAIT, first.hooks().next_paused()).await.expect("task pauses");
    assert_eq!(paused, task.id);
    let mid = first.queue().get(task.id).await.unwrap();
    assert_eq!((mid.status, mid.step_index), (TaskStatus::Running, 2));
    drop(first); // the crash: nothing more is written by that engine

    let mut cfg = config();
    cfg.lease_ttl = Duration::from_millis(600);
    let second = Engine::start(env.open().await, registry(vec![kind("four", steps(&log))]), cfg);
    let done = second.queue().wait_finished(task.id, WAIT).await.unwrap();
    assert_eq!(done.status, TaskStatus::Succeeded, "{:?}", done.error);
    assert_eq!(log.of(task.id), events(&["run:a", "run:b", "run:c", "run:d"]), "each action ran exactly once");
    assert_eq!(done.params["count"], 4);
});

both!(two_replicas_run_500_tasks_exactly_once, |env: Env| async move {
    const TASKS: usize = 500;
    let log = Log::default();
    let owners: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    struct Count(Log, String, Arc<Mutex<HashMap<String, usize>>>);
    #[async_trait::async_trait]
    impl Step<Params> for Count {
        fn name(&self) -> &str {
            "noop"
        }
        async fn run(&self, ctx: &mut StepContext<Params>) -> Result<StepOutcome, StepError> {
            self.0.push(ctx.task_id(), "run:noop".into());
            *self.2.lock().unwrap().entry(self.1.clone()).or_default() += 1;
            Ok(StepOutcome::Done)
        }
    }
    let replica = |name: &str, store| {
        let mut registry = Registry::new();
        registry.register(TaskKind::new("noop").step(Count(log.clone(), name.to_string(), owners.clone()))).unwrap();
        let mut cfg = config();
        cfg.owner = name.to_string();
        cfg.claim_batch = 8;
        Engine::start(store, registry, cfg)
    };
    let one = replica("replica-1", env.open().await);
    let two = replica("replica-2", env.open().await);
    let ids = one.queue().enqueue_many((0..TASKS).map(|_| TaskSpec::new("noop", Params::default())).collect()).await.unwrap();
    for id in &ids {
        let done = two.queue().wait_finished(*id, WAIT).await.unwrap();
        assert_eq!(done.status, TaskStatus::Succeeded);
    }
    let all = log.all();
    assert_eq!(all.len(), TASKS);
    assert!(all.values().all(|runs| runs.len() == 1), "a task ran twice");
    let owners = owners.lock().unwrap().clone();
    assert_eq!(owners.values().sum::<usize>(), TASKS);
    println!("tasks per replica: {owners:?}");
});

both!(parent_waits_for_children, |env: Env| async move {
    let log = Log::default();
    let parent = vec![rec("prep", &log, Behavior::Ok), rec("fan-out", &log, Behavior::SpawnChildren), rec("after", &log, Behavior::Ok)];
    let mut registry = registry(vec![kind("parent", parent)]);
    registry.register(TaskKind::new("child").step(ChildStep { log: log.clone() })).unwrap();
    let engine = Engine::start(env.open().await, registry, config());
    let queue = engine.queue();

    let ok = queue.enqueue(TaskSpec::new("parent", Params { children: 3, ..Params::default() })).await.unwrap();
    let done = queue.wait_finished(ok.id, WAIT).await.unwrap();
    assert_eq!(done.status, TaskStatus::Succeeded, "{:?}", done.error);
    assert_eq!(log.of(ok.id), events(&["run:prep", "run:fan-out", "run:after"]));
    let store = env.open().await;
    let children = store.tasks().children(ok.id).await.unwrap();
    assert_eq!(children.len(), 3);
    for child in &children {
        assert_eq!(child.status, TaskStatus::Succeeded);
        assert!(child.finished_at.unwrap() <= done.finished_at.unwrap());
        assert_eq!(log.of(child.id), events(&["run:child"]));
    }

    let bad = queue.enqueue(TaskSpec::new("parent", Params { children: 2, child_fails: true, ..Params::default() })).await.unwrap();
    let done = queue.wait_finished(bad.id, WAIT).await.unwrap();
    assert_eq!(done.status, TaskStatus::Failed);
    assert_eq!(log.of(bad.id), events(&["run:prep", "run:fan-out", "undo:prep"]));
    assert!(done.error.as_deref().unwrap().contains("child tasks did not succeed"), "{:?}", done.error);
});

both!(cancel_queued_waiting_and_running, |env: Env| async move {
    let log = Log::default();
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let never = Arc::new(|| false);
    let gated = vec![rec("a", &log, Behavior::Ok), rec("b", &log, Behavior::Gate(gate.clone())), rec("c", &log, Behavior::Ok)];
    let waits = vec![rec("a", &log, Behavior::Ok), rec("w", &log, Behavior::WaitUntil(Duration::from_millis(20), never))];
    let store = env.open().await;

    // queued, no engine yet: cancelled at once
    let idle_queue = strato_tasks::TaskQueue::new(store.clone());
    let queued = idle_queue.enqueue(TaskSpec::new("gated", Params::default())).await.unwrap();
    let cancelled = idle_queue.cancel(queued.id).await.unwrap();
    assert_eq!(cancelled.status, TaskStatus::Cancelled);
    assert!(idle_queue.cancel(queued.id).await.is_err(), "a finished task cannot be cancelled");

    let engine = Engine::start(store, registry(vec![kind("gated", gated), kind("waits", waits)]), config());
    let queue = engine.queue();

    // running: cancelled at the next step boundary, done steps undone
    let running = queue.enqueue(TaskSpec::new("gated", Params::default())).await.unwrap();
    wait_for(|| log.of(running.id).contains(&"run:a".to_string())).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(queue.get(running.id).await.unwrap().status, TaskStatus::Running);
    let asked = queue.cancel(running.id).await.unwrap();
    assert!(asked.cancel_requested);
    gate.add_permits(1);
    let done = queue.wait_finished(running.id, WAIT).await.unwrap();
    assert_eq!(done.status, TaskStatus::Cancelled);
    assert_eq!(log.of(running.id), events(&["run:a", "run:b", "undo:b", "undo:a"]));

    // waiting: cancelled without waiting for the poll, done steps undone
    let waiting = queue.enqueue(TaskSpec::new("waits", Params::default())).await.unwrap();
    wait_for(|| log.of(waiting.id).contains(&"wait:w".to_string())).await;
    queue.cancel(waiting.id).await.unwrap();
    let done = queue.wait_finished(waiting.id, WAIT).await.unwrap();
    assert_eq!(done.status, TaskStatus::Cancelled);
    let seen = log.of(waiting.id);
    assert_eq!(seen.first().map(String::as_str), Some("run:a"));
    assert_eq!(seen.last().map(String::as_str), Some("undo:a"));
    assert_eq!(done.params["count"], 0);
});

both!(retry_a_failed_task, |env: Env| async move {
    let log = Log::default();
    static BROKEN: AtomicBool = AtomicBool::new(true);
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    struct Flaky;
    #[async_trait::async_trait]
    impl Step<Params> for Flaky {
        fn name(&self) -> &str {
            "flaky"
        }
        async fn run(&self, ctx: &mut StepContext<Params>) -> Result<StepOutcome, StepError> {
            RUNS.fetch_add(1, Ordering::SeqCst);
            if BROKEN.load(Ordering::SeqCst) && ctx.params.children == 7 {
                return Err(StepError::permanent("not yet"));
            }
            ctx.params.count += 1;
            Ok(StepOutcome::Done)
        }
    }
    let kind = TaskKind::new("retry-me").step(rec("a", &log, Behavior::Ok)).step(Flaky);
    let mut registry = Registry::new();
    registry.register(kind).unwrap();
    let engine = Engine::start(env.open().await, registry, config());
    let queue = engine.queue();
    // nextest runs each test in its own process, so the statics belong to this test alone
    let task = queue.enqueue(TaskSpec::new("retry-me", Params { children: 7, ..Params::default() })).await.unwrap();
    let failed = queue.wait_finished(task.id, WAIT).await.unwrap();
    assert_eq!(failed.status, TaskStatus::Failed);
    assert!(queue.retry(task.id).await.is_ok());
    let again = queue.wait_finished(task.id, WAIT).await.unwrap();
    // still broken: fails the same way, having undone "a" again
    assert_eq!(again.status, TaskStatus::Failed);
    assert_eq!(log.of(task.id), events(&["run:a", "undo:a", "run:a", "undo:a"]));
    BROKEN.store(false, Ordering::SeqCst);
    queue.retry(task.id).await.unwrap();
    let done = queue.wait_finished(task.id, WAIT).await.unwrap();
    assert_eq!(done.status, TaskStatus::Succeeded, "{:?}", done.error);
    assert_eq!(done.params["count"], 2, "retry starts from the original params");
    assert!(done.error.is_none());
    assert!(queue.retry(task.id).await.is_err(), "a succeeded task cannot be retried");
    assert!(RUNS.load(Ordering::SeqCst) >= 3);
});

async fn wait_for(mut condition: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + WAIT;
    while !condition() {
        assert!(std::time::Instant::now() < deadline, "condition not met in time");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

both!(a_lost_lease_cannot_commit, |env: Env| async move {
    // worker "a" stalls past its lease; the task is re-queued and claimed by "b": from then
    // on only "b" can commit it
    let store = env.open().await;
    let tasks = store.tasks();
    let task = tasks.create(&strato_store::NewTask::new("noop", serde_json::json!({}))).await.unwrap();
    let claimed = tasks.claim("a", 10, chrono::Duration::milliseconds(1)).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert!(tasks.claim("b", 10, chrono::Duration::seconds(30)).await.unwrap().is_empty(), "a running task is not claimed again");
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(tasks.requeue_expired().await.unwrap(), 1);
    let mut by_b = tasks.claim("b", 10, chrono::Duration::seconds(30)).await.unwrap();
    assert_eq!(by_b.len(), 1);
    let mut by_a = claimed[0].clone();
    by_a.step_index = 1;
    assert_eq!(tasks.save("a", &by_a, &[]).await.unwrap(), None, "the old owner is fenced off");
    by_b[0].step_index = 1;
    by_b[0].status = TaskStatus::Succeeded;
    assert_eq!(tasks.save("b", &by_b[0], &[]).await.unwrap(), Some(false));
    let done = tasks.get(task.id).await.unwrap();
    assert_eq!((done.status, done.step_index, done.lease_owner), (TaskStatus::Succeeded, 1, None));
    assert!(tasks.renew_leases("b", chrono::Duration::seconds(30)).await.unwrap() == 0);
});

both!(a_wait_past_its_timeout_fails_and_unwinds, |env: Env| async move {
    let log = Log::default();
    struct NeverReady;
    #[async_trait::async_trait]
    impl Step<Params> for NeverReady {
        fn name(&self) -> &str {
            "never-ready"
        }
        async fn run(&self, _ctx: &mut StepContext<Params>) -> Result<StepOutcome, StepError> {
            Ok(StepOutcome::Wait(Duration::from_millis(20)))
        }
        fn wait_timeout(&self) -> Duration {
            Duration::from_millis(150)
        }
    }
    let kind = TaskKind::new("stuck").step(rec("a", &log, Behavior::Ok)).step(NeverReady);
    let mut registry = Registry::new();
    registry.register(kind).unwrap();
    let engine = Engine::start(env.open().await, registry, config());
    let queue = engine.queue();
    let task = queue.enqueue(TaskSpec::new("stuck", Params::default())).await.unwrap();
    let done = queue.wait_finished(task.id, WAIT).await.unwrap();
    assert_eq!(done.status, TaskStatus::Failed);
    assert!(done.error.as_deref().unwrap().contains("timed out"), "{:?}", done.error);
    assert_eq!(log.of(task.id), events(&["run:a", "undo:a"]));
    assert!(done.steps[1].polls >= 3, "polled several times: {}", done.steps[1].polls);
});
