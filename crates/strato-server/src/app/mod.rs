//! The app layer: everything between an HTTP handler and the store. One file per kind; each
//! function takes the caller's `Principal`, checks scope and role (`authz`), validates input
//! (`validate`), calls the store and turns rows into API views.

pub mod actionlogs;
pub mod auth;
pub mod authz;
mod cloudaccounts;
mod cloudregions;
mod sync;
pub mod tasks;
mod domains;
mod endpoints;
mod local_account;
pub mod login_guard;
pub(crate) mod ops;
mod projects;
mod resources;
mod role_assignments;
mod tokens;
mod users;
pub mod validate;
pub use local_account::LOCAL_ACCOUNT;
mod zones;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use strato_cloud::{EndpointAllowList, ProviderRegistry, RequestLayer};
use strato_store::{MasterKey, MasterKeySource, OpenReport, SecretString, Store, StoreError, StoreOptions};
use strato_sync::{Reconciler, RegistryDrivers, SyncConfig};
use strato_tasks::{Engine, EngineConfig, TaskQueue};
use strato_types::{DomainId, ProjectId, UserId};

use strato_types::ListQuery;

use self::authz::{Principal, Visibility};
use crate::config::ServeArgs;
use strato_types::ListRequest;
use crate::error::{ApiError, ApiResult};
use crate::metrics::Metrics;

pub const DEFAULT_DOMAIN: &str = "default";
pub const SYSTEM_PROJECT: &str = "system";
pub const ADMIN_USER: &str = "admin";

/// What the app layer needs from `strato serve`'s arguments.
#[derive(Debug, Clone)]
pub struct AppConfig {
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    pub token_ttl: Duration,
    pub rotate_master_key: bool,
    /// How long a resolved token stays in the in-memory cache (revocations made on another
    /// replica take up to this long to be seen here).
    pub token_cache_ttl: Duration,
    /// Overrides `STRATO_MASTER_KEY` / `<data-dir>/master.key` (tests).
    pub master_key: Option<MasterKey>,
    /// Overrides `STRATO_ADMIN_PASSWORD` (tests).
    pub admin_password: Option<SecretString>,
    /// The cloud providers this build knows; the binary registers them (one list, in
    /// `strato_cli::cloudcli::provider_registry`).
    pub providers: ProviderRegistry,
    /// Regions synced at once per account.
    pub sync_region_parallelism: usize,
    /// How often the periodic sync scheduler looks for due accounts; `None` runs no
    /// scheduler (on-demand syncs still run).
    pub sync_tick: Option<Duration>,
    /// Task workers of this replica.
    pub task_workers: usize,
    /// Fewest characters a new password may have (`validate::password_problem`).
    pub password_min_length: usize,
    // --- hostile clients (issue 13): timeouts, connection cap, login throttling, action-log
    // retention, /metrics token ---
    pub limits: crate::limits::Limits,

    // --- cloud accounts (issue 13) ---
    /// Endpoints accounts may use besides their provider's public ones (`--allowed-endpoint`).
    pub allowed_endpoints: EndpointAllowList,
}

impl AppConfig {
    pub fn from_args(args: &ServeArgs, providers: ProviderRegistry) -> Self {
        AppConfig {
            data_dir: args.data_dir.clone(),
            database_url: args.database_url.clone(),
            token_ttl: Duration::from_secs(args.token_ttl),
            rotate_master_key: args.rotate_master_key,
            token_cache_ttl: auth::TOKEN_CACHE_TTL,
            master_key: None,
            admin_password: None,
            providers,
            sync_region_parallelism: args.sync_parallelism,
            sync_tick: Some(sync::SCHEDULER_TICK),
            task_workers: args.task_workers,
            password_min_length: args.password_min_length,
            limits: args.limits(),
            allowed_endpoints: EndpointAllowList::new(args.allowed_endpoints.clone()),
        }
    }
}

pub struct App {
    pub(crate) store: Store,
    pub metrics: Arc<Metrics>,
    pub(crate) tokens: auth::TokenCache,
    pub(crate) token_ttl: Duration,
    well_known: WellKnown,
    pub(crate) providers: ProviderRegistry,
    /// The shared request layer every driver of this replica calls the cloud through.
    pub(crate) requests: Arc<RequestLayer>,
    /// Runs this replica's share of the durable tasks; dropped with the app.
    engine: Engine,
    /// Sync and targeted re-reads; operations insert their pending rows through it.
    pub(crate) reconciler: Reconciler,
    pub(crate) sync_tick: Option<Duration>,
    pub(crate) password_min_length: usize,
    pub(crate) limits: crate::limits::Limits,
    pub(crate) login_guard: login_guard::LoginGuard,
    /// Endpoints allowed besides the providers' public ones.
    pub(crate) allowed_endpoints: Arc<EndpointAllowList>,
}

