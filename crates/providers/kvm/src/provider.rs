//! The `kvm` provider and its `CloudDriver`: every call goes through the shared request layer
//! and delegates to [`KvmHost`].

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use strato_cloud::*;
use strato_cloud::facets;

use crate::client::{instance_type, parse_instance_type};
use crate::region::USER_NET_GUEST_IP;
use crate::{disk::DiskInfo, server, KvmConfig, KvmHost, ServerInfo, GIB};

pub const PROVIDER: &str = "kvm";

/// Local calls: the limits only keep a runaway caller from spawning qemu in a tight loop.
pub const LIMITS: ProviderLimits = ProviderLimits {
    describe: RateLimit { burst: 1000, per_second: 1000 },
    mutate: RateLimit { burst: 50, per_second: 20 },
};

/// No credentials: the account is this host. The data dir is the provider's default (the
/// server's data dir); an endpoint may only name a directory under it (see [`data_dir_of`]),
/// and the server accepts no endpoint for kvm accounts at all.
const CREDENTIAL_FIELDS: &[CredentialField] = &[];

/// The operations with a body it performs (the kinds it serves are its facets, `kinds.rs`).
pub fn capabilities() -> CapabilitySet {
    [Capability::ServerCreate, Capability::ServerChangeConfig, Capability::DiskCreate, Capability::DiskAttach, Capability::DiskResize, Capability::Tags]
        .into_iter()
        .collect()
}

/// The registered provider; one [`KvmHost`] per data dir, shared by every driver on it so
/// their per-server locks are the same.
pub struct KvmProvider {
    default_data_dir: PathBuf,
    stop_timeout: Option<Duration>,
    hosts: tokio::sync::Mutex<HashMap<PathBuf, Arc<KvmHost>>>,
}

impl KvmProvider {
    pub fn new(default_data_dir: impl Into<PathBuf>) -> Self {
        KvmProvider { default_data_dir: default_data_dir.into(), stop_timeout: None, hosts: tokio::sync::Mutex::new(HashMap::new()) }
    }

    /// How long a guest gets to honour an ACPI power-down before the hard stop (default 30 s).
    /// Tests that stop guests before they have booted set it short.
    pub fn with_stop_timeout(mut self, timeout: Duration) -> Self {
        self.stop_timeout = Some(timeout);
        self
    }

    async fn host(&self, data_dir: &Path) -> CloudResult<Arc<KvmHost>> {
        let mut hosts = self.hosts.lock().await;
        if let Some(host) = hosts.get(data_dir) {
            return Ok(host.clone());
        }
        let mut config = KvmConfig::new(data_dir)?;
        if let Some(timeout) = self.stop_timeout {
            config.stop_timeout = timeout;
        }
        if !KvmHost::qemu_installed(&config.binaries).await {
            return Err(CloudError::invalid_input(
                "qemu-system-x86_64 and qemu-img are needed for the kvm provider (Debian: apt-get install qemu-system-x86 qemu-utils)",
            ));
        }
        let host = Arc::new(KvmHost::open(config).await?);
        hosts.insert(data_dir.to_path_buf(), host.clone());
        Ok(host)
    }
}

#[async_trait]
impl Provider for KvmProvider {
    fn name(&self) -> &'static str {
        PROVIDER
    }
    fn credential_fields(&self) -> &'static [CredentialField] {
        CREDENTIAL_FIELDS
    }
    fn limits(&self) -> ProviderLimits {
        LIMITS
    }
    async fn connect(&self, config: DriverConfig) -> CloudResult<Arc<dyn CloudDriver>> {
        let data_dir = data_dir_of(config.endpoint.as_deref(), &self.default_data_dir)?;
        let host = self.host(&data_dir).await?;
        let requests = config.requests.scope(PROVIDER, config.account.clone(), LIMITS);
        Ok(Arc::new(KvmDriver { host, requests }))
    }
}

/// The data dir of an account: `default`, or its endpoint when that names `default` or a
/// directory under it (a path, optionally `file://`; a relative one is taken under
/// `default`). Anything else is refused, `..` included: an endpoint never makes the driver
/// create or read files outside the data dir it was registered with.
pub fn data_dir_of(endpoint: Option<&str>, default: &Path) -> CloudResult<PathBuf> {
    let endpoint = match endpoint.map(str::trim) {
        None | Some("") => return Ok(default.to_path_buf()),
        Some(endpoint) => endpoint,
    };
    let refused = || {
        CloudError::invalid_input(format!(
            "the kvm endpoint must be a directory under the data dir {} (no '..', no URL)",
            default.display()
        ))
    };
    let path = Path::new(endpoint.strip_prefix("file://").unwrap_or(endpoint));
    if path.as_os_str().is_empty()
        || path.to_str().is_some_and(|p| p.contains("://"))
        || endpoint.chars().any(char::is_control)
        || path.components().any(|c| matches!(c, Component::ParentDir))
    {
        return Err(refused());
    }
    if path.is_relative() {
        return Ok(default.join(path));
    }
    let root = std::path::absolute(default).map_err(|_| refused())?;
    let root_clean: PathBuf = root.components().filter(|c| !matches!(c, Component::CurDir)).collect();
    if root_clean.components().any(|c| matches!(c, Component::ParentDir)) || !path.starts_with(&root_clean) {
        return Err(refused());
    }
    Ok(path.to_path_buf())
}

