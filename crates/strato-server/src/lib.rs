//! The Strato HTTP API: thin axum handlers (`http`) over an app layer (`app`) that does
//! authorization, scope checks and validation, and calls the store. See
//! ../../shared/DESIGN.md "REST API" and docs/adding-an-endpoint.md.

mod action_log;
pub mod app;
pub mod config;
mod conn;
pub mod error;
mod extract;
pub mod http;
mod layers;
pub mod limits;
pub mod metrics;
pub mod openapi;
mod serve;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;

pub use config::{LogFormat, ServeArgs};
pub use error::{ApiError, ApiResult};
pub use serve::{build_router, run, serve, ServeError};

/// Request bodies larger than this answer 413.
pub const BODY_LIMIT_BYTES: usize = 1024 * 1024;

/// How the binary builds its provider registry for a data dir (the kvm provider keeps its
/// state under `<data-dir>/kvm`).
pub type ProvidersFor = fn(&std::path::Path) -> Result<strato_cloud::ProviderRegistry, strato_cloud::CloudError>;

/// Entry point of `strato serve`; `args[0]` is "serve".
pub fn main_from_args(args: Vec<OsString>, providers_for: ProvidersFor) -> ExitCode {
    let args = match ServeArgs::try_parse_from(args) {
        Ok(args) => args,
        Err(error) => {
            // --help and --version are not failures.
            let code = if error.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
            let _ = error.print();
            return code;
        }
    };
    init_tracing(args.log_format);
    let providers = match providers_for(&args.data_dir) {
        Ok(providers) => providers,
        Err(error) => {
            eprintln!("strato serve: {error}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("strato serve: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(args, providers, shutdown_signal())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("strato serve: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Logs go to stderr (stdout carries only the admin password and the "listening" line).
/// `RUST_LOG` overrides the default level `info`.
fn init_tracing(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    use std::io::IsTerminal;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    let result = match format {
        LogFormat::Json => builder.json().with_current_span(true).with_span_list(false).try_init(),
        LogFormat::Text => builder.try_init(),
    };
    if let Err(error) = result {
        eprintln!("strato serve: logging already initialised: {error}");
    }
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => tracing::info!("SIGINT received; finishing in-flight requests"),
        _ = terminate => tracing::info!("SIGTERM received; finishing in-flight requests"),
    }
}
