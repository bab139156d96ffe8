//! Cloud accounts: one set of credentials for one provider. Credentials are stored only as
//! AES-256-GCM ciphertext and are never part of a `CloudAccount` record.
//! Names are unique per domain.

use chrono::{DateTime, Utc};
use strato_types::{CloudAccountId, CloudAccountStatus, DomainId, ListQuery, Page, ProjectId, Provider};

use crate::db::{from_micros, now, parse_enum, parse_id, to_micros, validate_name, with_db, Db};
use crate::error::{on_delete, on_write, StoreError, StoreResult};
use crate::list::{field, lookup, run_list, Field, FieldType as T, KindSpec, Visibility};
use crate::secrets::SecretString;
use crate::Store;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudAccount {
    pub id: CloudAccountId,
    pub name: String,
    pub provider: Provider,
    pub domain_id: DomainId,
    pub project_id: ProjectId,
    pub endpoint: Option<String>,
    pub regions: Vec<String>,
    pub enabled: bool,
    pub status: CloudAccountStatus,
    pub description: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// What the cloud said the last time a call failed to connect, and when.
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
    pub last_connected_at: Option<DateTime<Utc>>,
    pub last_sync_at: Option<DateTime<Utc>>,
    /// How the last sync run ended (`succeeded`, `partial`, `failed`, ...).
    pub last_sync_status: Option<String>,
    pub sync_interval_secs: u64,
    /// The provider's capabilities as recorded at the last successful contact.
    pub capabilities: Vec<String>,
    pub project_rules: Vec<ProjectRule>,
    /// Filled by `get`, and by `list` with `details`.
    pub domain_name: Option<String>,
    pub project_name: Option<String>,
}

/// Resources whose cloud tag `tag_key` has `tag_value` (any value when `None`) go to
/// `project_id` instead of the account's project. The first matching rule wins.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ProjectRule {
    pub tag_key: String,
    #[serde(default)]
    pub tag_value: Option<String>,
    pub project_id: ProjectId,
}

impl ProjectRule {
    pub fn matches(&self, tags: &std::collections::BTreeMap<String, String>) -> bool {
        match (tags.get(&self.tag_key), &self.tag_value) {
            (Some(v), Some(want)) => v == want,
            (Some(_), None) => true,
            (None, _) => false,
        }
    }
}

/// Default seconds between periodic syncs of an account.
pub const DEFAULT_SYNC_INTERVAL_SECS: u64 = 300;

#[derive(Debug, Clone)]
pub struct NewCloudAccount {
    pub name: String,
    pub provider: Provider,
    /// The account's domain is the project's.
    pub project_id: ProjectId,
    pub endpoint: Option<String>,
    pub regions: Vec<String>,
    pub description: String,
    /// The credentials document (JSON text), encrypted before it is stored.
    pub credentials: SecretString,
    pub sync_interval_secs: u64,
    pub project_rules: Vec<ProjectRule>,
    /// Set when the credentials were checked with the cloud before saving.
    pub connected: Option<Vec<String>>,
}

