//! Unauthenticated operations endpoints: liveness, readiness, metrics, the OpenAPI document.

use std::sync::Arc;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::authz::Principal;
use crate::app::App;
use crate::error::ApiError;

#[derive(Debug, Serialize, ToSchema)]
pub struct HealthStatus {
    /// `ok` when healthy/ready.
    pub status: String,
}

/// The process is alive.
#[utoipa::path(get, path = "/healthz", tag = "operations", security(()),
    responses((status = 200, body = HealthStatus)))]
pub async fn healthz() -> Json<HealthStatus> {
    Json(HealthStatus { status: "ok".into() })
}

/// The store is reachable and migrated; 503 otherwise.
#[utoipa::path(get, path = "/readyz", tag = "operations", security(()),
    responses((status = 200, body = HealthStatus), (status = 503, body = strato_types::api::ErrorBody)))]
pub async fn readyz(State(app): State<Arc<App>>) -> Result<Json<HealthStatus>, ApiError> {
    app.ready().await?;
    Ok(Json(HealthStatus { status: "ok".into() }))
}

/// Prometheus text exposition.
///
/// Open by default; with `--metrics-token-required` it needs a valid bearer token (any user's).
#[utoipa::path(get, path = "/metrics", tag = "operations", security(()),
    responses(
        (status = 200, content_type = "text/plain", body = String),
        (status = 401, description = "The server requires a token for metrics, and none valid was given", body = strato_types::api::ErrorBody)
    ))]
pub async fn metrics(State(app): State<Arc<App>>, request: Request) -> Response {
    if app.limits.metrics_token_required {
        let (mut parts, _body) = request.into_parts();
        if let Err(error) = Principal::from_request_parts(&mut parts, &app).await {
            return error.into_response();
        }
    }
    let text = app.render_metrics();
    (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text).into_response()
}
