//! Disk operations: qcow2 files under `<data-dir>/kvm/disks/<id>/`, hot attach and detach on
//! the virtio-scsi controller (scsi-hd), online resize with `block_resize`.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;
use serde_json::json;

use crate::error::{KvmError, Result};
use crate::qemu;
use crate::state::{self, DiskSpec, ServerSpec};
use crate::{new_id, KvmHost, GIB};

#[derive(Debug, Clone, Serialize)]
pub struct DiskInfo {
    pub spec: DiskSpec,
    pub size_bytes: u64,
    /// Bytes the qcow2 file takes on the host.
    pub allocated_bytes: u64,
    /// The server it is attached to, if any.
    pub server_id: Option<String>,
    /// Whether it is that server's boot disk.
    pub boot: bool,
}

/// What `create_disk` needs.
#[derive(Debug, Clone, Default)]
pub struct CreateDisk {
    pub name: String,
    pub size_gib: u64,
    /// Same token, same disk: a retried create never makes a second one.
    pub idempotency_token: Option<String>,
    pub tags: BTreeMap<String, String>,
}

impl KvmHost {
    /// Creates an unattached disk.
    pub async fn create_disk(&self, request: CreateDisk) -> Result<DiskInfo> {
        let CreateDisk { name, size_gib, idempotency_token, tags } = request;
        let (name, idempotency_token) = (name.as_str(), idempotency_token.as_deref());
        if name.trim().is_empty() {
            return Err(KvmError::InvalidInput("disk name is empty".into()));
        }
        if size_gib == 0 {
            return Err(KvmError::InvalidInput("disk size must be at least 1 GiB".into()));
        }
        self.check_free_space(size_gib)?;
        let _disks = self.disk_lock.lock().await;
        if let Some(token) = idempotency_token {
            for id in state::list_ids(&self.layout.disks_dir()).await? {
                let spec = state::read_json::<DiskSpec>(&self.layout.disk_spec(&id)).await?;
                if spec.is_some_and(|spec| spec.idempotency_token.as_deref() == Some(token)) {
                    drop(_disks);
                    return self.get_disk(&id).await;
                }
            }
        }
        let id = new_id();
        if let Err(e) = self.make_disk(&id, name, size_gib, None, idempotency_token, tags).await {
            state::remove_dir(&self.layout.disk_dir(&id)).await?;
            return Err(e);
        }
        drop(_disks);
        self.get_disk(&id).await
    }

    /// Deletes an unattached disk.
    pub async fn delete_disk(&self, id: &str) -> Result<()> {
        let _disks = self.disk_lock.lock().await;
        self.disk_spec(id).await?;
        if let Some((server, _)) = self.attachment(id).await? {
            return Err(KvmError::Conflict(format!("disk {id} is attached to server {}", server.id)));
        }
        state::remove_dir(&self.layout.disk_dir(id)).await
    }

    /// Grows a disk; online (`block_resize`) when its server runs, with qemu-img otherwise.
    pub async fn resize_disk(&self, id: &str, size_gib: u64) -> Result<DiskInfo> {
        let current = self.get_disk(id).await?;
        let size_bytes = size_gib.saturating_mul(GIB);
        if size_bytes < current.size_bytes {
            return Err(KvmError::InvalidInput(format!(
                "disk {id} is {} bytes; shrinking to {size_bytes} is not supported",
                current.size_bytes
            )));
        }
        if size_bytes == current.size_bytes {
            return Ok(current);
        }
        self.check_free_space(size_gib - current.size_bytes / GIB)?;
        // Hold the server's lock (if attached) so it cannot start or stop meanwhile.
        let lock = current.server_id.as_deref().map(|server| self.server_lock(server));
        let _server = match &lock {
            Some(lock) => Some(lock.lock().await),
            None => None,
        };
        let _disks = self.disk_lock.lock().await;
        let attached = self.attachment(id).await?;
        if attached.as_ref().map(|(s, _)| &s.id) != current.server_id.as_ref() {
            return Err(KvmError::Conflict(format!("disk {id} was attached or detached meanwhile; retry")));
        }
        let running = match &attached {
            Some((server, _)) => qemu::live_pid(&self.layout.server(&server.id)).await.is_some(),
            None => false,
        };
        if let (Some((server, _)), true) = (&attached, running) {
            let mut client = self.qmp(&self.layout.server(&server.id)).await?;
            client
                .execute("block_resize", Some(json!({ "node-name": qemu::node_name(id), "size": size_bytes })))
                .await?;
        } else {
            self.qemu_img.resize(&self.layout.disk_file(id), size_bytes).await?;
        }
        drop(_disks);
        self.get_disk(id).await
    }

    /// Attaches a disk to a server: hot-plugged (blockdev-add + device_add scsi-hd) when the
    /// server runs, recorded for its next start when it is stopped.
    pub async fn attach_disk(&self, id: &str, server_id: &str) -> Result<DiskInfo> {
        let lock = self.server_lock(server_id);
        let _server = lock.lock().await;
        let mut spec = self.server_spec(server_id).await?;
        let _disks = self.disk_lock.lock().await;
        self.disk_spec(id).await?;
        if let Some((other, _)) = self.attachment(id).await? {
            return Err(KvmError::Conflict(format!("disk {id} is already attached to server {}", other.id)));
        }
        let paths = self.layout.server(server_id);
        if qemu::live_pid(&paths).await.is_some() {
            let mut client = self.qmp(&paths).await?;
            client.execute("blockdev-add", Some(qemu::blockdev(id, &self.layout.disk_file(id)))).await?;
            if let Err(e) = client.execute("device_add", Some(qemu::scsi_device(id, false))).await {
                // Nothing half-made: take the block node away again.
                if let Err(undo) = client.execute("blockdev-del", Some(json!({ "node-name": qemu::node_name(id) }))).await {
                    tracing::warn!(disk = %id, error = %undo, "blockdev-del after failed device_add");
                }
                return Err(e.into());
            }
        }
        spec.data_disks.push(id.to_string());
        state::write_json(&paths.spec(), &spec).await?;
        drop(_disks);
        self.get_disk(id).await
    }

