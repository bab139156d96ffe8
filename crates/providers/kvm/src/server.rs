//! Server (VM) operations: create, start, stop, restart, delete, change config, status.
//! Status always comes from the process and QMP `query-status`, never from the spec.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use crate::error::{KvmError, Result};
use crate::qemu;
use crate::image::ImageInfo;
use crate::state::{self, BootSource, ImageKind, ServerSpec};
use crate::{new_id, KvmHost, GIB};

/// How often the ACPI power button is pressed again while waiting for a guest to power off.
const POWERDOWN_REPEAT: Duration = Duration::from_secs(2);

/// Largest user-data accepted (fw_cfg items can be bigger; cloud-init payloads are not).
pub const MAX_USER_DATA_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ServerStatus {
    Running,
    /// qemu is up but the guest is paused, or still setting up (prelaunch).
    Paused,
    Stopped,
    /// qemu is alive but does not answer QMP (e.g. another client holds the monitor).
    Unknown,
}

#[derive(Debug, Clone, Serialize)]
pub struct ServerInfo {
    pub spec: ServerSpec,
    pub status: ServerStatus,
    /// The qemu process, while it lives.
    pub pid: Option<i32>,
    /// QEMU's own run-state string when it answered ("running", "paused", ...).
    pub qemu_status: Option<String>,
}

/// What `create_server` needs. Memory in MiB, disk sizes in GiB.
#[derive(Clone, Default)]
pub struct CreateServer {
    pub name: String,
    pub vcpus: u32,
    pub memory_mib: u64,
    pub image: String,
    pub boot_disk_gib: u64,
    pub data_disk_gib: Vec<u64>,
    pub user_data: Option<Vec<u8>>,
    /// Same token, same server: a retried create never makes a second one.
    pub idempotency_token: Option<String>,
    pub tags: BTreeMap<String, String>,
}

impl std::fmt::Debug for CreateServer {
    // User-data may carry secrets (passwords, keys): only its size is shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateServer")
            .field("name", &self.name)
            .field("vcpus", &self.vcpus)
            .field("memory_mib", &self.memory_mib)
            .field("image", &self.image)
            .field("boot_disk_gib", &self.boot_disk_gib)
            .field("data_disk_gib", &self.data_disk_gib)
            .field("user_data_bytes", &self.user_data.as_ref().map(Vec::len))
            .field("idempotency_token", &self.idempotency_token)
            .field("tags", &self.tags)
            .finish()
    }
}

impl KvmHost {
    /// Creates the boot disk (and data disks), writes the spec and starts the VM. On any
    /// failure everything made so far is removed.
    pub async fn create_server(&self, request: CreateServer) -> Result<ServerInfo> {
        let image = self.check_create_server(&request).await?;

        // Held for the whole create, so two creates with one token cannot both miss.
        let _creating = self.create_lock.lock().await;
        if let Some(token) = &request.idempotency_token {
            if let Some(existing) = self.list_server_specs().await?.into_iter().find(|s| s.idempotency_token.as_ref() == Some(token)) {
                return self.server_info_locked(&existing.id).await;
            }
        }
        self.make_server(request, image).await
    }

    /// Everything a create checks before it makes anything (name, size against the host,
    /// disk sizes, user-data, image, free space); answers the image. Changes nothing.
    pub async fn check_create_server(&self, request: &CreateServer) -> Result<ImageInfo> {
        if request.name.trim().is_empty() {
            return Err(KvmError::InvalidInput("server name is empty".into()));
        }
        self.check_size(request.vcpus, request.memory_mib)?;
        if request.boot_disk_gib == 0 || request.data_disk_gib.contains(&0) {
            return Err(KvmError::InvalidInput("disk sizes must be at least 1 GiB".into()));
        }
        if request.user_data.as_ref().is_some_and(|data| data.len() > MAX_USER_DATA_BYTES) {
            return Err(KvmError::InvalidInput(format!("user-data is larger than {MAX_USER_DATA_BYTES} bytes")));
        }
        let image = self.get_image(&request.image).await.map_err(|e| match e {
            KvmError::NotFound { .. } => KvmError::InvalidInput(format!("image {} does not exist", request.image)),
            other => other,
        })?;
        let total_gib = request.data_disk_gib.iter().fold(request.boot_disk_gib, |sum, gib| sum.saturating_add(*gib));
        self.check_free_space(total_gib)?;
        Ok(image)
    }

