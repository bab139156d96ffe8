//! `/tasks`: thin handlers over `app::tasks`.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use strato_types::api::{ErrorBody, TaskView};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::authz::Principal;
use crate::app::App;
use crate::error::ApiResult;
use crate::extract::ApiPath;

pub fn routes() -> OpenApiRouter<Arc<App>> {
    OpenApiRouter::new().routes(routes!(show_task))
}

/// Show one task: its status, steps with timings and errors.
#[utoipa::path(get, path = "/tasks/{id}", tag = "tasks",
    params(("id" = String, Path, description = "Task id")),
    responses(
        (status = 200, body = TaskView),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 404, description = "No such task, or its object is not visible to the caller", body = ErrorBody)
    ))]
async fn show_task(State(app): State<Arc<App>>, principal: Principal, ApiPath(id): ApiPath<String>) -> ApiResult<Json<TaskView>> {
    Ok(Json(app.show_task(&principal, &id).await?))
}
