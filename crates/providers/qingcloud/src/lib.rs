//! The `qingcloud` provider: QingCloud's IaaS API over reqwest. No
//! maintained Rust SDK exists: `sign` holds the request signing (signature version 1,
//! HMAC-SHA256), written once; `client` the raw calls through the shared request layer, the
//! listing loop and the error mapping. Not registered yet.
//!
//! A Strato region is a QingCloud region (`pek3`, `gd2`, `sh1`), a Strato zone a QingCloud zone
//! (`pek3a`). QingCloud's calls take a zone, so a region's listing calls the API once per zone
//! of the region (from DescribeZones) and merges the answers; each snapshot's zone is the
//! QingCloud zone it was listed in.
//!
//! Layout (as every provider): lib.rs (the provider and the trait impl), client.rs (raw calls,
//! paging and error mapping), pager.rs, sign.rs, fields.rs (reading answers), one file per kind.

pub mod client;
mod disk;
mod fields;
mod network;
mod pager;
mod region;
mod secgroup;
mod server;
pub mod sign;
mod sku;
mod tags;
mod vpc;

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;
use strato_cloud::facets;
use strato_cloud::*;

pub use client::{classify, QingCloudClient, DEFAULT_ENDPOINT};

pub const PROVIDER: &str = "qingcloud";

/// Hosts of QingCloud's public endpoints (`api.qingcloud.com`).
pub const PUBLIC_ENDPOINT_SUFFIXES: &[&str] = &["qingcloud.com"];

/// Request-layer buckets per (account, zone, API class). QingCloud publishes no per-API rate
/// figures; it answers 5100 (server busy) or 2500 (over quota) when callers go too fast. These
/// are deliberately modest until measured against the real cloud.
pub const LIMITS: ProviderLimits =
    ProviderLimits { describe: RateLimit { burst: 20, per_second: 10 }, mutate: RateLimit { burst: 10, per_second: 2 } };

const CREDENTIAL_FIELDS: &[CredentialField] = &[
    CredentialField { name: "access_key_id", env: Some("QINGCLOUD_ACCESS_KEY_ID"), required: true, secret: false, help: "API access key id (QY...)" },
    CredentialField { name: "secret_access_key", env: Some("QINGCLOUD_SECRET_ACCESS_KEY"), required: true, secret: true, help: "API secret access key" },
];

#[derive(Debug, Default)]
pub struct QingCloudProvider;

#[async_trait]
impl Provider for QingCloudProvider {
    fn name(&self) -> &'static str {
        PROVIDER
    }
    fn credential_fields(&self) -> &'static [CredentialField] {
        CREDENTIAL_FIELDS
    }
    fn limits(&self) -> ProviderLimits {
        LIMITS
    }
    fn region_env(&self) -> &'static [&'static str] {
        &["QINGCLOUD_REGION"]
    }
    /// QingCloud's own endpoints need no allow-list entry; replay servers and private ones do.
    fn endpoint_policy(&self) -> EndpointPolicy {
        EndpointPolicy::Url { public_host_suffixes: PUBLIC_ENDPOINT_SUFFIXES }
    }
    async fn connect(&self, config: DriverConfig) -> CloudResult<Arc<dyn CloudDriver>> {
        Ok(Arc::new(QingCloudDriver::connect(&config)?))
    }
}

pub struct QingCloudDriver {
    c: QingCloudClient,
}

impl QingCloudDriver {
    /// Checks the credentials' shape; needs no network.
    pub fn connect(config: &DriverConfig) -> CloudResult<Self> {
        Ok(Self { c: QingCloudClient::connect(config)? })
    }

    /// Every item of a Describe* listing in each zone of `region`, with the zone it came from:
    /// all zones or an error, never some.
    pub(crate) async fn list_in_zones(&self, region: &str, action: &str, params: &[(String, String)], items: &str) -> CloudResult<Vec<(String, Value)>> {
        let mut all = Vec::new();
        for zone in self.zone_ids(region).await? {
            all.extend(self.c.list(&zone, action, params, items).await?.into_iter().map(|item| (zone.clone(), item)));
        }
        Ok(all)
    }
}

#[async_trait]
impl CloudDriver for QingCloudDriver {
    fn provider(&self) -> &'static str {
        PROVIDER
    }
    fn capabilities(&self) -> CapabilitySet {
        CapabilitySet::all()
    }
    fn facet(&self, kind: ResourceKind) -> Option<Box<dyn ErasedFacet + '_>> {
        facets!(self, kind, [CloudRegion, Zone, Sku, Vpc, Network, Secgroup, Disk, Server])
    }
    // Writes return once QingCloud accepted the job; the operations layer polls the status.
    async fn create_server(&self, region: &str, input: &ServerCreate) -> CloudResult<ExtServer> {
        self.server_create(region, input).await
    }
    async fn change_server_config(&self, region: &str, id: &str, instance_type: &str) -> CloudResult<()> {
        self.server_change_config(region, id, instance_type).await
    }
    async fn create_disk(&self, region: &str, input: &DiskCreate) -> CloudResult<ExtDisk> {
        self.disk_create(region, input).await
    }
    async fn attach_disk(&self, region: &str, disk_id: &str, server_id: &str, _device: Option<&str>) -> CloudResult<String> {
        // QingCloud's AttachVolumes takes no device: it picks one.
        self.disk_attach(region, disk_id, server_id).await
    }
    async fn detach_disk(&self, region: &str, disk_id: &str, server_id: &str) -> CloudResult<()> {
        self.disk_detach(region, disk_id, server_id).await
    }
    async fn resize_disk(&self, region: &str, disk_id: &str, size_gb: u64) -> CloudResult<()> {
        self.disk_resize(region, disk_id, size_gb).await
    }
    async fn set_tags(&self, region: &str, kind: ResourceKind, id: &str, tags: &Tags, replace: bool) -> CloudResult<()> {
        self.tags_set(region, kind, id, tags, replace).await
    }
}

pub(crate) fn gone(kind: &str, id: &str) -> CloudError {
    CloudError::not_found(format!("{kind} '{id}' not found"))
}

/// QingCloud's id-list parameter for one id (`instances.1=i-xxx`).
pub(crate) fn one_id(list: &str, id: &str) -> (String, String) {
    client::param(&format!("{list}.1"), id)
}
