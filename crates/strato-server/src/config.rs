//! `strato serve` arguments.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, ValueEnum};

use crate::app::login_guard::{default_hash_concurrency, LoginLimits};
use crate::limits::{Limits, ServerLimits};

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
    /// Fewest characters a new password may have (also checked: not only whitespace, not the
    /// user's name).
    #[arg(long, env = "STRATO_PASSWORD_MIN_LENGTH", default_value_t = 12, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=256))]
    pub password_min_length: usize,
    /// Log line format.
    #[arg(long, env = "STRATO_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    // --- hostile clients (issue 13); docs/server.md "Limits and timeouts" ---
    /// Seconds a client has to send a complete request head; keep-alive connections idle this
    /// long are closed too.
    #[arg(long, env = "STRATO_HEADER_TIMEOUT", default_value_t = 15, value_parser = clap::value_parser!(u64).range(1..))]
    pub header_timeout: u64,
    /// Seconds a request body has to arrive completely after its head (408 otherwise).
    #[arg(long, env = "STRATO_BODY_TIMEOUT", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    pub body_timeout: u64,
    /// Seconds without a byte moving (while no handler runs) before a connection is closed.
    #[arg(long, env = "STRATO_IDLE_TIMEOUT", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    pub idle_timeout: u64,
    /// Open connections at most; more are answered 503 and closed.
    #[arg(long, env = "STRATO_MAX_CONNECTIONS", default_value_t = 1024, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1_000_000))]
    pub max_connections: usize,
    /// Seconds in-flight requests get after SIGTERM/SIGINT before the server exits anyway.
    #[arg(long, env = "STRATO_SHUTDOWN_TIMEOUT", default_value_t = 10)]
    pub shutdown_timeout: u64,
    /// Window, in seconds, in which failed logins are counted.
    #[arg(long, env = "STRATO_LOGIN_WINDOW", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    pub login_window: u64,
    /// Failed logins of one user from one source (IP, IPv6 /64) in the window before that
    /// source is locked out of that user.
    #[arg(long, env = "STRATO_LOGIN_USER_SOURCE_FAILURES", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    pub login_user_source_failures: u32,
    /// Failed logins from one source (any users) in the window before the source is locked
    /// until the window ends.
    #[arg(long, env = "STRATO_LOGIN_SOURCE_FAILURES", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..))]
    pub login_source_failures: u32,
    /// Failed logins of one user from all sources in the window before the user is locked for
    /// everyone until the window ends.
    #[arg(long, env = "STRATO_LOGIN_USER_FAILURES", default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..))]
    pub login_user_failures: u32,
    /// First lockout of a (user, source), in seconds; it doubles on each further lockout.
    #[arg(long, env = "STRATO_LOGIN_LOCKOUT", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    pub login_lockout: u64,
    /// Longest lockout of a (user, source), in seconds.
    #[arg(long, env = "STRATO_LOGIN_LOCKOUT_MAX", default_value_t = 900, value_parser = clap::value_parser!(u64).range(1..))]
    pub login_lockout_max: u64,
    /// Password checks run at once (each takes ~19 MiB); default: one per CPU, at most 8.
    #[arg(long, env = "STRATO_LOGIN_CONCURRENCY", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=256))]
    pub login_concurrency: Option<usize>,
    /// Days action-log entries are kept (purged hourly); 0 keeps them forever.
    #[arg(long, env = "STRATO_ACTION_LOG_RETENTION_DAYS", default_value_t = 90)]
    pub action_log_retention_days: u64,
    /// `/metrics` answers only to a valid bearer token (any user's).
    #[arg(long, env = "STRATO_METRICS_TOKEN_REQUIRED")]
    pub metrics_token_required: bool,

    // --- cloud accounts (issue 13: endpoints) ---
    /// Cloud endpoints accounts may use besides their provider's public ones (repeatable; the
    /// variable is comma-separated): a host (`127.0.0.1`), `*.domain`, `host:port`, or a URL
    /// prefix (`http://127.0.0.1:5000/`). Empty by default: no custom endpoint at all.
    #[arg(long = "allowed-endpoint", env = "STRATO_ALLOWED_ENDPOINTS", value_delimiter = ',', value_name = "ENDPOINT",
          value_parser = parse_allowed_endpoint)]
    pub allowed_endpoints: Vec<strato_cloud::AllowedEndpoint>,
}

impl ServeArgs {
    /// The hostile-client settings as the server uses them.
    pub fn limits(&self) -> Limits {
        let secs = Duration::from_secs;
        Limits {
            server: ServerLimits {
                header_timeout: secs(self.header_timeout),
                body_timeout: secs(self.body_timeout),
                idle_timeout: secs(self.idle_timeout),
                max_connections: self.max_connections,
                shutdown_timeout: secs(self.shutdown_timeout),
            },
            login: LoginLimits {
                window: secs(self.login_window),
                user_source_failures: self.login_user_source_failures,
                source_failures: self.login_source_failures,
                user_failures: self.login_user_failures,
                lockout: secs(self.login_lockout),
                lockout_max: secs(self.login_lockout_max.max(self.login_lockout)),
                hash_concurrency: self.login_concurrency.unwrap_or_else(default_hash_concurrency),
                ..LoginLimits::default()
            },
            action_log_retention: (self.action_log_retention_days > 0)
                .then(|| secs(self.action_log_retention_days.saturating_mul(86_400))),
            metrics_token_required: self.metrics_token_required,
        }
    }
}


fn parse_allowed_endpoint(text: &str) -> Result<strato_cloud::AllowedEndpoint, String> {
    text.parse()
}
