//! Reconcilers: the cloud's view of an account -> the store (DESIGN.md "Flows" 1).
//!
//! [`Reconciler::sync_account`] takes only the account id: it lists the account's regions,
//! then syncs regions in parallel (bounded by [`SyncConfig::region_parallelism`]), and inside
//! a region every kind in dependency order ([`kinds::region_kinds`]). Each (account, region,
//! kind) is a complete listing, a sorted merge by external id, and one transaction of batched
//! writes; unchanged rows are not written. A failed listing leaves its rows untouched, and the
//! kinds that depend on it in that region are skipped. One sync per (account, region) at a
//! time, across replicas, through leases in the store. [`Reconciler::refresh_one`] re-reads a
//! single resource after an operation. Every connect goes through one cache of connected
//! drivers per account ([`driver_cache`]).

mod driver_cache;
pub mod kinds;
pub mod merge;
mod pending;
mod run;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use strato_cloud::{CloudDriver, CloudError, Credentials, DriverConfig, ProviderRegistry, RequestLayer, ResourceKind};
use strato_store::synced::SyncRunId;
use strato_store::{CloudAccount, Store, StoreError};
use strato_types::CloudAccountId;

use driver_cache::{DriverCache, DriverKey};

pub use merge::ChangeOrigin;
pub use pending::{pending_external_id, PendingResource};
pub use run::{NextAction, RefreshOutcome, RunStatus, ScopeReport, ScopeStatus, SyncOutcome};

/// What one sync run covers; the default is everything.
#[derive(Debug, Clone, Default)]
pub struct SyncRequest {
    /// Region external ids; every region of the account when empty (and then the region
    /// list itself is synced first).
    pub regions: Vec<String>,
    /// Kinds; every kind when empty. A kind left out keeps its rows, and its stored ids
    /// resolve the references of the kinds that are synced.
    pub kinds: Vec<ResourceKind>,
    /// Rewrite every row even where its hash says nothing changed (repairs hand-edited rows).
    pub full: bool,
}

impl SyncRequest {
    pub fn covers(&self, kind: ResourceKind) -> bool {
        self.kinds.is_empty() || self.kinds.contains(&kind)
    }
}

/// Told after each (region, kind) of a run finishes.
pub type Progress = Arc<dyn Fn(&ScopeReport) + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The driver could not be built (bad credentials shape, unknown provider).
    #[error("cannot connect to the cloud: {0}")]
    Connect(CloudError),
    #[error("{0}")]
    Cloud(CloudError),
}

/// How syncs run.
#[derive(Debug, Clone)]
pub struct SyncConfig {
    /// Regions synced at once per account.
    pub region_parallelism: usize,
    /// Lease length; renewed after every kind. A run holds its leases under its own id, so a
    /// run resumed after a crash (same task, same id) takes its leases back at once, and the
    /// leases of a run whose task has ended or lost its task lease are free (see
    /// `strato_store::synced::leases`).
    pub lease_ttl: Duration,
    /// Accounts whose connected driver is kept (the least recently used goes first; 0 keeps none).
    pub driver_cache_entries: usize,
    /// A kept driver unused this long is rebuilt on its next use.
    pub driver_idle: Duration,
}

impl Default for SyncConfig {
    fn default() -> Self {
        Self {
            region_parallelism: 4,
            lease_ttl: Duration::from_secs(300),
            driver_cache_entries: 1024,
            driver_idle: Duration::from_secs(600),
        }
    }
}

/// A driver for an account, with where its cloud calls are counted.
#[derive(Clone)]
pub struct ConnectedDriver {
    pub driver: Arc<dyn CloudDriver>,
    pub requests: Arc<RequestLayer>,
    /// The `account` name the driver was configured with (request-layer key).
    pub account_key: String,
}

/// Builds a driver for an account (the provider registry in production; tests hand in theirs).
/// The reconciler keeps what `connect` built while the account is unchanged, so `admit` is
/// where a source refuses an account before every use of a driver for it, cached or not.
#[async_trait]
pub trait DriverSource: Send + Sync {
    /// Whether a driver for `account` may be used now. Cheap: it runs on every connect.
    fn admit(&self, _account: &CloudAccount) -> Result<(), SyncError> {
        Ok(())
    }

    async fn connect(&self, store: &Store, account: &CloudAccount) -> Result<ConnectedDriver, SyncError>;
}

/// Drivers from the provider registry, with the account's decrypted credentials.
pub struct RegistryDrivers {
    pub registry: ProviderRegistry,
    pub requests: Arc<RequestLayer>,
}

