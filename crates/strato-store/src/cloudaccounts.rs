//! Cloud accounts: one set of credentials for one provider. Credentials are stored only as
//! AES-256-GCM ciphertext and are never part of a `CloudAccount` record.
//! Names are unique per domain.

use chrono::{DateTime, Utc};
use strato_types::{CloudAccountId, CloudAccountStatus, DomainId, ListQuery, Page, ProjectId, Provider};

use crate::db::{from_micros, now, parse_enum, parse_id, to_micros, validate_name, with_db};
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
    /// Filled by `get`, and by `list` with `details`.
    pub domain_name: Option<String>,
    pub project_name: Option<String>,
}

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
            domain_name: self.domain_name,
            project_name: self.project_name,
        })
    }
}

const SELECT: &str = "t.id, t.name, t.provider, t.domain_id, t.project_id, t.endpoint, t.regions, t.enabled, \
                      t.status, t.description, t.created_at, t.updated_at";
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
             description, credentials, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, TRUE, 'unknown', $8, $9, $10, $10)",
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
        with_db!(self.store.db(), pool => insert_account!(pool, id, new, domain, ciphertext, t, regions)
            .map_err(on_write("cloud account", || format!("cloud account {name:?} already exists in this domain")))?);
        self.get(id).await
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
        let name = update.name.clone().unwrap_or_default();
        let (set_endpoint, endpoint) = match update.endpoint {
            Some(e) => (true, e),
            None => (false, None),
        };
        let done = with_db!(self.store.db(), pool => sqlx::query(
            "UPDATE cloudaccounts SET name = COALESCE($1, name), description = COALESCE($2, description), \
             endpoint = CASE WHEN $3 THEN $4 ELSE endpoint END, enabled = COALESCE($5, enabled), \
             regions = COALESCE($6, regions), status = COALESCE($7, status), credentials = COALESCE($8, credentials), \
             updated_at = $9 WHERE id = $10")
            .bind(update.name).bind(update.description).bind(set_endpoint).bind(endpoint).bind(update.enabled)
            .bind(regions).bind(update.status.map(|s| s.as_str())).bind(ciphertext)
            .bind(to_micros(now())).bind(id.to_string())
            .execute(pool).await.map(|r| r.rows_affected())
            .map_err(on_write("cloud account", || format!("cloud account {name:?} already exists in this domain")))?);
        if done == 0 {
            return Err(StoreError::not_found("cloud account", id));
        }
        self.get(id).await
    }

    /// Deletes the account and everything synced from it.
    pub async fn delete(&self, id: CloudAccountId) -> StoreResult<()> {
        let done = with_db!(self.store.db(), pool => sqlx::query("DELETE FROM cloudaccounts WHERE id = $1")
            .bind(id.to_string()).execute(pool).await.map(|r| r.rows_affected())
            .map_err(on_delete("cloud account", id.to_string()))?);
        if done == 0 {
            return Err(StoreError::not_found("cloud account", id));
        }
        Ok(())
    }
}
