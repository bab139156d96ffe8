//! Who the caller is and what they may see and change. Every app-layer function takes a
//! `Principal` and asks it; nothing else decides access.

use std::collections::BTreeSet;

use strato_types::enums::Role;
use strato_types::ids::{DomainId, ProjectId, TokenId, UserId};
pub use strato_types::list::Scope;

use crate::error::{ApiError, ApiResult};

/// One role the caller holds: on a project, or domain-wide (`project_id == None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub role: Role,
    pub domain_id: DomainId,
    pub project_id: Option<ProjectId>,
}

/// The authenticated caller of one request.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: UserId,
    pub user_name: String,
    pub domain_id: DomainId,
    pub token_id: TokenId,
    pub grants: Vec<Grant>,
    /// Admin of project `system` in domain `default`.
    pub system_admin: bool,
    /// Project `system`: only system admins manage it, whatever their role in its domain.
    pub system_project: ProjectId,
}

pub use strato_store::list::Visibility;

impl Principal {
    pub fn is_domain_admin(&self, domain: DomainId) -> bool {
        self.system_admin
            || self.grants.iter().any(|g| g.role == Role::Admin && g.project_id.is_none() && g.domain_id == domain)
    }

    /// Domains where the caller holds a domain-wide admin role.
    pub fn admin_domains(&self) -> Vec<DomainId> {
        let set: BTreeSet<DomainId> = self
            .grants
            .iter()
            .filter(|g| g.role == Role::Admin && g.project_id.is_none())
            .map(|g| g.domain_id)
            .collect();
        set.into_iter().collect()
    }

    /// Projects the caller holds any role on.
    pub fn projects(&self) -> Vec<ProjectId> {
        let set: BTreeSet<ProjectId> = self.grants.iter().filter_map(|g| g.project_id).collect();
        set.into_iter().collect()
    }

    fn project_roles(&self, project: ProjectId) -> impl Iterator<Item = Role> + '_ {
        self.grants.iter().filter(move |g| g.project_id == Some(project)).map(|g| g.role)
    }

    /// Admin over a project through a wider role: its domain's admin, except that the
    /// `system` project (whose admins are the system admins) answers to system admins only.
    fn admin_above(&self, domain: DomainId, project: ProjectId) -> bool {
        if project == self.system_project {
            self.system_admin
        } else {
            self.is_domain_admin(domain)
        }
    }

    /// Domain admins read every project of their domain, `system` included.
    pub fn can_read_project(&self, domain: DomainId, project: ProjectId) -> bool {
        self.is_domain_admin(domain) || self.project_roles(project).next().is_some()
    }

    /// Members and admins write; viewers only read.
    pub fn can_write_project(&self, domain: DomainId, project: ProjectId) -> bool {
        self.admin_above(domain, project) || self.project_roles(project).any(|r| matches!(r, Role::Admin | Role::Member))
    }

    pub fn is_project_admin(&self, domain: DomainId, project: ProjectId) -> bool {
        self.admin_above(domain, project) || self.project_roles(project).any(|r| r == Role::Admin)
    }

    /// Whether the caller's roles cover a grant: a domain-wide one needs the domain's admin, one
    /// on a project needs admin above that project. Changing another user needs every one of
    /// their grants covered, so no one resets the password of a user with a wider role.
    pub fn covers(&self, domain: DomainId, project: Option<ProjectId>) -> bool {
        match project {
            Some(project) => self.admin_above(domain, project),
            None => self.is_domain_admin(domain),
        }
    }

    /// The scope of a list that names none: what the caller's grants give in their own domain
    /// (system, their domain when they administer it, else their projects). An admin role in
    /// another domain never moves it, so the caller's own objects stay in their default lists.
    pub fn default_scope(&self) -> Scope {
        if self.system_admin {
            Scope::System
        } else if self.is_domain_admin(self.domain_id) {
            Scope::Domain
        } else {
            Scope::Project
        }
    }

    pub fn effective_scope(&self, requested: Option<Scope>) -> Scope {
        requested.unwrap_or_else(|| self.default_scope())
    }

    /// Resolve `scope=` (or its default) into what may be listed; 403 when the caller asks for
    /// more than they have.
    pub fn visibility(&self, requested: Option<Scope>) -> ApiResult<Visibility> {
        match self.effective_scope(requested) {
            Scope::System if self.system_admin => Ok(Visibility::All),
            Scope::System => Err(ApiError::forbidden("scope=system needs the system admin role")),
            Scope::Domain => {
                // A domain list shows one domain: the caller's own when they administer it,
                // else the first domain they administer.
                if self.is_domain_admin(self.domain_id) {
                    Ok(Visibility::Domain(self.domain_id))
                } else {
                    match self.admin_domains().first() {
                        Some(domain) => Ok(Visibility::Domain(*domain)),
                        None => Err(ApiError::forbidden("scope=domain needs the admin role in a domain")),
                    }
                }
            }
            Scope::Project => Ok(Visibility::Projects(self.projects())),
        }
    }

    /// 404 (never 403) for an object of a project the caller cannot see.
    pub fn check_read(&self, kind: &str, key: &str, domain: DomainId, project: ProjectId) -> ApiResult<()> {
        if self.can_read_project(domain, project) {
            Ok(())
        } else {
            Err(ApiError::not_found(kind, key))
        }
    }

    /// 404 when the object is invisible, 403 when visible but read-only for the caller.
    pub fn check_write(&self, kind: &str, key: &str, domain: DomainId, project: ProjectId) -> ApiResult<()> {
        self.check_read(kind, key, domain, project)?;
        if self.can_write_project(domain, project) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!("the viewer role cannot change {kind} {key:?}")))
        }
    }
}
