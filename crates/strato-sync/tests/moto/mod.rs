//! Helpers of `aws_moto.rs`: a moto_server with the boto3 estate script beside it, what boto3
//! reports about the estate, an aws cloud account in the store, and readers of stored rows.

pub mod proxy;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use serde_json::{json, Value as Json};
use strato_cloud::{CallRecord, Credentials, DriverConfig, ProviderRegistry, RequestLayer, ResourceKind, RetryPolicy};
use strato_driver_tests::moto::MotoServer;
use strato_store::synced::{ScanRow, StoredRow};
use strato_store::{CloudAccount, NewCloudAccount, SecretString, Store};
use strato_sync::{ConnectedDriver, DriverSource, Reconciler, RegistryDrivers, SyncConfig, SyncError};
use strato_types::{CloudAccountId, CloudRegionId, Provider};

pub const EAST: &str = "us-east-1";
pub const WEST: &str = "us-west-2";
pub const REGIONS: [&str; 2] = [EAST, WEST];

/// Regional kinds Strato syncs, with their key in the script's inventory.
pub const KINDS: [(ResourceKind, &str); 7] = [
    (ResourceKind::Zone, "zones"),
    (ResourceKind::Vpc, "vpcs"),
    (ResourceKind::Network, "networks"),
    (ResourceKind::Secgroup, "secgroups"),
    (ResourceKind::Disk, "disks"),
    (ResourceKind::Server, "servers"),
    (ResourceKind::Elasticsearch, "elasticsearches"),
];

/// The store's credentials document. The driver wants an AKIA-shaped key id, so moto's
/// customary "testing" cannot be the key id (see the report); moto accepts any key.
pub const CREDENTIALS: &str = r#"{"access_key_id":"AKIAIOSFODNN7EXAMPLE","secret_access_key":"testing"}"#;

/// One moto_server (killed by pid on drop) and the boto3 script that shapes its estate.
pub struct Cloud {
    pub moto: MotoServer,
}

impl Cloud {
    pub fn start() -> Cloud {
        Cloud { moto: MotoServer::start().unwrap_or_else(|e| panic!("{e}")) }
    }

    pub fn url(&self) -> String {
        self.moto.url()
    }