    /// The create itself, under the create lock: disks, spec, qemu; undone on failure.
    async fn make_server(&self, request: CreateServer, image: ImageInfo) -> Result<ServerInfo> {
        let id = new_id();
        let lock = self.server_lock(&id);
        let _server = lock.lock().await;
        let paths = self.layout.server(&id);
        let mut made_disks: Vec<String> = Vec::new();
        let result = async {
            tokio::fs::create_dir_all(&paths.dir).await.map_err(KvmError::io("creating", &paths.dir))?;
            let (boot, backing) = match &image.spec.kind {
                ImageKind::Kernel { cmdline } => (
                    BootSource::Kernel {
                        kernel: self.image_file(&request.image, "vmlinuz"),
                        initrd: self.image_file(&request.image, "initrd.img"),
                        cmdline: cmdline.clone(),
                    },
                    None,
                ),
                ImageKind::Qcow2 => (BootSource::Disk, Some(self.image_file(&request.image, "disk.qcow2"))),
            };
            if let Some(backing) = &backing {
                let image_size = self.qemu_img.info(backing).await?.virtual_size;
                if request.boot_disk_gib * GIB < image_size {
                    return Err(KvmError::InvalidInput(format!(
                        "boot disk of {} GiB is smaller than image {} ({image_size} bytes)",
                        request.boot_disk_gib, request.image
                    )));
                }
            }
            let _disks = self.disk_lock.lock().await;
            let boot_disk = new_id();
            made_disks.push(boot_disk.clone());
            self.make_disk(&boot_disk, &format!("{}-boot", request.name), request.boot_disk_gib, backing.as_deref(), None, BTreeMap::new())
                .await?;
            let mut data_disks = Vec::new();
            for (index, size) in request.data_disk_gib.iter().enumerate() {
                let disk = new_id();
                made_disks.push(disk.clone());
                self.make_disk(&disk, &format!("{}-data{}", request.name, index + 1), *size, None, None, BTreeMap::new()).await?;
                data_disks.push(disk);
            }
            if let Some(user_data) = &request.user_data {
                write_private(&paths.user_data(), user_data).await?;
            }
            let spec = ServerSpec {
                mac: qemu::mac_for(&id),
                id: id.clone(),
                name: request.name.clone(),
                vcpus: request.vcpus,
                memory_mib: request.memory_mib,
                image: request.image.clone(),
                boot,
                boot_disk,
                data_disks,
                created_at: chrono::Utc::now(),
                idempotency_token: request.idempotency_token.clone(),
                tags: request.tags.clone(),
            };
            state::write_json(&paths.spec(), &spec).await?;
            drop(_disks);
            self.launch(&spec).await
        }
        .await;
        match result {
            Ok(pid) => {
                tracing::info!(server = %id, pid, "server created");
                self.server_info_locked(&id).await
            }
            Err(e) => {
                // Undo: the process (if any), its disks, its dir.
                if let Some(pid) = qemu::live_pid(&paths).await {
                    qemu::kill(pid);
                    qemu::wait_exit(pid, Duration::from_secs(10)).await;
                }
                for disk in &made_disks {
                    state::remove_dir(&self.layout.disk_dir(disk)).await?;
                }
                state::remove_dir(&paths.dir).await?;
                Err(e)
            }
        }
    }

    /// Starts a stopped server; a running one is left as it is.
    pub async fn start_server(&self, id: &str) -> Result<ServerInfo> {
        let lock = self.server_lock(id);
        let _server = lock.lock().await;
        let spec = self.server_spec(id).await?;
        if qemu::live_pid(&self.layout.server(id)).await.is_none() {
            self.check_size(spec.vcpus, spec.memory_mib)?;
            self.launch(&spec).await?;
        }
        self.server_info_locked(id).await
    }

    /// ACPI power-down, then `quit` and SIGKILL if the guest has not powered off within the
    /// stop timeout. A stopped server is left as it is.
    pub async fn stop_server(&self, id: &str) -> Result<ServerInfo> {
        let lock = self.server_lock(id);
        let _server = lock.lock().await;
        self.server_spec(id).await?;
        self.stop_locked(id, false).await?;
        self.server_info_locked(id).await
    }

    /// Stop (gracefully) and start again, so config changes made meanwhile apply.
    pub async fn restart_server(&self, id: &str) -> Result<ServerInfo> {
        let lock = self.server_lock(id);
        let _server = lock.lock().await;
        let spec = self.server_spec(id).await?;
        self.stop_locked(id, false).await?;
        self.check_size(spec.vcpus, spec.memory_mib)?;
        self.launch(&spec).await?;
        self.server_info_locked(id).await
    }

