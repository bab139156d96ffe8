//! Role assignments: domain admins grant any role in their domain (domain-wide admin too);
//! project admins grant roles on their project. Changes take effect at once on this replica.

use strato_store::role_assignments::{NewRoleAssignment, RoleAssignment, RoleTarget};
use strato_types::api::{RoleAssignmentCreate, RoleAssignmentList, RoleAssignmentView};
use strato_types::{Role, RoleAssignmentId};

use super::authz::Principal;
use super::projects::not_found_as;
use super::App;
use crate::error::{ApiError, ApiResult};
use strato_types::ListRequest;

pub(crate) fn view(assignment: RoleAssignment, details: bool) -> RoleAssignmentView {
    RoleAssignmentView {
        id: assignment.id,
        user_id: assignment.user_id,
        project_id: assignment.project_id,
        domain_id: assignment.domain_id,
        role: assignment.role,
        created_at: assignment.created_at,
        updated_at: assignment.updated_at,
        user: if details { assignment.user_name } else { None },
        project: if details { assignment.project_name } else { None },
        domain: if details { assignment.domain_name } else { None },
    }
}

impl App {
    pub async fn list_role_assignments(&self, principal: &Principal, request: ListRequest) -> ApiResult<RoleAssignmentList> {
        let (query, visibility) = self.resolve_list(principal, request)?;
        let page = self.store.role_assignments().list(&query, &visibility).await?;
        let details = query.details;
        Ok(RoleAssignmentList {
            role_assignments: page.items.into_iter().map(|a| view(a, details)).collect(),
            total: page.total,
            limit: u64::from(page.limit),
            offset: page.offset,
        })
    }

    async fn find_role_assignment(&self, principal: &Principal, key: &str) -> ApiResult<RoleAssignment> {
        let id: RoleAssignmentId = key.parse().map_err(|_| ApiError::not_found("role assignment", key))?;
        let assignment =
            self.store.role_assignments().get(id).await.map_err(|e| not_found_as(e, "role assignment", key))?;
        let visible = match assignment.project_id {
            Some(project) => principal.can_read_project(assignment.domain_id, project),
            None => principal.is_domain_admin(assignment.domain_id),
        } || assignment.user_id == principal.user_id;
        if !visible {
            return Err(ApiError::not_found("role assignment", key));
        }
        Ok(assignment)
    }

    fn check_can_grant(principal: &Principal, assignment_domain: strato_types::DomainId, project: Option<strato_types::ProjectId>) -> ApiResult<()> {
        let allowed = match project {
            Some(project) => principal.is_project_admin(assignment_domain, project),
            None => principal.is_domain_admin(assignment_domain),
        };
        if allowed {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                "changing role assignments needs the admin role on the project or its domain \
                 (on project `system`: the system admin role)",
            ))
        }
    }

    /// Whether `user` is the only enabled system admin (whom nothing may remove or disable).
    pub(crate) async fn is_last_system_admin(&self, user: strato_types::UserId) -> ApiResult<bool> {
        let admins = self.store.role_assignments().enabled_holders(self.system_project_id(), Role::Admin).await?;
        Ok(admins == [user])
    }

    pub async fn show_role_assignment(&self, principal: &Principal, key: &str, details: bool) -> ApiResult<RoleAssignmentView> {
        Ok(view(self.find_role_assignment(principal, key).await?, details))
    }

    pub async fn create_role_assignment(&self, principal: &Principal, input: RoleAssignmentCreate) -> ApiResult<RoleAssignmentView> {
        let domain = match &input.domain {
            Some(key) => Some(self.find_domain(principal, key).await?),
            None => None,
        };
        let (target, domain_id, project_id) = match &input.project {
            Some(key) => {
                let project = self.find_project(principal, domain.as_ref().map(|d| d.id), key).await?;
                (RoleTarget::Project(project.id), project.domain_id, Some(project.id))
            }
            None => {
                let domain_id = domain.as_ref().map(|d| d.id).unwrap_or(principal.domain_id);
                if input.role != Role::Admin {
                    return Err(ApiError::invalid_field("role", "a domain-wide role assignment must be `admin`"));
                }
                (RoleTarget::Domain(domain_id), domain_id, None)
            }
        };
        Self::check_can_grant(principal, domain_id, project_id)?;
        // The user is looked up in the assignment's domain, and must belong to it (also when
        // given by id): a grant never reaches across domains.
        let user = self
            .store
            .users()
            .find(domain_id, &input.user)
            .await
            .map_err(|e| not_found_as(e, "user", &input.user))?;
        if user.domain_id != domain_id {
            return Err(ApiError::NotFound(format!("user {:?} not found in the assignment's domain", input.user)));
        }
        let assignment = self
            .store
            .role_assignments()
            .create(NewRoleAssignment { user_id: user.id, target, role: input.role })
            .await?;
        self.tokens.clear();
        Ok(view(assignment, false))
    }

    pub async fn delete_role_assignment(&self, principal: &Principal, key: &str) -> ApiResult<RoleAssignmentView> {
        let assignment = self.find_role_assignment(principal, key).await?;
        Self::check_can_grant(principal, assignment.domain_id, assignment.project_id)?;
        if assignment.project_id == Some(self.system_project_id())
            && assignment.role == Role::Admin
            && self.is_last_system_admin(assignment.user_id).await?
        {
            return Err(ApiError::Conflict("the last system admin's role cannot be removed".into()));
        }
        self.store.role_assignments().delete(assignment.id).await?;
        self.tokens.clear();
        Ok(view(assignment, false))
    }
}
