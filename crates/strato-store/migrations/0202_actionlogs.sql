-- The action log (GET /actionlogs): one row per API write a signed-in caller made (failures
-- included), per login attempt, and per finished task. Rows outlive the objects, users and
-- projects they name, so there are no foreign keys; names are copied in at write time.
CREATE TABLE actionlogs (
    id TEXT PRIMARY KEY NOT NULL,
    created_at BIGINT NOT NULL,
    -- whose the entry is: the object's project (and domain) when known, else the caller's;
    -- empty on system entries (only the system admin sees those)
    domain_id TEXT,
    project_id TEXT,
    user_id TEXT,
    user_name TEXT,
    -- e.g. ('server', '<id>'); the id is what the caller typed (an id or a name), or the new
    -- object's id for a create; '' when unknown
    object_kind TEXT NOT NULL,
    object_id TEXT NOT NULL DEFAULT '',
    object_name TEXT,
    -- create, update, delete, an action path segment (sync, stop, ...), login, or a task kind
    action TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('success', 'failure')),
    -- what the caller was told (never a secret), or the task's error
    error TEXT,
    task_id TEXT,
    request_id TEXT
);
CREATE INDEX actionlogs_created ON actionlogs (created_at, id);
CREATE INDEX actionlogs_project ON actionlogs (project_id, created_at, id);
CREATE INDEX actionlogs_domain ON actionlogs (domain_id, created_at, id);
CREATE INDEX actionlogs_object ON actionlogs (object_kind, object_id, created_at);
CREATE INDEX actionlogs_user ON actionlogs (user_id, created_at);
CREATE INDEX actionlogs_task ON actionlogs (task_id);
