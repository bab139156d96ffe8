-- Synced cloud resources (issue 4). Every table carries the common cloud-resource columns
-- (see 0001), then the kind's typed columns. `sync_hash` is a digest of everything sync writes,
-- so a re-sync compares one column per row and writes nothing when the cloud did not change.
-- References between synced kinds are local ids; a removed target leaves NULL (its own
-- removal follows in its own phase of the same sync).

ALTER TABLE cloudregions ADD COLUMN sync_hash TEXT;
ALTER TABLE zones ADD COLUMN sync_hash TEXT;

CREATE TABLE vpcs (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('available', 'pending', 'unavailable', 'deleting', 'unknown')),
    domain_id TEXT NOT NULL REFERENCES domains (id),
    project_id TEXT NOT NULL REFERENCES projects (id),
    cloudaccount_id TEXT NOT NULL REFERENCES cloudaccounts (id) ON DELETE CASCADE,
    cloudregion_id TEXT NOT NULL REFERENCES cloudregions (id) ON DELETE CASCADE,
    zone_id TEXT REFERENCES zones (id) ON DELETE SET NULL,
    external_id TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '{}',
    billing_type TEXT CHECK (billing_type IN ('postpaid', 'prepaid', 'spot')),
    expires_at BIGINT,
    auto_renew BOOLEAN NOT NULL DEFAULT FALSE,
    disable_delete BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    sync_hash TEXT,
    cidr_block TEXT NOT NULL,
    is_default BOOLEAN NOT NULL
);
CREATE UNIQUE INDEX vpcs_external ON vpcs (cloudaccount_id, external_id);
CREATE INDEX vpcs_region ON vpcs (cloudregion_id, created_at, id);
CREATE INDEX vpcs_project ON vpcs (project_id, created_at, id);
CREATE INDEX vpcs_created ON vpcs (created_at, id);

CREATE TABLE networks (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('available', 'pending', 'unavailable', 'deleting', 'unknown')),
    domain_id TEXT NOT NULL REFERENCES domains (id),
    project_id TEXT NOT NULL REFERENCES projects (id),
    cloudaccount_id TEXT NOT NULL REFERENCES cloudaccounts (id) ON DELETE CASCADE,
    cloudregion_id TEXT NOT NULL REFERENCES cloudregions (id) ON DELETE CASCADE,
    zone_id TEXT REFERENCES zones (id) ON DELETE SET NULL,
    external_id TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '{}',
    billing_type TEXT CHECK (billing_type IN ('postpaid', 'prepaid', 'spot')),
    expires_at BIGINT,
    auto_renew BOOLEAN NOT NULL DEFAULT FALSE,
    disable_delete BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    sync_hash TEXT,
    vpc_id TEXT REFERENCES vpcs (id) ON DELETE SET NULL,
    cidr_block TEXT NOT NULL,
    available_ips BIGINT
);
CREATE UNIQUE INDEX networks_external ON networks (cloudaccount_id, external_id);
CREATE INDEX networks_region ON networks (cloudregion_id, created_at, id);
CREATE INDEX networks_project ON networks (project_id, created_at, id);
CREATE INDEX networks_created ON networks (created_at, id);
CREATE INDEX networks_vpc ON networks (vpc_id);
CREATE INDEX networks_zone ON networks (zone_id);

CREATE TABLE secgroups (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('available', 'pending', 'unavailable', 'deleting', 'unknown')),
    domain_id TEXT NOT NULL REFERENCES domains (id),
    project_id TEXT NOT NULL REFERENCES projects (id),
    cloudaccount_id TEXT NOT NULL REFERENCES cloudaccounts (id) ON DELETE CASCADE,
    cloudregion_id TEXT NOT NULL REFERENCES cloudregions (id) ON DELETE CASCADE,
    zone_id TEXT REFERENCES zones (id) ON DELETE SET NULL,
    external_id TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '{}',
    billing_type TEXT CHECK (billing_type IN ('postpaid', 'prepaid', 'spot')),
    expires_at BIGINT,
    auto_renew BOOLEAN NOT NULL DEFAULT FALSE,
    disable_delete BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    sync_hash TEXT,
    vpc_id TEXT REFERENCES vpcs (id) ON DELETE SET NULL,
    description TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX secgroups_external ON secgroups (cloudaccount_id, external_id);