/// A driver over this host's VMs.
pub struct KvmDriver {
    pub(crate) host: Arc<KvmHost>,
    requests: Requests,
}

impl KvmDriver {
    pub fn host(&self) -> &Arc<KvmHost> {
        &self.host
    }

    pub(crate) fn check_region(&self, region: &str) -> CloudResult<()> {
        if region == self.host.region_id() {
            Ok(())
        } else {
            Err(CloudError::not_found(format!("region {region} (this host is {})", self.host.region_id())))
        }
    }

    pub(crate) fn check_zone(&self, zone: Option<&str>) -> CloudResult<()> {
        match zone {
            Some(zone) if !zone.is_empty() && zone != self.host.zone_id() => {
                Err(CloudError::invalid_input(format!("zone {zone} is not this host's zone {}", self.host.zone_id())))
            }
            _ => Ok(()),
        }
    }

    pub(crate) fn ext_server(&self, info: ServerInfo) -> ExtServer {
        let spec = info.spec;
        let (status, power_state) = match info.status {
            server::ServerStatus::Running => (ServerStatus::Running, PowerState::On),
            server::ServerStatus::Stopped => (ServerStatus::Stopped, PowerState::Off),
            // Paused (or still in prelaunch): qemu is up, the guest does not run.
            server::ServerStatus::Paused => (ServerStatus::Unknown, PowerState::On),
            server::ServerStatus::Unknown => (ServerStatus::Unknown, PowerState::Unknown),
        };
        let mut base = ExtBase::new(spec.id.clone(), spec.name.clone());
        base.created_at = Some(spec.created_at);
        base.tags = spec.tags.clone();
        ExtServer {
            base,
            status,
            power_state,
            zone: self.host.zone_id(),
            instance_type: instance_type(spec.vcpus, spec.memory_mib),
            cpu: Some(spec.vcpus),
            memory_mb: Some(spec.memory_mib),
            image_id: Some(spec.image.clone()),
            vpc_id: Some(self.host.vpc_id()),
            network_id: Some(self.host.network_id()),
            private_ips: vec![USER_NET_GUEST_IP.to_string()],
            public_ips: Vec::new(),
            disks: spec
                .disks()
                .map(|disk| AttachedDisk { disk_id: disk.clone(), device: crate::qemu::device_id(disk) })
                .collect(),
            secgroup_ids: Vec::new(),
            keypair: None,
        }
    }

    pub(crate) fn ext_disk(&self, info: DiskInfo) -> ExtDisk {
        let mut base = ExtBase::new(info.spec.id.clone(), info.spec.name.clone());
        base.created_at = Some(info.spec.created_at);
        base.tags = info.spec.tags.clone();
        ExtDisk {
            base,
            status: if info.server_id.is_some() { DiskStatus::InUse } else { DiskStatus::Available },
            zone: self.host.zone_id(),
            size_gb: info.size_bytes.div_ceil(GIB),
            disk_type: "qcow2".into(),
            device: info.server_id.as_ref().map(|_| crate::qemu::device_id(&info.spec.id)),
            server_id: info.server_id,
            is_root: info.boot,
        }
    }

    /// Runs a local call through the request layer (rate limits, counters, tracing).
    pub(crate) async fn call<T, F, Fut>(&self, region: &str, class: ApiClass, api: &str, op: F) -> CloudResult<T>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = crate::Result<T>>,
    {
        self.requests.call(region, class, api, || async { op().await.map_err(CloudError::from) }).await
    }
}

