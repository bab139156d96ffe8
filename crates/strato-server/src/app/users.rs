//! Users: domain admins manage the users of their domain; everyone may see and change their
//! own display name, e-mail and password. At project scope a caller sees only themself.

use strato_store::secrets::SecretString;
use strato_store::users::{NewUser, User, UserUpdate as StoreUserUpdate};
use strato_types::api::{Password, UserCreate, UserList, UserUpdate, UserView};
use strato_types::{Filter, FilterOp};

use super::authz::{Principal, Visibility};
use super::projects::not_found_as;
use super::validate;
use super::App;
use crate::error::{ApiError, ApiResult};
use strato_types::ListRequest;

const TEXT_MAX: usize = 256;

pub(crate) fn view(user: User, details: bool) -> UserView {
    UserView {
        id: user.id,
        name: user.name,
        domain_id: user.domain_id,
        display_name: user.display_name,
        email: user.email,
        enabled: user.enabled,
        created_at: user.created_at,
        updated_at: user.updated_at,
        domain: if details { user.domain_name } else { None },
    }
}

impl App {
    pub async fn list_users(&self, principal: &Principal, request: ListRequest) -> ApiResult<UserList> {
        let (mut query, visibility) = self.resolve_list(principal, request)?;
        let visibility = match visibility {
            Visibility::Projects(_) => {
                query.filters.push(Filter {
                    field: "id".into(),
                    op: FilterOp::Equals,
                    values: vec![principal.user_id.to_string()],
                });
                Visibility::Domain(principal.domain_id)
            }
            other => other,
        };
        let page = self.store.users().list(&query, &visibility).await?;
        let details = query.details;
        Ok(UserList {
            users: page.items.into_iter().map(|u| view(u, details)).collect(),
            total: page.total,
            limit: u64::from(page.limit),
            offset: page.offset,
        })
    }

    /// A user the caller may see: themself, or anyone in a domain they administer.
    pub(crate) async fn find_user(&self, principal: &Principal, key: &str) -> ApiResult<User> {
        let user = self.store.users().find(principal.domain_id, key).await.map_err(|e| not_found_as(e, "user", key))?;
        if user.id != principal.user_id && !principal.is_domain_admin(user.domain_id) {
            return Err(ApiError::not_found("user", key));
        }
        Ok(user)
    }

    pub async fn show_user(&self, principal: &Principal, key: &str, details: bool) -> ApiResult<UserView> {
        Ok(view(self.find_user(principal, key).await?, details))
    }

    pub async fn create_user(&self, principal: &Principal, input: UserCreate) -> ApiResult<UserView> {
        let domain = match &input.domain {
            Some(key) => self.find_domain(principal, key).await?.id,
            None => principal.domain_id,
        };
        if !principal.is_domain_admin(domain) {
            return Err(ApiError::forbidden("creating a user needs the admin role in their domain"));
        }
        validate::name("name", &input.name)?;
        validate::password("password", &input.password.0, &input.name, self.password_min_length)?;
        if let Some(display_name) = &input.display_name {
            validate::text("display_name", display_name, TEXT_MAX)?;
        }
        if let Some(email) = &input.email {
            validate::text("email", email, TEXT_MAX)?;
        }
        let user = self
            .store
            .users()
            .create(NewUser {
                name: input.name,
                domain_id: domain,
                password: SecretString::new(input.password.0),
                display_name: input.display_name.unwrap_or_default(),
                email: input.email.filter(|e| !e.is_empty()),
            })
            .await?;
        let user = match input.enabled {
            Some(false) => {
                self.store.users().update(user.id, StoreUserUpdate { enabled: Some(false), ..Default::default() }).await?
            }
            _ => user,
        };
        Ok(view(user, false))
    }