CREATE INDEX secgroups_region ON secgroups (cloudregion_id, created_at, id);
CREATE INDEX secgroups_project ON secgroups (project_id, created_at, id);
CREATE INDEX secgroups_created ON secgroups (created_at, id);
CREATE INDEX secgroups_vpc ON secgroups (vpc_id);

CREATE TABLE secgroup_rules (
    secgroup_id TEXT NOT NULL REFERENCES secgroups (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('ingress', 'egress')),
    protocol TEXT NOT NULL,
    from_port BIGINT,
    to_port BIGINT,
    peer TEXT NOT NULL,
    description TEXT,
    PRIMARY KEY (secgroup_id, position)
);

CREATE TABLE skus (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('available', 'pending', 'unavailable', 'deleting', 'unknown')),
    domain_id TEXT NOT NULL REFERENCES domains (id),
    project_id TEXT NOT NULL REFERENCES projects (id),
    cloudaccount_id TEXT NOT NULL REFERENCES cloudaccounts (id) ON DELETE CASCADE,
    cloudregion_id TEXT NOT NULL REFERENCES cloudregions (id) ON DELETE CASCADE,
    zone_id TEXT REFERENCES zones (id) ON DELETE SET NULL,
    external_id TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '{}',
    billing_type TEXT CHECK (billing_type IN ('postpaid', 'prepaid', 'spot')),
    expires_at BIGINT,
    auto_renew BOOLEAN NOT NULL DEFAULT FALSE,
    disable_delete BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    sync_hash TEXT,
    cpu BIGINT NOT NULL,
    memory_mb BIGINT NOT NULL,
    arch TEXT NOT NULL
);
-- An instance type is listed once per region; its external id is only unique in its region.
CREATE UNIQUE INDEX skus_external ON skus (cloudaccount_id, cloudregion_id, external_id);
CREATE INDEX skus_region ON skus (cloudregion_id, created_at, id);
CREATE INDEX skus_created ON skus (created_at, id);

CREATE TABLE disks (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('creating', 'available', 'in_use', 'attaching', 'detaching', 'resizing',
                                           'deleting', 'deleted', 'error', 'unknown', 'create_failed',
                                           'attach_failed', 'detach_failed', 'resize_failed', 'delete_failed')),
    domain_id TEXT NOT NULL REFERENCES domains (id),
    project_id TEXT NOT NULL REFERENCES projects (id),
    cloudaccount_id TEXT NOT NULL REFERENCES cloudaccounts (id) ON DELETE CASCADE,
    cloudregion_id TEXT NOT NULL REFERENCES cloudregions (id) ON DELETE CASCADE,
    zone_id TEXT REFERENCES zones (id) ON DELETE SET NULL,
    external_id TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '{}',
    billing_type TEXT CHECK (billing_type IN ('postpaid', 'prepaid', 'spot')),
    expires_at BIGINT,
    auto_renew BOOLEAN NOT NULL DEFAULT FALSE,
    disable_delete BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    sync_hash TEXT,
    size_gb BIGINT NOT NULL,
    disk_type TEXT NOT NULL,
    is_root BOOLEAN NOT NULL
);
CREATE UNIQUE INDEX disks_external ON disks (cloudaccount_id, external_id);
CREATE INDEX disks_region ON disks (cloudregion_id, created_at, id);
CREATE INDEX disks_project ON disks (project_id, created_at, id);
CREATE INDEX disks_created ON disks (created_at, id);
CREATE INDEX disks_zone ON disks (zone_id);

