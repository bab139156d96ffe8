//! Authentication: password login, bearer-token lookup (with a short in-memory cache),
//! whoami. Token secrets are random, shown once, and stored only as SHA-256 digests.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::header;
use chrono::{DateTime, Utc};
use strato_store::secrets::{sha256_hex, SecretString};
use strato_store::tokens::NewToken;
use strato_store::User;
use strato_types::api::{LoginRequest, LoginResponse, WhoAmI};
use strato_types::{Role, TokenKind};

use super::authz::{Grant, Principal};
use super::login_guard::Attempt;
use super::App;
use crate::error::{ApiError, ApiResult};

/// How long a resolved token is trusted from memory. A revocation on this replica clears the
/// cache at once; on another replica it takes effect within this delay (docs/server.md).
pub const TOKEN_CACHE_TTL: Duration = Duration::from_secs(5);

/// The cache key of a secret: its SHA-256, so raw secrets are not kept in memory longer
/// than a request.
fn cache_key(secret: &str) -> String {
    sha256_hex(secret.as_bytes())
}

#[derive(Clone)]
struct CachedPrincipal {
    principal: Arc<Principal>,
    expires_at: Option<DateTime<Utc>>,
}

/// digest -> resolved caller, for `TOKEN_CACHE_TTL`.
pub struct TokenCache {
    entries: moka::sync::Cache<String, CachedPrincipal>,
}

impl TokenCache {
    pub fn new(ttl: Duration) -> Self {
        TokenCache { entries: moka::sync::Cache::builder().max_capacity(100_000).time_to_live(ttl).build() }
    }

    fn get(&self, digest: &str) -> Option<Arc<Principal>> {
        let cached = self.entries.get(digest)?;
        if cached.expires_at.map(|at| at <= Utc::now()).unwrap_or(false) {
            self.entries.invalidate(digest);
            return None;
        }
        Some(cached.principal)
    }

    fn insert(&self, digest: String, principal: Arc<Principal>, expires_at: Option<DateTime<Utc>>) {
        self.entries.insert(digest, CachedPrincipal { principal, expires_at });
    }

    /// Called after anything that changes who a token is or what it may do (revocation, role
    /// or user changes): those are rare, so dropping everything is simplest and always right.
    pub fn clear(&self) {
        self.entries.invalidate_all();
    }
}

impl FromRequestParts<Arc<App>> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or_else(|| ApiError::Unauthorized("missing `Authorization: Bearer <token>` header".into()))?;
        let value = header
            .to_str()
            .map_err(|_| ApiError::Unauthorized("malformed Authorization header".into()))?;
        let secret = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| ApiError::Unauthorized("expected `Authorization: Bearer <token>`".into()))?;
        let principal = app.authenticate(secret).await?;
        tracing::debug!(user = %principal.user_name, "authenticated");
        // tells the action-log middleware who made this request
        if let Some(slot) = parts.extensions.get::<crate::action_log::PrincipalSlot>() {
            slot.fill(&principal);
        }
        Ok((*principal).clone())
    }
}

impl App {
    /// Resolves a bearer secret to its caller; 401 when unknown, revoked, expired, or the user
    /// (or their domain) is disabled.
    pub async fn authenticate(&self, secret: &str) -> ApiResult<Arc<Principal>> {
        let key = cache_key(secret);
        if let Some(principal) = self.tokens.get(&key) {
            return Ok(principal);
        }
        let unauthorized = || ApiError::Unauthorized("invalid, expired or revoked token".into());
        let found = self.store.tokens().authenticate(secret).await?.ok_or_else(unauthorized)?;
        let domain = self.store.domains().get(found.user.domain_id).await?;
        if !domain.enabled {
            return Err(unauthorized());
        }
        let assignments = self.store.role_assignments().for_user(found.user.id).await?;
        let grants: Vec<Grant> = assignments
            .iter()
            .map(|a| Grant { role: a.role, domain_id: a.domain_id, project_id: a.project_id })
            .collect();
        let system_project = self.system_project_id();
        let system_admin = grants.iter().any(|g| g.role == Role::Admin && g.project_id == Some(system_project));
        let principal = Arc::new(Principal {
            user_id: found.user.id,
            user_name: found.user.name,
            domain_id: found.user.domain_id,
            token_id: found.token.id,
            grants,
            system_admin,
            system_project,
        });
        self.tokens.insert(key, principal.clone(), found.token.expires_at);
        Ok(principal)
    }

