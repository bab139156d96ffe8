//! The in-memory cloud: compact records per region, paging like a real cloud, fault injection.
//! Records keep ids as numbers and fields as small indexes so a million resources fit in
//! well under 200 MB.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};

use chrono::{DateTime, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use strato_cloud::{CloudError, CloudErrorKind, CloudResult, ExtBase, Kind, ResourceKind, SecgroupRule, Tags};

/// Instance types every fake region offers: (name, cpu, memory MB, arch).
pub const SKUS: &[(&str, u32, u64, &str)] = &[
    ("fake.small", 1, 1024, "x86_64"),
    ("fake.medium", 2, 4096, "x86_64"),
    ("fake.large", 4, 8192, "x86_64"),
    ("fake.arm.medium", 2, 4096, "arm64"),
];
/// Images servers may be created from.
pub const IMAGES: &[&str] = &["fake-img-debian-12", "fake-img-ubuntu-24-04"];
pub const ZONES_PER_REGION: u8 = 2;
/// Largest page a list call returns.
pub const MAX_PAGE: usize = 1000;

/// Id prefix per kind; ids are `<prefix>-<12 hex digits>`.
pub fn prefix(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::Vpc => "vpc",
        ResourceKind::Network => "subnet",
        ResourceKind::Secgroup => "sg",
        ResourceKind::Server => "i",
        ResourceKind::Disk => "vol",
        // kinds kept as JSON records (records.rs) and kinds without records (regions, zones, skus)
        other => other.as_str(),
    }
}

pub fn format_id(kind: ResourceKind, n: u64) -> String {
    // By hand: a listing formats several ids per resource, and `format!` with padding was a
    // tenth of listing 100,000 of them (the benchmarks' fake cloud must not be their bottleneck).
    if n >> 48 != 0 {
        return format!("{}-{:012x}", prefix(kind), n);
    }
    let prefix = prefix(kind);
    let mut id = String::with_capacity(prefix.len() + 13);
    id.push_str(prefix);
    id.push('-');
    for shift in (0..12).rev() {
        id.push(char::from(b"0123456789abcdef"[((n >> (shift * 4)) & 0xf) as usize]));
    }
    id
}

/// The number inside an id of `kind`; `None` for anything that is not such an id.
pub fn parse_id(kind: ResourceKind, id: &str) -> Option<u64> {
    let hex = id.strip_prefix(prefix(kind))?.strip_prefix('-')?;
    if hex.len() != 12 {
        return None;
    }
    u64::from_str_radix(hex, 16).ok()
}

/// Fields every record has: 32 bytes.
#[derive(Debug, Clone)]
pub struct Common {
    pub name: Box<str>,
    /// Seconds since `EPOCH`.
    pub created: u32,
    pub tags: Option<Box<Tags>>,
}

impl Common {
    pub fn new(name: &str, created: u32) -> Self {
        Self { name: name.into(), created, tags: None }
    }
    pub fn created_at(&self) -> Option<DateTime<Utc>> {
        Utc.timestamp_opt(EPOCH + i64::from(self.created), 0).single()
    }
    pub fn tags(&self) -> Tags {
        self.tags.as_deref().cloned().unwrap_or_default()
    }
    pub fn set_tags(&mut self, tags: &Tags, replace: bool) {
        let mut merged = if replace { Tags::new() } else { self.tags() };
        merged.extend(tags.iter().map(|(k, v)| (k.clone(), v.clone())));
        self.tags = if merged.is_empty() { None } else { Some(Box::new(merged)) };
    }
}

/// 2024-01-01T00:00:00Z: fake timestamps count from here so runs are deterministic.
pub const EPOCH: i64 = 1_704_067_200;

#[derive(Debug, Clone)]
pub struct VpcRec {
    pub common: Common,
    /// Second octet of 10.x.0.0/16.
    pub octet: u8,
    pub is_default: bool,
}

#[derive(Debug, Clone)]
pub struct NetworkRec {
    pub common: Common,
    pub vpc: u64,
    pub zone: u8,
    /// Third octet of 10.x.y.0/24.
    pub octet: u8,
}

