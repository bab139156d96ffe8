//! Building the router and running the server until a shutdown signal.

use std::future::Future;
use std::io::Write;
use std::sync::Arc;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use crate::app::{App, AppConfig};
use crate::config::ServeArgs;
use crate::error::ApiError;
use crate::layers;

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("{0}")]
    Store(#[from] strato_store::StoreError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: String, source: std::io::Error },
    #[error("server failed: {0}")]
    Io(#[from] std::io::Error),
}

/// The whole HTTP application: documented routes, /openapi.json, JSON 404/405 and the shared
/// middleware stack.
pub fn build_router(app: Arc<App>) -> Router {
    let (router, openapi) = crate::http::api_router().split_for_parts();
    let openapi_json = Arc::new(openapi.to_pretty_json().unwrap_or_default() + "\n");
    let router = router
        .route(
            "/openapi.json",
            get(|State(doc): State<Arc<String>>| async move {
                ([(header::CONTENT_TYPE, "application/json")], doc.as_str().to_owned()).into_response()
            })
            .with_state(openapi_json),
        )
        .fallback(|| async { ApiError::NotFound("no such route".into()) })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed("method not allowed on this route".into()) })
        .with_state(app.clone());
    let router = crate::action_log::layer(router, app.clone());
    layers::apply(router, app.metrics.clone())
}

/// Opens the store (running migrations), prints the one-time admin password and the
/// "listening" line, and serves until `shutdown` resolves, finishing in-flight requests.
pub async fn serve(
    args: ServeArgs,
    providers: strato_cloud::ProviderRegistry,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let (app, report) = App::open(AppConfig::from_args(&args, providers)).await?;
    let app = Arc::new(app);
    if report.bootstrapped && !args.no_local_account {
        app.register_local_account().await;
    }
    if let Some(password) = report.generated_admin_password {
        // The one time this password is shown: stdout, not the log.
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "strato: generated password for user admin (shown once): {}", password.expose())?;
        stdout.flush()?;
    }
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .map_err(|source| ServeError::Bind { addr: args.listen.clone(), source })?;
    let local = listener.local_addr()?;
    {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "strato: listening on http://{local}")?;
        stdout.flush()?;
    }
    run(listener, app, shutdown).await
}

/// Serves `app` on `listener` until `shutdown` resolves; in-flight requests then get the
/// shutdown timeout to finish. Also purges long-dead tokens and old action-log entries in the
/// background.
pub async fn run(
    listener: tokio::net::TcpListener,
    app: Arc<App>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    tracing::info!(local = %listener.local_addr()?, "serving");
    let purger = tokio::spawn(purge_dead_rows(app.clone()));
    let scheduler = tokio::spawn(app.clone().run_sync_scheduler());
    let router = build_router(app.clone());
    crate::conn::serve_connections(listener, router, app.limits.server.clone(), app.metrics.clone(), shutdown).await;
    purger.abort();
    scheduler.abort();
    tracing::info!("shut down");
    app.close().await;
    Ok(())
}

/// Hourly: expired and revoked tokens are kept a day (for audit), then deleted; action-log
/// entries older than the retention setting are deleted.
async fn purge_dead_rows(app: Arc<App>) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        every.tick().await;
        match app.store().tokens().purge(chrono::Duration::days(1)).await {
            Ok(0) => {}
            Ok(purged) => tracing::info!(purged, "purged dead tokens"),
            Err(error) => tracing::warn!(%error, "purging dead tokens failed"),
        }
        match app.purge_old_actionlogs().await {
            Ok(0) => {}
            Ok(purged) => tracing::info!(purged, "purged old action-log entries"),
            Err(error) => tracing::warn!(%error, "purging old action-log entries failed"),
        }
    }
}
