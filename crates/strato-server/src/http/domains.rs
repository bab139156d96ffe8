//! `/domains`: thin handlers over `app::domains`.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::Json;
use strato_types::api::{DomainCreate, DomainList, DomainUpdate, DomainView, ErrorBody};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::authz::Principal;
use crate::app::App;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath};
use crate::http::query::{ListParams, ShowParams, parse_details, parse_list};

pub fn routes() -> OpenApiRouter<Arc<App>> {
    OpenApiRouter::new()
        .routes(routes!(list_domain, create_domain))
        .routes(routes!(show_domain, update_domain, delete_domain))
}

/// List domains visible in the requested scope.
#[utoipa::path(get, path = "/domains", tag = "identity", params(ListParams),
    responses(
        (status = 200, body = DomainList),
        (status = 400, description = "Bad input", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Scope or role not allowed", body = ErrorBody)
    ))]
async fn list_domain(
    State(app): State<Arc<App>>,
    principal: Principal,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<DomainList>> {
    let request = parse_list(query.as_deref())?;
    Ok(Json(app.list_domains(&principal, request).await?))
}

/// Show one domain by id or name.
#[utoipa::path(get, path = "/domains/{id}", tag = "identity",
    params(("id" = String, Path, description = "Id or name"), ShowParams),
    responses(
        (status = 200, body = DomainView),
        (status = 400, description = "Bad input", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 404, description = "No such object, or not visible to the caller", body = ErrorBody)
    ))]
async fn show_domain(
    State(app): State<Arc<App>>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<DomainView>> {
    let details = parse_details(query.as_deref())?;
    Ok(Json(app.show_domain(&principal, &id, details).await?))
}

/// Create a domain.
#[utoipa::path(post, path = "/domains", tag = "identity", request_body = DomainCreate,
    responses(
        (status = 201, body = DomainView),
        (status = 400, description = "Bad input", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Scope or role not allowed", body = ErrorBody),
        (status = 404, description = "No such object, or not visible to the caller", body = ErrorBody),
        (status = 409, description = "Duplicate name or state conflict", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody)
    ))]
async fn create_domain(
    State(app): State<Arc<App>>,
    principal: Principal,
    ApiJson(input): ApiJson<DomainCreate>,
) -> ApiResult<(StatusCode, Json<DomainView>)> {
    Ok((StatusCode::CREATED, Json(app.create_domain(&principal, input).await?)))
}

/// Update a domain; absent fields keep their value.
#[utoipa::path(put, path = "/domains/{id}", tag = "identity", request_body = DomainUpdate,
    params(("id" = String, Path, description = "Id or name")),
    responses(
        (status = 200, body = DomainView),
        (status = 400, description = "Bad input", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Scope or role not allowed", body = ErrorBody),
        (status = 404, description = "No such object, or not visible to the caller", body = ErrorBody),
        (status = 409, description = "Duplicate name or state conflict", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody)
    ))]
async fn update_domain(
    State(app): State<Arc<App>>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<DomainUpdate>,
) -> ApiResult<Json<DomainView>> {
    Ok(Json(app.update_domain(&principal, &id, input).await?))
}

/// Delete a domain; answers the deleted object.
#[utoipa::path(delete, path = "/domains/{id}", tag = "identity",
    params(("id" = String, Path, description = "Id or name")),
    responses(
        (status = 200, body = DomainView),
        (status = 400, description = "Bad input", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Scope or role not allowed", body = ErrorBody),
        (status = 404, description = "No such object, or not visible to the caller", body = ErrorBody),
        (status = 409, description = "Duplicate name or state conflict", body = ErrorBody)
    ))]
async fn delete_domain(
    State(app): State<Arc<App>>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<DomainView>> {
    Ok(Json(app.delete_domain(&principal, &id).await?))
}
