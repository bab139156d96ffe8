//! Domains: the top of the ownership tree. Names are globally unique.

use chrono::{DateTime, Utc};
use strato_types::{DomainId, ListQuery, Page};

use crate::db::{from_micros, now, parse_id, to_micros, validate_name, with_db};
use crate::error::{on_delete, on_write, StoreError, StoreResult};
use crate::list::{field, run_list, Field, FieldType as T, KindSpec, Visibility};
use crate::Store;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Domain {
    pub id: DomainId,
    pub name: String,
    pub description: String,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default)]
pub struct NewDomain {
    pub name: String,
    pub description: String,
}

#[derive(Debug, Clone, Default)]
pub struct DomainUpdate {
    pub name: Option<String>,
    pub description: Option<String>,
    pub enabled: Option<bool>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    name: String,
    description: String,
    enabled: bool,
    created_at: i64,
    updated_at: i64,
}

impl Row {
    fn into_record(self) -> StoreResult<Domain> {
        Ok(Domain {
            id: parse_id(&self.id, "domains.id")?,
            name: self.name,
            description: self.description,
            enabled: self.enabled,
            created_at: from_micros(self.created_at),
            updated_at: from_micros(self.updated_at),
        })
    }
}

const SELECT: &str = "t.id, t.name, t.description, t.enabled, t.created_at, t.updated_at";

/// Filterable / orderable fields of `GET /domains`.
pub const FIELDS: &[Field] = &[
    field("id", "t.id", T::Id),
    field("name", "t.name", T::Text),
    field("description", "t.description", T::Text),
    field("enabled", "t.enabled", T::Bool),
    field("created_at", "t.created_at", T::Timestamp),
    field("updated_at", "t.updated_at", T::Timestamp),
];

const SPEC: KindSpec = KindSpec {
    kind: "domain",
    table: "domains",
    fields: FIELDS,
    domain_column: Some("t.id"),
    project_column: None,
    select: SELECT,
    details_select: "",
    details_joins: "",
};

pub struct Domains<'a> {
    pub(crate) store: &'a Store,
}

impl Domains<'_> {
    pub async fn create(&self, new: NewDomain) -> StoreResult<Domain> {
        validate_name("domain", &new.name)?;
        let id = DomainId::new();
        let t = to_micros(now());
        let name = new.name.clone();
        with_db!(self.store.db(), pool => sqlx::query(
            "INSERT INTO domains (id, name, description, enabled, created_at, updated_at) VALUES ($1, $2, $3, TRUE, $4, $4)")
            .bind(id.to_string()).bind(&new.name).bind(&new.description).bind(t)
            .execute(pool).await.map(|r| r.rows_affected())
            .map_err(on_write("domain", || format!("domain {name:?} already exists")))?);
        self.get(id).await
    }

    pub async fn get(&self, id: DomainId) -> StoreResult<Domain> {
        let sql = format!("SELECT {SELECT} FROM domains t WHERE t.id = $1");
        let row: Option<Row> = with_db!(self.store.db(), pool =>
            sqlx::query_as(&sql).bind(id.to_string()).fetch_optional(pool).await?);
        row.ok_or_else(|| StoreError::not_found("domain", id))?.into_record()
    }

    pub async fn get_by_name(&self, name: &str) -> StoreResult<Domain> {
        let sql = format!("SELECT {SELECT} FROM domains t WHERE t.name = $1");
        let row: Option<Row> = with_db!(self.store.db(), pool =>
            sqlx::query_as(&sql).bind(name).fetch_optional(pool).await?);
        row.ok_or_else(|| StoreError::not_found("domain", format!("{name:?}")))?.into_record()
    }

    /// By id when `key` is a UUID, else by name.
    pub async fn find(&self, key: &str) -> StoreResult<Domain> {
        match key.parse::<DomainId>() {
            Ok(id) => self.get(id).await,
            Err(_) => self.get_by_name(key).await,
        }
    }

    pub async fn list(&self, query: &ListQuery, visibility: &Visibility) -> StoreResult<Page<Domain>> {
        let db = self.store.db();
        run_list!(db, SPEC.build(db.backend(), query, visibility)?, query, Row, Row::into_record)
    }

    pub async fn update(&self, id: DomainId, update: DomainUpdate) -> StoreResult<Domain> {
        if let Some(name) = &update.name {
            validate_name("domain", name)?;
        }
        let name = update.name.clone().unwrap_or_default();
        let done = with_db!(self.store.db(), pool => sqlx::query(
            "UPDATE domains SET name = COALESCE($1, name), description = COALESCE($2, description), \
             enabled = COALESCE($3, enabled), updated_at = $4 WHERE id = $5")
            .bind(update.name).bind(update.description).bind(update.enabled)
            .bind(to_micros(now())).bind(id.to_string())
            .execute(pool).await.map(|r| r.rows_affected())
            .map_err(on_write("domain", || format!("domain {name:?} already exists")))?);
        if done == 0 {
            return Err(StoreError::not_found("domain", id));
        }
        self.get(id).await
    }

    /// Fails with `Conflict` while projects or users still belong to the domain.
    pub async fn delete(&self, id: DomainId) -> StoreResult<()> {
        let done = with_db!(self.store.db(), pool => sqlx::query("DELETE FROM domains WHERE id = $1")
            .bind(id.to_string()).execute(pool).await.map(|r| r.rows_affected())
            .map_err(on_delete("domain", id.to_string()))?);
        if done == 0 {
            return Err(StoreError::not_found("domain", id));
        }
        Ok(())
    }
}
