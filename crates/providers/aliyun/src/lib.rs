//! The `aliyun` provider: ECS (servers, disks, security groups, instance types, regions and
//! zones), VPC (VPCs, VSwitches) and Elasticsearch, over Aliyun's HTTP APIs with reqwest. No
//! maintained Rust SDK exists: `sign` holds the request signing (RPC v1, ACS3, ROA), written once.
//! Every call goes through the shared request layer.
//!
//! Layout (as every provider): lib.rs (registration and the trait impl), client.rs (raw calls,
//! paging and error mapping), sign.rs, one file per kind.

mod client;
mod disk;
mod elasticsearch;
mod network;
mod pager;
mod preflight;
mod region;
mod secgroup;
mod server;
pub mod sign;
mod sku;
mod tags;
mod vpc;

use std::sync::Arc;

use async_trait::async_trait;
use strato_cloud::facets;
use strato_cloud::*;

pub use client::{classify, DEFAULT_REGION, ELASTICSEARCH_VERSION};

pub const PROVIDER: &str = "aliyun";

/// Hosts of Aliyun's public endpoints (`ecs.cn-hangzhou.aliyuncs.com`, ...).
pub const PUBLIC_ENDPOINT_SUFFIXES: &[&str] = &["aliyuncs.com"];

/// Aliyun's published ECS flow control is per account and API, in the order of hundreds of
/// calls a second for Describe* and tens for changes; these buckets stay well below it.
pub const LIMITS: ProviderLimits =
    ProviderLimits { describe: RateLimit { burst: 50, per_second: 20 }, mutate: RateLimit { burst: 20, per_second: 5 } };

const CREDENTIAL_FIELDS: &[CredentialField] = &[
    CredentialField { name: "access_key_id", env: Some("ALIYUN_ACCESS_KEY_ID"), required: true, secret: false, help: "AccessKey id (LTAI...)" },
    CredentialField { name: "access_key_secret", env: Some("ALIYUN_ACCESS_KEY_SECRET"), required: true, secret: true, help: "AccessKey secret" },
];

/// The operations with a body the driver performs (plain actions come from its facets).
pub fn capabilities() -> CapabilitySet {
    CapabilitySet::all()
}

#[derive(Debug, Default)]
pub struct AliyunProvider;

pub fn register(registry: &mut ProviderRegistry) -> CloudResult<()> {
    registry.register(Arc::new(AliyunProvider))
}

#[async_trait]
impl Provider for AliyunProvider {
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
        &["ALIYUN_REGION", "ALIBABA_CLOUD_REGION_ID"]
    }
    /// Aliyun's own endpoints need no allow-list entry; replay servers and private ones do.
    fn endpoint_policy(&self) -> EndpointPolicy {
        EndpointPolicy::Url { public_host_suffixes: PUBLIC_ENDPOINT_SUFFIXES }
    }
    async fn connect(&self, config: DriverConfig) -> CloudResult<Arc<dyn CloudDriver>> {
        Ok(Arc::new(AliyunDriver::connect(&config)?))
    }
}

pub struct AliyunDriver {
    c: client::AliyunClient,
}

impl AliyunDriver {
    /// Checks the credentials' shape; needs no network.
    pub fn connect(config: &DriverConfig) -> CloudResult<Self> {
        Ok(Self { c: client::AliyunClient::connect(config)? })
    }
}

#[async_trait]
impl CloudDriver for AliyunDriver {
    fn provider(&self) -> &'static str {
        PROVIDER
    }
    fn capabilities(&self) -> CapabilitySet {
        capabilities()
    }
    fn facet(&self, kind: ResourceKind) -> Option<Box<dyn ErasedFacet + '_>> {
        facets!(self, kind, [CloudRegion, Zone, Sku, Vpc, Network, Secgroup, Disk, Server, Elasticsearch])
    }
    async fn preflight(&self, region: &str, op: Preflight<'_>) -> CloudResult<()> {
        self.preflight_op(region, op).await
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
        self.tags_set(region, kind, id, tags, replace).await
    }
}

pub(crate) fn gone(kind: &str, id: &str) -> CloudError {
    CloudError::not_found(format!("{kind} '{id}' not found"))
}

/// A JSON array parameter (`InstanceIds=["i-1"]`), as ECS takes id lists.
pub(crate) fn json_ids(ids: &[&str]) -> String {
    serde_json::Value::from(ids.iter().map(|s| s.to_string()).collect::<Vec<_>>()).to_string()
}
