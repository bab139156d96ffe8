//! Projects: visible to their members and their domain's admins; created, renamed and deleted
//! by domain admins (project admins may change the description).

use strato_store::projects::{NewProject, Project, ProjectUpdate as StoreProjectUpdate};
use strato_types::api::{ProjectCreate, ProjectList, ProjectUpdate, ProjectView};
use strato_types::DomainId;

use super::authz::Principal;
use super::validate;
use super::App;
use crate::error::{ApiError, ApiResult};
use strato_types::ListRequest;

pub(crate) fn view(project: Project, details: bool) -> ProjectView {
    ProjectView {
        id: project.id,
        name: project.name,
        domain_id: project.domain_id,
        description: project.description,
        created_at: project.created_at,
        updated_at: project.updated_at,
        domain: if details { project.domain_name } else { None },
    }
}

impl App {
    pub async fn list_projects(&self, principal: &Principal, request: ListRequest) -> ApiResult<ProjectList> {
        let (query, visibility) = self.resolve_list(principal, request)?;
        let page = self.store.projects().list(&query, &visibility).await?;
        let details = query.details;
        Ok(ProjectList {
            projects: page.items.into_iter().map(|p| view(p, details)).collect(),
            total: page.total,
            limit: u64::from(page.limit),
            offset: page.offset,
        })
    }

    /// A project the caller can see, by id or by name in `domain` (default: the caller's).
    pub(crate) async fn find_project(
        &self,
        principal: &Principal,
        domain: Option<DomainId>,
        key: &str,
    ) -> ApiResult<Project> {
        let domain = domain.unwrap_or(principal.domain_id);
        let project = self.store.projects().find(domain, key).await.map_err(|e| not_found_as(e, "project", key))?;
        principal.check_read("project", key, project.domain_id, project.id)?;
        Ok(project)
    }

    pub async fn show_project(&self, principal: &Principal, key: &str, details: bool) -> ApiResult<ProjectView> {
        Ok(view(self.find_project(principal, None, key).await?, details))
    }

    pub async fn create_project(&self, principal: &Principal, input: ProjectCreate) -> ApiResult<ProjectView> {
        let domain = match &input.domain {
            Some(key) => self.find_domain(principal, key).await?.id,
            None => principal.domain_id,
        };
        if !principal.is_domain_admin(domain) {
            return Err(ApiError::forbidden("creating a project needs the admin role in its domain"));
        }
        validate::name("name", &input.name)?;
        let description = input.description.unwrap_or_default();
        validate::description(&description)?;
        let project = self.store.projects().create(NewProject { name: input.name, domain_id: domain, description }).await?;
        Ok(view(project, false))
    }

    pub async fn update_project(&self, principal: &Principal, key: &str, input: ProjectUpdate) -> ApiResult<ProjectView> {
        let project = self.find_project(principal, None, key).await?;
        if let Some(name) = &input.name {
            validate::name("name", name)?;
            if !principal.is_domain_admin(project.domain_id) {
                return Err(ApiError::forbidden("renaming a project needs the admin role in its domain"));
            }
            if project.id == self.system_project_id() && name != &project.name {
                return Err(ApiError::Conflict("the system project cannot be renamed".into()));
            }
        }
        if !principal.is_project_admin(project.domain_id, project.id) {
            return Err(ApiError::forbidden("changing a project needs its admin role"));
        }
        if let Some(description) = &input.description {
            validate::description(description)?;
        }
        let updated = self
            .store
            .projects()
            .update(project.id, StoreProjectUpdate { name: input.name, description: input.description })
            .await?;
        Ok(view(updated, false))
    }

    pub async fn delete_project(&self, principal: &Principal, key: &str) -> ApiResult<ProjectView> {
        let project = self.find_project(principal, None, key).await?;
        if !principal.is_domain_admin(project.domain_id) {
            return Err(ApiError::forbidden("deleting a project needs the admin role in its domain"));
        }
        if project.id == self.system_project_id() {
            return Err(ApiError::Conflict("the system project cannot be deleted".into()));
        }
        self.store.projects().delete(project.id).await?;
        // Role assignments on it went with it.
        self.tokens.clear();
        Ok(view(project, false))
    }
}

/// A store "not found" answered with the key the caller gave (not an internal id).
pub(crate) fn not_found_as(error: strato_store::StoreError, kind: &str, key: &str) -> ApiError {
    match error {
        strato_store::StoreError::NotFound { .. } => ApiError::not_found(kind, key),
        other => other.into(),
    }
}