/// Ids of the objects the first start creates, resolved once.
#[derive(Debug, Clone, Copy)]
struct WellKnown {
    default_domain: DomainId,
    system_project: ProjectId,
    admin_user: UserId,
}

impl App {
    /// Opens the store (migrations, master key, first-start bootstrap), rotates the master key
    /// when asked, and resolves the well-known objects.
    pub async fn open(config: AppConfig) -> Result<(App, OpenReport), StoreError> {
        let mut options = StoreOptions::from_env(config.data_dir.clone(), config.database_url.clone());
        if let Some(key) = &config.master_key {
            options.master_key = Some(MasterKeySource::Inline(key.to_base64()));
        }
        if let Some(password) = &config.admin_password {
            options.admin_password = Some(password.clone());
        }
        // STRATO_ADMIN_PASSWORD meets the same policy as every other password.
        if let Some(password) = &options.admin_password {
            if let Some(problem) = validate::password_problem(password.expose(), ADMIN_USER, config.password_min_length) {
                return Err(StoreError::invalid("STRATO_ADMIN_PASSWORD", problem));
            }
        }
        let (store, report) = Store::open(options).await?;
        if config.rotate_master_key {
            let (old, new) = store.rotate_master_key().await?;
            tracing::info!(%old, %new, "re-encrypted every secret under a new master key");
        }
        let default_domain = store.domains().get_by_name(DEFAULT_DOMAIN).await?;
        let system_project = store.projects().get_by_name(default_domain.id, SYSTEM_PROJECT).await?;
        let admin_user = store.users().get_by_name(default_domain.id, ADMIN_USER).await?;
        let well_known = WellKnown {
            default_domain: default_domain.id,
            system_project: system_project.id,
            admin_user: admin_user.id,
        };
        let requests = Arc::new(RequestLayer::default());
        let allowed_endpoints = Arc::new(config.allowed_endpoints.clone());
        let drivers = Arc::new(endpoints::AllowListedDrivers {
            inner: RegistryDrivers { registry: config.providers.clone(), requests: requests.clone() },
            registry: config.providers.clone(),
            allowed: allowed_endpoints.clone(),
        });
        let sync_config = SyncConfig { region_parallelism: config.sync_region_parallelism.max(1), ..SyncConfig::default() };
        let reconciler = Reconciler::new(store.clone(), drivers, sync_config);
        // Test hooks (pause after / fail at a step) and a short lease, only when a test sets
        // them in the environment: the crash-and-resume and unwinding tests drive the binary.
        let mut engine_config =
            EngineConfig { workers: config.task_workers.max(1), hooks: strato_tasks::TestHooks::from_env(), ..EngineConfig::default() };
        if let Some(secs) = std::env::var("STRATO_TEST_TASK_LEASE_SECS").ok().and_then(|s| s.parse::<u64>().ok()) {
            engine_config.lease_ttl = Duration::from_secs(secs.max(1));
        }
        let engine = Engine::start(store.clone(), tasks::registry(&reconciler), engine_config);
        let app = App {
            store,
            metrics: Arc::new(Metrics::new()),
            tokens: auth::TokenCache::new(config.token_cache_ttl),
            token_ttl: config.token_ttl,
            well_known,
            providers: config.providers,
            requests,
            engine,
            reconciler,
            sync_tick: config.sync_tick,
            password_min_length: config.password_min_length,
            login_guard: login_guard::LoginGuard::new(config.limits.login.clone()),
            limits: config.limits,
            allowed_endpoints,
        };
        Ok((app, report))
    }

    pub(crate) fn system_domain_id(&self) -> DomainId {
        self.well_known.default_domain
    }

    pub(crate) fn system_project_id(&self) -> ProjectId {
        self.well_known.system_project
    }

    pub(crate) fn admin_user_id(&self) -> UserId {
        self.well_known.admin_user
    }

    /// The validated list query with its scope settled, and what the caller may see in it.
    pub(crate) fn resolve_list(&self, principal: &Principal, request: ListRequest) -> ApiResult<(ListQuery, Visibility)> {
        let mut query = request.query;
        let scope = principal.effective_scope(request.scope_given.then_some(query.scope));
        query.scope = scope;
        let visibility = principal.visibility(Some(scope))?;
        Ok((query, visibility))
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Enqueue, read, cancel and retry tasks (new tasks start at once on this replica).
    pub fn tasks(&self) -> TaskQueue {
        self.engine.queue()
    }

    /// Readiness: the store answers and its migrations are applied.
    pub async fn ready(&self) -> ApiResult<()> {
        self.store.ping().await.map_err(|e| ApiError::Unavailable(format!("store not ready: {e}")))
    }

    pub fn render_metrics(&self) -> String {
        let (connections, idle) = self.store.pool_stats();
        self.metrics.render(connections, u32::try_from(idle).unwrap_or(u32::MAX))
    }

    pub async fn close(&self) {
        self.store.close().await;
    }
}
