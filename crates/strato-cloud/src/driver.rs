//! The driver contract. One `CloudDriver` talks to one cloud account; the region is passed
//! per call. Every method has a default body returning `not_implemented`, so a driver
//! implements only what its provider supports. The kinds it serves are its facets; the other
//! operations it performs are its `CapabilitySet`.
//!
//! Rules every implementation follows:
//! - what it does with each kind it serves (list, get, plain actions) is that kind's
//!   `Facet` (`kinds/facet.rs`): listing is complete, every page followed, or an error;
//! - an operation on an id the cloud does not know is `not_found` (a delete's callers treat
//!   it as done);
//! - every cloud call goes through the shared request layer (`crate::request::Requests`),
//!   which rate-limits and retries; drivers never retry on their own;
//! - errors are classified into `CloudError` kinds at the driver boundary.

use async_trait::async_trait;

use crate::capability::CapabilitySet;
use crate::error::{CloudError, CloudResult};
use crate::kinds::disk::ExtDisk;
use crate::kinds::server::ExtServer;
use crate::kinds::{ErasedFacet, ResourceKind};
use crate::snapshot::Tags;

/// Input of `create_server`. Serializable: an operation task stores it as its params.
#[derive(Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct ServerCreate {
    pub name: String,
    /// Instance type (sku external id).
    pub instance_type: String,
    pub image_id: String,
    pub zone: Option<String>,
    /// Subnet; the cloud's default subnet when `None`.
    pub network_id: Option<String>,
    pub secgroup_ids: Vec<String>,
    pub root_disk_gb: Option<u64>,
    pub data_disks_gb: Vec<u64>,
    /// May hold secrets; never printed by Debug.
    pub user_data: Option<String>,
    pub keypair: Option<String>,
    pub tags: Tags,
    /// Same token, same server: a retried create never makes a second one.
    #[serde(default)]
    pub idempotency_token: Option<String>,
}

impl std::fmt::Debug for ServerCreate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerCreate")
            .field("name", &self.name)
            .field("instance_type", &self.instance_type)
            .field("image_id", &self.image_id)
            .field("zone", &self.zone)
            .field("network_id", &self.network_id)
            .field("secgroup_ids", &self.secgroup_ids)
            .field("root_disk_gb", &self.root_disk_gb)
            .field("data_disks_gb", &self.data_disks_gb)
            .field("user_data", &self.user_data.as_ref().map(|_| "<hidden>"))
            .field("keypair", &self.keypair)
            .field("tags", &self.tags)
            .field("idempotency_token", &self.idempotency_token)
            .finish()
    }
}

/// Input of `create_disk`. Serializable: an operation task stores it as its params.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct DiskCreate {
    pub name: String,
    pub zone: String,
    pub size_gb: u64,
    /// The cloud's storage type; the driver's default when `None`.
    pub disk_type: Option<String>,
    pub tags: Tags,
    #[serde(default)]
    pub idempotency_token: Option<String>,
}

/// An operation the app is about to start, shown to the driver's `preflight` before any task
/// runs. Ids are the cloud's (external) ids.
#[derive(Debug, Clone, Copy)]
pub enum Preflight<'a> {
    CreateServer(&'a ServerCreate),
    ChangeServerConfig { server_id: &'a str, instance_type: &'a str },
    CreateDisk(&'a DiskCreate),
    AttachDisk { disk_id: &'a str, server_id: &'a str },
    DetachDisk { disk_id: &'a str, server_id: &'a str },
    ResizeDisk { disk_id: &'a str, size_gb: u64 },
}

fn unsupported<T>(what: &str) -> CloudResult<T> {
    Err(CloudError::not_implemented(format!("{what} is not supported by this provider")))
}

#[async_trait]
pub trait CloudDriver: Send + Sync {
    /// The provider name this driver was registered under.
    fn provider(&self) -> &'static str;
    fn capabilities(&self) -> CapabilitySet;

    // --- checks before an operation starts (answered at once, nothing changes) ----------
    /// Would the cloud accept `op`? Called synchronously by the API before it records or
    /// queues anything, so bad input is a 4xx that leaves nothing behind. `invalid_input`,
    /// `quota_exceeded` and `conflict` are refusals; the default `Ok(())` means "no opinion"
    /// (the operation's task finds out). Must not change anything in the cloud.
    async fn preflight(&self, _region: &str, _op: Preflight<'_>) -> CloudResult<()> {
        Ok(())
    }
    /// The instance type of a `vcpus` x `memory_mib` shape when the cloud names shapes itself
    /// (kvm: `1c256m`); `None` (the default) means "look the shape up in the sku catalogue".
    fn instance_type_for(&self, _vcpus: u32, _memory_mib: u64) -> Option<String> {
        None
    }
    /// The image a server create uses when the caller names none: the cloud's only or default
    /// image; `invalid_input` naming the choices when there is no single answer.
    async fn default_image(&self, _region: &str) -> CloudResult<String> {
        unsupported("choosing a default image")
    }

    // --- the kinds it serves -------------------------------------------------------------
    /// Its facet of `kind` (list, get, plain actions), or `None` when it does not serve the
    /// kind. Written with [`facets!`](crate::facets); the facets are in the kinds' files.
    fn facet(&self, _kind: ResourceKind) -> Option<Box<dyn ErasedFacet + '_>> {
        None
    }

    // --- server operations ---------------------------------------------------------------
    async fn create_server(&self, _region: &str, _input: &ServerCreate) -> CloudResult<ExtServer> {
        unsupported("server create")
    }
    /// Change the instance type; the server must be stopped on most clouds.
    async fn change_server_config(&self, _region: &str, _id: &str, _instance_type: &str) -> CloudResult<()> {
        unsupported("server change-config")
    }

    // --- disk operations -----------------------------------------------------------------
    async fn create_disk(&self, _region: &str, _input: &DiskCreate) -> CloudResult<ExtDisk> {
        unsupported("disk create")
    }
    /// Attach to a server; `device` is the driver's choice when `None`. Returns the device used.
    async fn attach_disk(&self, _region: &str, _disk_id: &str, _server_id: &str, _device: Option<&str>) -> CloudResult<String> {
        unsupported("disk attach")
    }
    async fn detach_disk(&self, _region: &str, _disk_id: &str, _server_id: &str) -> CloudResult<()> {
        unsupported("disk detach")
    }
    async fn resize_disk(&self, _region: &str, _disk_id: &str, _size_gb: u64) -> CloudResult<()> {
        unsupported("disk resize")
    }

    // --- tags ----------------------------------------------------------------------------
    /// Set tags on a resource. With `replace`, keys not in `tags` are removed; otherwise
    /// `tags` are merged into the existing set.
    async fn set_tags(&self, _region: &str, _kind: ResourceKind, _id: &str, _tags: &Tags, _replace: bool) -> CloudResult<()> {
        unsupported("set tags")
    }
}