CREATE TABLE servers (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'starting', 'stopping', 'stopped', 'rebooting',
                                           'changing_config', 'deleting', 'deleted', 'error', 'unknown',
                                           'creating', 'create_failed', 'start_failed', 'stop_failed',
                                           'restart_failed', 'change_config_failed', 'delete_failed')),
    domain_id TEXT NOT NULL REFERENCES domains (id),
    project_id TEXT NOT NULL REFERENCES projects (id),
    cloudaccount_id TEXT NOT NULL REFERENCES cloudaccounts (id) ON DELETE CASCADE,
    cloudregion_id TEXT NOT NULL REFERENCES cloudregions (id) ON DELETE CASCADE,
    zone_id TEXT REFERENCES zones (id) ON DELETE SET NULL,
    external_id TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '{}',
    billing_type TEXT CHECK (billing_type IN ('postpaid', 'prepaid', 'spot')),
    expires_at BIGINT,
    auto_renew BOOLEAN NOT NULL DEFAULT FALSE,
    disable_delete BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    sync_hash TEXT,
    power_state TEXT NOT NULL CHECK (power_state IN ('on', 'off', 'unknown')),
    instance_type TEXT NOT NULL,
    sku_id TEXT REFERENCES skus (id) ON DELETE SET NULL,
    cpu BIGINT,
    memory_mb BIGINT,
    image_id TEXT,
    vpc_id TEXT REFERENCES vpcs (id) ON DELETE SET NULL,
    network_id TEXT REFERENCES networks (id) ON DELETE SET NULL,
    private_ips TEXT NOT NULL DEFAULT '[]',
    public_ips TEXT NOT NULL DEFAULT '[]',
    keypair TEXT
);
CREATE UNIQUE INDEX servers_external ON servers (cloudaccount_id, external_id);
CREATE INDEX servers_region ON servers (cloudregion_id, created_at, id);
CREATE INDEX servers_project ON servers (project_id, created_at, id);
CREATE INDEX servers_created ON servers (created_at, id);
CREATE INDEX servers_zone ON servers (zone_id);
CREATE INDEX servers_vpc ON servers (vpc_id);
CREATE INDEX servers_network ON servers (network_id);
CREATE INDEX servers_sku ON servers (sku_id);

CREATE TABLE server_disks (
    server_id TEXT NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
    disk_id TEXT NOT NULL REFERENCES disks (id) ON DELETE CASCADE,
    device TEXT NOT NULL,
    PRIMARY KEY (server_id, disk_id)
);
CREATE INDEX server_disks_disk ON server_disks (disk_id);

CREATE TABLE server_secgroups (
    server_id TEXT NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
    secgroup_id TEXT NOT NULL REFERENCES secgroups (id) ON DELETE CASCADE,
    PRIMARY KEY (server_id, secgroup_id)
);
CREATE INDEX server_secgroups_secgroup ON server_secgroups (secgroup_id);

CREATE TABLE elasticsearches (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('creating', 'available', 'processing', 'deleting', 'deleted', 'unknown',
                                           'delete_failed')),
    domain_id TEXT NOT NULL REFERENCES domains (id),
    project_id TEXT NOT NULL REFERENCES projects (id),
    cloudaccount_id TEXT NOT NULL REFERENCES cloudaccounts (id) ON DELETE CASCADE,
    cloudregion_id TEXT NOT NULL REFERENCES cloudregions (id) ON DELETE CASCADE,
    zone_id TEXT REFERENCES zones (id) ON DELETE SET NULL,
    external_id TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '{}',
    billing_type TEXT CHECK (billing_type IN ('postpaid', 'prepaid', 'spot')),
    expires_at BIGINT,
    auto_renew BOOLEAN NOT NULL DEFAULT FALSE,
    disable_delete BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    sync_hash TEXT,
    engine_version TEXT NOT NULL,
    instance_type TEXT NOT NULL,
    node_count BIGINT NOT NULL,
    storage_size_gb BIGINT NOT NULL,
    endpoint TEXT,
    vpc_id TEXT REFERENCES vpcs (id) ON DELETE SET NULL,
    -- JSON array of local network ids
    network_ids TEXT NOT NULL DEFAULT '[]'
);
CREATE UNIQUE INDEX elasticsearches_external ON elasticsearches (cloudaccount_id, external_id);
CREATE INDEX elasticsearches_region ON elasticsearches (cloudregion_id, created_at, id);
CREATE INDEX elasticsearches_project ON elasticsearches (project_id, created_at, id);
CREATE INDEX elasticsearches_created ON elasticsearches (created_at, id);
CREATE INDEX elasticsearches_vpc ON elasticsearches (vpc_id);
