//! Domains, projects, users, role assignments, API tokens, login.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::enums::{Role, TokenKind};
use crate::ids::{DomainId, ProjectId, RoleAssignmentId, TokenId, UserId};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DomainView {
    #[schema(value_type = String, format = Uuid)]
    pub id: DomainId,
    pub name: String,
    pub description: String,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DomainCreate {
    /// 1-128 characters: a letter, then letters, digits, `-`, `_` or `.` (never a UUID).
    #[schema(pattern = "^[A-Za-z][A-Za-z0-9._-]{0,127}$")]
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub enabled: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DomainUpdate {
    #[serde(default)]
    #[schema(pattern = "^[A-Za-z][A-Za-z0-9._-]{0,127}$")]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub enabled: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ProjectView {
    #[schema(value_type = String, format = Uuid)]
    pub id: ProjectId,
    pub name: String,
    #[schema(value_type = String, format = Uuid)]
    pub domain_id: DomainId,
    pub description: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Domain name; only with `details=true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectCreate {
    /// 1-128 characters: a letter, then letters, digits, `-`, `_` or `.` (never a UUID).
    #[schema(pattern = "^[A-Za-z][A-Za-z0-9._-]{0,127}$")]
    pub name: String,
    /// Domain id or name; default: the caller's domain.
    #[serde(default)]
    pub domain: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectUpdate {
    #[serde(default)]
    #[schema(pattern = "^[A-Za-z][A-Za-z0-9._-]{0,127}$")]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct UserView {
    #[schema(value_type = String, format = Uuid)]
    pub id: UserId,
    pub name: String,
    #[schema(value_type = String, format = Uuid)]
    pub domain_id: DomainId,
    pub display_name: String,
    pub email: Option<String>,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
}

/// A password as received; never printed.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = String, format = Password)]
pub struct Password(pub String);

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserCreate {
    /// 1-128 characters: a letter, then letters, digits, `-`, `_` or `.` (never a UUID).
    #[schema(pattern = "^[A-Za-z][A-Za-z0-9._-]{0,127}$")]
    pub name: String,
    pub password: Password,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    /// Domain id or name; default: the caller's domain.
    #[serde(default)]
    pub domain: Option<String>,
    #[serde(default)]
    pub enabled: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserUpdate {
    #[serde(default)]
    #[schema(pattern = "^[A-Za-z][A-Za-z0-9._-]{0,127}$")]
    pub name: Option<String>,
    #[serde(default)]
    pub password: Option<Password>,
    /// Required with `password` when users change their own password; admins resetting
    /// another user's password do not give it.
    #[serde(default)]
    pub current_password: Option<Password>,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub enabled: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RoleAssignmentView {
    #[schema(value_type = String, format = Uuid)]
    pub id: RoleAssignmentId,
    #[schema(value_type = String, format = Uuid)]
    pub user_id: UserId,
    /// Null for a domain-wide assignment.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub project_id: Option<ProjectId>,
    #[schema(value_type = String, format = Uuid)]
    pub domain_id: DomainId,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleAssignmentCreate {
    /// User id or name.
    pub user: String,
    /// Project id or name; omit (and give `domain`) for a domain-wide role.
    #[serde(default)]
    pub project: Option<String>,
    /// Domain id or name; default: the project's domain, else the caller's.
    #[serde(default)]
    pub domain: Option<String>,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TokenView {
    #[schema(value_type = String, format = Uuid)]
    pub id: TokenId,
    pub name: String,
    /// `api` (created with `POST /tokens`) or `login` (a login session).
    pub kind: TokenKind,
    #[schema(value_type = String, format = Uuid)]
    pub user_id: UserId,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenCreate {
    /// 1-128 characters: a letter, then letters, digits, `-`, `_` or `.` (never a UUID).
    #[schema(pattern = "^[A-Za-z][A-Za-z0-9._-]{0,127}$")]
    pub name: String,
    /// Lifetime in seconds (at most 10 years); default 90 days.
    #[serde(default)]
    pub expires_in_secs: Option<u64>,
}

/// The answer to `POST /tokens`: the token object plus its secret, shown this once.
#[derive(Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TokenCreated {
    #[serde(flatten)]
    pub view: TokenView,
    /// The bearer secret; it cannot be read again.
    pub token: String,
}

impl fmt::Debug for TokenCreated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCreated").field("view", &self.view).field("token", &"<redacted>").finish()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: Password,
    /// Domain name or id; default `default`.
    #[serde(default)]
    pub domain: Option<String>,
}

#[derive(Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LoginResponse {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

impl fmt::Debug for LoginResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginResponse").field("token", &"<redacted>").field("expires_at", &self.expires_at).finish()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WhoAmI {
    pub user: UserView,
    pub domain: DomainView,
    pub roles: Vec<RoleAssignmentView>,
    pub system_admin: bool,
}