#[async_trait]
impl DriverSource for RegistryDrivers {
    async fn connect(&self, store: &Store, account: &CloudAccount) -> Result<ConnectedDriver, SyncError> {
        let provider = self.registry.get(account.provider.as_str()).map_err(SyncError::Connect)?;
        let secret = store.cloudaccounts().credentials(account.id).await?;
        let fields: std::collections::BTreeMap<String, String> = serde_json::from_str(secret.expose())
            .map_err(|_| SyncError::Connect(CloudError::invalid_input("stored credentials are not a JSON object of strings")))?;
        let mut credentials = Credentials::new();
        for (k, v) in fields {
            credentials.set(k, v);
        }
        let mut config = DriverConfig::new(account.id.to_string(), credentials, self.requests.clone());
        config.endpoint = account.endpoint.clone();
        config.default_region = account.regions.first().cloned();
        let driver = provider.connect(config).await.map_err(SyncError::Connect)?;
        Ok(ConnectedDriver { driver, requests: self.requests.clone(), account_key: account.id.to_string() })
    }
}

/// Syncs accounts into the store.
#[derive(Clone)]
pub struct Reconciler {
    pub(crate) store: Store,
    pub(crate) drivers: Arc<dyn DriverSource>,
    pub(crate) config: SyncConfig,
    /// Shared by the clones of this reconciler.
    connected: Arc<DriverCache<ConnectedDriver>>,
}

impl Reconciler {
    pub fn new(store: Store, drivers: Arc<dyn DriverSource>, config: SyncConfig) -> Self {
        let connected = Arc::new(DriverCache::new(config.driver_cache_entries, config.driver_idle));
        Self { store, drivers, config, connected }
    }

    pub fn config(&self) -> &SyncConfig {
        &self.config
    }

    /// One full sync of an account. Idempotent: a second run with no cloud change writes no
    /// resource rows (only its history).
    pub async fn sync_account(&self, account: CloudAccountId) -> Result<SyncOutcome, SyncError> {
        run::sync_account(self, account, SyncRunId::new(), SyncRequest::default(), None).await
    }

    /// One sync run of part of an account (regions, kinds), under a run id chosen by the
    /// caller (so it can follow the run's history while it goes), telling `progress` after
    /// every scope.
    pub async fn sync(
        &self,
        account: CloudAccountId,
        run: SyncRunId,
        request: SyncRequest,
        progress: Option<Progress>,
    ) -> Result<SyncOutcome, SyncError> {
        run::sync_account(self, account, run, request, progress).await
    }

    /// Re-reads one resource by external id and merges it (or removes its row when the cloud
    /// no longer has it).
    pub async fn refresh_one(
        &self,
        account: CloudAccountId,
        region: &str,
        kind: ResourceKind,
        external_id: &str,
        origin: ChangeOrigin,
    ) -> Result<RefreshOutcome, SyncError> {
        run::refresh_one(self, account, region, kind, external_id, origin).await
    }

    /// A driver for the account (its stored credentials decrypted), for operations: the one
    /// kept for it while the account is unchanged.
    pub async fn connect(&self, account: CloudAccountId) -> Result<ConnectedDriver, SyncError> {
        let account = self.account(account).await?;
        self.driver_for(&account).await
    }

    /// The account's row; a deleted account's kept driver goes with it.
    pub(crate) async fn account(&self, id: CloudAccountId) -> Result<CloudAccount, SyncError> {
        match self.store.cloudaccounts().get(id).await {
            Ok(account) => Ok(account),
            Err(e) => {
                if matches!(e, StoreError::NotFound { .. }) {
                    self.connected.forget(id);
                }
                Err(e.into())
            }
        }
    }

    /// A driver for `account` as just read from the store: admitted by the source every time,
    /// then the one kept for this version of the account, or a new one. A disabled account's
    /// driver is built each time and not kept (it is used rarely, and must not outlive a
    /// change made while it is disabled).
    pub(crate) async fn driver_for(&self, account: &CloudAccount) -> Result<ConnectedDriver, SyncError> {
        self.drivers.admit(account)?;
        if !account.enabled {
            self.connected.forget(account.id);
            return self.drivers.connect(&self.store, account).await;
        }
        self.connected.get_or_connect(account.id, DriverKey::of(account), || self.drivers.connect(&self.store, account)).await
    }

    pub fn store(&self) -> &Store {
        &self.store
    }
}
