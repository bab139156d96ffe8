//! `/tokens` (API tokens and login sessions) and `/auth/logout`; thin handlers over `app::tokens`.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::Json;
use strato_types::api::{ErrorBody, TokenCreate, TokenCreated, TokenList, TokenView};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::authz::Principal;
use crate::app::App;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath};
use crate::http::query::{ListParams, ShowParams, parse_details, parse_list};

pub fn routes() -> OpenApiRouter<Arc<App>> {
    OpenApiRouter::new()
        .routes(routes!(list_token, create_token))
        .routes(routes!(show_token, delete_token))
        .routes(routes!(logout))
}

/// Log out: revoke the token this request is made with (a login session or an API token).
#[utoipa::path(post, path = "/auth/logout", tag = "auth",
    responses(
        (status = 200, description = "The revoked token", body = TokenView),
        (status = 401, description = "Not authenticated", body = ErrorBody)
    ))]
async fn logout(State(app): State<Arc<App>>, principal: Principal) -> ApiResult<Json<TokenView>> {
    Ok(Json(app.logout(&principal).await?))
}

/// List API tokens (`filter=kind.equals(login)`: login sessions): the caller's own, or
/// everyone's with `scope=system`.
#[utoipa::path(get, path = "/tokens", tag = "identity", params(ListParams),
    responses(
        (status = 200, body = TokenList),
        (status = 400, description = "Bad input", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Scope not allowed", body = ErrorBody)
    ))]
async fn list_token(
    State(app): State<Arc<App>>,
    principal: Principal,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<TokenList>> {
    let request = parse_list(query.as_deref())?;
    Ok(Json(app.list_tokens(&principal, request).await?))
}

/// Show one token by id, or an API token by name (never its secret).
#[utoipa::path(get, path = "/tokens/{id}", tag = "identity",
    params(("id" = String, Path, description = "Id or name"), ShowParams),
    responses(
        (status = 200, body = TokenView),
        (status = 400, description = "Bad input", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 404, description = "No such token", body = ErrorBody)
    ))]
async fn show_token(
    State(app): State<Arc<App>>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<TokenView>> {
    let details = parse_details(query.as_deref())?;
    Ok(Json(app.show_token(&principal, &id, details).await?))
}

/// Create an API token for the caller; the answer carries the secret, shown only this once.
#[utoipa::path(post, path = "/tokens", tag = "identity", request_body = TokenCreate,
    responses(
        (status = 201, body = TokenCreated),
        (status = 400, description = "Bad input", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 409, description = "Duplicate name", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody)
    ))]
async fn create_token(
    State(app): State<Arc<App>>,
    principal: Principal,
    ApiJson(input): ApiJson<TokenCreate>,
) -> ApiResult<(StatusCode, Json<TokenCreated>)> {
    Ok((StatusCode::CREATED, Json(app.create_token(&principal, input).await?)))
}

/// Revoke a token (API token or login session); it stops working at once on this replica.
#[utoipa::path(delete, path = "/tokens/{id}", tag = "identity",
    params(("id" = String, Path, description = "Id or name")),
    responses(
        (status = 200, body = TokenView),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 404, description = "No such token", body = ErrorBody)
    ))]
async fn delete_token(
    State(app): State<Arc<App>>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<TokenView>> {
    Ok(Json(app.delete_token(&principal, &id).await?))
}