#[async_trait]
impl CloudDriver for KvmDriver {
    fn provider(&self) -> &'static str {
        PROVIDER
    }
    fn capabilities(&self) -> CapabilitySet {
        capabilities()
    }
    fn facet(&self, kind: ResourceKind) -> Option<Box<dyn ErasedFacet + '_>> {
        facets!(self, kind, [CloudRegion, Zone, Sku, Vpc, Network, Disk, Server])
    }

    async fn preflight(&self, region: &str, op: Preflight<'_>) -> CloudResult<()> {
        self.requests.call(region, ApiClass::Describe, "Preflight", || self.preflight_op(region, op)).await
    }
    fn instance_type_for(&self, vcpus: u32, memory_mib: u64) -> Option<String> {
        Some(instance_type(vcpus, memory_mib))
    }
    async fn default_image(&self, region: &str) -> CloudResult<String> {
        self.check_region(region)?;
        self.call(region, ApiClass::Describe, "DefaultImage", || self.host.default_image()).await
    }

    async fn create_server(&self, region: &str, input: &ServerCreate) -> CloudResult<ExtServer> {
        self.check_region(region)?;
        let request = self.create_request(input).await?;
        let info = self.call(region, ApiClass::Mutate, "CreateServer", || self.host.create_server(request.clone())).await?;
        Ok(self.ext_server(info))
    }
    async fn change_server_config(&self, region: &str, id: &str, instance_type: &str) -> CloudResult<()> {
        self.check_region(region)?;
        let (vcpus, memory_mib) = parse_instance_type(instance_type)?;
        self.call(region, ApiClass::Mutate, "ChangeServerConfig", || {
            self.host.change_server_config(id, Some(vcpus), Some(memory_mib))
        })
        .await
        .map(drop)
    }

    async fn create_disk(&self, region: &str, input: &DiskCreate) -> CloudResult<ExtDisk> {
        self.check_region(region)?;
        self.check_zone(Some(&input.zone))?;
        if let Some(kind) = input.disk_type.as_deref().filter(|t| *t != "qcow2") {
            return Err(CloudError::invalid_input(format!("disk type {kind}: the kvm provider has qcow2 only")));
        }
        let info = self
            .call(region, ApiClass::Mutate, "CreateDisk", || {
                self.host.create_disk(crate::CreateDisk {
                    name: input.name.clone(),
                    size_gib: input.size_gb,
                    idempotency_token: input.idempotency_token.clone(),
                    tags: input.tags.clone(),
                })
            })
            .await?;
        Ok(self.ext_disk(info))
    }
    async fn attach_disk(&self, region: &str, disk_id: &str, server_id: &str, device: Option<&str>) -> CloudResult<String> {
        self.check_region(region)?;
        if let Some(device) = device {
            return Err(CloudError::invalid_input(format!("device {device}: the kvm provider picks the device itself")));
        }
        self.call(region, ApiClass::Mutate, "AttachDisk", || self.host.attach_disk(disk_id, server_id)).await?;
        Ok(crate::qemu::device_id(disk_id))
    }
    async fn detach_disk(&self, region: &str, disk_id: &str, server_id: &str) -> CloudResult<()> {
        self.check_region(region)?;
        let disk = self.call(region, ApiClass::Describe, "GetDisk", || self.host.get_disk(disk_id)).await?;
        if disk.server_id.as_deref() != Some(server_id) {
            return Err(CloudError::conflict(format!("disk {disk_id} is not attached to server {server_id}")));
        }
        self.call(region, ApiClass::Mutate, "DetachDisk", || self.host.detach_disk(disk_id)).await.map(drop)
    }
    async fn resize_disk(&self, region: &str, disk_id: &str, size_gb: u64) -> CloudResult<()> {
        self.check_region(region)?;
        self.call(region, ApiClass::Mutate, "ResizeDisk", || self.host.resize_disk(disk_id, size_gb)).await.map(drop)
    }

    async fn set_tags(&self, region: &str, kind: ResourceKind, id: &str, tags: &Tags, replace: bool) -> CloudResult<()> {
        self.check_region(region)?;
        match kind {
            ResourceKind::Server => {
                self.call(region, ApiClass::Mutate, "SetServerTags", || self.host.set_server_tags(id, tags, replace)).await
            }
            ResourceKind::Disk => {
                self.call(region, ApiClass::Mutate, "SetDiskTags", || self.host.set_disk_tags(id, tags, replace)).await
            }
            other => Err(CloudError::not_implemented(format!("tags on {other} are not supported by the kvm provider"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endpoint_never_leaves_the_data_dir() {
        let root = std::path::absolute("/srv/strato-data").expect("absolute");
        assert_eq!(data_dir_of(None, &root).expect("default"), root);
        assert_eq!(data_dir_of(Some(" "), &root).expect("blank is the default"), root);
        assert_eq!(data_dir_of(Some("/srv/strato-data"), &root).expect("the data dir itself"), root);
        assert_eq!(data_dir_of(Some("file:///srv/strato-data/a"), &root).expect("under it"), root.join("a"));
        assert_eq!(data_dir_of(Some("b/c"), &root).expect("relative is under it"), root.join("b/c"));
        for escaping in [
            "http://x/../../kvm-evil",
            "../kvm-evil",
            "/srv/strato-data/../etc",
            "/srv/strato-data-other",
            "/tmp/kvm",
            "file:///etc",
            "a/../../b",
            "https://example.com/",
            "x\u{7}",
        ] {
            let err = data_dir_of(Some(escaping), &root).expect_err(escaping);
            assert_eq!(err.kind, CloudErrorKind::InvalidInput, "{escaping}");
        }
    }

    #[tokio::test]
    async fn connect_refuses_an_escaping_endpoint_before_touching_the_disk() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data");
        let provider = KvmProvider::new(&data);
        let mut config = DriverConfig::new("t", Credentials::new(), std::sync::Arc::new(RequestLayer::default()));
        config.endpoint = Some(format!("{}/../kvm-evil", data.display()));
        let err = provider.connect(config).await.err().expect("refused");
        assert_eq!(err.kind, CloudErrorKind::InvalidInput);
        assert!(!dir.path().join("kvm-evil").exists(), "nothing created outside the data dir");
        assert!(!data.exists(), "nothing created at all");
    }
}
