//! Checks before an operation starts (the contract's `preflight`), from the host's capacity
//! and the on-disk state, and the default image. None of them changes anything.

use strato_cloud::{CloudError, CloudResult, Preflight, ServerCreate};

use crate::client::parse_instance_type;
use crate::error::{KvmError, Result};
use crate::{CreateServer, KvmDriver, KvmHost, GIB};

impl KvmHost {
    /// A disk may be attached to the server: both exist and the disk is attached nowhere.
    pub async fn check_attach(&self, disk_id: &str, server_id: &str) -> Result<()> {
        self.server_spec(server_id).await?;
        self.disk_spec(disk_id).await?;
        match self.attachment(disk_id).await? {
            Some((other, _)) => Err(KvmError::Conflict(format!("disk {disk_id} is already attached to server {}", other.id))),
            None => Ok(()),
        }
    }

    /// A disk may be detached from the server: it is one of its data disks (not its boot disk).
    pub async fn check_detach(&self, disk_id: &str, server_id: &str) -> Result<()> {
        self.disk_spec(disk_id).await?;
        match self.attachment(disk_id).await? {
            Some((server, true)) => {
                Err(KvmError::InvalidInput(format!("disk {disk_id} is the boot disk of server {}; it cannot be detached", server.id)))
            }
            Some((server, false)) if server.id == server_id => Ok(()),
            Some((server, false)) => Err(KvmError::Conflict(format!("disk {disk_id} is attached to server {}, not {server_id}", server.id))),
            None => Err(KvmError::Conflict(format!("disk {disk_id} is not attached"))),
        }
    }

    /// A disk may grow to `size_gib`: no shrinking, and the growth fits the free space.
    pub async fn check_resize(&self, disk_id: &str, size_gib: u64) -> Result<()> {
        let current = self.get_disk(disk_id).await?;
        let wanted = size_gib.saturating_mul(GIB);
        if wanted < current.size_bytes {
            return Err(KvmError::InvalidInput(format!("disk {disk_id} is {} GiB; disks only grow", current.size_bytes / GIB)));
        }
        self.check_free_space(size_gib.saturating_sub(current.size_bytes / GIB))
    }

    /// A new disk of `size_gib` fits the free space.
    pub fn check_create_disk(&self, size_gib: u64) -> Result<()> {
        if size_gib == 0 {
            return Err(KvmError::InvalidInput("disk size must be at least 1 GiB".into()));
        }
        self.check_free_space(size_gib)
    }

    /// The image a create uses when none is named: the only one registered.
    pub async fn default_image(&self) -> Result<String> {
        let mut names: Vec<String> = self.list_images().await?.into_iter().map(|image| image.spec.name).collect();
        match names.len() {
            1 => Ok(names.remove(0)),
            0 => Err(KvmError::InvalidInput(
                "no image is registered on this host; register one with `strato cloudcli kvm image-register`".into(),
            )),
            _ => {
                names.sort();
                Err(KvmError::InvalidInput(format!("this host has several images ({}); name one", names.join(", "))))
            }
        }
    }
}

impl KvmDriver {
    /// The host's create request for a contract create input; checks what only the driver
    /// knows (zone, network, no secgroups or keypairs, the instance type's form, the image).
    pub(crate) async fn create_request(&self, input: &ServerCreate) -> CloudResult<CreateServer> {
        self.check_zone(input.zone.as_deref())?;
        if let Some(network) = input.network_id.as_deref().filter(|n| !n.is_empty() && *n != self.host.network_id()) {
            return Err(CloudError::invalid_input(format!("network {network} is not this host's network {}", self.host.network_id())));
        }
        if !input.secgroup_ids.is_empty() || input.keypair.is_some() {
            return Err(CloudError::invalid_input("the kvm provider has no security groups or keypairs"));
        }
        let (vcpus, memory_mib) = parse_instance_type(&input.instance_type)?;
        let boot_disk_gib = match input.root_disk_gb {
            Some(gib) => gib,
            None => {
                let image = self.host.get_image(&input.image_id).await.map_err(|e| match e {
                    KvmError::NotFound { .. } => CloudError::invalid_input(format!("image {} does not exist", input.image_id)),
                    other => other.into(),
                })?;
                // Qcow2 images need a boot disk at least their size; kernel images boot from RAM.
                image.size_bytes.div_ceil(GIB).max(1)
            }
        };
        Ok(CreateServer {
            name: input.name.clone(),
            vcpus,
            memory_mib,
            image: input.image_id.clone(),
            boot_disk_gib,
            data_disk_gib: input.data_disks_gb.clone(),
            user_data: input.user_data.as_ref().map(|data| data.as_bytes().to_vec()),
            idempotency_token: input.idempotency_token.clone(),
            tags: input.tags.clone(),
        })
    }

    pub(crate) async fn preflight_op(&self, region: &str, op: Preflight<'_>) -> CloudResult<()> {
        self.check_region(region)?;
        let host = &self.host;
        match op {
            Preflight::CreateServer(input) => {
                let request = self.create_request(input).await?;
                host.check_create_server(&request).await.map(drop)?;
            }
            Preflight::ChangeServerConfig { server_id, instance_type } => {
                let (vcpus, memory_mib) = parse_instance_type(instance_type)?;
                host.server_spec(server_id).await?;
                host.check_size(vcpus, memory_mib)?;
            }
            Preflight::CreateDisk(input) => {
                self.check_zone(Some(&input.zone))?;
                if let Some(kind) = input.disk_type.as_deref().filter(|t| *t != "qcow2") {
                    return Err(CloudError::invalid_input(format!("disk type {kind}: the kvm provider has qcow2 only")));
                }
                host.check_create_disk(input.size_gb)?;
            }
            Preflight::AttachDisk { disk_id, server_id } => host.check_attach(disk_id, server_id).await?,
            Preflight::DetachDisk { disk_id, server_id } => host.check_detach(disk_id, server_id).await?,
            Preflight::ResizeDisk { disk_id, size_gb } => host.check_resize(disk_id, size_gb).await?,
        }
        Ok(())
    }
}
