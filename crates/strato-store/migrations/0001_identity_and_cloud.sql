-- One schema text for SQLite and PostgreSQL. Ids are UUID text; timestamps are BIGINT
-- microseconds since the Unix epoch (UTC), which orders and compares the same on both.

CREATE TABLE meta (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

CREATE TABLE domains (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX domains_name ON domains (name);
CREATE INDEX domains_created ON domains (created_at, id);

CREATE TABLE projects (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    domain_id TEXT NOT NULL REFERENCES domains (id),
    description TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX projects_domain_name ON projects (domain_id, name);
CREATE INDEX projects_created ON projects (created_at, id);

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    domain_id TEXT NOT NULL REFERENCES domains (id),
    display_name TEXT NOT NULL DEFAULT '',
    email TEXT,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_domain_name ON users (domain_id, name);
CREATE INDEX users_created ON users (created_at, id);

CREATE TABLE role_assignments (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    domain_id TEXT NOT NULL REFERENCES domains (id),
    project_id TEXT REFERENCES projects (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'member', 'viewer')),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
-- A domain-wide assignment has no project; COALESCE makes it unique too.
CREATE UNIQUE INDEX role_assignments_unique ON role_assignments (user_id, domain_id, COALESCE(project_id, ''), role);
CREATE INDEX role_assignments_project ON role_assignments (project_id);
CREATE INDEX role_assignments_domain ON role_assignments (domain_id, created_at, id);
CREATE INDEX role_assignments_created ON role_assignments (created_at, id);

CREATE TABLE tokens (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('login', 'api')),
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- hex SHA-256 of the secret; the secret itself is never stored
    secret_hash TEXT NOT NULL,
    expires_at BIGINT,
    last_used_at BIGINT,
    revoked_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX tokens_secret_hash ON tokens (secret_hash);
CREATE INDEX tokens_user ON tokens (user_id, created_at, id);
CREATE INDEX tokens_created ON tokens (created_at, id);

CREATE TABLE cloudaccounts (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    provider TEXT NOT NULL CHECK (provider IN ('aws', 'aliyun', 'qingcloud', 'kvm', 'fake')),
    domain_id TEXT NOT NULL REFERENCES domains (id),
    project_id TEXT NOT NULL REFERENCES projects (id),
    endpoint TEXT,
    regions TEXT NOT NULL DEFAULT '[]',
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    status TEXT NOT NULL CHECK (status IN ('connected', 'disconnected', 'unknown')),
    description TEXT NOT NULL DEFAULT '',
    -- AES-256-GCM ciphertext "<key id>:<base64>", never plaintext
    credentials TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX cloudaccounts_domain_name ON cloudaccounts (domain_id, name);
CREATE INDEX cloudaccounts_created ON cloudaccounts (created_at, id);
CREATE INDEX cloudaccounts_name ON cloudaccounts (name, id);
CREATE INDEX cloudaccounts_project ON cloudaccounts (project_id, created_at, id);
CREATE INDEX cloudaccounts_domain ON cloudaccounts (domain_id, created_at, id);
CREATE INDEX cloudaccounts_provider ON cloudaccounts (provider, created_at, id);
CREATE INDEX cloudaccounts_provider_name ON cloudaccounts (provider, name, id);
CREATE INDEX cloudaccounts_status ON cloudaccounts (status, created_at, id);

-- Cloud resources share these columns: id, name, status, domain_id, project_id, cloudaccount_id,
-- cloudregion_id, zone_id, external_id, tags, billing_type, expires_at, auto_renew,
-- disable_delete, created_at, updated_at.
CREATE TABLE cloudregions (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('available', 'unavailable', 'unknown')),
    domain_id TEXT NOT NULL REFERENCES domains (id),
    project_id TEXT NOT NULL REFERENCES projects (id),
    cloudaccount_id TEXT NOT NULL REFERENCES cloudaccounts (id) ON DELETE CASCADE,
    cloudregion_id TEXT,
    zone_id TEXT,
    external_id TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '{}',
    billing_type TEXT CHECK (billing_type IN ('postpaid', 'prepaid')),
    expires_at BIGINT,
    auto_renew BOOLEAN NOT NULL DEFAULT FALSE,
    disable_delete BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    provider TEXT NOT NULL CHECK (provider IN ('aws', 'aliyun', 'qingcloud', 'kvm', 'fake'))
);
CREATE UNIQUE INDEX cloudregions_external ON cloudregions (cloudaccount_id, external_id);
CREATE INDEX cloudregions_created ON cloudregions (created_at, id);
CREATE INDEX cloudregions_project ON cloudregions (project_id, created_at, id);
CREATE INDEX cloudregions_domain ON cloudregions (domain_id, created_at, id);

CREATE TABLE zones (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('available', 'unavailable', 'unknown')),
    domain_id TEXT NOT NULL REFERENCES domains (id),
    project_id TEXT NOT NULL REFERENCES projects (id),
    cloudaccount_id TEXT NOT NULL REFERENCES cloudaccounts (id) ON DELETE CASCADE,
    cloudregion_id TEXT NOT NULL REFERENCES cloudregions (id) ON DELETE CASCADE,
    zone_id TEXT,
    external_id TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '{}',
    billing_type TEXT CHECK (billing_type IN ('postpaid', 'prepaid')),
    expires_at BIGINT,
    auto_renew BOOLEAN NOT NULL DEFAULT FALSE,
    disable_delete BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX zones_external ON zones (cloudaccount_id, external_id);
CREATE INDEX zones_region ON zones (cloudregion_id, created_at, id);
CREATE INDEX zones_created ON zones (created_at, id);
CREATE INDEX zones_project ON zones (project_id, created_at, id);
CREATE INDEX zones_domain ON zones (domain_id, created_at, id);
