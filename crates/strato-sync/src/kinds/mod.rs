//! Per-kind mapping from a driver's snapshot to the store's row, and the one dispatch table
//! that names every kind: its store definition, its dependencies, how to list and get it.

mod disk;
mod elasticsearch;
mod network;
mod region;
mod secgroup;
mod server;
mod sku;
mod vpc;

use std::collections::HashMap;

pub use disk::map as disk_row;
pub use server::map as server_row;

use strato_cloud::{Billing, CloudDriver, CloudResult, ExtBase, ExtResource, ResourceKind};
use strato_store::synced::{self, KindDef, ResourceId, Value};

/// Kinds synced per region, in dependency order.
pub const REGION_KINDS: &[ResourceKind] = &[
    ResourceKind::Zone,
    ResourceKind::Sku,
    ResourceKind::Vpc,
    ResourceKind::Network,
    ResourceKind::Secgroup,
    ResourceKind::Disk,
    ResourceKind::Server,
    ResourceKind::Elasticsearch,
];

pub fn def(kind: ResourceKind) -> &'static KindDef {
    match kind {
        ResourceKind::CloudRegion => &synced::regions::CLOUDREGIONS,
        ResourceKind::Zone => &synced::regions::ZONES,
        ResourceKind::Sku => &synced::skus::SKUS,
        ResourceKind::Vpc => &synced::vpcs::VPCS,
        ResourceKind::Network => &synced::networks::NETWORKS,
        ResourceKind::Secgroup => &synced::secgroups::SECGROUPS,
        ResourceKind::Disk => &synced::disks::DISKS,
        ResourceKind::Server => &synced::servers::SERVERS,
        ResourceKind::Elasticsearch => &synced::elasticsearches::ELASTICSEARCHES,
    }
}

/// Kinds whose rows this kind refers to: when one of them failed in a region, this kind is
/// skipped there (its references could not be resolved, and nothing must be purged).
pub fn depends_on(kind: ResourceKind) -> &'static [ResourceKind] {
    use ResourceKind::*;
    match kind {
        CloudRegion | Zone => &[],
        Sku | Vpc => &[Zone],
        Network => &[Zone, Vpc],
        Secgroup => &[Vpc],
        Disk => &[Zone],
        Server => &[Zone, Sku, Vpc, Network, Secgroup, Disk],
        Elasticsearch => &[Vpc, Network],
    }
}

/// The state sync wants for one resource, before its local name is chosen.
#[derive(Debug, Clone)]
pub struct Desired {
    pub external_id: String,
    pub cloud_name: String,
    /// `SYNCED_COMMON` minus the name (status, zone, tags, billing...) then typed columns.
    pub values: Vec<Value>,
    pub children: Vec<Vec<Vec<Value>>>,
}

/// Local ids of the kinds already synced in this region, by external id.
#[derive(Debug, Default, Clone)]
pub struct Resolver {
    pub ids: HashMap<ResourceKind, HashMap<String, ResourceId>>,
}

impl Resolver {
    pub fn id(&self, kind: ResourceKind, external_id: &str) -> Option<String> {
        // uuid's own encoder, not `Display`: a server resolves half a dozen references, and the
        // formatting machinery was most of mapping one
        let id = self.ids.get(&kind)?.get(external_id)?;
        Some(id.as_uuid().hyphenated().encode_lower(&mut uuid::Uuid::encode_buffer()).to_owned())
    }
    pub fn id_opt(&self, kind: ResourceKind, external_id: Option<&str>) -> Value {
        Value::Text(external_id.and_then(|e| self.id(kind, e)))
    }
}

/// Common values for a snapshot: status, zone, tags, billing.
pub(crate) fn common<E: ExtResource>(ext: &E, def: &KindDef, zone: Option<&str>, cx: &Resolver) -> Vec<Value> {
    let base: &ExtBase = ext.base();
    let tags = serde_json::to_string(&base.tags).unwrap_or_else(|_| "{}".into());
    let (billing_type, expires_at, auto_renew) = if def.billing {
        let Billing { billing_type, expires_at, auto_renew } = &base.billing;
        (Value::text(billing_type.as_str()), Value::Int(expires_at.map(|t| t.timestamp_micros())), Value::Bool(*auto_renew))
    } else {
        (Value::Text(None), Value::Int(None), Value::Bool(false))
    };
    vec![
        Value::text(ext.status_text()),
        cx.id_opt(ResourceKind::Zone, zone),
        Value::Text(Some(tags)),
        billing_type,
        expires_at,
        auto_renew,
    ]
}

fn desired<E: ExtResource>(ext: &E, mut values: Vec<Value>, typed: Vec<Value>, children: Vec<Vec<Vec<Value>>>) -> Desired {
    values.extend(typed);
    Desired { external_id: ext.external_id().to_string(), cloud_name: ext.name().to_string(), values, children }
}

fn all<E>(list: CloudResult<Vec<E>>, f: impl Fn(&E) -> Desired) -> CloudResult<Vec<Desired>> {
    list.map(|items| items.iter().map(f).collect())
}

/// Complete listing of a regional kind, mapped to desired rows.
pub async fn list(driver: &dyn CloudDriver, kind: ResourceKind, region: &str, cx: &Resolver) -> CloudResult<Vec<Desired>> {
    match kind {
        ResourceKind::CloudRegion => all(driver.list_regions().await, |e| region::region(e, driver.provider())),
        ResourceKind::Zone => all(driver.list_zones(region).await, |e| region::zone(e, cx)),
        ResourceKind::Sku => all(driver.list_skus(region).await, |e| sku::map(e, cx)),
        ResourceKind::Vpc => all(driver.list_vpcs(region).await, |e| vpc::map(e, cx)),
        ResourceKind::Network => all(driver.list_networks(region).await, |e| network::map(e, cx)),
        ResourceKind::Secgroup => all(driver.list_secgroups(region).await, |e| secgroup::map(e, cx)),
        ResourceKind::Disk => all(driver.list_disks(region).await, |e| disk::map(e, cx)),
        ResourceKind::Server => all(driver.list_servers(region).await, |e| server::map(e, cx)),
        ResourceKind::Elasticsearch => all(driver.list_elasticsearches(region).await, |e| elasticsearch::map(e, cx)),
    }
}

/// One resource by external id (targeted re-read); kinds without a `get` answer not_implemented.
pub async fn get(driver: &dyn CloudDriver, kind: ResourceKind, region: &str, id: &str, cx: &Resolver) -> CloudResult<Desired> {
    Ok(match kind {
        ResourceKind::Vpc => vpc::map(&driver.get_vpc(region, id).await?, cx),
        ResourceKind::Network => network::map(&driver.get_network(region, id).await?, cx),
        ResourceKind::Secgroup => secgroup::map(&driver.get_secgroup(region, id).await?, cx),
        ResourceKind::Disk => disk::map(&driver.get_disk(region, id).await?, cx),
        ResourceKind::Server => server::map(&driver.get_server(region, id).await?, cx),
        ResourceKind::Elasticsearch => elasticsearch::map(&driver.get_elasticsearch(region, id).await?, cx),
        other => {
            return Err(strato_cloud::CloudError::not_implemented(format!("targeted re-read of {other}")));
        }
    })
}
