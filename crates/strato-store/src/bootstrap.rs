//! First start: domain `default`, project `system`, user `admin` with role admin on `system`
//! (the system admin). Runs in one transaction guarded by a meta row, so concurrent replicas
//! on one PostgreSQL bootstrap exactly once.

use strato_types::{DomainId, ProjectId, Role, RoleAssignmentId, UserId};

use crate::db::{now, parse_id, to_micros, with_db};
use crate::error::StoreResult;
use crate::secrets::{random_secret, SecretString};
use crate::users::hash_password;
use crate::{read_meta, OpenReport, Store};

pub const DEFAULT_DOMAIN: &str = "default";
pub const SYSTEM_PROJECT: &str = "system";
pub const ADMIN_USER: &str = "admin";
const BOOTSTRAPPED: &str = "bootstrapped";

pub(crate) async fn run(store: &Store, admin_password: Option<&SecretString>, report: &mut OpenReport) -> StoreResult<()> {
    if read_meta(store.db(), BOOTSTRAPPED).await?.is_some() {
        return Ok(());
    }
    let (password, generated) = match admin_password {
        Some(p) => (p.clone(), false),
        None => (random_secret(18), true),
    };
    let hash = hash_password(&password).await?;
    let t = to_micros(now());
    let (domain, project, user, assignment) =
        (DomainId::new().to_string(), ProjectId::new().to_string(), UserId::new().to_string(), RoleAssignmentId::new().to_string());
    let won = with_db!(store.db(), pool => {
        let mut tx = pool.begin().await?;
        // the guard row: a concurrent bootstrap blocks here, then inserts nothing
        let claimed = sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
            .bind(BOOTSTRAPPED).bind(t.to_string()).execute(&mut *tx).await?.rows_affected();
        if claimed == 1 {
            sqlx::query("INSERT INTO domains (id, name, description, enabled, created_at, updated_at) VALUES ($1, $2, $3, TRUE, $4, $4)")
                .bind(&domain).bind(DEFAULT_DOMAIN).bind("The default domain").bind(t).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO projects (id, name, domain_id, description, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)")
                .bind(&project).bind(SYSTEM_PROJECT).bind(&domain).bind("System administration").bind(t).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO users (id, name, domain_id, display_name, email, enabled, password_hash, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, NULL, TRUE, $5, $6, $6)")
                .bind(&user).bind(ADMIN_USER).bind(&domain).bind("System administrator").bind(&hash).bind(t).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO role_assignments (id, user_id, domain_id, project_id, role, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $6)")
                .bind(&assignment).bind(&user).bind(&domain).bind(&project).bind(Role::Admin.as_str()).bind(t)
                .execute(&mut *tx).await?;
            tx.commit().await?;
        }
        claimed == 1
    });
    if won {
        report.bootstrapped = true;
        if generated {
            report.generated_admin_password = Some(password);
        }
        tracing::info!("created domain {DEFAULT_DOMAIN}, project {SYSTEM_PROJECT} and user {ADMIN_USER}");
    }
    Ok(())
}

/// Ids of domain `default` and project `system` (the system admin scope).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SystemScope {
    pub domain_id: DomainId,
    pub project_id: ProjectId,
}

pub(crate) async fn system_scope(store: &Store) -> StoreResult<SystemScope> {
    let row: Option<(String, String)> = with_db!(store.db(), pool => sqlx::query_as(
        "SELECT d.id, p.id FROM domains d JOIN projects p ON p.domain_id = d.id WHERE d.name = $1 AND p.name = $2")
        .bind(DEFAULT_DOMAIN).bind(SYSTEM_PROJECT).fetch_optional(pool).await?);
    let (d, p) = row.ok_or_else(|| crate::StoreError::not_found("project", format!("{DEFAULT_DOMAIN}/{SYSTEM_PROJECT}")))?;
    Ok(SystemScope { domain_id: parse_id(&d, "domains.id")?, project_id: parse_id(&p, "projects.id")? })
}