impl NewCloudAccount {
    /// An account with the defaults for everything but its identity.
    pub fn new(name: impl Into<String>, provider: Provider, project_id: ProjectId, credentials: SecretString) -> Self {
        NewCloudAccount {
            name: name.into(),
            provider,
            project_id,
            endpoint: None,
            regions: Vec::new(),
            description: String::new(),
            credentials,
            sync_interval_secs: DEFAULT_SYNC_INTERVAL_SECS,
            project_rules: Vec::new(),
            connected: None,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct CloudAccountUpdate {
    pub name: Option<String>,
    pub description: Option<String>,
    /// `Some(None)` clears the endpoint.
    pub endpoint: Option<Option<String>>,
    pub enabled: Option<bool>,
    pub regions: Option<Vec<String>>,
    pub status: Option<CloudAccountStatus>,
    pub credentials: Option<SecretString>,
    pub sync_interval_secs: Option<u64>,
    pub project_rules: Option<Vec<ProjectRule>>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    name: String,
    provider: String,
    domain_id: String,
    project_id: String,
    endpoint: Option<String>,
    regions: String,
    enabled: bool,
    status: String,
    description: String,
    created_at: i64,
    updated_at: i64,
    last_error: Option<String>,
    last_error_at: Option<i64>,
    last_connected_at: Option<i64>,
    last_sync_at: Option<i64>,
    last_sync_status: Option<String>,
    sync_interval_secs: i64,
    capabilities: String,
    project_rules: String,
    #[sqlx(default)]
    domain_name: Option<String>,
    #[sqlx(default)]
    project_name: Option<String>,
}

impl Row {
    fn into_record(self) -> StoreResult<CloudAccount> {
        Ok(CloudAccount {
            id: parse_id(&self.id, "cloudaccounts.id")?,
            name: self.name,
            provider: parse_enum(&self.provider, "cloudaccounts.provider")?,
            domain_id: parse_id(&self.domain_id, "cloudaccounts.domain_id")?,
            project_id: parse_id(&self.project_id, "cloudaccounts.project_id")?,
            endpoint: self.endpoint,
            regions: serde_json::from_str(&self.regions)
                .map_err(|_| StoreError::Config("corrupt cloudaccounts.regions in the database".into()))?,
            enabled: self.enabled,
            status: parse_enum(&self.status, "cloudaccounts.status")?,
            description: self.description,
            created_at: from_micros(self.created_at),
            updated_at: from_micros(self.updated_at),
            last_error: self.last_error,
            last_error_at: self.last_error_at.map(from_micros),
            last_connected_at: self.last_connected_at.map(from_micros),
            last_sync_at: self.last_sync_at.map(from_micros),
            last_sync_status: self.last_sync_status,
            sync_interval_secs: u64::try_from(self.sync_interval_secs).unwrap_or(DEFAULT_SYNC_INTERVAL_SECS),
            capabilities: serde_json::from_str(&self.capabilities)
                .map_err(|_| StoreError::Config("corrupt cloudaccounts.capabilities in the database".into()))?,
            project_rules: serde_json::from_str(&self.project_rules)
                .map_err(|_| StoreError::Config("corrupt cloudaccounts.project_rules in the database".into()))?,
            domain_name: self.domain_name,
            project_name: self.project_name,
        })
    }
}

const SELECT: &str = "t.id, t.name, t.provider, t.domain_id, t.project_id, t.endpoint, t.regions, t.enabled, \
                      t.status, t.description, t.created_at, t.updated_at, t.last_error, t.last_error_at, t.last_connected_at, \
                      t.last_sync_at, t.last_sync_status, t.sync_interval_secs, t.capabilities, t.project_rules";
const DETAILS: &str = ", d.name AS domain_name, p.name AS project_name";
const JOINS: &str = "LEFT JOIN domains d ON d.id = t.domain_id LEFT JOIN projects p ON p.id = t.project_id ";

/// Filterable / orderable fields of `GET /cloudaccounts`.
pub const FIELDS: &[Field] = &[
    field("id", "t.id", T::Id),
    field("name", "t.name", T::Text),
    field("provider", "t.provider", T::Enum(Provider::EXPECTED)),
    field("domain_id", "t.domain_id", T::Id),
    field("project_id", "t.project_id", T::Id),
    field("endpoint", "t.endpoint", T::Text),
    field("enabled", "t.enabled", T::Bool),
    field("status", "t.status", T::Enum(CloudAccountStatus::EXPECTED)),
    field("description", "t.description", T::Text),
    field("created_at", "t.created_at", T::Timestamp),
    field("updated_at", "t.updated_at", T::Timestamp),
    field("last_sync_at", "t.last_sync_at", T::Timestamp),
    field("last_sync_status", "t.last_sync_status", T::Text),
    lookup("domain", "(SELECT name FROM domains x WHERE x.id = t.domain_id)"),
    lookup("project", "(SELECT name FROM projects x WHERE x.id = t.project_id)"),
];

const SPEC: KindSpec = KindSpec {
    kind: "cloud account",
    table: "cloudaccounts",
    fields: FIELDS,
    domain_column: Some("t.domain_id"),
    project_column: Some("t.project_id"),
    select: SELECT,
    details_select: DETAILS,
    details_joins: JOINS,
};

fn rules_json(rules: &[ProjectRule]) -> StoreResult<String> {
    serde_json::to_string(rules).map_err(|e| StoreError::invalid("project_rules", e.to_string()))
}

fn regions_json(regions: &[String]) -> StoreResult<String> {
    serde_json::to_string(regions).map_err(|e| StoreError::invalid("regions", e.to_string()))
}

pub struct CloudAccounts<'a> {
    pub(crate) store: &'a Store,
}

macro_rules! insert_account {
    ($executor:expr, $id:expr, $new:expr, $domain:expr, $ciphertext:expr, $t:expr, $regions:expr) => {
        sqlx::query(
            "INSERT INTO cloudaccounts (id, name, provider, domain_id, project_id, endpoint, regions, enabled, status, \
             description, credentials, created_at, updated_at, sync_interval_secs, project_rules, capabilities, last_connected_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, TRUE, $11, $8, $9, $10, $10, $12, $13, $14, $15)",
        )
        .bind($id.to_string())
        .bind(&$new.name)
        .bind($new.provider.as_str())
        .bind($domain.to_string())
        .bind($new.project_id.to_string())
        .bind(&$new.endpoint)
        .bind($regions)
        .bind(&$new.description)
        .bind($ciphertext)
        .bind($t)
        .bind(if $new.connected.is_some() { "connected" } else { "unknown" })
        .bind(i64::try_from($new.sync_interval_secs).unwrap_or(i64::MAX))
        .bind(rules_json(&$new.project_rules)?)
        .bind(serde_json::to_string($new.connected.as_deref().unwrap_or(&[])).unwrap_or_else(|_| "[]".into()))
        .bind($new.connected.as_ref().map(|_| $t))
        .execute($executor)
        .await
        .map(|r| r.rows_affected())
    };
}

impl CloudAccounts<'_> {
    pub async fn create(&self, new: NewCloudAccount) -> StoreResult<CloudAccount> {
        validate_name("cloud account", &new.name)?;
        let domain = self.store.projects().get(new.project_id).await?.domain_id;
        let ciphertext = self.store.key().encrypt_secret(&new.credentials)?;
        let regions = regions_json(&new.regions)?;
        let id = CloudAccountId::new();
        let t = to_micros(now());
        let name = new.name.clone();
        let inserted = with_db!(self.store.db(), pool => insert_account!(pool, id, new, domain, ciphertext, t, regions));
        if let Err(error) = inserted {
            let unique = error.as_database_error().is_some_and(|db| db.is_unique_violation());
            if unique && new.provider == Provider::Kvm {
                if let Some(existing) = self.host_account().await? {
                    return Err(host_taken(&existing));
                }
            }
            return Err(on_write("cloud account", || format!("cloud account {name:?} already exists in this domain"))(error));
        }
        self.get(id).await
    }

    /// The enabled `kvm` account (this host), if there is one: the store keeps at most one.
    pub async fn host_account(&self) -> StoreResult<Option<CloudAccount>> {
        let sql = format!("SELECT {SELECT}{DETAILS} FROM cloudaccounts t {JOINS}WHERE t.provider = $1 ORDER BY t.enabled DESC, t.created_at, t.id LIMIT 1");
        let row: Option<Row> = with_db!(self.store.db(), pool => sqlx::query_as(&sql).bind(Provider::Kvm.as_str()).fetch_optional(pool).await?);
        row.map(Row::into_record).transpose()
    }

    /// Inserts many accounts in one transaction (bulk loads and benchmarks).
    pub async fn create_many(&self, accounts: Vec<NewCloudAccount>) -> StoreResult<Vec<CloudAccountId>> {
        let key = self.store.key();
        let mut domains = std::collections::HashMap::new();
        let mut prepared = Vec::with_capacity(accounts.len());
        for new in accounts {
            validate_name("cloud account", &new.name)?;
            let domain = match domains.get(&new.project_id) {
                Some(d) => *d,
                None => {
                    let d = self.store.projects().get(new.project_id).await?.domain_id;
                    domains.insert(new.project_id, d);
                    d
                }
            };
            let ciphertext = key.encrypt_secret(&new.credentials)?;
            let regions = regions_json(&new.regions)?;
            prepared.push((CloudAccountId::new(), new, domain, ciphertext, regions));
        }
        let ids = prepared.iter().map(|p| p.0).collect();
        with_db!(self.store.db(), pool => {
            let mut tx = pool.begin().await?;
            for (id, new, domain, ciphertext, regions) in &prepared {
                let t = to_micros(now());
                let name = new.name.clone();
                insert_account!(&mut *tx, id, new, domain, ciphertext, t, regions)
                    .map_err(on_write("cloud account", || format!("cloud account {name:?} already exists in this domain")))?;
            }
            tx.commit().await?;
        });
        Ok(ids)
    }

    pub async fn get(&self, id: CloudAccountId) -> StoreResult<CloudAccount> {
        self.fetch_one("t.id = $1", id.to_string(), None).await?.ok_or_else(|| StoreError::not_found("cloud account", id))
    }

    pub async fn get_by_name(&self, domain: DomainId, name: &str) -> StoreResult<CloudAccount> {
        self.fetch_one("t.domain_id = $1 AND t.name = $2", domain.to_string(), Some(name.to_string()))
            .await?
            .ok_or_else(|| StoreError::not_found("cloud account", format!("{name:?}")))
    }

    /// By id when `key` is a UUID, else by name within `domain`.
    pub async fn find(&self, domain: DomainId, key: &str) -> StoreResult<CloudAccount> {
        match key.parse::<CloudAccountId>() {
            Ok(id) => self.get(id).await,
            Err(_) => self.get_by_name(domain, key).await,
        }
    }

    async fn fetch_one(&self, condition: &str, a: String, b: Option<String>) -> StoreResult<Option<CloudAccount>> {
        let sql = format!("SELECT {SELECT}{DETAILS} FROM cloudaccounts t {JOINS}WHERE {condition}");
        let row: Option<Row> = with_db!(self.store.db(), pool => {
            let q = sqlx::query_as(&sql).bind(a);
            let q = match b { Some(b) => q.bind(b), None => q };
            q.fetch_optional(pool).await?
        });
        row.map(Row::into_record).transpose()
    }

    /// The decrypted credentials document (for drivers; never for the API).
    pub async fn credentials(&self, id: CloudAccountId) -> StoreResult<SecretString> {
        let ciphertext: Option<String> = with_db!(self.store.db(), pool =>
            sqlx::query_scalar("SELECT credentials FROM cloudaccounts WHERE id = $1")
                .bind(id.to_string()).fetch_optional(pool).await?);
        let ciphertext = ciphertext.ok_or_else(|| StoreError::not_found("cloud account", id))?;
        self.store.key().decrypt_secret(&ciphertext)
    }

    pub async fn list(&self, query: &ListQuery, visibility: &Visibility) -> StoreResult<Page<CloudAccount>> {
        let db = self.store.db();
        run_list!(db, SPEC.build(db.backend(), query, visibility)?, query, Row, Row::into_record)
    }

    pub async fn update(&self, id: CloudAccountId, update: CloudAccountUpdate) -> StoreResult<CloudAccount> {
        if let Some(name) = &update.name {
            validate_name("cloud account", name)?;
        }
        let ciphertext = match &update.credentials {
            Some(c) => Some(self.store.key().encrypt_secret(c)?),
            None => None,
        };
        let regions = update.regions.as_deref().map(regions_json).transpose()?;
        let rules = update.project_rules.as_deref().map(rules_json).transpose()?;
        let name = update.name.clone().unwrap_or_default();
        let (set_endpoint, endpoint) = match update.endpoint {
            Some(e) => (true, e),
            None => (false, None),
        };
        let enabling = update.enabled == Some(true);
        let done = with_db!(self.store.db(), pool => sqlx::query(
            "UPDATE cloudaccounts SET name = COALESCE($1, name), description = COALESCE($2, description), \
             endpoint = CASE WHEN $3 THEN $4 ELSE endpoint END, enabled = COALESCE($5, enabled), \
             regions = COALESCE($6, regions), status = COALESCE($7, status), credentials = COALESCE($8, credentials), \
             updated_at = $9, sync_interval_secs = COALESCE($11, sync_interval_secs), \
             project_rules = COALESCE($12, project_rules) WHERE id = $10")
            .bind(update.name).bind(update.description).bind(set_endpoint).bind(endpoint).bind(update.enabled)
            .bind(regions).bind(update.status.map(|s| s.as_str())).bind(ciphertext)
            .bind(to_micros(now())).bind(id.to_string())
            .bind(update.sync_interval_secs.map(|s| i64::try_from(s).unwrap_or(i64::MAX)))
            .bind(rules)
            .execute(pool).await.map(|r| r.rows_affected()));
        let done = match done {
            Ok(done) => done,
            Err(error) => {
                // Enabling a second kvm account breaks the one-host-account index.
                if enabling && error.as_database_error().is_some_and(|db| db.is_unique_violation()) {
                    if let Some(existing) = self.host_account().await?.filter(|a| a.id != id && a.enabled) {
                        return Err(host_taken(&existing));
                    }
                }
                return Err(on_write("cloud account", || format!("cloud account {name:?} already exists in this domain"))(error));
            }
        };
        if done == 0 {
            return Err(StoreError::not_found("cloud account", id));
        }
        self.get(id).await
    }

    /// Records a contact with the cloud: `Ok(capabilities)` marks the account connected,
    /// `Err(message)` disconnected with the cloud's complaint (never a secret) and when.
    pub async fn record_contact(&self, id: CloudAccountId, outcome: Result<&[String], &str>) -> StoreResult<()> {
        let t = to_micros(now());
        with_db!(self.store.db(), pool => match outcome {
            Ok(capabilities) => {
                let caps = serde_json::to_string(capabilities).map_err(|e| StoreError::invalid("capabilities", e.to_string()))?;
                sqlx::query("UPDATE cloudaccounts SET status = 'connected', last_connected_at = $1, capabilities = $2, \
                             last_error = NULL WHERE id = $3")
                    .bind(t).bind(caps).bind(id.to_string()).execute(pool).await?.rows_affected()
            }
            Err(message) => {
                let message: String = message.chars().take(2000).collect();
                sqlx::query("UPDATE cloudaccounts SET status = 'disconnected', last_error = $1, last_error_at = $2 WHERE id = $3")
                    .bind(message).bind(t).bind(id.to_string()).execute(pool).await?.rows_affected()
            }
        });
        Ok(())
    }

    /// Records the end of a sync run.
    pub async fn record_sync(&self, id: CloudAccountId, status: &str, at: DateTime<Utc>) -> StoreResult<()> {
        with_db!(self.store.db(), pool => sqlx::query(
            "UPDATE cloudaccounts SET last_sync_at = $1, last_sync_status = $2 WHERE id = $3")
            .bind(to_micros(at)).bind(status).bind(id.to_string()).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// Claims the enabled accounts whose periodic sync is due at `at` (oldest due first):
    /// each claimed account's next sync moves one interval on, conditionally, so of several
    /// replicas claiming at once exactly one gets each account.
    pub async fn claim_due_syncs(&self, at: DateTime<Utc>, limit: i64) -> StoreResult<Vec<CloudAccountId>> {
        let t = to_micros(at);
        let due: Vec<(String, Option<i64>, i64)> = with_db!(self.store.db(), pool => sqlx::query_as(
            "SELECT id, next_sync_at, sync_interval_secs FROM cloudaccounts WHERE enabled = TRUE AND \
             (next_sync_at IS NULL OR next_sync_at <= $1) ORDER BY COALESCE(next_sync_at, 0), id LIMIT $2")
            .bind(t).bind(limit).fetch_all(pool).await?);
        let mut claimed = Vec::new();
        for (id, seen, interval) in due {
            let next = t.saturating_add(interval.saturating_mul(1_000_000));
            let done = with_db!(self.store.db(), pool => sqlx::query(
                "UPDATE cloudaccounts SET next_sync_at = $1 WHERE id = $2 AND next_sync_at IS NOT DISTINCT FROM $3")
                .bind(next).bind(&id).bind(seen).execute(pool).await?.rows_affected());
            if done == 1 {
                claimed.push(parse_id(&id, "cloudaccounts.id")?);
            }
        }
        Ok(claimed)
    }

    /// Puts the next periodic sync one interval after `at` (after an on-demand sync).
    pub async fn postpone_sync(&self, id: CloudAccountId, at: DateTime<Utc>) -> StoreResult<()> {
        with_db!(self.store.db(), pool => sqlx::query(
            "UPDATE cloudaccounts SET next_sync_at = $1 + sync_interval_secs * 1000000 WHERE id = $2")
            .bind(to_micros(at)).bind(id.to_string()).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// Deletes the account and everything synced from it, in dependency order (the listed
    /// kinds in reverse sync order, each after its child tables, then zones and regions), its
    /// sync history, change log and leases, in one transaction: nothing is left behind.
    pub async fn delete(&self, id: CloudAccountId) -> StoreResult<()> {
        let purge = purge_statements();
        let key = id.to_string();
        // PostgreSQL: lock the account row before purging. A sync writing the account's rows
        // holds a key-share lock on it, so the purge waits for that write to commit (and then
        // removes its rows) and later writes wait for the delete, instead of the two taking
        // row locks in opposite orders and one of them dying in a deadlock. SQLite's one
        // writer already orders them.
        let lock = match self.store.db() {
            Db::Postgres(_) => Some("SELECT id FROM cloudaccounts WHERE id = $1 FOR UPDATE"),
            Db::Sqlite(_) => None,
        };
        let done = with_db!(self.store.db(), pool => {
            let mut tx = pool.begin().await?;
            if let Some(lock) = lock {
                sqlx::query(lock).bind(&key).execute(&mut *tx).await?;
            }
            for sql in &purge {
                sqlx::query(sql).bind(&key).execute(&mut *tx).await.map_err(on_delete("cloud account", key.clone()))?;
            }
            let done = sqlx::query("DELETE FROM cloudaccounts WHERE id = $1")
                .bind(&key).execute(&mut *tx).await.map(|r| r.rows_affected())
                .map_err(on_delete("cloud account", key.clone()))?;
            tx.commit().await?;
            done
        });
        if done == 0 {
            return Err(StoreError::not_found("cloud account", id));
        }
        Ok(())
    }
}

/// The conflict of a second account of this host.
pub fn host_taken(existing: &CloudAccount) -> StoreError {
    StoreError::Conflict {
        kind: "cloud account",
        message: format!(
            "this host already is cloud account {:?} ({}); there is one kvm account per host",
            existing.name, existing.id
        ),
    }
}

/// What an account owns besides its resources.
const ACCOUNT_LOG_TABLES: [&str; 3] = ["sync_history", "resource_changes", "sync_leases"];

/// The synced kinds in purge order: every declared kind in reverse sync order (children
/// before what they refer to, regions last). Derived from the kind list, so a new kind is
/// purged without a line here.
fn purged_kinds() -> impl Iterator<Item = &'static crate::synced::KindDef> {
    strato_cloud::kinds::all().iter().rev().map(|k| k.meta())
}

/// Tables that carry `cloudaccount_id` (tests and the purge check).
pub(crate) fn account_tables() -> impl Iterator<Item = &'static str> {
    purged_kinds().map(|def| def.plural).chain(ACCOUNT_LOG_TABLES)
}

/// `delete`'s statements: each kind's child tables before the kind, then the logs.
fn purge_statements() -> Vec<String> {
    let mut out = Vec::new();
    for def in purged_kinds() {
        for child in def.children {
            out.push(format!(
                "DELETE FROM {} WHERE {} IN (SELECT id FROM {} WHERE cloudaccount_id = $1)",
                child.table, child.parent_column, def.plural
            ));
        }
        out.push(format!("DELETE FROM {} WHERE cloudaccount_id = $1", def.plural));
    }
    out.extend(ACCOUNT_LOG_TABLES.iter().map(|table| format!("DELETE FROM {table} WHERE cloudaccount_id = $1")));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store from before migration 0105 with several kvm accounts (one a member made in
    /// their project): the migration keeps the system project's enabled and disables the rest.
    #[tokio::test]
    async fn the_one_kvm_migration_keeps_the_system_account_of_a_legacy_store() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (store, _) = Store::open(crate::StoreOptions::new(dir.path())).await.expect("open");
        let Db::Sqlite(pool) = store.db() else { panic!("SQLite by default") };
        sqlx::query("DROP INDEX cloudaccounts_one_kvm").execute(pool).await.expect("back to the old schema");
        let system = store.system_scope().await.expect("system scope");
        let member_project = store
            .projects()
            .create(crate::NewProject { name: "pa".into(), domain_id: system.domain_id, description: String::new() })
            .await
            .expect("project");
        let new = |name: &str, project| NewCloudAccount::new(name, Provider::Kvm, project, SecretString::new("{}"));
        let evil = store.cloudaccounts().create(new("evil", member_project.id)).await.expect("legacy duplicate");
        let local = store.cloudaccounts().create(new("local", system.project_id)).await.expect("legacy local");
        let evil2 = store.cloudaccounts().create(new("evil2", member_project.id)).await.expect("legacy duplicate");
        sqlx::raw_sql(include_str!("../migrations/0105_one_kvm_account.sql")).execute(pool).await.expect("migration");
        let mut enabled = Vec::new();
        for id in [local.id, evil.id, evil2.id] {
            enabled.push(store.cloudaccounts().get(id).await.expect("account").enabled);
        }
        assert_eq!(enabled, [true, false, false], "local, evil, evil2");
        let err = store.cloudaccounts().update(evil.id, CloudAccountUpdate { enabled: Some(true), ..Default::default() }).await;
        assert!(matches!(&err, Err(StoreError::Conflict { message, .. }) if message.contains("\"local\"")), "{err:?}");
    }
}
