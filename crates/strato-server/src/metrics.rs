//! Prometheus metrics: requests by route template and status, latency histograms, store pool use.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

type LatencyFamily = Family<RouteLabels, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 0.25 ms .. ~8 s.
    Histogram::new(exponential_buckets(0.00025, 2.0, 16))
}

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: LatencyFamily,
    pool_connections: Gauge,
    pool_idle: Gauge,
    connections_refused: Counter,
    logins_throttled: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("strato");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = LatencyFamily::new_with_constructor(latency_histogram);
        let pool_connections = Gauge::default();
        let pool_idle = Gauge::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route template and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency, by method and route template",
            latency.clone(),
        );
        registry.register(
            "store_pool_connections",
            "Connections currently open in the store pool",
            pool_connections.clone(),
        );
        registry.register("store_pool_idle", "Idle connections in the store pool", pool_idle.clone());
        let connections_refused = Counter::default();
        registry.register(
            "http_connections_refused",
            "Connections answered 503 and closed because the connection cap was reached",
            connections_refused.clone(),
        );
        let logins_throttled = Counter::default();
        registry.register(
            "login_throttled",
            "Login attempts refused with 429 (throttled; not written to the action log)",
            logins_throttled.clone(),
        );
        Metrics { registry, requests, latency, pool_connections, pool_idle, connections_refused, logins_throttled }
    }

    pub(crate) fn connection_refused(&self) {
        self.connections_refused.inc();
    }

    pub(crate) fn login_throttled(&self) {
        self.logins_throttled.inc();
    }

    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.requests
            .get_or_create(&RequestLabels {
                method: method.to_string(),
                route: route.to_string(),
                status: status.to_string(),
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels { method: method.to_string(), route: route.to_string() })
            .observe(seconds);
    }

    /// Prometheus text exposition, with the pool gauges refreshed first.
    pub fn render(&self, pool_connections: u32, pool_idle: u32) -> String {
        self.pool_connections.set(i64::from(pool_connections));
        self.pool_idle.set(i64::from(pool_idle));
        let mut text = String::new();
        if let Err(error) = prometheus_client::encoding::text::encode(&mut text, &self.registry) {
            tracing::error!(%error, "encoding metrics failed");
        }
        text
    }
}

/// Middleware: count and time every request under its route template (never the raw path, so
/// ids do not explode the label space).
pub async fn track(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let method = request.method().as_str().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    metrics.observe(&method, &route, response.status().as_u16(), started.elapsed().as_secs_f64());
    response
}
