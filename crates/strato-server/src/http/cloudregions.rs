//! `/cloudregions`: thin handlers over `app::cloudregions`.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::Json;
use strato_types::api::{CloudRegionList, CloudRegionView, ErrorBody};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::authz::Principal;
use crate::app::App;
use crate::error::ApiResult;
use crate::extract::ApiPath;
use crate::http::query::{ListParams, ShowParams, parse_details, parse_list};

pub fn routes() -> OpenApiRouter<Arc<App>> {
    OpenApiRouter::new()
        .routes(routes!(list_cloudregion))
        .routes(routes!(show_cloudregion))
}

/// List cloudregions visible in the requested scope.
#[utoipa::path(get, path = "/cloudregions", tag = "cloud", params(ListParams),
    responses(
        (status = 200, body = CloudRegionList),
        (status = 400, description = "Bad input", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Scope or role not allowed", body = ErrorBody)
    ))]
async fn list_cloudregion(
    State(app): State<Arc<App>>,
    principal: Principal,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<CloudRegionList>> {
    let request = parse_list(query.as_deref())?;
    Ok(Json(app.list_cloudregions(&principal, request).await?))
}

/// Show one cloudregion by id or name.
#[utoipa::path(get, path = "/cloudregions/{id}", tag = "cloud",
    params(("id" = String, Path, description = "Id or name"), ShowParams),
    responses(
        (status = 200, body = CloudRegionView),
        (status = 400, description = "Bad input", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 404, description = "No such object, or not visible to the caller", body = ErrorBody)
    ))]
async fn show_cloudregion(
    State(app): State<Arc<App>>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<CloudRegionView>> {
    let details = parse_details(query.as_deref())?;
    Ok(Json(app.show_cloudregion(&principal, &id, details).await?))
}
