//! Role assignments: user x (project or whole domain) x role.

use chrono::{DateTime, Utc};
use strato_types::{DomainId, ListQuery, Page, ProjectId, Role, RoleAssignmentId, UserId};

use crate::db::{from_micros, now, parse_enum, parse_id, to_micros, with_db};
use crate::error::{on_delete, on_write, StoreError, StoreResult};
use crate::list::{field, lookup, run_list, Field, FieldType as T, KindSpec, Visibility};
use crate::Store;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleAssignment {
    pub id: RoleAssignmentId,
    pub user_id: UserId,
    pub domain_id: DomainId,
    /// `None` for a domain-wide assignment.
    pub project_id: Option<ProjectId>,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Filled by `get`/`for_user`, and by `list` with `details`.
    pub user_name: Option<String>,
    pub project_name: Option<String>,
    pub domain_name: Option<String>,
}

/// Where the role applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleTarget {
    Project(ProjectId),
    Domain(DomainId),
}

#[derive(Debug, Clone)]
pub struct NewRoleAssignment {
    pub user_id: UserId,
    pub target: RoleTarget,
    pub role: Role,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    user_id: String,
    domain_id: String,
    project_id: Option<String>,
    role: String,
    created_at: i64,
    updated_at: i64,
    #[sqlx(default)]
    user_name: Option<String>,
    #[sqlx(default)]
    project_name: Option<String>,
    #[sqlx(default)]
    domain_name: Option<String>,
}

impl Row {
    fn into_record(self) -> StoreResult<RoleAssignment> {
        Ok(RoleAssignment {
            id: parse_id(&self.id, "role_assignments.id")?,
            user_id: parse_id(&self.user_id, "role_assignments.user_id")?,
            domain_id: parse_id(&self.domain_id, "role_assignments.domain_id")?,
            project_id: self.project_id.as_deref().map(|p| parse_id(p, "role_assignments.project_id")).transpose()?,
            role: parse_enum(&self.role, "role_assignments.role")?,
            created_at: from_micros(self.created_at),
            updated_at: from_micros(self.updated_at),
            user_name: self.user_name,
            project_name: self.project_name,
            domain_name: self.domain_name,
        })
    }
}

const SELECT: &str = "t.id, t.user_id, t.domain_id, t.project_id, t.role, t.created_at, t.updated_at";
const DETAILS: &str = ", u.name AS user_name, p.name AS project_name, d.name AS domain_name";
const JOINS: &str = "LEFT JOIN users u ON u.id = t.user_id LEFT JOIN projects p ON p.id = t.project_id \
                     LEFT JOIN domains d ON d.id = t.domain_id ";

/// Filterable / orderable fields of `GET /role_assignments`.
pub const FIELDS: &[Field] = &[
    field("id", "t.id", T::Id),
    field("user_id", "t.user_id", T::Id),
    field("domain_id", "t.domain_id", T::Id),
    field("project_id", "t.project_id", T::Id),
    field("role", "t.role", T::Enum(Role::EXPECTED)),
    field("created_at", "t.created_at", T::Timestamp),
    field("updated_at", "t.updated_at", T::Timestamp),
    lookup("user", "(SELECT name FROM users x WHERE x.id = t.user_id)"),
    lookup("project", "(SELECT name FROM projects x WHERE x.id = t.project_id)"),
    lookup("domain", "(SELECT name FROM domains x WHERE x.id = t.domain_id)"),
];

const SPEC: KindSpec = KindSpec {
    kind: "role assignment",
    table: "role_assignments",
    fields: FIELDS,
    domain_column: Some("t.domain_id"),
    project_column: Some("t.project_id"),
    select: SELECT,
    details_select: DETAILS,
    details_joins: JOINS,
};

pub struct RoleAssignments<'a> {
    pub(crate) store: &'a Store,
}

impl RoleAssignments<'_> {
    /// A project assignment takes the project's domain.
    pub async fn create(&self, new: NewRoleAssignment) -> StoreResult<RoleAssignment> {
        let (domain_id, project_id) = match new.target {
            RoleTarget::Project(p) => (self.store.projects().get(p).await?.domain_id, Some(p)),
            RoleTarget::Domain(d) => (self.store.domains().get(d).await?.id, None),
        };
        self.store.users().get(new.user_id).await?;
        let id = RoleAssignmentId::new();
        let t = to_micros(now());
        let role = new.role;
        with_db!(self.store.db(), pool => sqlx::query(
            "INSERT INTO role_assignments (id, user_id, domain_id, project_id, role, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6)")
            .bind(id.to_string()).bind(new.user_id.to_string()).bind(domain_id.to_string())
            .bind(project_id.map(|p| p.to_string())).bind(new.role.as_str()).bind(t)
            .execute(pool).await.map(|r| r.rows_affected())
            .map_err(on_write("role assignment", || format!("the user already has role {role} there")))?);
        self.get(id).await
    }

    pub async fn get(&self, id: RoleAssignmentId) -> StoreResult<RoleAssignment> {
        let sql = format!("SELECT {SELECT}{DETAILS} FROM role_assignments t {JOINS}WHERE t.id = $1");
        let row: Option<Row> = with_db!(self.store.db(), pool =>
            sqlx::query_as(&sql).bind(id.to_string()).fetch_optional(pool).await?);
        row.ok_or_else(|| StoreError::not_found("role assignment", id))?.into_record()
    }

    /// Every assignment of a user (for authorization), with names.
    pub async fn for_user(&self, user: UserId) -> StoreResult<Vec<RoleAssignment>> {
        let sql = format!("SELECT {SELECT}{DETAILS} FROM role_assignments t {JOINS}WHERE t.user_id = $1 ORDER BY t.created_at, t.id");
        let rows: Vec<Row> = with_db!(self.store.db(), pool =>
            sqlx::query_as(&sql).bind(user.to_string()).fetch_all(pool).await?);
        rows.into_iter().map(Row::into_record).collect()
    }

    /// The enabled users holding `role` on `project` (e.g. the system admins).
    pub async fn enabled_holders(&self, project: ProjectId, role: Role) -> StoreResult<Vec<UserId>> {
        let ids: Vec<(String,)> = with_db!(self.store.db(), pool => sqlx::query_as(
            "SELECT DISTINCT r.user_id FROM role_assignments r JOIN users u ON u.id = r.user_id \
             WHERE r.project_id = $1 AND r.role = $2 AND u.enabled")
            .bind(project.to_string()).bind(role.as_str()).fetch_all(pool).await?);
        ids.into_iter().map(|(id,)| parse_id(&id, "role_assignments.user_id")).collect()
    }

    pub async fn list(&self, query: &ListQuery, visibility: &Visibility) -> StoreResult<Page<RoleAssignment>> {
        let db = self.store.db();
        run_list!(db, SPEC.build(db.backend(), query, visibility)?, query, Row, Row::into_record)
    }

    pub async fn delete(&self, id: RoleAssignmentId) -> StoreResult<()> {
        let done = with_db!(self.store.db(), pool => sqlx::query("DELETE FROM role_assignments WHERE id = $1")
            .bind(id.to_string()).execute(pool).await.map(|r| r.rows_affected())
            .map_err(on_delete("role assignment", id.to_string()))?);
        if done == 0 {
            return Err(StoreError::not_found("role assignment", id));
        }
        Ok(())
    }
}
