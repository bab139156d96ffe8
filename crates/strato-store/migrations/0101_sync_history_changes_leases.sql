-- Sync history: one row per (account, region, kind) per run.
CREATE TABLE sync_history (
    id TEXT PRIMARY KEY NOT NULL,
    run_id TEXT NOT NULL,
    cloudaccount_id TEXT NOT NULL REFERENCES cloudaccounts (id) ON DELETE CASCADE,
    -- the region's external id; '' for account-wide kinds (cloud regions)
    region TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('succeeded', 'failed', 'skipped')),
    added BIGINT NOT NULL DEFAULT 0,
    updated BIGINT NOT NULL DEFAULT 0,
    removed BIGINT NOT NULL DEFAULT 0,
    errors BIGINT NOT NULL DEFAULT 0,
    duplicates BIGINT NOT NULL DEFAULT 0,
    cloud_requests BIGINT NOT NULL DEFAULT 0,
    duration_ms BIGINT NOT NULL DEFAULT 0,
    error TEXT,
    started_at BIGINT NOT NULL,
    finished_at BIGINT NOT NULL
);
CREATE INDEX sync_history_account ON sync_history (cloudaccount_id, started_at, id);
CREATE INDEX sync_history_run ON sync_history (run_id);

-- Change log: every field a sync or a user's action changed on a resource. Kept after the
-- resource is gone (no foreign key to it).
CREATE TABLE resource_changes (
    id TEXT PRIMARY KEY NOT NULL,
    resource_kind TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    cloudaccount_id TEXT,
    field TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    source TEXT NOT NULL CHECK (source IN ('sync', 'user')),
    -- the user (for source 'user') or the sync run id
    actor TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX resource_changes_resource ON resource_changes (resource_kind, resource_id, created_at, id);
CREATE INDEX resource_changes_created ON resource_changes (created_at, id);

-- One sync per (account, scope) at a time, across replicas. scope is a region's external id,
-- or '' for account-wide work. An expired lease may be taken over by anyone.
CREATE TABLE sync_leases (
    cloudaccount_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    owner TEXT NOT NULL,
    acquired_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (cloudaccount_id, scope)
);
