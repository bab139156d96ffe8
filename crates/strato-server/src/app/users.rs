//! Users: domain admins manage the users of their domain; everyone may see and change their
//! own display name, e-mail and password. At project scope a caller sees only themself.

use strato_store::secrets::SecretString;
use strato_store::users::{NewUser, User, UserUpdate as StoreUserUpdate};
use strato_types::api::{UserCreate, UserList, UserUpdate, UserView};
use strato_types::{Filter, FilterOp};

use super::authz::{Principal, Visibility};
use super::projects::not_found_as;
use super::validate;
use super::App;
use crate::error::{ApiError, ApiResult};
use crate::http::query::ListRequest;

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
        validate::password(&input.password.0)?;
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

    pub async fn update_user(&self, principal: &Principal, key: &str, input: UserUpdate) -> ApiResult<UserView> {
        let user = self.find_user(principal, key).await?;
        let admin = principal.is_domain_admin(user.domain_id);
        if !admin && (input.name.is_some() || input.enabled.is_some()) {
            return Err(ApiError::forbidden("renaming or disabling a user needs the admin role in their domain"));
        }
        if let Some(name) = &input.name {
            validate::name("name", name)?;
        }
        if let Some(password) = &input.password {
            validate::password(&password.0)?;
        }
        if let Some(display_name) = &input.display_name {
            validate::text("display_name", display_name, TEXT_MAX)?;
        }
        if let Some(email) = &input.email {
            validate::text("email", email, TEXT_MAX)?;
        }
        if user.id == self.admin_user_id() && input.enabled == Some(false) {
            return Err(ApiError::Conflict("the admin user cannot be disabled".into()));
        }
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
        self.tokens.clear();
        Ok(view(updated, false))
    }

    pub async fn delete_user(&self, principal: &Principal, key: &str) -> ApiResult<UserView> {
        let user = self.find_user(principal, key).await?;
        if !principal.is_domain_admin(user.domain_id) {
            return Err(ApiError::forbidden("deleting a user needs the admin role in their domain"));
        }
        if user.id == self.admin_user_id() {
            return Err(ApiError::Conflict("the admin user cannot be deleted".into()));
        }
        self.store.users().delete(user.id).await?;
        self.tokens.clear();
        Ok(view(user, false))
    }
}
