-- Cloud accounts, for real (issue 4): what the last contact with the cloud said, when the
-- account last synced, how often it syncs, what its provider can do, and the rules that map
-- a cloud tag to a project (JSON array of {"tag_key", "tag_value", "project_id"}).
ALTER TABLE cloudaccounts ADD COLUMN last_error TEXT;
ALTER TABLE cloudaccounts ADD COLUMN last_error_at BIGINT;
ALTER TABLE cloudaccounts ADD COLUMN last_connected_at BIGINT;
ALTER TABLE cloudaccounts ADD COLUMN last_sync_at BIGINT;
ALTER TABLE cloudaccounts ADD COLUMN last_sync_status TEXT;
-- when the periodic scheduler next syncs the account (NULL: at once); a replica claims a due
-- account by moving this forward, so two replicas never both enqueue its sync
ALTER TABLE cloudaccounts ADD COLUMN next_sync_at BIGINT;
ALTER TABLE cloudaccounts ADD COLUMN sync_interval_secs BIGINT NOT NULL DEFAULT 300;
ALTER TABLE cloudaccounts ADD COLUMN capabilities TEXT NOT NULL DEFAULT '[]';
ALTER TABLE cloudaccounts ADD COLUMN project_rules TEXT NOT NULL DEFAULT '[]';
CREATE INDEX cloudaccounts_due ON cloudaccounts (enabled, next_sync_at);
