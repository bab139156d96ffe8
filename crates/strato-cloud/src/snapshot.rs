//! Plain-data snapshots of cloud resources, as a driver reports them. No behaviour, no I/O:
//! sync compares these with the store, the CLI prints them.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::status::{BillingType, DiskStatus, ElasticsearchStatus, PowerState, ResourceStatus, ServerStatus};

/// Cloud tags, ordered so snapshots compare and print deterministically.
pub type Tags = BTreeMap<String, String>;

/// How a resource is billed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Billing {
    pub billing_type: BillingType,
    pub expires_at: Option<DateTime<Utc>>,
    pub auto_renew: bool,
}

impl Default for Billing {
    fn default() -> Self {
        Self { billing_type: BillingType::Postpaid, expires_at: None, auto_renew: false }
    }
}

/// Fields every snapshot carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtBase {
    /// The cloud's id, normalised by the driver; unique and stable.
    pub external_id: String,
    pub name: String,
    pub created_at: Option<DateTime<Utc>>,
    pub tags: Tags,
    pub billing: Billing,
    /// The cloud's project/owner id (AWS account id, Aliyun resource group), where there is one.
    pub project_id: Option<String>,
}

impl ExtBase {
    pub fn new(external_id: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            external_id: external_id.into(),
            name: name.into(),
            created_at: None,
            tags: Tags::new(),
            billing: Billing::default(),
            project_id: None,
        }
    }
}

/// Generic access to the common fields, for code that handles every kind alike.
pub trait ExtResource {
    fn base(&self) -> &ExtBase;
    /// Our status, as text (each kind has its own enum).
    fn status_text(&self) -> &'static str;
    fn external_id(&self) -> &str {
        &self.base().external_id
    }
    fn name(&self) -> &str {
        &self.base().name
    }
    fn tags(&self) -> &Tags {
        &self.base().tags
    }
}

macro_rules! ext_resource {
    ($($ty:ty),+) => {$(
        impl ExtResource for $ty {
            fn base(&self) -> &ExtBase { &self.base }
            fn status_text(&self) -> &'static str { self.status.as_str() }
        }
    )+};
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtCloudRegion {
    #[serde(flatten)]
    pub base: ExtBase,
    pub status: ResourceStatus,
    /// Where the cloud serves this region's API, if it says.
    pub endpoint: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtZone {
    #[serde(flatten)]
    pub base: ExtBase,
    pub status: ResourceStatus,
    pub region: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtVpc {
    #[serde(flatten)]
    pub base: ExtBase,
    pub status: ResourceStatus,
    pub cidr_block: String,
    pub is_default: bool,
}

/// A subnet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtNetwork {
    #[serde(flatten)]
    pub base: ExtBase,
    pub status: ResourceStatus,
    pub vpc_id: String,
    pub zone: String,
    pub cidr_block: String,
    pub available_ips: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleDirection {
    Ingress,
    Egress,
}

/// One security group rule. `protocol` is `tcp`, `udp`, `icmp` or `all`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecgroupRule {
    pub direction: RuleDirection,
    pub protocol: String,
    pub from_port: Option<i32>,
    pub to_port: Option<i32>,
    /// A CIDR, or another security group's external id.
    pub peer: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtSecgroup {
    #[serde(flatten)]
    pub base: ExtBase,
    pub status: ResourceStatus,
    pub vpc_id: Option<String>,
    pub description: String,
    pub rules: Vec<SecgroupRule>,
}

/// A disk as seen from the server it is attached to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachedDisk {
    pub disk_id: String,
    pub device: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtServer {
    #[serde(flatten)]
    pub base: ExtBase,
    pub status: ServerStatus,
    pub power_state: PowerState,
    pub zone: String,
    pub instance_type: String,
    pub cpu: Option<u32>,
    pub memory_mb: Option<u64>,
    pub image_id: Option<String>,
    pub vpc_id: Option<String>,
    pub network_id: Option<String>,
    pub private_ips: Vec<String>,
    pub public_ips: Vec<String>,
    pub disks: Vec<AttachedDisk>,
    pub secgroup_ids: Vec<String>,
    pub keypair: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtDisk {
    #[serde(flatten)]
    pub base: ExtBase,
    pub status: DiskStatus,
    pub zone: String,
    pub size_gb: u64,
    /// The cloud's storage type, e.g. `gp3`.
    pub disk_type: String,
    pub server_id: Option<String>,
    pub device: Option<String>,
    pub is_root: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtElasticsearch {
    #[serde(flatten)]
    pub base: ExtBase,
    pub status: ElasticsearchStatus,
    pub engine_version: String,
    pub instance_type: String,
    pub node_count: u32,
    pub storage_size_gb: u64,
    pub endpoint: Option<String>,
    pub vpc_id: Option<String>,
    pub network_ids: Vec<String>,
}

/// An instance type in the region's catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtSku {
    #[serde(flatten)]
    pub base: ExtBase,
    pub status: ResourceStatus,
    pub cpu: u32,
    pub memory_mb: u64,
    /// `x86_64` or `arm64`.
    pub arch: String,
}

ext_resource!(ExtCloudRegion, ExtZone, ExtVpc, ExtNetwork, ExtSecgroup, ExtServer, ExtDisk, ExtElasticsearch, ExtSku);
