//! `/projects`: thin handlers over `app::projects`.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::Json;
use strato_types::api::{ErrorBody, ProjectCreate, ProjectList, ProjectUpdate, ProjectView};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::authz::Principal;
use crate::app::App;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath};
use crate::http::query::{ListParams, ShowParams, parse_details, parse_list};

pub fn routes() -> OpenApiRouter<Arc<App>> {
    OpenApiRouter::new()
        .routes(routes!(list_project, create_project))
        .routes(routes!(show_project, update_project, delete_project))
}

/// List projects visible in the requested scope.
#[utoipa::path(get, path = "/projects", tag = "identity", params(ListParams),
    responses(
        (status = 200, body = ProjectList),
        (status = 400, description = "Bad input", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Scope or role not allowed", body = ErrorBody)
    ))]
async fn list_project(
    State(app): State<Arc<App>>,
    principal: Principal,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<ProjectList>> {
    let request = parse_list(query.as_deref())?;
    Ok(Json(app.list_projects(&principal, request).await?))
}

/// Show one project by id or name.
#[utoipa::path(get, path = "/projects/{id}", tag = "identity",
    params(("id" = String, Path, description = "Id or name"), ShowParams),
    responses(
        (status = 200, body = ProjectView),
        (status = 400, description = "Bad input", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 404, description = "No such object, or not visible to the caller", body = ErrorBody)
    ))]
async fn show_project(
    State(app): State<Arc<App>>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<ProjectView>> {
    let details = parse_details(query.as_deref())?;
    Ok(Json(app.show_project(&principal, &id, details).await?))
}

/// Create a project.
#[utoipa::path(post, path = "/projects", tag = "identity", request_body = ProjectCreate,
    responses(
        (status = 201, body = ProjectView),
        (status = 400, description = "Bad input", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Scope or role not allowed", body = ErrorBody),
        (status = 404, description = "No such object, or not visible to the caller", body = ErrorBody),
        (status = 409, description = "Duplicate name or state conflict", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody)
    ))]
async fn create_project(
    State(app): State<Arc<App>>,
    principal: Principal,
    ApiJson(input): ApiJson<ProjectCreate>,
) -> ApiResult<(StatusCode, Json<ProjectView>)> {
    Ok((StatusCode::CREATED, Json(app.create_project(&principal, input).await?)))
}

/// Update a project; absent fields keep their value.
#[utoipa::path(put, path = "/projects/{id}", tag = "identity", request_body = ProjectUpdate,
    params(("id" = String, Path, description = "Id or name")),
    responses(
        (status = 200, body = ProjectView),
        (status = 400, description = "Bad input", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Scope or role not allowed", body = ErrorBody),
        (status = 404, description = "No such object, or not visible to the caller", body = ErrorBody),
        (status = 409, description = "Duplicate name or state conflict", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody)
    ))]
async fn update_project(
    State(app): State<Arc<App>>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<ProjectUpdate>,
) -> ApiResult<Json<ProjectView>> {
    Ok(Json(app.update_project(&principal, &id, input).await?))
}

/// Delete a project; answers the deleted object.
#[utoipa::path(delete, path = "/projects/{id}", tag = "identity",
    params(("id" = String, Path, description = "Id or name")),
    responses(
        (status = 200, body = ProjectView),
        (status = 400, description = "Bad input", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Scope or role not allowed", body = ErrorBody),
        (status = 404, description = "No such object, or not visible to the caller", body = ErrorBody),
        (status = 409, description = "Duplicate name or state conflict", body = ErrorBody)
    ))]
async fn delete_project(
    State(app): State<Arc<App>>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<ProjectView>> {
    Ok(Json(app.delete_project(&principal, &id).await?))
}