#[derive(Debug, Clone)]
pub struct SecgroupRec {
    pub common: Common,
    pub vpc: u64,
    pub rules: Vec<SecgroupRule>,
}

#[derive(Debug, Clone)]
pub struct ServerRec {
    pub common: Common,
    pub status: strato_cloud::ServerStatus,
    pub zone: u8,
    pub sku: u8,
    pub image: u8,
    pub network: u64,
    pub secgroup: u64,
    /// Disks attached, root first; empty vectors allocate nothing.
    pub disks: Vec<u64>,
}

#[derive(Debug, Clone)]
pub struct DiskRec {
    pub common: Common,
    pub zone: u8,
    pub size_gb: u32,
    pub server: Option<u64>,
    /// Device letter index (0 = a), meaningful when attached.
    pub device: u8,
    pub is_root: bool,
    /// Made with the server, so deleted with it.
    pub delete_with_server: bool,
}

/// One region's resources, ordered by id so pages are stable.
#[derive(Debug, Default)]
pub struct RegionState {
    pub vpcs: BTreeMap<u64, VpcRec>,
    pub networks: BTreeMap<u64, NetworkRec>,
    pub secgroups: BTreeMap<u64, SecgroupRec>,
    pub servers: BTreeMap<u64, ServerRec>,
    pub disks: BTreeMap<u64, DiskRec>,
    /// Every other kind (Elasticsearch, a test's kind): its snapshots as JSON (records.rs).
    pub records: HashMap<ResourceKind, BTreeMap<u64, serde_json::Value>>,
    /// Idempotency token -> server id.
    pub server_tokens: HashMap<Box<str>, u64>,
    pub disk_tokens: HashMap<Box<str>, u64>,
}

#[derive(Debug)]
pub struct World {
    pub region_names: Vec<String>,
    pub regions: Vec<RegionState>,
    /// Next id number (shared by all kinds, so ids are unique across the world).
    pub next_id: u64,
    /// Seconds since EPOCH handed to the next created resource.
    pub clock: u32,
}

impl World {
    pub fn alloc(&mut self) -> (u64, u32) {
        self.next_id += 1;
        self.clock += 1;
        (self.next_id, self.clock)
    }

    pub fn region_index(&self, region: &str) -> CloudResult<usize> {
        self.region_names
            .iter()
            .position(|r| r == region)
            .ok_or_else(|| CloudError::invalid_input(format!("unknown region '{region}'")).with_code("InvalidRegion"))
    }

    pub fn region_mut(&mut self, region: &str) -> CloudResult<&mut RegionState> {
        let i = self.region_index(region)?;
        Ok(&mut self.regions[i])
    }

    pub fn region(&self, region: &str) -> CloudResult<&RegionState> {
        let i = self.region_index(region)?;
        Ok(&self.regions[i])
    }

    /// Adds a record of kind `K` in region `ri`, made by `make` from its common fields.
    pub fn insert_record<K: Kind>(&mut self, ri: usize, name: &str, make: impl FnOnce(ExtBase, &World) -> K::Ext) -> CloudResult<String> {
        let (n, t) = self.alloc();
        let external_id = format_id(K::KIND, n);
        let base = ExtBase {
            created_at: Common::new(name, t).created_at(),
            project_id: Some("fake-project".to_string()),
            ..ExtBase::new(external_id.clone(), name)
        };
        let record = serde_json::to_value(make(base, self)).map_err(|e| CloudError::other(format!("cannot keep a {} record: {e}", K::KIND)))?;
        self.regions[ri].records.entry(K::KIND).or_default().insert(n, record);
        Ok(external_id)
    }
}

