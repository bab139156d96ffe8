#![allow(dead_code)]
//! Test support: a fresh store per test (SQLite in a temp dir, or a fresh PostgreSQL database
//! in STRATO_TEST_DATABASE_URL), recording steps, and a `both!` macro for the two backends.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sqlx::{Connection, Executor};
use strato_store::{SecretString, Store, StoreOptions};
use strato_tasks::{EngineConfig, RetryPolicy, Step, StepContext, StepError, StepOutcome};
use strato_types::TaskId;
use tempfile::TempDir;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct Env {
    pub dir: TempDir,
    pub options: StoreOptions,
    pub backend: Backend,
}

impl Env {
    pub async fn new(backend: Backend) -> Env {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut options = StoreOptions::new(dir.path().join("data"));
        options.admin_password = Some(SecretString::new("admin-password-1"));
        options.max_connections = Some(8);
        if backend == Backend::Postgres {
            options.database_url = Some(fresh_postgres_database().await);
        }
        Env { dir, options, backend }
    }

    /// A new store handle on the same database (another process or replica would do this).
    pub async fn open(&self) -> Store {
        Store::open(self.options.clone()).await.expect("open store").0
    }
}

async fn fresh_postgres_database() -> String {
    let base = std::env::var("STRATO_TEST_DATABASE_URL").unwrap_or_default();
    assert!(
        !base.is_empty(),
        "STRATO_TEST_DATABASE_URL is not set: run the tests through scripts/test (it starts a throwaway PostgreSQL)"
    );
    let name = format!("strato_tasks_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(&base).await.expect("connect to STRATO_TEST_DATABASE_URL");
    conn.execute(format!("CREATE DATABASE {name}").as_str()).await.expect("create test database");
    conn.close().await.ok();
    let (without_query, query) = match base.split_once('?') {
        Some((a, q)) => (a, format!("?{q}")),
        None => (base.as_str(), String::new()),
    };
    let slash = without_query.rfind('/').filter(|i| *i > "postgres://".len()).expect("database URL has a path");
    format!("{}/{name}{query}", &without_query[..slash])
}

#[macro_export]
macro_rules! both {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let env = $crate::common::Env::new($crate::common::Backend::Sqlite).await;
                ($body)(env).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let env = $crate::common::Env::new($crate::common::Backend::Postgres).await;
                ($body)(env).await;
            }
        }
    };
}

/// Fast polling and backoff so tests run quickly.
pub fn config() -> EngineConfig {
    EngineConfig {
        workers: 8,
        lease_ttl: Duration::from_secs(2),
        poll_interval: Duration::from_millis(20),
        children_poll: Duration::from_secs(1),
        retry: RetryPolicy { max_attempts: 4, base: Duration::from_millis(5), max: Duration::from_millis(50) },
        ..EngineConfig::default()
    }
}

pub const WAIT: Duration = Duration::from_secs(20);

/// Params of the test kinds: every completed step adds one to `count`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Params {
    pub count: u32,
    #[serde(default)]
    pub children: u32,
    #[serde(default)]
    pub child_fails: bool,
}

/// What every step did, per task: ("run:a", "undo:a", ...).
#[derive(Clone, Default)]
pub struct Log(Arc<Mutex<HashMap<TaskId, Vec<String>>>>);

impl Log {
    pub fn push(&self, task: TaskId, event: String) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).entry(task).or_default().push(event);
    }
    pub fn of(&self, task: TaskId) -> Vec<String> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).get(&task).cloned().unwrap_or_default()
    }
    pub fn all(&self) -> HashMap<TaskId, Vec<String>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// How a recording step behaves.
#[derive(Clone)]
pub enum Behavior {
    Ok,
    Fail,
    /// Fails with a retryable cloud error on the first n tries.
    Throttled(u32),
    /// Answers Wait(delay) until the predicate holds.
    WaitUntil(Duration, Arc<dyn Fn() -> bool + Send + Sync>),
    /// Spawns `params.children` children of kind "child" and waits for them.
    SpawnChildren,
    /// Blocks until the gate opens (to hold a task in `running`).
    Gate(Arc<tokio::sync::Semaphore>),
}

pub struct Rec {
    pub name: &'static str,
    pub log: Log,
    pub behavior: Behavior,
}

pub fn rec(name: &'static str, log: &Log, behavior: Behavior) -> Rec {
    Rec { name, log: log.clone(), behavior }
}

#[async_trait::async_trait]
impl Step<Params> for Rec {
    fn name(&self) -> &str {
        self.name
    }
    async fn run(&self, ctx: &mut StepContext<Params>) -> Result<StepOutcome, StepError> {
        let id = ctx.task_id();
        match &self.behavior {
            Behavior::Ok => {}
            Behavior::Fail => {
                self.log.push(id, format!("fail:{}", self.name));
                return Err(StepError::permanent(format!("{} broke", self.name)));
            }
            Behavior::Throttled(n) => {
                if ctx.attempt() < *n {
                    self.log.push(id, format!("throttled:{}", self.name));
                    return Err(strato_cloud::CloudError::throttled("slow down").into());
                }
            }
            Behavior::WaitUntil(delay, ready) => {
                if !ready() {
                    self.log.push(id, format!("wait:{}", self.name));
                    return Ok(StepOutcome::Wait(*delay));
                }
            }
            Behavior::SpawnChildren => {
                for _ in 0..ctx.params.children {
                    let fail = ctx.params.child_fails;
                    ctx.spawn_child("child", &Params { child_fails: fail, ..Params::default() }, None)?;
                }
                self.log.push(id, format!("run:{}", self.name));
                return Ok(StepOutcome::WaitForChildren);
            }
            Behavior::Gate(gate) => {
                let permit = gate.acquire().await.map_err(|e| StepError::permanent(e.to_string()))?;
                permit.forget();
            }
        }
        ctx.params.count += 1;
        self.log.push(id, format!("run:{}", self.name));
        Ok(StepOutcome::Done)
    }
    async fn undo(&self, ctx: &mut StepContext<Params>) -> Result<(), StepError> {
        ctx.params.count -= 1;
        self.log.push(ctx.task_id(), format!("undo:{}", self.name));
        Ok(())
    }
}

/// A child that fails when its params say so.
pub struct ChildStep {
    pub log: Log,
}

#[async_trait::async_trait]
impl Step<Params> for ChildStep {
    fn name(&self) -> &str {
        "child-work"
    }
    async fn run(&self, ctx: &mut StepContext<Params>) -> Result<StepOutcome, StepError> {
        self.log.push(ctx.task_id(), "run:child".into());
        if ctx.params.child_fails {
            return Err(StepError::permanent("child broke"));
        }
        Ok(StepOutcome::Done)
    }
}