    /// Runs `estate.py <url> <command>` with `request` on stdin; its JSON answer.
    pub async fn script(&self, command: &str, request: Json) -> Json {
        let python = std::env::var("STRATO_TEST_PYTHON").unwrap_or_else(|_| "/work/main/.venv/bin/python".into());
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/moto/estate.py");
        let mut child = tokio::process::Command::new(&python)
            .arg(&script)
            .arg(self.url())
            .arg(command)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            // a test that times out or panics does not leave the script running
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {python} (set STRATO_TEST_PYTHON to the moto venv's python): {e}"));
        let mut stdin = child.stdin.take().expect("script stdin");
        tokio::io::AsyncWriteExt::write_all(&mut stdin, request.to_string().as_bytes()).await.expect("write the script's request");
        drop(stdin);
        let out = tokio::time::timeout(Duration::from_secs(120), child.wait_with_output())
            .await
            .unwrap_or_else(|_| panic!("estate.py {command} took over 120s"))
            .expect("estate.py output");
        assert!(out.status.success(), "estate.py {command} failed: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).expect("estate.py answers JSON")
    }

    /// Builds the estate: `instances` per region, `volumes` data volumes per region (even ones
    /// attached), an OpenSearch domain in us-east-1. Returns what boto3 then reports.
    pub async fn build(&self, east: u32, west: u32, volumes: u32) -> Inventory {
        let req = json!({"instances": {EAST: east, WEST: west}, "volumes": volumes, "elasticsearch": EAST});
        Inventory(self.script("build", req).await["inventory"].clone())
    }

    /// Applies out-of-band changes (see estate.py); returns the launched ids and the inventory.
    pub async fn change(&self, ops: Json) -> (Vec<String>, Inventory) {
        let out = self.script("change", json!({"ops": ops, "regions": REGIONS})).await;
        let launched = out["launched"].as_array().expect("launched").iter().map(|v| v.as_str().expect("id").to_string()).collect();
        (launched, Inventory(out["inventory"].clone()))
    }
}

/// What boto3 reports, per region (see `Estate.inventory` in estate.py).
#[derive(Debug, Clone)]
pub struct Inventory(pub Json);

impl Inventory {
    fn region(&self, region: &str) -> &Json {
        &self.0[region]
    }
    pub fn ids(&self, region: &str, key: &str) -> BTreeSet<String> {
        let list = self.region(region)[key].as_array().unwrap_or_else(|| panic!("inventory has no {key} in {region}"));
        list.iter().map(|v| v.as_str().expect("id is a string").to_string()).collect()
    }
    /// Tags without `Name` (empty when the resource has none).
    pub fn tags(&self, region: &str, id: &str) -> BTreeMap<String, String> {
        serde_json::from_value(self.region(region)["tags"][id].clone()).unwrap_or_default()
    }
    pub fn name(&self, region: &str, id: &str) -> Option<String> {
        self.region(region)["names"][id].as_str().map(str::to_string)
    }
    pub fn int(&self, region: &str, key: &str, id: &str) -> Option<i64> {
        self.region(region)[key][id].as_i64()
    }
    pub fn text(&self, region: &str, key: &str, id: &str) -> Option<String> {
        self.region(region)[key][id].as_str().map(str::to_string)
    }
    /// The id of the resource whose `Name` tag is `name`.
    pub fn by_name(&self, region: &str, name: &str) -> String {
        let names = self.region(region)["names"].as_object().expect("names");
        names.iter().find(|(_, n)| n.as_str() == Some(name)).map(|(id, _)| id.clone()).unwrap_or_else(|| panic!("nothing named {name} in {region}"))
    }
    /// Volume -> instance it is attached to.
    pub fn attached(&self, region: &str) -> BTreeMap<String, String> {
        serde_json::from_value(self.region(region)["attached"].clone()).expect("attached map")
    }
}

/// An aws cloud account limited to the two regions, its endpoint at `endpoint`.
pub async fn aws_account(store: &Store, name: &str, endpoint: &str) -> CloudAccountId {
    let scope = store.system_scope().await.expect("system scope");
    let mut new = NewCloudAccount::new(name, Provider::Aws, scope.project_id, SecretString::new(CREDENTIALS));
    new.endpoint = Some(endpoint.to_string());
    new.regions = REGIONS.iter().map(|r| r.to_string()).collect();
    store.cloudaccounts().create(new).await.expect("create aws account").id
}

/// A request layer that retries like production but with millisecond backoff, so a region
/// that keeps failing ends failed in milliseconds rather than after ~30s of backoff.
pub fn fast_layer(max_attempts: u32) -> Arc<RequestLayer> {
    Arc::new(RequestLayer::new(RetryPolicy { max_attempts, base_delay: Duration::from_millis(5), max_delay: Duration::from_millis(20) }))
}

pub fn registry() -> ProviderRegistry {
    let mut registry = ProviderRegistry::new();
    strato_provider_aws::register(&mut registry).expect("register aws");
    registry
}

/// The production driver source (provider registry, decrypted credentials).
pub fn reconciler(store: &Store, requests: Arc<RequestLayer>) -> Reconciler {
    let drivers = RegistryDrivers { registry: registry(), requests };
    Reconciler::new(store.clone(), Arc::new(drivers), SyncConfig::default())
}

/// Like `RegistryDrivers`, with a small page size: `RegistryDrivers` always asks for the
/// provider maximum (1,000 per page), under which a few hundred instances are one page.
pub struct SmallPages {
    pub page_size: u32,
    pub requests: Arc<RequestLayer>,
}

#[async_trait]
impl DriverSource for SmallPages {
    async fn connect(&self, store: &Store, account: &CloudAccount) -> Result<ConnectedDriver, SyncError> {
        let secret = store.cloudaccounts().credentials(account.id).await?;
        let fields: BTreeMap<String, String> = serde_json::from_str(secret.expose()).expect("stored credentials are JSON");
        let credentials = fields.into_iter().fold(Credentials::new(), |c, (k, v)| c.with(k, v));
        let mut config = DriverConfig::new(account.id.to_string(), credentials, self.requests.clone());
        config.endpoint = account.endpoint.clone();
        config.default_region = account.regions.first().cloned();
        config.page_size = Some(self.page_size);
        let provider = registry().get("aws").map_err(SyncError::Connect)?;
        let driver = provider.connect(config).await.map_err(SyncError::Connect)?;
        Ok(ConnectedDriver { driver, requests: self.requests.clone(), account_key: account.id.to_string() })
    }
}

/// Counts finished cloud calls by (region, api), through the request layer's observer.
pub fn count_calls(layer: &RequestLayer) -> Arc<Mutex<HashMap<(String, String), u32>>> {
    let calls: Arc<Mutex<HashMap<(String, String), u32>>> = Arc::default();
    let sink = calls.clone();
    layer.set_observer(Arc::new(move |c: &CallRecord| {
        *sink.lock().expect("calls").entry((c.region.clone(), c.api.clone())).or_default() += 1;
    }));
    calls
}

pub async fn region_id(store: &Store, account: CloudAccountId, region: &str) -> CloudRegionId {
    store.cloudregions().get_by_external_id(account, region).await.expect("region row").id
}

pub async fn scan(store: &Store, account: CloudAccountId, kind: ResourceKind, region: &str) -> Vec<ScanRow> {
    let rid = region_id(store, account, region).await;
    store.synced().scan(kind.meta(), account, Some(rid)).await.expect("scan")
}

pub async fn store_ids(store: &Store, account: CloudAccountId, kind: ResourceKind, region: &str) -> BTreeSet<String> {
    scan(store, account, kind, region).await.into_iter().map(|r| r.external_id).collect()
}

/// Every stored row of a (region, kind), by external id, with its synced values and children.
pub async fn rows(store: &Store, account: CloudAccountId, kind: ResourceKind, region: &str) -> BTreeMap<String, StoredRow> {
    let ids: Vec<_> = scan(store, account, kind, region).await.into_iter().map(|r| r.id).collect();
    store.synced().load(kind.meta(), &ids).await.expect("load").into_iter().map(|r| (r.external_id.clone(), r)).collect()
}

/// One synced column of a stored row, as text.
pub fn field(kind: ResourceKind, row: &StoredRow, column: &str) -> Option<String> {
    let i = kind.meta().synced_columns().position(|c| c.name == column).unwrap_or_else(|| panic!("{kind} has no column {column}"));
    row.values[i].render()
}

/// One child table of a stored row (e.g. a server's `disks`), as rows of text.
pub fn children(kind: ResourceKind, row: &StoredRow, child: &str) -> Vec<Vec<Option<String>>> {
    let i = kind.meta().children.iter().position(|c| c.field == child).unwrap_or_else(|| panic!("{kind} has no child {child}"));
    serde_json::from_str(&row.children[i]).expect("children JSON")
}

pub fn stored_tags(kind: ResourceKind, row: &StoredRow) -> BTreeMap<String, String> {
    serde_json::from_str(&field(kind, row, "tags").unwrap_or_default()).expect("tags JSON")
}

/// The store holds exactly what boto3 reports, kind by kind, region by region.
pub async fn assert_mirrors(store: &Store, account: CloudAccountId, inv: &Inventory) {
    for region in REGIONS {
        for (kind, key) in KINDS {
            let (stored, cloud) = (store_ids(store, account, kind, region).await, inv.ids(region, key));
            assert_eq!(stored.len(), cloud.len(), "{kind} count in {region}");
            assert_eq!(stored, cloud, "{kind} ids in {region}");
        }
    }
}
