//! The `aws` provider: EC2 (servers, disks, VPCs, subnets, security groups, instance types)
//! and OpenSearch, on the official AWS SDK for Rust. Every call goes through the shared request
//! layer; the SDK's own retries are off.
//!
//! Layout (as every provider): lib.rs (registration and the trait impl), client.rs (SDK
//! clients and error mapping), one file per kind.

mod client;
mod disk;
mod elasticsearch;
mod image;
mod network;
mod pager;
mod region;
mod secgroup;
mod server;
mod sku;
mod tags;
mod vpc;

use std::sync::Arc;

use async_trait::async_trait;
use strato_cloud::*;
use strato_cloud::facets;

pub use client::{classify, DEFAULT_REGION};
pub use image::AwsImage;

pub const PROVIDER: &str = "aws";

/// Hosts of AWS's public endpoints (global, China, and the dual-stack `api.aws`).
pub const PUBLIC_ENDPOINT_SUFFIXES: &[&str] = &["amazonaws.com", "amazonaws.com.cn", "api.aws"];

/// AWS's published EC2 API request limits (token buckets per account and region):
/// non-mutating actions bucket 100, refill 20/s; mutating actions refill 5/s.
pub const LIMITS: ProviderLimits =
    ProviderLimits { describe: RateLimit { burst: 100, per_second: 20 }, mutate: RateLimit { burst: 50, per_second: 5 } };

const CREDENTIAL_FIELDS: &[CredentialField] = &[
    CredentialField { name: "access_key_id", env: Some("AWS_ACCESS_KEY_ID"), required: true, secret: false, help: "access key id (AKIA...)" },
    CredentialField { name: "secret_access_key", env: Some("AWS_SECRET_ACCESS_KEY"), required: true, secret: true, help: "secret access key" },
    CredentialField { name: "session_token", env: Some("AWS_SESSION_TOKEN"), required: false, secret: true, help: "session token of temporary credentials" },
    CredentialField { name: "role_arn", env: Some("AWS_ROLE_ARN"), required: false, secret: false, help: "role to assume with the credentials" },
];

pub fn capabilities() -> CapabilitySet {
    CapabilitySet::all()
}

#[derive(Debug, Default)]
pub struct AwsProvider;

pub fn register(registry: &mut ProviderRegistry) -> CloudResult<()> {
    registry.register(Arc::new(AwsProvider))
}

#[async_trait]
impl Provider for AwsProvider {
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
        &["AWS_REGION", "AWS_DEFAULT_REGION"]
    }
    /// AWS's own endpoints need no allow-list entry; emulators and private endpoints do.
    fn endpoint_policy(&self) -> EndpointPolicy {
        EndpointPolicy::Url { public_host_suffixes: PUBLIC_ENDPOINT_SUFFIXES }
    }
    async fn connect(&self, config: DriverConfig) -> CloudResult<Arc<dyn CloudDriver>> {
        Ok(Arc::new(AwsDriver::connect(&config).await?))
    }
}

pub struct AwsDriver {
    c: client::AwsClient,
    /// Instance type -> (vCPUs, memory MiB), learnt from DescribeInstanceTypes.
    type_cache: std::sync::Mutex<std::collections::HashMap<String, (u32, u64)>>,
}

impl AwsDriver {
    pub async fn connect(config: &DriverConfig) -> CloudResult<Self> {
        Ok(Self { c: client::AwsClient::connect(config).await?, type_cache: Default::default() })
    }
}

#[async_trait]
impl CloudDriver for AwsDriver {
    fn provider(&self) -> &'static str {
        PROVIDER
    }
    fn capabilities(&self) -> CapabilitySet {
        capabilities()
    }
    fn facet(&self, kind: ResourceKind) -> Option<Box<dyn ErasedFacet + '_>> {
        facets!(self, kind, [CloudRegion, Zone, Sku, Vpc, Network, Secgroup, Disk, Server, Elasticsearch])
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

/// Log how many pages a listing took (DESIGN.md: every page followed).
fn log_pages(region: &str, kind: &str, pages: u32, items: usize) {
    tracing::debug!(provider = PROVIDER, region, kind, pages, items, "listed");
}
