//! The `fake` provider: an in-memory, deterministic, seeded cloud for the conformance suite and
//! benchmarks. Never for production. Layout as every provider: lib.rs (registration and the
//! trait impl), client.rs (the in-memory cloud: paging, faults, errors), one file per kind it
//! keeps in compact structs (benchmarks hold a million servers), and records.rs, which serves
//! every other declared kind from its declaration.

mod client;
mod disk;
mod network;
mod records;
mod region;
mod sku;
mod secgroup;
mod server;
mod vpc;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use strato_cloud::*;
use strato_cloud::{facets, kinds};

pub use client::{FakeCloud, Population, IMAGES, MAX_PAGE, SKUS};
use client::World;

pub const PROVIDER: &str = "fake";

/// Credential fields: none are needed; `seed` picks the world.
const CREDENTIAL_FIELDS: &[CredentialField] =
    &[CredentialField { name: "seed", env: Some("STRATO_FAKE_SEED"), required: false, secret: false, help: "seed of the generated world (number)" }];

/// Population `connect` gives a new world per region, so `cloudcli fake` has something to show.
const DEMO: Population = Population { vpcs: 1, networks_per_vpc: 2, secgroups_per_vpc: 1, servers: 3, disks: 2, elasticsearches: 1 };

/// The registered provider. Keeps one world per (account, seed) for the life of the process.
#[derive(Default)]
pub struct FakeProvider {
    worlds: Mutex<HashMap<(String, u64), Arc<FakeCloud>>>,
}

impl FakeProvider {
    /// The cloud of `account` (its id, as drivers are connected with) and seed 0, once a
    /// driver has been connected for it: tests add resources to it out of band.
    pub fn cloud(&self, account: &str) -> Option<Arc<FakeCloud>> {
        self.worlds.lock().unwrap_or_else(|p| p.into_inner()).get(&(account.to_string(), 0)).cloned()
    }
}

pub fn register(registry: &mut ProviderRegistry) -> CloudResult<()> {
    registry.register(Arc::new(FakeProvider::default()))
}

pub fn capabilities() -> CapabilitySet {
    CapabilitySet::all()
}

/// The fake cloud is not rate limited; the layer's buckets stay out of the way of benchmarks.
pub const LIMITS: ProviderLimits =
    ProviderLimits { describe: RateLimit { burst: 1_000_000, per_second: 1_000_000 }, mutate: RateLimit { burst: 1_000_000, per_second: 1_000_000 } };

#[async_trait]
impl Provider for FakeProvider {
    fn name(&self) -> &'static str {
        PROVIDER
    }
    fn credential_fields(&self) -> &'static [CredentialField] {
        CREDENTIAL_FIELDS
    }
    fn limits(&self) -> ProviderLimits {
        LIMITS
    }
    /// The fake cloud takes an endpoint and never calls it: the in-process tests exercise the
    /// endpoint rules with it. `*.fake.invalid` (a reserved name) stands for its public ones.
    fn endpoint_policy(&self) -> EndpointPolicy {
        EndpointPolicy::Url { public_host_suffixes: &["fake.invalid"] }
    }
    async fn connect(&self, config: DriverConfig) -> CloudResult<Arc<dyn CloudDriver>> {
        let seed = match config.credentials.get("seed") {
            None | Some("") => 0,
            Some(s) => s.parse::<u64>().map_err(|_| CloudError::invalid_input("malformed credential 'seed': expected a number"))?,
        };
        let cloud = {
            let mut worlds = self.worlds.lock().unwrap_or_else(|p| p.into_inner());
            worlds
                .entry((config.account.clone(), seed))
                .or_insert_with(|| {
                    let cloud = FakeCloud::new(seed, 2);
                    for region in ["fake-region-1", "fake-region-2"] {
                        // The regions exist by construction.
                        let _ = cloud.populate(region, DEMO);
                    }
                    Arc::new(cloud)
                })
                .clone()
        };
        Ok(Arc::new(FakeDriver::new(cloud, &config)))
    }
}

/// A driver for one account of a `FakeCloud`.
pub struct FakeDriver {
    cloud: Arc<FakeCloud>,
    requests: Requests,
    page_size: usize,
}

impl FakeDriver {
    pub fn new(cloud: Arc<FakeCloud>, config: &DriverConfig) -> Self {
        let requests = config.requests.scope(PROVIDER, config.account.clone(), LIMITS);
        let page_size = config.page_size.map(|p| p as usize).unwrap_or(MAX_PAGE);
        Self { cloud, requests, page_size }
    }

    pub fn cloud(&self) -> &Arc<FakeCloud> {
        &self.cloud
    }

    /// List `kind` page by page through the request layer; `fetch` reads one page.
    async fn list_paged<O: Send>(
        &self,
        region: &str,
        kind: ResourceKind,
        api: &'static str,
        fetch: impl Fn(&World, usize, Option<u64>, usize) -> (Vec<O>, Option<u64>) + Sync,
    ) -> CloudResult<Vec<O>> {
        let mut all = Vec::new();
        let mut after = None;
        let mut pages = 0u32;
        loop {
            let (items, next) = self
                .requests
                .call(region, ApiClass::Describe, api, || async {
                    self.cloud.check_list(kind, region)?;
                    let world = self.cloud.read();
                    let ri = world.region_index(region)?;
                    Ok(fetch(&world, ri, after, self.page_size))
                })
                .await?;
            pages += 1;
            all.extend(items);
            match next {
                Some(cursor) => after = Some(cursor),
                None => break,
            }
        }
        tracing::debug!(provider = PROVIDER, region, kind = %kind, pages, items = all.len(), "listed");
        Ok(all)
    }

