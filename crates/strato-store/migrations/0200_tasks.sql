-- Durable tasks (strato-tasks). One row per task; the engine commits the row after every step,
-- so a task resumes at its last committed step after a crash or restart.
CREATE TABLE tasks (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    -- the object the task works on, e.g. ('server', '<id>'); empty for tasks without one
    target_kind TEXT NOT NULL DEFAULT '',
    target_id TEXT NOT NULL DEFAULT '',
    -- the typed params as JSON, as the last committed step left them; initial_params for retry
    params TEXT NOT NULL,
    initial_params TEXT NOT NULL,
    -- number of committed steps = index of the step to run next (forward) or of the step
    -- after the next one to undo (unwinding)
    step_index BIGINT NOT NULL DEFAULT 0,
    -- JSON array of per-step records: name, started_at, ended_at, error, polls, undone_at
    steps TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled')),
    phase TEXT NOT NULL DEFAULT 'forward' CHECK (phase IN ('forward', 'unwinding')),
    -- retryable failures of the current step (reset when a step commits)
    attempts BIGINT NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_expires_at BIGINT,
    -- a queued or waiting task is not claimed before this time (backoff, polling)
    not_before BIGINT NOT NULL,
    parent_id TEXT REFERENCES tasks (id),
    -- the current step spawned children and waits until they all finish
    waiting_children BOOLEAN NOT NULL DEFAULT FALSE,
    -- when the current step first answered "wait" (for its timeout)
    wait_started_at BIGINT,
    cancel_requested BOOLEAN NOT NULL DEFAULT FALSE,
    error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    finished_at BIGINT
);
-- claim: the oldest due task first
CREATE INDEX tasks_due ON tasks (not_before) WHERE status IN ('queued', 'waiting');
-- takeover of dead workers' tasks
CREATE INDEX tasks_lease ON tasks (lease_expires_at) WHERE status = 'running';
CREATE INDEX tasks_parent ON tasks (parent_id);
CREATE INDEX tasks_target ON tasks (target_kind, target_id);
CREATE INDEX tasks_created ON tasks (created_at, id);
