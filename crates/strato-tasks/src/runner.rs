//! Runs one claimed task: steps forward, committing after each; on a permanent failure or a
//! cancel, undoes the completed steps in reverse. Every commit is fenced by the lease.

use std::time::Duration;

use chrono::Utc;
use strato_store::{NewActionLog, NewTask, StepRecord, TaskPhase, TaskRecord, TaskStatus};
use strato_types::ActionOutcome;

use crate::engine::Shared;
use crate::error::StepError;
use crate::kind::{StepContext, StepOutcome, TaskKind, TaskParams};

/// The task error of a cancelled task (also tells the end of unwinding what to become).
pub const CANCELLED: &str = "cancelled";

/// What the caller of `save` should do next.
enum Next {
    Continue,
    Stop,
}

pub(crate) async fn run<P: TaskParams>(kind: &TaskKind<P>, shared: &Shared, mut task: TaskRecord) {
    let id = task.id;
    if let Err(e) = drive(kind, shared, &mut task).await {
        // the lease runs out and the task is taken over at its last committed step
        tracing::warn!(task = %id, kind = %task.kind, error = %e, "task commit failed; it resumes after its lease expires");
    }
}

async fn drive<P: TaskParams>(kind: &TaskKind<P>, shared: &Shared, task: &mut TaskRecord) -> Result<(), strato_store::StoreError> {
    let mut params: P = match serde_json::from_value(task.params.clone()) {
        Ok(p) => p,
        Err(e) => {
            // nothing ran with these params, so there is nothing to undo
            task.error = Some(format!("params do not fit task kind {}: {e}", task.kind));
            task.status = TaskStatus::Failed;
            return finish(shared, task).await;
        }
    };
    let max_attempts = kind.max_attempts.unwrap_or(shared.config.retry.max_attempts).max(1);
    loop {
        if task.cancel_requested && task.phase == TaskPhase::Forward {
            task.error = Some(CANCELLED.into());
            task.phase = TaskPhase::Unwinding;
            task.waiting_children = false;
            task.wait_started_at = None;
            task.attempts = 0;
        }
        let index = task.step_index as usize;
        if task.phase == TaskPhase::Unwinding {
            if index == 0 {
                task.status = if task.error.as_deref() == Some(CANCELLED) { TaskStatus::Cancelled } else { TaskStatus::Failed };
                return finish(shared, task).await;
            }
            let undo_index = index - 1;
            let step = &kind.steps[undo_index.min(kind.steps.len().saturating_sub(1))];
            let mut ctx = context(task, params, undo_index);
            let result = step.undo(&mut ctx).await;
            params = ctx.params;
            match result {
                Ok(()) => {
                    record(task, undo_index, step.name()).undone_at = Some(Utc::now());
                    task.step_index = undo_index as u32;
                    task.attempts = 0;
                    task.params = to_value(&params)?;
                    if let Next::Stop = save(shared, task, &[]).await? {
                        return Ok(());
                    }
                }
                Err(e) if e.is_retryable() && task.attempts + 1 < max_attempts => {
                    return back_off(shared, task, undo_index, step.name(), &e).await;
                }
                Err(e) => {
                    let message = format!("undo of step {} failed: {e}", step.name());
                    record(task, undo_index, step.name()).error = Some(message.clone());
                    task.error = Some(match task.error.take() {
                        Some(first) if first != CANCELLED => format!("{first}; {message}"),
                        _ => message,
                    });
                    task.params = to_value(&params)?;
                    task.status = TaskStatus::Failed;
                    return finish(shared, task).await;
                }
            }
            continue;
        }

        let Some(step) = kind.steps.get(index) else {
            task.status = TaskStatus::Succeeded;
            return finish(shared, task).await;
        };
        let step_number = index + 1;
        if record(task, index, step.name()).started_at.is_none() {
            record(task, index, step.name()).started_at = Some(Utc::now());
        }
        let mut children: Vec<NewTask> = Vec::new();
        let outcome = if task.waiting_children {
            children_outcome(shared, task).await?
        } else if shared.config.hooks.fail_at.as_ref().is_some_and(|h| h.matches(&task.kind, step_number)) {
            Err(StepError::permanent(format!("injected failure at step {step_number} (test hook)")))
        } else {
            let mut ctx = context(task, params, index);
            let outcome = step.run(&mut ctx).await;
            params = ctx.params;
            children = ctx.children;
            outcome
        };
        task.params = to_value(&params)?;
        match outcome {
            Ok(StepOutcome::Done) => {
                let rec = record(task, index, step.name());
                rec.ended_at = Some(Utc::now());
                rec.error = None;
                task.step_index += 1;
                task.attempts = 0;
                task.waiting_children = false;
                task.wait_started_at = None;
                if task.step_index as usize == kind.steps.len() {
                    // the last step's commit is the task's end: one write
                    task.status = TaskStatus::Succeeded;
                    return finish_with(shared, task, &children).await;
                }
                if let Next::Stop = save(shared, task, &children).await? {
                    return Ok(());
                }
                if shared.config.hooks.pause_after.as_ref().is_some_and(|h| h.matches(&task.kind, step_number)) {
                    tracing::warn!(task = %task.id, step = step_number, "task paused after its step (test hook)");
                    shared.config.hooks.record_paused(task.id);
                    std::future::pending::<()>().await;
                }
            }
            Ok(StepOutcome::Wait(delay)) => {
                let now = Utc::now();
                let since = *task.wait_started_at.get_or_insert(now);
                let timeout = step.wait_timeout();
                if (now - since).to_std().unwrap_or_default() >= timeout {
                    let e = StepError::permanent(format!("step {} timed out after {}s of waiting", step.name(), timeout.as_secs()));
                    start_unwinding(task, index, step.name(), &e);
                    if let Next::Stop = save(shared, task, &children).await? {
                        return Ok(());
                    }
                    continue;
                }
                record(task, index, step.name()).polls += 1;
                return wait(shared, task, delay, &children).await;
            }
            Ok(StepOutcome::WaitForChildren) => {
                task.waiting_children = true;
                let delay = shared.config.children_poll;
                return wait(shared, task, delay, &children).await;
            }
            Err(e) if e.is_retryable() && task.attempts + 1 < max_attempts => {
                return back_off_with(shared, task, index, step.name(), &e, &children).await;
            }
            Err(e) => {
                start_unwinding(task, index, step.name(), &e);
                // children of a failing step are not inserted
                if let Next::Stop = save(shared, task, &[]).await? {
                    return Ok(());
                }
            }
        }
    }
}

