//! Inputs of lifecycle operations on synced resources (servers, disks, Elasticsearch). Each
//! answers 202 with the task that does the work. References (account, region, zone, network,
//! secgroups, server, project) accept an id or a name.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `POST /servers`.
#[derive(Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServerCreate {
    /// 1-128 characters: a letter, then letters, digits, `-`, `_` or `.` (never a UUID).
    #[schema(pattern = "^[A-Za-z][A-Za-z0-9._-]{0,127}$")]
    pub name: String,
    /// Cloud account (id or name).
    pub cloudaccount: String,
    /// Region external id, e.g. `us-east-1`; the account's only region when absent.
    #[serde(default)]
    pub region: Option<String>,
    /// Zone (id, name or external id); the cloud picks one when absent.
    #[serde(default)]
    pub zone: Option<String>,
    /// Instance type, e.g. `t3.micro`; or give `vcpus` and `memory_mb` instead.
    #[serde(default)]
    pub sku: String,
    /// With `memory_mb`, instead of `sku`: the cloud's instance type of that shape (kvm names
    /// any shape, e.g. `1c256m`; other clouds need a sku of exactly that shape).
    #[serde(default)]
    pub vcpus: Option<u32>,
    /// Memory in MiB, with `vcpus`.
    #[serde(default)]
    pub memory_mb: Option<u64>,
    /// Image id in the cloud, e.g. `ami-...`, or a kvm image name; when absent, the cloud's
    /// only (or default) image, if it has one.
    #[serde(default)]
    pub image: String,
    /// Network (subnet): id or name; the cloud's default when absent.
    #[serde(default)]
    pub network: Option<String>,
    /// Security groups: ids or names.
    #[serde(default)]
    pub secgroups: Vec<String>,
    /// Root disk size in GiB.
    #[serde(default)]
    pub root_disk_size: Option<u64>,
    /// Data disks, sizes in GiB.
    #[serde(default)]
    pub data_disk_sizes: Vec<u64>,
    /// Passed to the guest; may hold secrets, so it is never shown back.
    #[serde(default)]
    pub user_data: Option<String>,
    #[serde(default)]
    pub keypair: Option<String>,
    /// Project of the new server; the account's project when absent.
    #[serde(default)]
    pub project: Option<String>,
    #[serde(default)]
    pub tags: std::collections::BTreeMap<String, String>,
}

impl std::fmt::Debug for ServerCreate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerCreate")
            .field("name", &self.name)
            .field("cloudaccount", &self.cloudaccount)
            .field("region", &self.region)
            .field("sku", &self.sku)
            .field("vcpus", &self.vcpus)
            .field("memory_mb", &self.memory_mb)
            .field("image", &self.image)
            .field("user_data", &self.user_data.as_ref().map(|_| "<hidden>"))
            .finish_non_exhaustive()
    }
}

/// `POST /servers/{id}/change_config`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServerChangeConfig {
    /// The new instance type; or give `vcpus` and `memory_mb` instead.
    #[serde(default)]
    pub sku: String,
    #[serde(default)]
    pub vcpus: Option<u32>,
    /// Memory in MiB, with `vcpus`.
    #[serde(default)]
    pub memory_mb: Option<u64>,
}

/// `POST /disks`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiskCreate {
    /// 1-128 characters: a letter, then letters, digits, `-`, `_` or `.` (never a UUID).
    #[schema(pattern = "^[A-Za-z][A-Za-z0-9._-]{0,127}$")]
    pub name: String,
    pub cloudaccount: String,
    #[serde(default)]
    pub region: Option<String>,
    /// Zone (id, name or external id); the region's only zone when absent.
    #[serde(default)]
    pub zone: Option<String>,
    /// Size in GiB.
    #[schema(minimum = 1, maximum = 65536)]
    pub size: u64,
    /// The cloud's storage type, e.g. `gp3`; the driver's default when absent.
    #[serde(default)]
    pub disk_type: Option<String>,
    #[serde(default)]
    pub project: Option<String>,
    #[serde(default)]
    pub tags: std::collections::BTreeMap<String, String>,
}

/// `POST /disks/{id}/attach`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiskAttach {
    /// Server (id or name) in the disk's account and region.
    pub server: String,
    /// Device name, e.g. `/dev/sdf`; the driver picks one when absent.
    #[serde(default)]
    pub device: Option<String>,
}

/// `POST /disks/{id}/resize`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiskResize {
    /// New size in GiB; larger than the current one.
    #[schema(minimum = 1)]
    pub size: u64,
}

/// `PUT /<plural>/{id}` of a synced resource: what a user may change on the mirrored row.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceUpdate {
    /// Delete protection: while true, deletes are refused with 409.
    #[serde(default)]
    pub disable_delete: Option<bool>,
}
