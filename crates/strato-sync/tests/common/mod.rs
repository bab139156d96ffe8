#![allow(dead_code)]

use std::sync::Arc;

use async_trait::async_trait;
use sqlx::{Connection, Executor};
use strato_cloud::{CloudDriver, Credentials, DriverConfig, RequestLayer};
use strato_provider_fake::{FakeCloud, FakeDriver, Population};
use strato_store::{CloudAccount, NewCloudAccount, SecretString, Store, StoreOptions};
use strato_sync::{ConnectedDriver, DriverSource, Reconciler, SyncConfig, SyncError};
use strato_types::{CloudAccountId, Provider};
use tempfile::TempDir;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct Env {
    pub dir: TempDir,
    pub store: Store,
    pub backend: Backend,
    pub options: StoreOptions,
}

impl Env {
    pub async fn new(backend: Backend) -> Env {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut options = StoreOptions::new(dir.path().join("data"));
        options.admin_password = Some(SecretString::new("admin-password-1"));
        options.max_connections = Some(4);
        if backend == Backend::Postgres {
            options.database_url = Some(fresh_postgres_database().await);
        }
        let store = Store::open(options.clone()).await.expect("open store").0;
        Env { dir, store, backend, options }
    }

    /// A second handle on the same database (another replica).
    pub async fn replica(&self) -> Store {
        Store::open(self.options.clone()).await.expect("open replica").0
    }

    pub async fn account(&self, name: &str) -> CloudAccountId {
        let scope = self.store.system_scope().await.expect("system scope");
        self.store
            .cloudaccounts()
            .create(NewCloudAccount {
                name: name.into(),
                provider: Provider::Fake,
                project_id: scope.project_id,
                endpoint: None,
                regions: vec![],
                description: String::new(),
                credentials: SecretString::new("{}"),
                sync_interval_secs: strato_store::cloudaccounts::DEFAULT_SYNC_INTERVAL_SECS,
                project_rules: vec![],
                connected: None,
            })
            .await
            .expect("create account")
            .id
    }
}

pub async fn fresh_postgres_database() -> String {
    let base = std::env::var("STRATO_TEST_DATABASE_URL").unwrap_or_default();
    assert!(!base.is_empty(), "STRATO_TEST_DATABASE_URL is not set: run the tests through scripts/test (it starts a throwaway PostgreSQL)");
    let name = format!("strato_sync_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(&base).await.expect("connect to STRATO_TEST_DATABASE_URL");
    conn.execute(format!("CREATE DATABASE {name}").as_str()).await.expect("create test database");
    conn.close().await.ok();
    let (without_query, query) = match base.split_once('?') {
        Some((a, q)) => (a, format!("?{q}")),
        None => (base.as_str(), String::new()),
    };
    let slash = without_query.rfind('/').filter(|i| *i > "postgres://".len()).expect("database URL has a path");
    format!("{}/{name}{query}", &without_query[..slash])
}

/// Wraps the driver a test wants (e.g. one that lists duplicates).
pub type Wrap = Arc<dyn Fn(Arc<dyn CloudDriver>) -> Arc<dyn CloudDriver> + Send + Sync>;

/// Drivers on one shared fake cloud.
pub struct FakeSource {
    pub cloud: Arc<FakeCloud>,
    pub requests: Arc<RequestLayer>,
    pub wrap: Option<Wrap>,
}

#[async_trait]
impl DriverSource for FakeSource {
    async fn connect(&self, _store: &Store, account: &CloudAccount) -> Result<ConnectedDriver, SyncError> {
        let mut config = DriverConfig::new(account.id.to_string(), Credentials::new(), self.requests.clone());
        config.page_size = Some(100);
        let driver: Arc<dyn CloudDriver> = Arc::new(FakeDriver::new(self.cloud.clone(), &config));
        let driver = match &self.wrap {
            Some(w) => w(driver),
            None => driver,
        };
        Ok(ConnectedDriver { driver, requests: self.requests.clone(), account_key: account.id.to_string() })
    }
}

pub const SMALL: Population = Population { vpcs: 2, networks_per_vpc: 2, secgroups_per_vpc: 2, servers: 30, disks: 20, elasticsearches: 2 };

pub fn cloud(p: Population) -> Arc<FakeCloud> {
    let cloud = FakeCloud::new(7, 2);
    for r in ["fake-region-1", "fake-region-2"] {
        cloud.populate(r, p).expect("populate");
    }
    Arc::new(cloud)
}

pub fn reconciler(store: &Store, cloud: &Arc<FakeCloud>, wrap: Option<Wrap>) -> Reconciler {
    let source = FakeSource { cloud: cloud.clone(), requests: Arc::new(RequestLayer::default()), wrap };
    Reconciler::new(store.clone(), Arc::new(source), SyncConfig::default())
}

/// A driver on the fake cloud for out-of-band changes.
pub fn driver(cloud: &Arc<FakeCloud>) -> FakeDriver {
    FakeDriver::new(cloud.clone(), &DriverConfig::new("out-of-band", Credentials::new(), Arc::new(RequestLayer::default())))
}

#[macro_export]
macro_rules! both {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let env = $crate::common::Env::new($crate::common::Backend::Sqlite).await;
                ($body)(env).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let env = $crate::common::Env::new($crate::common::Backend::Postgres).await;
                ($body)(env).await;
            }
        }
    };
}
