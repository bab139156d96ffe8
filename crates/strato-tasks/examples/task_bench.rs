//! Task engine benchmark: throughput of single-step no-op tasks and the latency from
//! enqueue to the start of the task's step, on SQLite and (when a URL is given) PostgreSQL.
//!
//! `cargo run --release -p strato-tasks --example task_bench`
//! Env: `TASKS` (default 20000), `SAMPLES` (latency samples, default 1000),
//! `STRATO_BENCH_DATABASE_URL` (or `STRATO_TEST_DATABASE_URL`): a PostgreSQL superuser URL;
//! the bench creates a fresh database in it and drops it afterwards.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use sqlx::{Connection, Executor};
use strato_store::{SecretString, Store, StoreOptions};
use strato_tasks::{Engine, EngineConfig, Registry, Step, StepContext, StepError, StepOutcome, TaskKind, TaskSpec};
use strato_types::TaskId;
use tokio::sync::{mpsc, Notify};

struct Noop {
    done: Arc<AtomicUsize>,
    all_done: Arc<Notify>,
    target: usize,
    started: Option<mpsc::UnboundedSender<(TaskId, Instant)>>,
}

#[async_trait::async_trait]
impl Step<()> for Noop {
    fn name(&self) -> &str {
        "noop"
    }
    async fn run(&self, ctx: &mut StepContext<()>) -> Result<StepOutcome, StepError> {
        if let Some(started) = &self.started {
            let _ = started.send((ctx.task_id(), Instant::now()));
        }
        if self.done.fetch_add(1, Ordering::SeqCst) + 1 == self.target {
            self.all_done.notify_one();
        }
        Ok(StepOutcome::Done)
    }
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

async fn open(dir: &std::path::Path, url: Option<String>) -> Result<Store> {
    let mut options = StoreOptions::new(dir.join("data"));
    options.admin_password = Some(SecretString::new("bench-admin-password"));
    options.database_url = url;
    Ok(Store::open(options).await.context("open store")?.0)
}

async fn throughput(store: &Store, tasks: usize) -> Result<f64> {
    let done = Arc::new(AtomicUsize::new(0));
    let all_done = Arc::new(Notify::new());
    let mut registry = Registry::new();
    registry.register(TaskKind::<()>::new("bench.noop").step(Noop { done: done.clone(), all_done: all_done.clone(), target: tasks, started: None }))?;
    // queue everything first (idle queue: no engine), then time the drain
    let queue = strato_tasks::TaskQueue::new(store.clone());
    for chunk in (0..tasks).collect::<Vec<_>>().chunks(1000) {
        queue.enqueue_many(chunk.iter().map(|_| TaskSpec::new("bench.noop", ())).collect()).await?;
    }
    let start = Instant::now();
    let engine = Engine::start(store.clone(), registry, EngineConfig::default());
    let notified = all_done.notified();
    if done.load(Ordering::SeqCst) < tasks {
        tokio::time::timeout(Duration::from_secs(600), notified).await.context("tasks did not finish")?;
    }
    let elapsed = start.elapsed();
    // the last commits may still be in flight: wait for the rows to say succeeded
    loop {
        let counts = store.tasks().count_by_status().await?;
        let finished: u64 = counts.iter().filter(|(s, _)| s.is_finished()).map(|(_, n)| n).sum();
        if finished as usize >= tasks {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let committed = start.elapsed();
    drop(engine);
    println!("  drain {tasks} queued tasks: steps ran in {:.3}s, all committed in {:.3}s", elapsed.as_secs_f64(), committed.as_secs_f64());
    Ok(tasks as f64 / committed.as_secs_f64())
}

/// `local`: enqueue through the engine's own queue (its notifier wakes the dispatcher);
/// otherwise through a queue of "another replica", which the engine finds by polling.
async fn latency(store: &Store, samples: usize, local: bool) -> Result<hdrhistogram::Histogram<u64>> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut registry = Registry::new();
    let noop = Noop { done: Arc::default(), all_done: Arc::default(), target: usize::MAX, started: Some(tx) };
    registry.register(TaskKind::<()>::new("bench.latency").step(noop))?;
    let engine = Engine::start(store.clone(), registry, EngineConfig::default());
    let queue = if local { engine.queue() } else { strato_tasks::TaskQueue::new(store.clone()) };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut hist = hdrhistogram::Histogram::<u64>::new(3)?;
    let mut sent: HashMap<TaskId, Instant> = HashMap::new();
    for _ in 0..samples {
        let before = Instant::now();
        let task = queue.enqueue(TaskSpec::new("bench.latency", ())).await?;
        sent.insert(task.id, before);
        let (id, started) = tokio::time::timeout(Duration::from_secs(10), rx.recv()).await?.context("engine stopped")?;
        let from = sent.remove(&id).context("unknown task started")?;
        hist.record(started.duration_since(from).as_micros() as u64)?;
        // a remote enqueue lands at a random point of the poll cycle
        let gap = if local { 2 } else { rand::random::<u64>() % 100 };
        tokio::time::sleep(Duration::from_millis(gap)).await;
    }
    drop(engine);
    Ok(hist)
}

async fn run(label: &str, store: &Store, tasks: usize, samples: usize) -> Result<()> {
    println!("{label}:");
    let rate = throughput(store, tasks).await?;
    println!("  throughput: {rate:.0} tasks/s (single-step no-op, 64 workers)");
    for (local, how) in [(true, "same process (notifier)"), (false, "other replica (100 ms polling)")] {
        let samples = if local { samples } else { samples.min(100) };
        let hist = latency(store, samples, local).await?;
        println!(
            "  enqueue -> step start, {how}, {samples} tasks one at a time: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            hist.value_at_quantile(0.5) as f64 / 1000.0,
            hist.value_at_quantile(0.99) as f64 / 1000.0,
            hist.max() as f64 / 1000.0
        );
    }
    Ok(())
}

async fn fresh_postgres(base: &str) -> Result<(String, String)> {
    let name = format!("strato_task_bench_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(base).await.context("connect to PostgreSQL")?;
    conn.execute(format!("CREATE DATABASE {name}").as_str()).await?;
    conn.close().await?;
    let (without_query, query) = match base.split_once('?') {
        Some((a, q)) => (a, format!("?{q}")),
        None => (base, String::new()),
    };
    let slash = without_query.rfind('/').filter(|i| *i > "postgres://".len()).context("database URL has no path")?;
    Ok((format!("{}/{name}{query}", &without_query[..slash]), name))
}

#[tokio::main]
async fn main() -> Result<()> {
    let tasks = env_usize("TASKS", 20_000);
    let samples = env_usize("SAMPLES", 1000);
    let dir = tempfile::tempdir()?;
    let sqlite = open(&dir.path().join("sqlite"), None).await?;
    run("SQLite", &sqlite, tasks, samples).await?;
    sqlite.close().await;

    let url = std::env::var("STRATO_BENCH_DATABASE_URL").or_else(|_| std::env::var("STRATO_TEST_DATABASE_URL")).ok();
    match url.filter(|u| !u.is_empty()) {
        Some(base) => {
            let (url, name) = fresh_postgres(&base).await?;
            let pg = open(&dir.path().join("pg"), Some(url)).await?;
            let result = run("PostgreSQL", &pg, tasks, samples).await;
            pg.close().await;
            let mut conn = sqlx::PgConnection::connect(&base).await?;
            conn.execute(format!("DROP DATABASE {name}").as_str()).await?;
            result?;
        }
        None => println!("PostgreSQL: skipped (set STRATO_BENCH_DATABASE_URL)"),
    }
    Ok(())
}
