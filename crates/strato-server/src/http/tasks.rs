//! `/tasks`: thin handlers over `app::tasks`.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::Json;
use strato_types::api::{ErrorBody, TaskList, TaskView};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::authz::Principal;
use crate::app::App;
use crate::error::ApiResult;
use crate::extract::ApiPath;
use crate::http::query::{ListParams, parse_list};
use crate::http::{accepted, Accepted};

pub fn routes() -> OpenApiRouter<Arc<App>> {
    OpenApiRouter::new()
        .routes(routes!(list_tasks))
        .routes(routes!(show_task))
        .routes(routes!(cancel_task))
        .routes(routes!(retry_task))
}

/// List tasks of the projects visible in the requested scope. Filter by `kind`, `status`,
/// `target_kind`, `target_id`, `project_id`, `user`, `parent_id`, times, ...; `search`
/// looks in the kind.
#[utoipa::path(get, path = "/tasks", tag = "tasks", params(ListParams),
    responses(
        (status = 200, body = TaskList),
        (status = 400, description = "Bad input", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Scope not allowed", body = ErrorBody)
    ))]
async fn list_tasks(State(app): State<Arc<App>>, principal: Principal, RawQuery(query): RawQuery) -> ApiResult<Json<TaskList>> {
    let request = parse_list(query.as_deref())?;
    Ok(Json(app.list_tasks(&principal, request).await?))
}

/// Show one task: its status, steps with timings and errors.
#[utoipa::path(get, path = "/tasks/{id}", tag = "tasks",
    params(("id" = String, Path, description = "Task id")),
    responses(
        (status = 200, body = TaskView),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 404, description = "No such task, or its project is not visible to the caller", body = ErrorBody)
    ))]
async fn show_task(State(app): State<Arc<App>>, principal: Principal, ApiPath(id): ApiPath<String>) -> ApiResult<Json<TaskView>> {
    Ok(Json(app.show_task(&principal, &id).await?))
}

/// Cancel an unfinished task: 202 with the task. One that ran no step yet is cancelled at
/// once; otherwise its worker undoes the completed steps first.
#[utoipa::path(post, path = "/tasks/{id}/cancel", tag = "tasks",
    params(("id" = String, Path, description = "Task id")),
    responses(
        (status = 202, body = TaskView),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Read-only for the caller", body = ErrorBody),
        (status = 404, description = "No such task, or its project is not visible to the caller", body = ErrorBody),
        (status = 409, description = "The task already ended", body = ErrorBody)
    ))]
async fn cancel_task(
    State(app): State<Arc<App>>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
) -> Accepted {
    accepted(app.cancel_task(&principal, &id).await?)
}

/// Run a failed or cancelled task again from its first step: 202 with the task.
#[utoipa::path(post, path = "/tasks/{id}/retry", tag = "tasks",
    params(("id" = String, Path, description = "Task id")),
    responses(
        (status = 202, body = TaskView),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Read-only for the caller", body = ErrorBody),
        (status = 404, description = "No such task, or its project is not visible to the caller", body = ErrorBody),
        (status = 409, description = "The task is unfinished, succeeded, or could not undo its steps", body = ErrorBody)
    ))]
async fn retry_task(
    State(app): State<Arc<App>>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
) -> Accepted {
    accepted(app.retry_task(&principal, &id).await?)
}