/// The outcome of a step waiting for its children: done when all succeeded.
async fn children_outcome(shared: &Shared, task: &TaskRecord) -> Result<Result<StepOutcome, StepError>, strato_store::StoreError> {
    let summary = shared.store.tasks().children_summary(task.id).await?;
    if summary.failed > 0 {
        let children = shared.store.tasks().children(task.id).await?;
        let first = children.iter().find(|c| matches!(c.status, TaskStatus::Failed | TaskStatus::Cancelled));
        let detail = first
            .map(|c| format!(": {} {} {}: {}", c.kind, c.id, c.status, c.error.as_deref().unwrap_or("")))
            .unwrap_or_default();
        return Ok(Err(StepError::permanent(format!("{} of {} child tasks did not succeed{detail}", summary.failed, summary.total))));
    }
    if summary.unfinished > 0 {
        return Ok(Ok(StepOutcome::WaitForChildren));
    }
    Ok(Ok(StepOutcome::Done))
}

fn context<P>(task: &TaskRecord, params: P, step: usize) -> StepContext<P> {
    StepContext {
        params,
        task_id: task.id,
        kind: task.kind.clone(),
        step,
        attempt: task.attempts,
        polls: task.steps.get(step).map(|r| r.polls).unwrap_or(0),
        target: task.target.clone(),
        owner: task.owner.clone(),
        unwinding_because: (task.phase == TaskPhase::Unwinding).then(|| task.error.clone()).flatten(),
        children: Vec::new(),
    }
}

/// The record of step `index`, created (with the names of the steps before it) if missing.
fn record<'t>(task: &'t mut TaskRecord, index: usize, name: &str) -> &'t mut StepRecord {
    while task.steps.len() <= index {
        task.steps.push(StepRecord::default());
    }
    let rec = &mut task.steps[index];
    if rec.name.is_empty() {
        rec.name = name.to_string();
    }
    rec
}

fn start_unwinding(task: &mut TaskRecord, index: usize, name: &str, e: &StepError) {
    let rec = record(task, index, name);
    rec.ended_at = Some(Utc::now());
    rec.error = Some(e.to_string());
    task.error = Some(format!("step {name} failed: {e}"));
    task.phase = TaskPhase::Unwinding;
    task.attempts = 0;
    task.waiting_children = false;
    task.wait_started_at = None;
}

