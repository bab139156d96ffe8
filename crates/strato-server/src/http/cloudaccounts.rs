//! `/cloudaccounts`: thin handlers over `app::cloudaccounts`.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::Json;
use strato_types::api::{
    CloudAccountCreate, CloudAccountList, CloudAccountSync, CloudAccountUpdate, CloudAccountView, ErrorBody, SyncHistoryList,
    TaskView,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::authz::Principal;
use crate::app::App;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath};
use crate::http::query::{ListParams, ShowParams, parse_details, parse_list};
use crate::http::{accepted, Accepted};

pub fn routes() -> OpenApiRouter<Arc<App>> {
    OpenApiRouter::new()
        .routes(routes!(list_cloudaccount, create_cloudaccount))
        .routes(routes!(show_cloudaccount, update_cloudaccount, delete_cloudaccount))
        .routes(routes!(sync_cloudaccount))
        .routes(routes!(enable_cloudaccount))
        .routes(routes!(disable_cloudaccount))
        .routes(routes!(cloudaccount_sync_history))
}

/// List cloudaccounts visible in the requested scope.
#[utoipa::path(get, path = "/cloudaccounts", tag = "cloud", params(ListParams),
    responses(
        (status = 200, body = CloudAccountList),
        (status = 400, description = "Bad input", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Scope or role not allowed", body = ErrorBody)
    ))]
async fn list_cloudaccount(
    State(app): State<Arc<App>>,
    principal: Principal,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<CloudAccountList>> {
    let request = parse_list(query.as_deref())?;
    Ok(Json(app.list_cloudaccounts(&principal, request).await?))
}

/// Show one cloudaccount by id or name.
#[utoipa::path(get, path = "/cloudaccounts/{id}", tag = "cloud",
    params(("id" = String, Path, description = "Id or name"), ShowParams),
    responses(
        (status = 200, body = CloudAccountView),
        (status = 400, description = "Bad input", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 404, description = "No such object, or not visible to the caller", body = ErrorBody)
    ))]
async fn show_cloudaccount(
    State(app): State<Arc<App>>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<CloudAccountView>> {
    let details = parse_details(query.as_deref())?;
    Ok(Json(app.show_cloudaccount(&principal, &id, details).await?))
}

/// Create a cloudaccount.
#[utoipa::path(post, path = "/cloudaccounts", tag = "cloud", request_body = CloudAccountCreate,
    responses(
        (status = 201, body = CloudAccountView),
        (status = 400, description = "Bad input", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Scope or role not allowed", body = ErrorBody),
        (status = 404, description = "No such object, or not visible to the caller", body = ErrorBody),
        (status = 409, description = "Duplicate name or state conflict", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody)
    ))]
async fn create_cloudaccount(
    State(app): State<Arc<App>>,
    principal: Principal,
    ApiJson(input): ApiJson<CloudAccountCreate>,
) -> ApiResult<(StatusCode, Json<CloudAccountView>)> {
    Ok((StatusCode::CREATED, Json(app.create_cloudaccount(&principal, input).await?)))
}

/// Update a cloudaccount; absent fields keep their value.
#[utoipa::path(put, path = "/cloudaccounts/{id}", tag = "cloud", request_body = CloudAccountUpdate,
    params(("id" = String, Path, description = "Id or name")),
    responses(
        (status = 200, body = CloudAccountView),
        (status = 400, description = "Bad input", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Scope or role not allowed", body = ErrorBody),
        (status = 404, description = "No such object, or not visible to the caller", body = ErrorBody),
        (status = 409, description = "Duplicate name or state conflict", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody)
    ))]
async fn update_cloudaccount(
    State(app): State<Arc<App>>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<CloudAccountUpdate>,
) -> ApiResult<Json<CloudAccountView>> {
    Ok(Json(app.update_cloudaccount(&principal, &id, input).await?))
}

