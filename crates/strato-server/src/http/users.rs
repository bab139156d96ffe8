//! `/users`: thin handlers over `app::users`.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::Json;
use strato_types::api::{ErrorBody, UserCreate, UserList, UserUpdate, UserView};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::authz::Principal;
use crate::app::App;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath};
use crate::http::query::{ListParams, ShowParams, parse_details, parse_list};

pub fn routes() -> OpenApiRouter<Arc<App>> {
    OpenApiRouter::new()
        .routes(routes!(list_user, create_user))
        .routes(routes!(show_user, update_user, delete_user))
}

/// List users visible in the requested scope.
#[utoipa::path(get, path = "/users", tag = "identity", params(ListParams),
    responses(
        (status = 200, body = UserList),
        (status = 400, description = "Bad input", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Scope or role not allowed", body = ErrorBody)
    ))]
async fn list_user(
    State(app): State<Arc<App>>,
    principal: Principal,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<UserList>> {
    let request = parse_list(query.as_deref())?;
    Ok(Json(app.list_users(&principal, request).await?))
}

/// Show one user by id or name.
#[utoipa::path(get, path = "/users/{id}", tag = "identity",
    params(("id" = String, Path, description = "Id or name"), ShowParams),
    responses(
        (status = 200, body = UserView),
        (status = 400, description = "Bad input", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 404, description = "No such object, or not visible to the caller", body = ErrorBody)
    ))]
async fn show_user(
    State(app): State<Arc<App>>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<UserView>> {
    let details = parse_details(query.as_deref())?;
    Ok(Json(app.show_user(&principal, &id, details).await?))
}

/// Create a user.
#[utoipa::path(post, path = "/users", tag = "identity", request_body = UserCreate,
    responses(
        (status = 201, body = UserView),
        (status = 400, description = "Bad input", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Scope or role not allowed", body = ErrorBody),
        (status = 404, description = "No such object, or not visible to the caller", body = ErrorBody),
        (status = 409, description = "Duplicate name or state conflict", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody)
    ))]
async fn create_user(
    State(app): State<Arc<App>>,
    principal: Principal,
    ApiJson(input): ApiJson<UserCreate>,
) -> ApiResult<(StatusCode, Json<UserView>)> {
    Ok((StatusCode::CREATED, Json(app.create_user(&principal, input).await?)))
}

/// Update a user; absent fields keep their value.
#[utoipa::path(put, path = "/users/{id}", tag = "identity", request_body = UserUpdate,
    params(("id" = String, Path, description = "Id or name")),
    responses(
        (status = 200, body = UserView),
        (status = 400, description = "Bad input", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Scope or role not allowed", body = ErrorBody),
        (status = 404, description = "No such object, or not visible to the caller", body = ErrorBody),
        (status = 409, description = "Duplicate name or state conflict", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody)
    ))]
async fn update_user(
    State(app): State<Arc<App>>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<UserUpdate>,
) -> ApiResult<Json<UserView>> {
    Ok(Json(app.update_user(&principal, &id, input).await?))
}

/// Delete a user; answers the deleted object.
#[utoipa::path(delete, path = "/users/{id}", tag = "identity",
    params(("id" = String, Path, description = "Id or name")),
    responses(
        (status = 200, body = UserView),
        (status = 400, description = "Bad input", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Scope or role not allowed", body = ErrorBody),
        (status = 404, description = "No such object, or not visible to the caller", body = ErrorBody),
        (status = 409, description = "Duplicate name or state conflict", body = ErrorBody)
    ))]
async fn delete_user(
    State(app): State<Arc<App>>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<UserView>> {
    Ok(Json(app.delete_user(&principal, &id).await?))
}