    /// Kills the VM and removes it with all its disks.
    pub async fn delete_server(&self, id: &str) -> Result<()> {
        let lock = self.server_lock(id);
        let _server = lock.lock().await;
        let spec = self.server_spec(id).await?;
        self.stop_locked(id, true).await?;
        let _disks = self.disk_lock.lock().await;
        // The spec goes first: from then on its disks are unattached leftovers at worst.
        state::remove_dir(&self.layout.server(id).dir).await?;
        for disk in spec.disks() {
            state::remove_dir(&self.layout.disk_dir(disk)).await?;
        }
        tracing::info!(server = %id, "server deleted");
        Ok(())
    }

    /// Changes vcpus and/or memory of a stopped server.
    pub async fn change_server_config(&self, id: &str, vcpus: Option<u32>, memory_mib: Option<u64>) -> Result<ServerInfo> {
        let lock = self.server_lock(id);
        let _server = lock.lock().await;
        let mut spec = self.server_spec(id).await?;
        if qemu::live_pid(&self.layout.server(id)).await.is_some() {
            return Err(KvmError::Conflict(format!("server {id} must be stopped to change vcpus or memory")));
        }
        let vcpus = vcpus.unwrap_or(spec.vcpus);
        let memory_mib = memory_mib.unwrap_or(spec.memory_mib);
        self.check_size(vcpus, memory_mib)?;
        spec.vcpus = vcpus;
        spec.memory_mib = memory_mib;
        state::write_json(&self.layout.server(id).spec(), &spec).await?;
        self.server_info_locked(id).await
    }