async fn back_off(shared: &Shared, task: &mut TaskRecord, index: usize, name: &str, e: &StepError) -> Result<(), strato_store::StoreError> {
    back_off_with(shared, task, index, name, e, &[]).await
}

async fn back_off_with(
    shared: &Shared,
    task: &mut TaskRecord,
    index: usize,
    name: &str,
    e: &StepError,
    children: &[NewTask],
) -> Result<(), strato_store::StoreError> {
    task.attempts += 1;
    record(task, index, name).error = Some(e.to_string());
    let retry_after = match e {
        StepError::Retryable { retry_after, .. } => *retry_after,
        StepError::Permanent(_) => None,
    };
    let delay = shared.config.retry.backoff(task.attempts, retry_after);
    tracing::debug!(task = %task.id, step = name, attempt = task.attempts, delay_ms = delay.as_millis() as u64, error = %e, "step will be retried");
    wait(shared, task, delay, children).await
}

async fn wait(shared: &Shared, task: &mut TaskRecord, delay: Duration, children: &[NewTask]) -> Result<(), strato_store::StoreError> {
    task.status = TaskStatus::Waiting;
    task.not_before = Utc::now() + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::MAX);
    if let Next::Continue = save(shared, task, children).await? {
        shared.wake_after(delay);
    }
    Ok(())
}

async fn finish(shared: &Shared, task: &mut TaskRecord) -> Result<(), strato_store::StoreError> {
    finish_with(shared, task, &[]).await
}

async fn finish_with(shared: &Shared, task: &mut TaskRecord, children: &[NewTask]) -> Result<(), strato_store::StoreError> {
    if let Next::Continue = save(shared, task, children).await? {
        tracing::debug!(task = %task.id, kind = %task.kind, status = %task.status, "task finished");
        log_end(shared, task).await;
        if let Some(parent) = task.parent_id {
            if shared.store.tasks().wake(parent).await? {
                shared.notify.notify_one();
            }
        }
    }
    Ok(())
}

/// The action-log entry of a task's end (after its final commit, so only the replica that
/// finished it writes one). Failing to write it never fails the task.
async fn log_end(shared: &Shared, task: &TaskRecord) {
    let outcome = if task.status == TaskStatus::Succeeded { ActionOutcome::Success } else { ActionOutcome::Failure };
    let (kind, id) = match &task.target {
        Some(target) => (target.kind.clone(), target.id.clone()),
        None => ("task".to_string(), task.id.to_string()),
    };
    let mut entry = NewActionLog::new(kind, id, task.kind.clone(), outcome);
    entry.error = task.error.clone().filter(|_| outcome == ActionOutcome::Failure);
    entry.task_id = Some(task.id);
    if let Some(owner) = &task.owner {
        entry.domain_id = Some(owner.domain_id);
        entry.project_id = Some(owner.project_id);
        entry.user_id = owner.user_id;
        entry.user_name = owner.user_name.clone();
    }
    if let Err(error) = shared.store.actionlogs().record(entry).await {
        tracing::warn!(task = %task.id, kind = %task.kind, %error, "writing the task's action log entry failed");
    }
}

/// Commits; learns of a cancel requested meanwhile. `Stop` when the lease was lost.
async fn save(shared: &Shared, task: &mut TaskRecord, children: &[NewTask]) -> Result<Next, strato_store::StoreError> {
    match shared.store.tasks().save(&shared.config.owner, task, children).await? {
        Some(cancel) => {
            task.cancel_requested = cancel;
            if !children.is_empty() {
                shared.notify.notify_one();
            }
            Ok(Next::Continue)
        }
        None => {
            tracing::warn!(task = %task.id, "lost the task's lease to another worker; stopping here");
            Ok(Next::Stop)
        }
    }
}

fn to_value<P: TaskParams>(params: &P) -> Result<serde_json::Value, strato_store::StoreError> {
    serde_json::to_value(params).map_err(|e| strato_store::StoreError::invalid("params", e.to_string()))
}

/// A task of a kind this engine does not know (e.g. a newer replica's): put it back for a
/// replica that knows it.
pub(crate) async fn release_unknown(shared: &Shared, mut task: TaskRecord) {
    tracing::warn!(task = %task.id, kind = %task.kind, "no such task kind registered here; leaving it for another replica");
    task.status = TaskStatus::Queued;
    task.not_before = Utc::now() + chrono::Duration::seconds(60);
    if let Err(e) = save(shared, &mut task, &[]).await {
        tracing::warn!(task = %task.id, error = %e, "releasing a task of an unknown kind failed");
    }
}
