//! `/role_assignments`: thin handlers over `app::role_assignments`.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::Json;
use strato_types::api::{ErrorBody, RoleAssignmentCreate, RoleAssignmentList, RoleAssignmentView};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::authz::Principal;
use crate::app::App;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath};
use crate::http::query::{ListParams, ShowParams, parse_details, parse_list};

pub fn routes() -> OpenApiRouter<Arc<App>> {
    OpenApiRouter::new()
        .routes(routes!(list_role_assignment, create_role_assignment))
        .routes(routes!(show_role_assignment, delete_role_assignment))
}

/// List role assignments visible in the requested scope.
#[utoipa::path(get, path = "/role_assignments", tag = "identity", params(ListParams),
    responses(
        (status = 200, body = RoleAssignmentList),
        (status = 400, description = "Bad input", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Scope or role not allowed", body = ErrorBody)
    ))]
async fn list_role_assignment(
    State(app): State<Arc<App>>,
    principal: Principal,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<RoleAssignmentList>> {
    let request = parse_list(query.as_deref())?;
    Ok(Json(app.list_role_assignments(&principal, request).await?))
}

/// Show one role assignment by id.
#[utoipa::path(get, path = "/role_assignments/{id}", tag = "identity",
    params(("id" = String, Path, description = "Id"), ShowParams),
    responses(
        (status = 200, body = RoleAssignmentView),
        (status = 400, description = "Bad input", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 404, description = "No such object, or not visible to the caller", body = ErrorBody)
    ))]
async fn show_role_assignment(
    State(app): State<Arc<App>>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<RoleAssignmentView>> {
    let details = parse_details(query.as_deref())?;
    Ok(Json(app.show_role_assignment(&principal, &id, details).await?))
}

/// Create a role assignment.
#[utoipa::path(post, path = "/role_assignments", tag = "identity", request_body = RoleAssignmentCreate,
    responses(
        (status = 201, body = RoleAssignmentView),
        (status = 400, description = "Bad input", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Scope or role not allowed", body = ErrorBody),
        (status = 404, description = "No such object, or not visible to the caller", body = ErrorBody),
        (status = 409, description = "Duplicate name or state conflict", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody)
    ))]
async fn create_role_assignment(
    State(app): State<Arc<App>>,
    principal: Principal,
    ApiJson(input): ApiJson<RoleAssignmentCreate>,
) -> ApiResult<(StatusCode, Json<RoleAssignmentView>)> {
    Ok((StatusCode::CREATED, Json(app.create_role_assignment(&principal, input).await?)))
}

/// Delete a role assignment; answers the deleted object.
#[utoipa::path(delete, path = "/role_assignments/{id}", tag = "identity",
    params(("id" = String, Path, description = "Id")),
    responses(
        (status = 200, body = RoleAssignmentView),
        (status = 400, description = "Bad input", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Scope or role not allowed", body = ErrorBody),
        (status = 404, description = "No such object, or not visible to the caller", body = ErrorBody),
        (status = 409, description = "Duplicate name or state conflict", body = ErrorBody)
    ))]
async fn delete_role_assignment(
    State(app): State<Arc<App>>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<RoleAssignmentView>> {
    Ok(Json(app.delete_role_assignment(&principal, &id).await?))
}