    /// Another user may be changed only by a caller whose roles cover every one of that user's
    /// grants: a domain admin cannot reset the password of (or disable, rename, delete) a system
    /// admin or an admin of another domain.
    async fn check_can_manage(&self, principal: &Principal, user: &User, action: &str) -> ApiResult<()> {
        if !principal.is_domain_admin(user.domain_id) {
            return Err(ApiError::forbidden(format!("{action} a user needs the admin role in their domain")));
        }
        if principal.system_admin || user.id == principal.user_id {
            return Ok(());
        }
        let grants = self.store.role_assignments().for_user(user.id).await?;
        if grants.iter().any(|g| !principal.covers(g.domain_id, g.project_id)) {
            return Err(ApiError::forbidden(format!("{action} a user who holds a wider role than yours is not allowed")));
        }
        Ok(())
    }

    pub async fn update_user(&self, principal: &Principal, key: &str, input: UserUpdate) -> ApiResult<UserView> {
        let user = self.find_user(principal, key).await?;
        let own = user.id == principal.user_id;
        if !own || input.name.is_some() || input.enabled.is_some() {
            self.check_can_manage(principal, &user, "changing").await?;
        }
        if let Some(name) = &input.name {
            validate::name("name", name)?;
            if user.id == self.admin_user_id() && name != &user.name {
                return Err(ApiError::Conflict("the admin user cannot be renamed".into()));
            }
        }
        if let Some(password) = &input.password {
            let name = input.name.as_deref().unwrap_or(&user.name);
            validate::password("password", &password.0, name, self.password_min_length)?;
            if own {
                self.check_current_password(&user, input.current_password.as_ref()).await?;
            }
        } else if input.current_password.is_some() {
            return Err(ApiError::invalid_field("current_password", "current_password goes with a new password"));
        }
        if let Some(display_name) = &input.display_name {
            validate::text("display_name", display_name, TEXT_MAX)?;
        }
        if let Some(email) = &input.email {
            validate::text("email", email, TEXT_MAX)?;
        }
        if input.enabled == Some(false) && user.enabled && self.is_last_system_admin(user.id).await? {
            return Err(ApiError::Conflict("the last system admin cannot be disabled".into()));
        }
        let password_changed = input.password.is_some();
        let updated = self
            .store
            .users()
            .update(
                user.id,
                StoreUserUpdate {
                    name: input.name,
                    display_name: input.display_name,
                    // An empty string clears the e-mail.
                    email: input.email.map(|e| Some(e).filter(|e| !e.is_empty())),
                    enabled: input.enabled,
                    password: input.password.map(|p| SecretString::new(p.0)),
                },
            )
            .await?;
        if password_changed {
            // Whoever held the old password may hold tokens: all of them go, but the one making
            // a self-change stays, so that session continues (docs/server.md, Tokens).
            let keep = own.then_some(principal.token_id);
            let revoked = self.store.tokens().revoke_all_of_user(user.id, keep).await?;
            tracing::info!(user = %updated.name, revoked, "password changed; tokens revoked");
        }
        self.tokens.clear();
        Ok(view(updated, false))
    }

    /// A user changing their own password proves they know the current one.
    async fn check_current_password(&self, user: &User, current: Option<&Password>) -> ApiResult<()> {
        let current = current.ok_or_else(|| {
            ApiError::invalid_field("current_password", "changing your own password needs current_password")
        })?;
        let verified = self
            .store
            .users()
            .verify_password(user.domain_id, &user.name, &SecretString::new(current.0.clone()))
            .await?
            .is_some_and(|u| u.id == user.id);
        if !verified {
            return Err(ApiError::forbidden("current_password is wrong"));
        }
        Ok(())
    }

    pub async fn delete_user(&self, principal: &Principal, key: &str) -> ApiResult<UserView> {
        let user = self.find_user(principal, key).await?;
        self.check_can_manage(principal, &user, "deleting").await?;
        if user.id == self.admin_user_id() {
            return Err(ApiError::Conflict("the admin user cannot be deleted".into()));
        }
        if self.is_last_system_admin(user.id).await? {
            return Err(ApiError::Conflict("the last system admin cannot be deleted".into()));
        }
        self.store.users().delete(user.id).await?;
        self.tokens.clear();
        Ok(view(user, false))
    }
}
