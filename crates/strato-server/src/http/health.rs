//! Unauthenticated operations endpoints: liveness, readiness, metrics, the OpenAPI document.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

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
#[utoipa::path(get, path = "/metrics", tag = "operations", security(()),
    responses((status = 200, content_type = "text/plain", body = String)))]
pub async fn metrics(State(app): State<Arc<App>>) -> Response {
    let text = app.render_metrics();
    (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text).into_response()
}
