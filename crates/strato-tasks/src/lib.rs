//! Strato's durable task engine, saga style (DESIGN.md "Flows" 2).
//!
//! # Use
//!
//! - **Declare a kind**: `TaskKind::<MyParams>::new("server.stop").step(StopCall).step(WaitStopped)`;
//!   each step implements [`Step`]: `run` (the action) answers `Done`, `Wait(delay)` (poll
//!   again later without holding a worker, until `wait_timeout`) or `WaitForChildren` (after
//!   `ctx.spawn_child(..)`); `undo` reverses a completed run. Params are any serde type; a step
//!   may change them (e.g. record a created instance id) and they are committed with the step.
//! - **Register and start**: `let mut registry = Registry::new(); registry.register(kind)?;`
//!   `let engine = Engine::start(store, registry, EngineConfig::default());`
//! - **Enqueue, cancel, retry**: `engine.queue().enqueue(TaskSpec::new("server.stop", params)
//!   .target("server", id))`, `.cancel(id)`, `.retry(id)`, `.get(id)`, `.wait_finished(id, t)`.
//!
//! # Semantics
//!
//! - Workers claim due tasks through leases (`lease_ttl`, renewed every third of it); the
//!   row is committed after every step, fenced by the lease, so a crash resumes the task at
//!   its last committed step once the lease expires (a step's action may run again only if
//!   the crash hit between the action and its commit: cloud writes must be idempotent).
//! - Errors: `StepError::Retryable` (from retryable `CloudError`s, database errors, or made
//!   directly) retries with exponential backoff up to `max_attempts` tries per step; a
//!   permanent error unwinds the completed steps in reverse through their undos, then the
//!   task is failed with the error. A failing undo stops the unwinding and fails the task
//!   (it then cannot be retried).
//! - Cancel: a queued task that ran nothing is cancelled at once; others are cancelled at the
//!   next step boundary after undoing their completed steps. Children are cancelled too.
//! - A child's end wakes its parent; a failed or cancelled child fails the parent's step.
//! - Test hooks ([`TestHooks`]): pause after step k, fail at step k (`STRATO_TEST_TASK_*`).

mod engine;
pub mod error;
pub mod hooks;
mod kind;
mod runner;

pub use engine::{Engine, EngineConfig, RetryPolicy, TaskQueue, TaskSpec};
pub use error::{EngineError, StepError};
pub use hooks::{StepHook, TestHooks};
pub use kind::{Registry, Step, StepContext, StepOutcome, TaskKind, TaskParams};
pub use runner::CANCELLED;
pub use strato_store::{StepRecord, TaskOwner, TaskPhase, TaskRecord, TaskStatus, TaskTarget};