    /// Merges `tags` into the server's tags, or replaces them all.
    pub async fn set_server_tags(&self, id: &str, tags: &BTreeMap<String, String>, replace: bool) -> Result<()> {
        let lock = self.server_lock(id);
        let _server = lock.lock().await;
        let mut spec = self.server_spec(id).await?;
        if replace {
            spec.tags = tags.clone();
        } else {
            spec.tags.extend(tags.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        state::write_json(&self.layout.server(id).spec(), &spec).await
    }

    pub async fn get_server(&self, id: &str) -> Result<ServerInfo> {
        self.server_info_locked(id).await
    }

    /// Every server in the state dir, with its live status.
    pub async fn list_servers(&self) -> Result<Vec<ServerInfo>> {
        let mut servers = Vec::new();
        for spec in self.list_server_specs().await? {
            let (status, pid, qemu_status) = self.observe(&spec.id).await;
            servers.push(ServerInfo { spec, status, pid, qemu_status });
        }
        Ok(servers)
    }

    /// The serial console log of the server's current (or last) boot.
    pub fn serial_log_path(&self, id: &str) -> std::path::PathBuf {
        self.layout.server(id).serial_log()
    }

    pub(crate) async fn list_server_specs(&self) -> Result<Vec<ServerSpec>> {
        let mut specs = Vec::new();
        for id in state::list_ids(&self.layout.servers_dir()).await? {
            // A dir without a spec is a create in progress (or one that crashed): not a server.
            if let Some(spec) = state::read_json::<ServerSpec>(&self.layout.server(&id).spec()).await? {
                specs.push(spec);
            }
        }
        Ok(specs)
    }

    pub(crate) async fn server_spec(&self, id: &str) -> Result<ServerSpec> {
        let not_found = || KvmError::NotFound { kind: "server", id: id.to_string() };
        if !state::valid_name(id) {
            return Err(not_found());
        }
        state::read_json(&self.layout.server(id).spec()).await?.ok_or_else(not_found)
    }

    async fn server_info_locked(&self, id: &str) -> Result<ServerInfo> {
        let spec = self.server_spec(id).await?;
        let (status, pid, qemu_status) = self.observe(id).await;
        Ok(ServerInfo { spec, status, pid, qemu_status })
    }

    /// Status from the process and QMP.
    pub(crate) async fn observe(&self, id: &str) -> (ServerStatus, Option<i32>, Option<String>) {
        let paths = self.layout.server(id);
        let Some(pid) = qemu::live_pid(&paths).await else {
            return (ServerStatus::Stopped, None, None);
        };
        match self.qmp(&paths).await {
            Ok(mut client) => match client.query_status().await {
                Ok(status) => {
                    let mapped = match status.status.as_str() {
                        "running" => ServerStatus::Running,
                        // qemu stays up after a guest shutdown only with -no-shutdown; treat
                        // it as the stopped VM it is.
                        "shutdown" => ServerStatus::Stopped,
                        _ if status.running => ServerStatus::Running,
                        _ => ServerStatus::Paused,
                    };
                    (mapped, Some(pid), Some(status.status))
                }
                Err(e) => {
                    tracing::warn!(server = %id, error = %e, "query-status failed");
                    (ServerStatus::Unknown, Some(pid), None)
                }
            },
            Err(e) => {
                tracing::warn!(server = %id, error = %e, "qmp unreachable");
                (ServerStatus::Unknown, Some(pid), None)
            }
        }
    }

    async fn launch(&self, spec: &ServerSpec) -> Result<i32> {
        let paths = self.layout.server(&spec.id);
        let with_user_data = tokio::fs::metadata(paths.user_data()).await.is_ok();
        let args = qemu::command_line(spec, &paths, &self.layout, self.accel.accel, with_user_data);
        tracing::debug!(server = %spec.id, ?args, "starting qemu");
        qemu::spawn(&self.config.binaries.qemu_system, &args, &paths).await
    }

    /// Stops the process: gracefully (ACPI power-down) unless `hard`, then `quit`, then SIGKILL.
    async fn stop_locked(&self, id: &str, hard: bool) -> Result<()> {
        let paths = self.layout.server(id);
        let Some(pid) = qemu::live_pid(&paths).await else {
            return Ok(());
        };
        let mut stopped = false;
        if !hard {
            // The button is pressed again every couple of seconds: a guest still booting
            // drops presses that come before its ACPI handling is up. Each press uses a short
            // QMP session, so status queries are not blocked meanwhile.
            let deadline = tokio::time::Instant::now() + self.config.stop_timeout;
            while !stopped && tokio::time::Instant::now() < deadline {
                match self.qmp(&paths).await {
                    Ok(mut client) => {
                        if let Err(e) = client.execute("system_powerdown", None).await {
                            tracing::warn!(server = %id, error = %e, "system_powerdown failed");
                        }
                    }
                    Err(e) => tracing::warn!(server = %id, error = %e, "qmp unreachable for power-down"),
                }
                let left = deadline.saturating_duration_since(tokio::time::Instant::now());
                stopped = qemu::wait_exit(pid, left.min(POWERDOWN_REPEAT)).await;
            }
            if !stopped {
                tracing::warn!(server = %id, "guest did not power off in time; stopping it hard");
            }
        }
        if !stopped {
            if let Ok(mut client) = self.qmp(&paths).await {
                if client.execute("quit", None).await.is_ok() {
                    stopped = qemu::wait_exit(pid, Duration::from_secs(5)).await;
                }
            }
        }
        if !stopped {
            qemu::kill(pid);
            if !qemu::wait_exit(pid, Duration::from_secs(10)).await {
                return Err(KvmError::Timeout(format!("qemu pid {pid} of server {id} survived SIGKILL")));
            }
        }
        state::remove_file(&paths.pid()).await?;
        state::remove_file(&paths.qmp()).await?;
        Ok(())
    }

    pub(crate) fn check_size(&self, vcpus: u32, memory_mib: u64) -> Result<()> {
        if vcpus == 0 {
            return Err(KvmError::InvalidInput("vcpus must be at least 1".into()));
        }
        if memory_mib < 16 {
            return Err(KvmError::InvalidInput("memory must be at least 16 MiB".into()));
        }
        let capacity = self.capacity()?;
        if vcpus > capacity.cpus {
            return Err(KvmError::CapacityExceeded(format!("{vcpus} vcpus requested, the host has {}", capacity.cpus)));
        }
        if memory_mib > capacity.memory_total_mib {
            return Err(KvmError::CapacityExceeded(format!(
                "{memory_mib} MiB of memory requested, the host has {} MiB",
                capacity.memory_total_mib
            )));
        }
        Ok(())
    }

    pub(crate) fn check_free_space(&self, gib: u64) -> Result<()> {
        let free = self.capacity()?.disk_free_bytes;
        if gib.saturating_mul(GIB) > free {
            return Err(KvmError::CapacityExceeded(format!(
                "{gib} GiB of disk requested, {} GiB free in the data dir",
                free / GIB
            )));
        }
        Ok(())
    }
}

/// Writes a file only its owner can read (user-data may hold passwords or keys).
async fn write_private(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    use tokio::io::AsyncWriteExt;
    let mut file = tokio::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .await
        .map_err(KvmError::io("creating", path))?;
    file.write_all(bytes).await.map_err(KvmError::io("writing", path))?;
    file.flush().await.map_err(KvmError::io("writing", path))
}