/// An Elasticsearch domain in `network` (its VPC's) of region `ri`.
fn elasticsearch(w: &World, ri: usize, base: ExtBase, network: Option<u64>, node_count: u32, storage_size_gb: u64) -> strato_cloud::ExtElasticsearch {
    let region = &w.region_names[ri];
    strato_cloud::ExtElasticsearch {
        endpoint: Some(format!("{}.{region}.search.fake", base.name)),
        base,
        status: strato_cloud::ElasticsearchStatus::Available,
        engine_version: "OpenSearch_2.11".to_string(),
        instance_type: "fake.search.medium".to_string(),
        node_count,
        storage_size_gb,
        vpc_id: network.and_then(|n| w.regions[ri].networks.get(&n)).map(|s| format_id(ResourceKind::Vpc, s.vpc)),
        network_ids: network.map(|n| format_id(ResourceKind::Network, n)).into_iter().collect(),
    }
}

pub fn zone_name(region: &str, zone: u8) -> String {
    format!("{region}{}", char::from(b'a' + zone))
}

pub fn zone_index(region: &str, zone: &str) -> CloudResult<u8> {
    zone.strip_prefix(region)
        .and_then(|z| z.bytes().next().filter(|_| z.len() == 1))
        .map(|b| b.wrapping_sub(b'a'))
        .filter(|z| *z < ZONES_PER_REGION)
        .ok_or_else(|| CloudError::invalid_input(format!("unknown zone '{zone}' in region '{region}'")))
}

/// How many resources `FakeCloud::populate` makes in one region.
#[derive(Debug, Clone, Copy, Default)]
pub struct Population {
    pub vpcs: u32,
    pub networks_per_vpc: u32,
    pub secgroups_per_vpc: u32,
    pub servers: u32,
    pub disks: u32,
    pub elasticsearches: u32,
}

/// Injected faults.
#[derive(Debug, Default)]
pub struct Faults {
    failing_lists: Mutex<HashSet<(ResourceKind, String)>>,
    throttle_remaining: AtomicU64,
}

/// The shared in-memory cloud. Many drivers (accounts) may point at one.
#[derive(Debug)]
pub struct FakeCloud {
    seed: u64,
    world: RwLock<World>,
    faults: Faults,
}

impl FakeCloud {
    /// An empty cloud with `regions` regions named `fake-region-1`, `fake-region-2`, ...
    pub fn new(seed: u64, regions: usize) -> Self {
        let region_names: Vec<String> = (1..=regions.max(1)).map(|i| format!("fake-region-{i}")).collect();
        let regions = region_names.iter().map(|_| RegionState::default()).collect();
        Self { seed, world: RwLock::new(World { region_names, regions, next_id: 0, clock: 0 }), faults: Faults::default() }
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    // A poisoned lock means a panic mid-update in this process; the data is still plain.
    pub fn read(&self) -> RwLockReadGuard<'_, World> {
        self.world.read().unwrap_or_else(|p| p.into_inner())
    }
    pub fn write(&self) -> RwLockWriteGuard<'_, World> {
        self.world.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Make listing `kind` in `region` fail with an `other` error until cleared.
    pub fn fail_listing(&self, kind: ResourceKind, region: &str) {
        self.faults.failing_lists.lock().unwrap_or_else(|p| p.into_inner()).insert((kind, region.to_string()));
    }
    pub fn clear_faults(&self) {
        self.faults.failing_lists.lock().unwrap_or_else(|p| p.into_inner()).clear();
        self.faults.throttle_remaining.store(0, Ordering::SeqCst);
    }
    /// Answer the next `n` calls (of any kind) with a throttling error.
    pub fn throttle_next(&self, n: u64) {
        self.faults.throttle_remaining.store(n, Ordering::SeqCst);
    }

    /// Called at the start of every API call.
    pub fn check_call(&self) -> CloudResult<()> {
        let took = self.faults.throttle_remaining.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
        if took.is_ok() {
            return Err(CloudError::throttled("rate exceeded (injected)").with_code("Throttling"));
        }
        Ok(())
    }

    pub fn check_list(&self, kind: ResourceKind, region: &str) -> CloudResult<()> {
        self.check_call()?;
        let failing = self.faults.failing_lists.lock().unwrap_or_else(|p| p.into_inner()).contains(&(kind, region.to_string()));
        if failing {
            return Err(CloudError::new(CloudErrorKind::Other, format!("listing {kind} in {region} failed (injected)")).with_code("InjectedFailure"));
        }
        Ok(())
    }

