//! `/zones`: thin handlers over `app::zones`.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::Json;
use strato_types::api::{ErrorBody, ZoneList, ZoneView};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::authz::Principal;
use crate::app::App;
use crate::error::ApiResult;
use crate::extract::ApiPath;
use crate::http::query::{ListParams, ShowParams, parse_details, parse_list};

pub fn routes() -> OpenApiRouter<Arc<App>> {
    OpenApiRouter::new()
        .routes(routes!(list_zone))
        .routes(routes!(show_zone))
}

/// List zones visible in the requested scope.
#[utoipa::path(get, path = "/zones", tag = "cloud", params(ListParams),
    responses(
        (status = 200, body = ZoneList),
        (status = 400, description = "Bad input", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Scope or role not allowed", body = ErrorBody)
    ))]
async fn list_zone(
    State(app): State<Arc<App>>,
    principal: Principal,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<ZoneList>> {
    let request = parse_list(query.as_deref())?;
    Ok(Json(app.list_zones(&principal, request).await?))
}

/// Show one zone by id or name.
#[utoipa::path(get, path = "/zones/{id}", tag = "cloud",
    params(("id" = String, Path, description = "Id or name"), ShowParams),
    responses(
        (status = 200, body = ZoneView),
        (status = 400, description = "Bad input", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 404, description = "No such object, or not visible to the caller", body = ErrorBody)
    ))]
async fn show_zone(
    State(app): State<Arc<App>>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<ZoneView>> {
    let details = parse_details(query.as_deref())?;
    Ok(Json(app.show_zone(&principal, &id, details).await?))
}
