//! The middleware stack every route shares: request ids, tracing spans, metrics, the body
//! limit, panic catching, and JSON bodies for errors produced outside our handlers.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use tracing::Span;

use crate::error::ApiError;
use crate::metrics::{self, Metrics};
use crate::BODY_LIMIT_BYTES;

pub fn apply(router: Router, metrics: Arc<Metrics>) -> Router {
    let stack = ServiceBuilder::new()
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request<Body>| {
                    let request_id = request
                        .extensions()
                        .get::<RequestId>()
                        .and_then(|id| id.header_value().to_str().ok())
                        .unwrap_or("-");
                    tracing::info_span!(
                        "request",
                        request_id = %request_id,
                        method = %request.method(),
                        path = %request.uri().path(),
                    )
                })
                .on_request(())
                .on_response(|response: &Response, latency: Duration, _span: &Span| {
                    tracing::info!(
                        status = response.status().as_u16(),
                        latency_ms = latency.as_secs_f64() * 1000.0,
                        "request finished"
                    );
                }),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(middleware::from_fn_with_state(metrics, metrics::track))
        .layer(middleware::from_fn(json_error_bodies))
        .layer(CatchPanicLayer::custom(|_panic: Box<dyn std::any::Any + Send>| {
            ApiError::internal("handler panicked").into_response()
        }))
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES));
    router.layer(stack)
}

/// Error answers that did not come from our code (axum's 405, a 413 from the body limit before
/// a handler ran, ...) get the same JSON error body as ours.
async fn json_error_bodies(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.as_bytes().starts_with(b"application/json"))
        .unwrap_or(false);
    if is_json {
        return response;
    }
    let error = match status {
        StatusCode::NOT_FOUND => ApiError::NotFound("no such route".into()),
        StatusCode::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed("method not allowed on this route".into()),
        StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::PayloadTooLarge(format!("request body is larger than {BODY_LIMIT_BYTES} bytes"))
        }
        StatusCode::UNAUTHORIZED => ApiError::Unauthorized("authentication required".into()),
        StatusCode::FORBIDDEN => ApiError::forbidden("forbidden"),
        s if s.is_client_error() => ApiError::invalid(s.canonical_reason().unwrap_or("bad request")),
        s => ApiError::internal(format!("unexpected status {s}")),
    };
    let mut rewritten = error.into_response();
    if let Some(allow) = response.headers().get(header::ALLOW) {
        rewritten.headers_mut().insert(header::ALLOW, allow.clone());
    }
    rewritten
}
