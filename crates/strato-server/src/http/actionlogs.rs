//! `/actionlogs`: thin handlers over `app::actionlogs`.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::Json;
use strato_types::api::{ActionLogList, ErrorBody};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::authz::Principal;
use crate::app::App;
use crate::error::ApiResult;
use crate::http::query::{ListParams, parse_list};

pub fn routes() -> OpenApiRouter<Arc<App>> {
    OpenApiRouter::new().routes(routes!(list_actionlogs))
}

/// List action log entries of the projects visible in the requested scope: every API write
/// (failures included), login attempt and task end. Filter by `user`, `user_id`,
/// `project_id`, `object_kind`, `object_id`, `action`, `outcome` (success, failure),
/// `task_id`, `request_id`, and time (`created_at.ge(...)`); `search` looks in the object name.
#[utoipa::path(get, path = "/actionlogs", tag = "actionlogs", params(ListParams),
    responses(
        (status = 200, body = ActionLogList),
        (status = 400, description = "Bad input", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Scope not allowed", body = ErrorBody)
    ))]
async fn list_actionlogs(
    State(app): State<Arc<App>>,
    principal: Principal,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<ActionLogList>> {
    let request = parse_list(query.as_deref())?;
    Ok(Json(app.list_actionlogs(&principal, request).await?))
}
