//! HTTP handlers: one file per kind, each only extracting input, calling the app layer and
//! shaping the answer. They never touch the store.

mod actionlogs;
mod auth;
mod cloudaccounts;
mod cloudregions;
mod kind_views;
mod domains;
mod operations;
pub mod health;
mod plain_actions;
mod projects;
pub mod query;
mod resources;
mod role_assignments;
mod tasks;
mod tokens;
mod users;
mod zones;

use std::sync::Arc;

use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::App;
use crate::error::ApiResult;
use crate::openapi::ApiDoc;

/// The answer of every asynchronous request: 202 with the task that does the work.
pub(crate) type Accepted = ApiResult<(axum::http::StatusCode, axum::Json<strato_types::api::TaskView>)>;

pub(crate) fn accepted(task: strato_types::api::TaskView) -> Accepted {
    Ok((axum::http::StatusCode::ACCEPTED, axum::Json(task)))
}

/// Every documented route, with the OpenAPI document built from their annotations.
pub fn api_router() -> OpenApiRouter<Arc<App>> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .routes(routes!(health::metrics))
        .merge(auth::routes())
        .merge(domains::routes())
        .merge(projects::routes())
        .merge(users::routes())
        .merge(role_assignments::routes())
        .merge(tokens::routes())
        .merge(cloudaccounts::routes())
        .merge(cloudregions::routes())
        .merge(zones::routes())
        .merge(tasks::routes())
        .merge(actionlogs::routes())
        .merge(resources::routes())
        .merge(operations::routes())
        .merge(plain_actions::routes())
}