/// Delete a cloudaccount; answers the deleted object.
#[utoipa::path(delete, path = "/cloudaccounts/{id}", tag = "cloud",
    params(("id" = String, Path, description = "Id or name")),
    responses(
        (status = 200, body = CloudAccountView),
        (status = 400, description = "Bad input", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Scope or role not allowed", body = ErrorBody),
        (status = 404, description = "No such object, or not visible to the caller", body = ErrorBody),
        (status = 409, description = "Duplicate name or state conflict", body = ErrorBody)
    ))]
async fn delete_cloudaccount(
    State(app): State<Arc<App>>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<CloudAccountView>> {
    Ok(Json(app.delete_cloudaccount(&principal, &id).await?))
}

/// Start a sync of the account: 202 with the task. While one runs, it is answered instead.
#[utoipa::path(post, path = "/cloudaccounts/{id}/sync", tag = "cloud", request_body = CloudAccountSync,
    params(("id" = String, Path, description = "Id or name")),
    responses(
        (status = 202, body = TaskView),
        (status = 400, description = "Bad input (unknown kind or region)", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Read-only for the caller", body = ErrorBody),
        (status = 404, description = "No such object, or not visible to the caller", body = ErrorBody),
        (status = 409, description = "The account is disabled", body = ErrorBody)
    ))]
async fn sync_cloudaccount(
    State(app): State<Arc<App>>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<CloudAccountSync>,
) -> Accepted {
    accepted(app.sync_cloudaccount(&principal, &id, input).await?)
}

/// Enable the account: it syncs again and takes operations.
#[utoipa::path(post, path = "/cloudaccounts/{id}/enable", tag = "cloud",
    params(("id" = String, Path, description = "Id or name")),
    responses(
        (status = 200, body = CloudAccountView),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Read-only for the caller", body = ErrorBody),
        (status = 404, description = "No such object, or not visible to the caller", body = ErrorBody)
    ))]
async fn enable_cloudaccount(
    State(app): State<Arc<App>>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<CloudAccountView>> {
    Ok(Json(app.set_cloudaccount_enabled(&principal, &id, true).await?))
}

/// Disable the account: no syncs, no operations; its resources stay listed.
#[utoipa::path(post, path = "/cloudaccounts/{id}/disable", tag = "cloud",
    params(("id" = String, Path, description = "Id or name")),
    responses(
        (status = 200, body = CloudAccountView),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Read-only for the caller", body = ErrorBody),
        (status = 404, description = "No such object, or not visible to the caller", body = ErrorBody)
    ))]
async fn disable_cloudaccount(
    State(app): State<Arc<App>>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<CloudAccountView>> {
    Ok(Json(app.set_cloudaccount_enabled(&principal, &id, false).await?))
}

/// Documentation of the sync history parameters.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct HistoryParams {
    /// Only this run (the id of the sync task).
    run_id: Option<String>,
    /// Most rows (default 200).
    #[param(minimum = 1, maximum = 2000)]
    limit: Option<u32>,
}

/// Sync history: a row per (region, kind) per run, newest run first.
#[utoipa::path(get, path = "/cloudaccounts/{id}/sync_history", tag = "cloud",
    params(("id" = String, Path, description = "Id or name"), HistoryParams),
    responses(
        (status = 200, body = SyncHistoryList),
        (status = 400, description = "Bad input", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 404, description = "No such object, or not visible to the caller", body = ErrorBody)
    ))]
async fn cloudaccount_sync_history(
    State(app): State<Arc<App>>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<SyncHistoryList>> {
    let (mut run_id, mut limit) = (None, None);
    for (key, value) in form_urlencoded::parse(query.as_deref().unwrap_or("").as_bytes()) {
        match key.as_ref() {
            "run_id" => run_id = Some(value.into_owned()),
            "limit" => {
                let parsed = value.parse::<u32>().ok().filter(|limit| (1..=2000).contains(limit));
                limit = Some(parsed.ok_or_else(|| ApiError::invalid_field("limit", "limit must be a whole number in 1..=2000"))?)
            }
            other => return Err(ApiError::invalid_field(other, format!("unknown query parameter {other:?}"))),
        }
    }
    Ok(Json(app.cloudaccount_sync_history(&principal, &id, run_id.as_deref(), limit).await?))
}