    /// Password login; unknown domain, unknown user, wrong password and disabled user all
    /// answer the same 401 after the same work (a password check). Throttled per user and per
    /// source (`login_guard`): a locked key answers 429 without checking the password.
    /// `source` is the peer address, when the request came over TCP.
    pub async fn login(&self, input: LoginRequest, source: Option<IpAddr>) -> ApiResult<LoginResponse> {
        let domain_key = input.domain.as_deref().unwrap_or(super::DEFAULT_DOMAIN);
        let attempt = Attempt { domain: domain_key, user: &input.username, source };
        if let Err(throttled) = self.login_guard.check(&attempt) {
            self.metrics.login_throttled();
            return Err(throttled);
        }
        let permit = match self.login_guard.hashing_permit().await {
            Ok(permit) => permit,
            Err(busy) => {
                self.metrics.login_throttled();
                return Err(busy);
            }
        };
        let password = SecretString::new(input.password.0);
        let user = self.check_password(domain_key, &input.username, &password).await;
        drop(permit);
        let user = match user? {
            Some(user) => user,
            None => {
                let note = self.login_guard.failed(&attempt);
                let mut message = "wrong user name, domain or password".to_string();
                if let Some(locked) = note.locked_for {
                    message.push_str(&format!("; too many failed logins, further attempts are refused for {}s", locked.as_secs()));
                    tracing::warn!(user = %input.username, domain = %domain_key, source = ?source, locked_secs = locked.as_secs(), "login locked out");
                }
                return Err(ApiError::Unauthorized(message));
            }
        };
        self.login_guard.succeeded(&attempt);
        let ttl = chrono::Duration::from_std(self.token_ttl)
            .map_err(|_| ApiError::internal("token TTL out of range"))?;
        let (token, secret) = self
            .store
            .tokens()
            .create(NewToken { name: "login".into(), kind: TokenKind::Login, user_id: user.id, expires_in: Some(ttl) })
            .await?;
        let expires_at = token.expires_at.ok_or_else(|| ApiError::internal("login token without expiry"))?;
        tracing::info!(user = %user.name, domain = %domain_key, "login");
        Ok(LoginResponse { token: secret.expose().to_string(), expires_at })
    }

    /// The enabled user whose password this is, or `None`; every path spends one password check.
    async fn check_password(&self, domain_key: &str, name: &str, password: &SecretString) -> ApiResult<Option<User>> {
        let domain = match self.store.domains().find(domain_key).await {
            Ok(domain) if domain.enabled => Some(domain),
            Ok(_) | Err(strato_store::StoreError::NotFound { .. }) => None,
            Err(other) => return Err(other.into()),
        };
        let Some(domain) = domain.filter(|_| !name.is_empty() && name.len() <= 256) else {
            strato_store::users::verify_nobody(password).await;
            return Ok(None);
        };
        let user = self.store.users().verify_password(domain.id, name, password).await?;
        Ok(user.filter(|u| u.enabled))
    }

    pub async fn whoami(&self, principal: &Principal) -> ApiResult<WhoAmI> {
        let user = self.store.users().get(principal.user_id).await?;
        let domain = self.store.domains().get(principal.domain_id).await?;
        let roles = self.store.role_assignments().for_user(principal.user_id).await?;
        Ok(WhoAmI {
            user: super::users::view(user, true),
            domain: super::domains::view(domain),
            roles: roles.into_iter().map(|r| super::role_assignments::view(r, true)).collect(),
            system_admin: principal.system_admin,
        })
    }
}
