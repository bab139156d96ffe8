//! `strato serve` arguments.

use std::path::PathBuf;

use clap::{Parser, ValueEnum};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines on stderr.
    Text,
    /// One JSON object per line on stderr.
    Json,
}

/// Run the Strato control plane.
#[derive(Debug, Clone, Parser)]
#[command(name = "strato serve", bin_name = "strato serve", version)]
pub struct ServeArgs {
    /// Directory for the embedded SQLite database and the master key.
    #[arg(long, env = "STRATO_DATA_DIR", default_value = "./strato-data")]
    pub data_dir: PathBuf,
    /// Database URL (`sqlite://...` or `postgres://...`); default SQLite at <data-dir>/strato.db.
    /// Never printed: it may carry a password.
    #[arg(long, env = "STRATO_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Address to listen on; port 0 picks a free one.
    #[arg(long, env = "STRATO_LISTEN", default_value = "127.0.0.1:8686")]
    pub listen: String,
    /// Lifetime of login tokens, in seconds.
    #[arg(long, env = "STRATO_TOKEN_TTL", default_value_t = 86_400, value_parser = clap::value_parser!(u64).range(1..))]
    pub token_ttl: u64,
    /// Re-encrypt every stored secret under a new master key, then keep serving.
    #[arg(long)]
    pub rotate_master_key: bool,
    /// Regions of one cloud account synced at once.
    #[arg(long, env = "STRATO_SYNC_PARALLELISM", default_value_t = 4, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=64))]
    pub sync_parallelism: usize,
    /// Durable tasks this replica runs at once.
    #[arg(long, env = "STRATO_TASK_WORKERS", default_value_t = 64, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1024))]
    pub task_workers: usize,
    /// Do not register this host as cloud account `local` on the first start (it is
    /// registered only when qemu is installed, and only on the start that creates the store).
    #[arg(long, env = "STRATO_NO_LOCAL_ACCOUNT")]
    pub no_local_account: bool,
    /// Log line format.
    #[arg(long, env = "STRATO_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    // --- cloud accounts (issue 13: endpoints) ---
    /// Cloud endpoints accounts may use besides their provider's public ones (repeatable; the
    /// variable is comma-separated): a host (`127.0.0.1`), `*.domain`, `host:port`, or a URL
    /// prefix (`http://127.0.0.1:5000/`). Empty by default: no custom endpoint at all.
    #[arg(long = "allowed-endpoint", env = "STRATO_ALLOWED_ENDPOINTS", value_delimiter = ',', value_name = "ENDPOINT",
          value_parser = parse_allowed_endpoint)]
    pub allowed_endpoints: Vec<strato_cloud::AllowedEndpoint>,
}

fn parse_allowed_endpoint(text: &str) -> Result<strato_cloud::AllowedEndpoint, String> {
    text.parse()
}
