//! Projects: every resource belongs to one project of one domain. Names are unique per domain.

use chrono::{DateTime, Utc};
use strato_types::{DomainId, ListQuery, Page, ProjectId};

use crate::db::{from_micros, now, parse_id, to_micros, validate_name, with_db};
use crate::error::{on_delete, on_write, StoreError, StoreResult};
use crate::list::{field, lookup, run_list, Field, FieldType as T, KindSpec, Visibility};
use crate::Store;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    pub id: ProjectId,
    pub name: String,
    pub domain_id: DomainId,
    pub description: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Filled by `get`, and by `list` with `details`.
    pub domain_name: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewProject {
    pub name: String,
    pub domain_id: DomainId,
    pub description: String,
}

#[derive(Debug, Clone, Default)]
pub struct ProjectUpdate {
    pub name: Option<String>,
    pub description: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    name: String,
    domain_id: String,
    description: String,
    created_at: i64,
    updated_at: i64,
    #[sqlx(default)]
    domain_name: Option<String>,
}

impl Row {
    fn into_record(self) -> StoreResult<Project> {
        Ok(Project {
            id: parse_id(&self.id, "projects.id")?,
            name: self.name,
            domain_id: parse_id(&self.domain_id, "projects.domain_id")?,
            description: self.description,
            created_at: from_micros(self.created_at),
            updated_at: from_micros(self.updated_at),
            domain_name: self.domain_name,
        })
    }
}

const SELECT: &str = "t.id, t.name, t.domain_id, t.description, t.created_at, t.updated_at";
const DETAILS: &str = ", d.name AS domain_name";
const JOINS: &str = "LEFT JOIN domains d ON d.id = t.domain_id ";

/// Filterable / orderable fields of `GET /projects`.
pub const FIELDS: &[Field] = &[
    field("id", "t.id", T::Id),
    field("name", "t.name", T::Text),
    field("domain_id", "t.domain_id", T::Id),
    field("description", "t.description", T::Text),
    field("created_at", "t.created_at", T::Timestamp),
    field("updated_at", "t.updated_at", T::Timestamp),
    lookup("domain", "(SELECT name FROM domains x WHERE x.id = t.domain_id)"),
];

const SPEC: KindSpec = KindSpec {
    kind: "project",
    table: "projects",
    fields: FIELDS,
    domain_column: Some("t.domain_id"),
    project_column: Some("t.id"),
    select: SELECT,
    details_select: DETAILS,
    details_joins: JOINS,
};

pub struct Projects<'a> {
    pub(crate) store: &'a Store,
}

impl Projects<'_> {
    pub async fn create(&self, new: NewProject) -> StoreResult<Project> {
        validate_name("project", &new.name)?;
        let id = ProjectId::new();
        let t = to_micros(now());
        let name = new.name.clone();
        with_db!(self.store.db(), pool => sqlx::query(
            "INSERT INTO projects (id, name, domain_id, description, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)")
            .bind(id.to_string()).bind(&new.name).bind(new.domain_id.to_string()).bind(&new.description).bind(t)
            .execute(pool).await.map(|r| r.rows_affected())
            .map_err(on_write("project", || format!("project {name:?} already exists in this domain")))?);
        self.get(id).await
    }

    async fn fetch_one(&self, condition: &str, a: String, b: Option<String>) -> StoreResult<Option<Project>> {
        let sql = format!("SELECT {SELECT}{DETAILS} FROM projects t {JOINS}WHERE {condition}");
        let row: Option<Row> = with_db!(self.store.db(), pool => {
            let q = sqlx::query_as(&sql).bind(a);
            let q = match b { Some(b) => q.bind(b), None => q };
            q.fetch_optional(pool).await?
        });
        row.map(Row::into_record).transpose()
    }

    pub async fn get(&self, id: ProjectId) -> StoreResult<Project> {
        self.fetch_one("t.id = $1", id.to_string(), None).await?.ok_or_else(|| StoreError::not_found("project", id))
    }

    pub async fn get_by_name(&self, domain: DomainId, name: &str) -> StoreResult<Project> {
        self.fetch_one("t.domain_id = $1 AND t.name = $2", domain.to_string(), Some(name.to_string()))
            .await?
            .ok_or_else(|| StoreError::not_found("project", format!("{name:?}")))
    }

    /// By id when `key` is a UUID, else by name within `domain`.
    pub async fn find(&self, domain: DomainId, key: &str) -> StoreResult<Project> {
        match key.parse::<ProjectId>() {
            Ok(id) => self.get(id).await,
            Err(_) => self.get_by_name(domain, key).await,
        }
    }

    pub async fn list(&self, query: &ListQuery, visibility: &Visibility) -> StoreResult<Page<Project>> {
        let db = self.store.db();
        run_list!(db, SPEC.build(db.backend(), query, visibility)?, query, Row, Row::into_record)
    }

    pub async fn update(&self, id: ProjectId, update: ProjectUpdate) -> StoreResult<Project> {
        if let Some(name) = &update.name {
            validate_name("project", name)?;
        }
        let name = update.name.clone().unwrap_or_default();
        let done = with_db!(self.store.db(), pool => sqlx::query(
            "UPDATE projects SET name = COALESCE($1, name), description = COALESCE($2, description), updated_at = $3 WHERE id = $4")
            .bind(update.name).bind(update.description).bind(to_micros(now())).bind(id.to_string())
            .execute(pool).await.map(|r| r.rows_affected())
            .map_err(on_write("project", || format!("project {name:?} already exists in this domain")))?);
        if done == 0 {
            return Err(StoreError::not_found("project", id));
        }
        self.get(id).await
    }

    /// Fails with `Conflict` while cloud accounts or other resources still belong to it.
    /// Role assignments on the project go with it.
    pub async fn delete(&self, id: ProjectId) -> StoreResult<()> {
        let done = with_db!(self.store.db(), pool => sqlx::query("DELETE FROM projects WHERE id = $1")
            .bind(id.to_string()).execute(pool).await.map(|r| r.rows_affected())
            .map_err(on_delete("project", id.to_string()))?);
        if done == 0 {
            return Err(StoreError::not_found("project", id));
        }
        Ok(())
    }
}