    /// Detaches a data disk: device_del, wait for DEVICE_DELETED, then blockdev-del, when the
    /// server runs. The boot disk cannot be detached.
    pub async fn detach_disk(&self, id: &str) -> Result<DiskInfo> {
        self.disk_spec(id).await?;
        let Some((server, _)) = self.attachment(id).await? else {
            return Err(KvmError::Conflict(format!("disk {id} is not attached")));
        };
        let lock = self.server_lock(&server.id);
        let _server = lock.lock().await;
        let _disks = self.disk_lock.lock().await;
        let mut spec = match self.attachment(id).await? {
            Some((now, boot)) if now.id == server.id => {
                if boot {
                    return Err(KvmError::InvalidInput(format!("disk {id} is the boot disk of server {}", now.id)));
                }
                now
            }
            _ => return Err(KvmError::Conflict(format!("disk {id} was attached or detached meanwhile; retry"))),
        };
        let paths = self.layout.server(&spec.id);
        if qemu::live_pid(&paths).await.is_some() {
            let mut client = self.qmp(&paths).await?;
            let device = qemu::device_id(id);
            client.execute("device_del", Some(json!({ "id": device }))).await?;
            client
                .wait_event(self.config.qmp_timeout, "DEVICE_DELETED", |event| {
                    event.name == "DEVICE_DELETED" && event.data["device"] == device.as_str()
                })
                .await?;
            client.execute("blockdev-del", Some(json!({ "node-name": qemu::node_name(id) }))).await?;
        }
        spec.data_disks.retain(|disk| disk != id);
        state::write_json(&paths.spec(), &spec).await?;
        drop(_disks);
        self.get_disk(id).await
    }

    /// Merges `tags` into the disk's tags, or replaces them all.
    pub async fn set_disk_tags(&self, id: &str, tags: &BTreeMap<String, String>, replace: bool) -> Result<()> {
        let _disks = self.disk_lock.lock().await;
        let mut spec = self.disk_spec(id).await?;
        if replace {
            spec.tags = tags.clone();
        } else {
            spec.tags.extend(tags.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        state::write_json(&self.layout.disk_spec(id), &spec).await
    }

    pub async fn get_disk(&self, id: &str) -> Result<DiskInfo> {
        let spec = self.disk_spec(id).await?;
        let info = self.qemu_img.info(&self.layout.disk_file(id)).await?;
        let attached = self.attachment(id).await?;
        Ok(DiskInfo {
            spec,
            size_bytes: info.virtual_size,
            allocated_bytes: info.actual_size,
            boot: attached.as_ref().is_some_and(|(_, boot)| *boot),
            server_id: attached.map(|(server, _)| server.id),
        })
    }

    pub async fn list_disks(&self) -> Result<Vec<DiskInfo>> {
        let mut disks = Vec::new();
        for id in state::list_ids(&self.layout.disks_dir()).await? {
            // A dir without a spec is a create in progress (or one that crashed).
            if state::read_json::<DiskSpec>(&self.layout.disk_spec(&id)).await?.is_some() {
                disks.push(self.get_disk(&id).await?);
            }
        }
        Ok(disks)
    }

    /// Makes the qcow2 file and its spec; the caller removes the dir on failure.
    pub(crate) async fn make_disk(
        &self,
        id: &str,
        name: &str,
        size_gib: u64,
        backing: Option<&Path>,
        idempotency_token: Option<&str>,
        tags: BTreeMap<String, String>,
    ) -> Result<()> {
        let dir = self.layout.disk_dir(id);
        tokio::fs::create_dir_all(&dir).await.map_err(KvmError::io("creating", &dir))?;
        self.qemu_img.create(&self.layout.disk_file(id), size_gib.saturating_mul(GIB), backing).await?;
        let spec = DiskSpec {
            id: id.to_string(),
            name: name.to_string(),
            created_at: chrono::Utc::now(),
            idempotency_token: idempotency_token.map(str::to_string),
            tags,
        };
        state::write_json(&self.layout.disk_spec(id), &spec).await
    }

    pub(crate) async fn disk_spec(&self, id: &str) -> Result<DiskSpec> {
        let not_found = || KvmError::NotFound { kind: "disk", id: id.to_string() };
        if !state::valid_name(id) {
            return Err(not_found());
        }
        state::read_json(&self.layout.disk_spec(id)).await?.ok_or_else(not_found)
    }

    /// The server whose spec lists the disk, and whether it is its boot disk.
    pub(crate) async fn attachment(&self, id: &str) -> Result<Option<(ServerSpec, bool)>> {
        for spec in self.list_server_specs().await? {
            if spec.boot_disk == id {
                return Ok(Some((spec, true)));
            }
            if spec.data_disks.iter().any(|disk| disk == id) {
                return Ok(Some((spec, false)));
            }
        }
        Ok(None)
    }
}
