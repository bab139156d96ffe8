//! Tokens: API tokens for automation and login sessions. A caller sees and revokes their own
//! (`GET /tokens` shows API tokens; `filter=kind.equals(login)` the login sessions); the system
//! admin may list everyone's with `scope=system`. Revoked tokens are gone from the API.

use strato_store::tokens::{NewToken, Token};
use strato_types::api::{TokenCreate, TokenCreated, TokenList, TokenView};
use strato_types::{Filter, FilterOp, ListQuery, Scope, TokenId, TokenKind};

use super::authz::{Principal, Visibility};
use super::projects::not_found_as;
use super::validate;
use super::App;
use crate::error::{ApiError, ApiResult};
use strato_types::ListRequest;

/// Longest lifetime an API token may ask for (10 years).
const MAX_EXPIRES_IN_SECS: u64 = 10 * 365 * 86_400;
/// Lifetime of an API token created without `expires_in_secs` (90 days).
pub const DEFAULT_API_TOKEN_SECS: u64 = 90 * 86_400;

pub(crate) fn view(token: Token, details: bool) -> TokenView {
    TokenView {
        id: token.id,
        name: token.name,
        kind: token.kind,
        user_id: token.user_id,
        expires_at: token.expires_at,
        last_used_at: token.last_used_at,
        created_at: token.created_at,
        updated_at: token.updated_at,
        user: if details { token.user_name } else { None },
    }
}

fn only_live_api_tokens(query: &mut ListQuery) {
    query.filters.push(Filter { field: "kind".into(), op: FilterOp::Equals, values: vec![TokenKind::Api.to_string()] });
    only_live_tokens(query);
}

fn only_live_tokens(query: &mut ListQuery) {
    query.filters.push(Filter { field: "revoked_at".into(), op: FilterOp::IsNull, values: vec![] });
}

impl App {
    pub async fn list_tokens(&self, principal: &Principal, request: ListRequest) -> ApiResult<TokenList> {
        let mut query = request.query;
        // Tokens are personal: the default is the caller's own, whatever their role.
        let scope = if request.scope_given { query.scope } else { Scope::Project };
        let (visibility, owner) = match principal.visibility(Some(scope))? {
            Visibility::All => (Visibility::All, None),
            Visibility::Domain(domain) => (Visibility::Domain(domain), None),
            Visibility::Projects(_) => (Visibility::All, Some(principal.user_id)),
        };
        query.scope = scope;
        // API tokens unless the caller filters on the kind (`kind.equals(login)`: sessions).
        if query.filters.iter().any(|f| f.field == "kind") {
            only_live_tokens(&mut query);
        } else {
            only_live_api_tokens(&mut query);
        }
        let page = self.store.tokens().list(&query, &visibility, owner).await?;
        let details = query.details;
        Ok(TokenList {
            tokens: page.items.into_iter().map(|t| view(t, details)).collect(),
            total: page.total,
            limit: u64::from(page.limit),
            offset: page.offset,
        })
    }

    /// One of the caller's live tokens (any user's for the system admin): by id, or by name
    /// among API tokens (every login session is named `login`).
    async fn find_token(&self, principal: &Principal, key: &str) -> ApiResult<Token> {
        let token = match key.parse::<TokenId>() {
            Ok(id) => self.store.tokens().get(id).await.map_err(|e| not_found_as(e, "token", key))?,
            Err(_) => {
                let mut query = ListQuery { limit: 2, ..ListQuery::default() };
                query.filters.push(Filter { field: "name".into(), op: FilterOp::Equals, values: vec![key.to_string()] });
                only_live_api_tokens(&mut query);
                let page = self.store.tokens().list(&query, &Visibility::All, Some(principal.user_id)).await?;
                page.items.into_iter().next().ok_or_else(|| ApiError::not_found("token", key))?
            }
        };
        let visible = (token.user_id == principal.user_id || principal.system_admin) && token.revoked_at.is_none();
        if !visible {
            return Err(ApiError::not_found("token", key));
        }
        Ok(token)
    }

    pub async fn show_token(&self, principal: &Principal, key: &str, details: bool) -> ApiResult<TokenView> {
        Ok(view(self.find_token(principal, key).await?, details))
    }

    pub async fn create_token(&self, principal: &Principal, input: TokenCreate) -> ApiResult<TokenCreated> {
        validate::name("name", &input.name)?;
        let expires_in = match input.expires_in_secs {
            Some(0) => return Err(ApiError::invalid_field("expires_in_secs", "expires_in_secs must be positive")),
            Some(secs) if secs > MAX_EXPIRES_IN_SECS => {
                return Err(ApiError::invalid_field(
                    "expires_in_secs",
                    format!("expires_in_secs must be at most {MAX_EXPIRES_IN_SECS}"),
                ))
            }
            Some(secs) => chrono::Duration::seconds(secs as i64),
            None => chrono::Duration::seconds(DEFAULT_API_TOKEN_SECS as i64),
        };
        // Names identify a user's live tokens ("token-show ci"), so they are unique among them.
        if self.find_token(principal, &input.name).await.is_ok() {
            return Err(ApiError::Conflict(format!("you already have a token named {:?}", input.name)));
        }
        let (token, secret) = self
            .store
            .tokens()
            .create(NewToken { name: input.name, kind: TokenKind::Api, user_id: principal.user_id, expires_in: Some(expires_in) })
            .await?;
        Ok(TokenCreated { view: view(token, false), token: secret.expose().to_string() })
    }

    pub async fn delete_token(&self, principal: &Principal, key: &str) -> ApiResult<TokenView> {
        let token = self.find_token(principal, key).await?;
        let revoked = self.store.tokens().revoke(token.id).await?;
        // Immediate on this replica; other replicas drop their cached copy within the cache TTL.
        self.tokens.clear();
        Ok(view(revoked, false))
    }

    /// `POST /auth/logout`: revokes the token the request was made with.
    pub async fn logout(&self, principal: &Principal) -> ApiResult<TokenView> {
        let revoked = self.store.tokens().revoke(principal.token_id).await?;
        self.tokens.clear();
        Ok(view(revoked, false))
    }
}