    /// Read one thing under the read lock, through the request layer.
    async fn read<O>(&self, region: &str, api: &'static str, f: impl Fn(&World, usize) -> CloudResult<O> + Sync) -> CloudResult<O> {
        self.requests
            .call(region, ApiClass::Describe, api, || async {
                self.cloud.check_call()?;
                let world = self.cloud.read();
                let ri = world.region_index(region)?;
                f(&world, ri)
            })
            .await
    }

    /// Change the world under the write lock, through the request layer.
    async fn mutate<O>(&self, region: &str, api: &'static str, f: impl Fn(&mut World, usize) -> CloudResult<O> + Sync) -> CloudResult<O> {
        self.requests
            .call(region, ApiClass::Mutate, api, || async {
                self.cloud.check_call()?;
                let mut world = self.cloud.write();
                let ri = world.region_index(region)?;
                f(&mut world, ri)
            })
            .await
    }
}

fn not_found(kind: ResourceKind, id: &str) -> CloudError {
    CloudError::not_found(format!("{kind} '{id}' not found")).with_code("NotFound")
}

/// The numeric id inside `id`, or not_found (a malformed id names nothing we hold).
fn id_of(kind: ResourceKind, id: &str) -> CloudResult<u64> {
    client::parse_id(kind, id).ok_or_else(|| not_found(kind, id))
}

impl FakeDriver {
    /// The kinds kept in compact structs of their own (a million servers must fit).
    fn kept_as_structs(&self, kind: ResourceKind) -> Option<Box<dyn ErasedFacet + '_>> {
        facets!(self, kind, [CloudRegion, Zone, Sku, Vpc, Network, Secgroup, Disk, Server])
    }
}

#[async_trait]
impl CloudDriver for FakeDriver {
    fn provider(&self) -> &'static str {
        PROVIDER
    }
    fn capabilities(&self) -> CapabilitySet {
        capabilities()
    }
    /// The kinds with a file here, then every other declared kind from its JSON records.
    fn facet(&self, kind: ResourceKind) -> Option<Box<dyn ErasedFacet + '_>> {
        self.kept_as_structs(kind).or_else(|| Some(kinds::lookup(kind).record_facet(self)))
    }
    async fn create_server(&self, region: &str, input: &ServerCreate) -> CloudResult<ExtServer> {
        self.server_create(region, input).await
    }
    async fn change_server_config(&self, region: &str, id: &str, instance_type: &str) -> CloudResult<()> {
        self.server_change_config(region, id, instance_type).await
    }
    async fn create_disk(&self, region: &str, input: &DiskCreate) -> CloudResult<ExtDisk> {
        self.disk_create(region, input).await
    }
    async fn attach_disk(&self, region: &str, disk_id: &str, server_id: &str, device: Option<&str>) -> CloudResult<String> {
        self.disk_attach(region, disk_id, server_id, device).await
    }
    async fn detach_disk(&self, region: &str, disk_id: &str, server_id: &str) -> CloudResult<()> {
        self.disk_detach(region, disk_id, server_id).await
    }
    async fn resize_disk(&self, region: &str, disk_id: &str, size_gb: u64) -> CloudResult<()> {
        self.disk_resize(region, disk_id, size_gb).await
    }
    async fn set_tags(&self, region: &str, kind: ResourceKind, id: &str, tags: &Tags, replace: bool) -> CloudResult<()> {
        let n = id_of(kind, id)?;
        self.mutate(region, "SetTags", |world, ri| {
            let r = &mut world.regions[ri];
            let common = match kind {
                ResourceKind::Vpc => r.vpcs.get_mut(&n).map(|x| &mut x.common),
                ResourceKind::Network => r.networks.get_mut(&n).map(|x| &mut x.common),
                ResourceKind::Secgroup => r.secgroups.get_mut(&n).map(|x| &mut x.common),
                ResourceKind::Server => r.servers.get_mut(&n).map(|x| &mut x.common),
                ResourceKind::Disk => r.disks.get_mut(&n).map(|x| &mut x.common),
                ResourceKind::CloudRegion | ResourceKind::Zone | ResourceKind::Sku => {
                    return Err(CloudError::invalid_input(format!("{kind} has no tags")))
                }
                other => {
                    let record = r.records.get_mut(&other).and_then(|records| records.get_mut(&n)).ok_or_else(|| not_found(kind, id))?;
                    records::set_record_tags(record, tags, replace);
                    return Ok(());
                }
            };
            common.ok_or_else(|| not_found(kind, id))?.set_tags(tags, replace);
            Ok(())
        })
        .await
    }
}

/// The common snapshot fields of a record.
fn base(kind: ResourceKind, n: u64, common: &client::Common) -> ExtBase {
    ExtBase {
        external_id: client::format_id(kind, n),
        name: common.name.to_string(),
        created_at: common.created_at(),
        tags: common.tags(),
        billing: Billing::default(),
        project_id: Some("fake-project".to_string()),
    }
}