    /// Fill `region` deterministically from the seed: same seed, same resources and ids.
    pub fn populate(&self, region: &str, p: Population) -> CloudResult<()> {
        let mut world = self.write();
        let ri = world.region_index(region)?;
        let mut rng = StdRng::seed_from_u64(self.seed ^ (ri as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let mut subnets = Vec::new();
        let mut groups = Vec::new();
        for v in 0..p.vpcs {
            let (vid, t) = world.alloc();
            world.regions[ri].vpcs.insert(vid, VpcRec { common: Common::new(&format!("vpc-{v}"), t), octet: (v % 250) as u8, is_default: v == 0 });
            for n in 0..p.networks_per_vpc {
                let (nid, t) = world.alloc();
                let zone = (n % u32::from(ZONES_PER_REGION)) as u8;
                world.regions[ri].networks.insert(nid, NetworkRec { common: Common::new(&format!("subnet-{v}-{n}"), t), vpc: vid, zone, octet: (n % 250) as u8 });
                subnets.push((nid, zone));
            }
            for s in 0..p.secgroups_per_vpc {
                let (sid, t) = world.alloc();
                world.regions[ri].secgroups.insert(sid, SecgroupRec { common: Common::new(&format!("sg-{v}-{s}"), t), vpc: vid, rules: default_rules() });
                groups.push(sid);
            }
        }
        for s in 0..p.servers {
            let (sid, t) = world.alloc();
            let (network, zone) = if subnets.is_empty() { (0, 0) } else { subnets[rng.gen_range(0..subnets.len())] };
            let secgroup = if groups.is_empty() { 0 } else { groups[rng.gen_range(0..groups.len())] };
            let status = if rng.gen_bool(0.8) { strato_cloud::ServerStatus::Running } else { strato_cloud::ServerStatus::Stopped };
            let rec = ServerRec {
                common: Common::new(&format!("server-{s}"), t),
                status,
                zone,
                sku: rng.gen_range(0..SKUS.len()) as u8,
                image: rng.gen_range(0..IMAGES.len()) as u8,
                network,
                secgroup,
                disks: Vec::new(),
            };
            world.regions[ri].servers.insert(sid, rec);
        }
        for d in 0..p.disks {
            let (did, t) = world.alloc();
            let rec = DiskRec {
                common: Common::new(&format!("disk-{d}"), t),
                zone: rng.gen_range(0..ZONES_PER_REGION),
                size_gb: rng.gen_range(1..=512),
                server: None,
                device: 0,
                is_root: false,
                delete_with_server: false,
            };
            world.regions[ri].disks.insert(did, rec);
        }
        for e in 0..p.elasticsearches {
            let network = subnets.first().map(|s| s.0);
            world.insert_record::<strato_cloud::Elasticsearch>(ri, &format!("es-{e}"), |base, w| elasticsearch(w, ri, base, network, 3, 100))?;
        }
        Ok(())
    }

    /// Adds one resource of a kind the fake keeps as records (any kind but regions, zones,
    /// skus, vpcs, networks, secgroups, disks and servers): `make` builds its snapshot from the
    /// common fields the cloud gives it. Returns its external id.
    pub fn insert<K: Kind>(&self, region: &str, name: &str, make: impl FnOnce(ExtBase) -> K::Ext) -> CloudResult<String> {
        let mut world = self.write();
        let ri = world.region_index(region)?;
        world.insert_record::<K>(ri, name, |base, _| make(base))
    }

    /// Adds one Elasticsearch domain in the region's first network (the contract has no
    /// create); returns its external id.
    pub fn insert_elasticsearch(&self, region: &str, name: &str) -> CloudResult<String> {
        let mut world = self.write();
        let ri = world.region_index(region)?;
        let network = world.regions[ri].networks.keys().next().copied();
        world.insert_record::<strato_cloud::Elasticsearch>(ri, name, |base, w| elasticsearch(w, ri, base, network, 1, 10))
    }

    /// Resources held, all kinds and regions.
    pub fn len(&self) -> usize {
        let world = self.read();
        world
            .regions
            .iter()
            .map(|r| r.vpcs.len() + r.networks.len() + r.secgroups.len() + r.servers.len() + r.disks.len() + r.records.values().map(BTreeMap::len).sum::<usize>())
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

pub fn default_rules() -> Vec<SecgroupRule> {
    use strato_cloud::RuleDirection;
    vec![
        SecgroupRule { direction: RuleDirection::Ingress, protocol: "tcp".into(), from_port: Some(22), to_port: Some(22), peer: "0.0.0.0/0".into(), description: Some("ssh".into()) },
        SecgroupRule { direction: RuleDirection::Egress, protocol: "all".into(), from_port: None, to_port: None, peer: "0.0.0.0/0".into(), description: None },
    ]
}

/// One page of `map` after cursor `after`, mapped by `f`, and the cursor of the next page.
pub fn page<T, O>(map: &BTreeMap<u64, T>, after: Option<u64>, size: usize, mut f: impl FnMut(u64, &T) -> O) -> (Vec<O>, Option<u64>) {
    let size = size.clamp(1, MAX_PAGE);
    let start = after.map(|a| a + 1).unwrap_or(0);
    let mut iter = map.range(start..);
    let mut out = Vec::with_capacity(size.min(map.len()));
    let mut last = None;
    for (k, v) in iter.by_ref().take(size) {
        out.push(f(*k, v));
        last = Some(*k);
    }
    let next = if iter.next().is_some() { last } else { None };
    (out, next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_stay_small() {
        assert!(std::mem::size_of::<ServerRec>() <= 96, "{}", std::mem::size_of::<ServerRec>());
        assert!(std::mem::size_of::<DiskRec>() <= 64, "{}", std::mem::size_of::<DiskRec>());
    }

    #[test]
    fn ids_round_trip_and_reject_garbage() {
        let id = format_id(ResourceKind::Server, 42);
        assert_eq!(id, "i-00000000002a");
        assert_eq!(format_id(ResourceKind::Server, 0xabcdef012345), "i-abcdef012345");
        assert_eq!(format_id(ResourceKind::Server, 1 << 48), "i-1000000000000");
        assert_eq!(parse_id(ResourceKind::Server, &id), Some(42));
        assert_eq!(parse_id(ResourceKind::Disk, &id), None);
        assert_eq!(parse_id(ResourceKind::Server, "i-zz"), None);
    }

    #[test]
    fn populate_is_deterministic_and_holds_a_million() {
        let a = FakeCloud::new(7, 1);
        let b = FakeCloud::new(7, 1);
        let p = Population { vpcs: 1, networks_per_vpc: 2, secgroups_per_vpc: 1, servers: 1_000_000, disks: 0, elasticsearches: 0 };
        a.populate("fake-region-1", p).unwrap();
        b.populate("fake-region-1", Population { servers: 1000, ..p }).unwrap();
        assert_eq!(a.len(), 1_000_004);
        let (wa, wb) = (a.read(), b.read());
        let first_a: Vec<_> = wa.regions[0].servers.iter().take(1000).map(|(k, v)| (*k, v.sku, v.zone, v.network)).collect();
        let first_b: Vec<_> = wb.regions[0].servers.iter().map(|(k, v)| (*k, v.sku, v.zone, v.network)).collect();
        assert_eq!(first_a, first_b);
    }

    #[test]
    fn pages_cover_everything_once() {
        let map: BTreeMap<u64, u8> = (1..=25).map(|i| (i, 0)).collect();
        let mut after = None;
        let mut seen = Vec::new();
        let mut pages = 0;
        loop {
            let (items, next) = page(&map, after, 10, |k, _| k);
            pages += 1;
            seen.extend(items);
            match next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        assert_eq!(pages, 3);
        assert_eq!(seen, (1..=25).collect::<Vec<_>>());
    }
}
