-- Indexes for the generic list of synced kinds (synced/query.rs). Per table: the default order
-- (created_at, id) within a cloud account and within a domain, order by name (and `find` by
-- name), filter by status in the default order. The large kinds (servers, disks) also get status
-- ordered by name, and status within a project (a project member's usual filter). Project and
-- region visibility have theirs since 0100 (skus lacked the project one).
--
-- `<table>_expires` serves expiry filters, and is also the narrowest index of each table (one
-- integer, mostly NULL): SQLite answers an unfiltered COUNT(*) by scanning the narrowest index
-- (by declared column types), so the exact `total` of a list reads ~6 bytes per row instead of
-- the ~45 of a text-id index, and stays in the page cache at a million rows.

CREATE INDEX vpcs_account ON vpcs (cloudaccount_id, created_at, id);
CREATE INDEX vpcs_domain ON vpcs (domain_id, created_at, id);
CREATE INDEX vpcs_name ON vpcs (name, id);
CREATE INDEX vpcs_status ON vpcs (status, created_at, id);
CREATE INDEX vpcs_expires ON vpcs (expires_at);

CREATE INDEX networks_account ON networks (cloudaccount_id, created_at, id);
CREATE INDEX networks_domain ON networks (domain_id, created_at, id);
CREATE INDEX networks_name ON networks (name, id);
CREATE INDEX networks_status ON networks (status, created_at, id);
CREATE INDEX networks_expires ON networks (expires_at);

CREATE INDEX secgroups_account ON secgroups (cloudaccount_id, created_at, id);
CREATE INDEX secgroups_domain ON secgroups (domain_id, created_at, id);
CREATE INDEX secgroups_name ON secgroups (name, id);
CREATE INDEX secgroups_status ON secgroups (status, created_at, id);
CREATE INDEX secgroups_expires ON secgroups (expires_at);

CREATE INDEX skus_account ON skus (cloudaccount_id, created_at, id);
CREATE INDEX skus_domain ON skus (domain_id, created_at, id);
CREATE INDEX skus_name ON skus (name, id);
CREATE INDEX skus_status ON skus (status, created_at, id);
CREATE INDEX skus_project ON skus (project_id, created_at, id);
CREATE INDEX skus_expires ON skus (expires_at);

CREATE INDEX disks_account ON disks (cloudaccount_id, created_at, id);
CREATE INDEX disks_domain ON disks (domain_id, created_at, id);
CREATE INDEX disks_name ON disks (name, id);
CREATE INDEX disks_status ON disks (status, created_at, id);
CREATE INDEX disks_status_name ON disks (status, name, id);
CREATE INDEX disks_project_status ON disks (project_id, status, created_at, id);
CREATE INDEX disks_expires ON disks (expires_at);

CREATE INDEX servers_account ON servers (cloudaccount_id, created_at, id);
CREATE INDEX servers_domain ON servers (domain_id, created_at, id);
CREATE INDEX servers_name ON servers (name, id);
CREATE INDEX servers_status ON servers (status, created_at, id);
CREATE INDEX servers_status_name ON servers (status, name, id);
CREATE INDEX servers_project_status ON servers (project_id, status, created_at, id);
CREATE INDEX servers_expires ON servers (expires_at);

CREATE INDEX elasticsearches_account ON elasticsearches (cloudaccount_id, created_at, id);
CREATE INDEX elasticsearches_domain ON elasticsearches (domain_id, created_at, id);
CREATE INDEX elasticsearches_name ON elasticsearches (name, id);
CREATE INDEX elasticsearches_status ON elasticsearches (status, created_at, id);
CREATE INDEX elasticsearches_expires ON elasticsearches (expires_at);
