//! The `kvm` provider: this host as an on-premise cloud of real qemu-system-x86_64 VMs.
//!
//! Layers, bottom up: [`qmp`] (QMP client), [`qemu`] (command line, daemonized process, pid
//! checks), [`qemu_img`] (qcow2 files), [`host`] (capacity and accelerator), [`state`] (the
//! on-disk layout that survives strato restarts), and the operations on [`KvmHost`] in
//! [`server`], [`disk`] and [`image`].

mod client;
pub mod disk;
pub mod error;
pub mod host;
pub mod image;
mod kinds;
pub mod qemu;
pub mod qemu_img;
pub mod qmp;
mod preflight;
mod provider;
mod region;
pub mod server;
pub mod state;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use disk::{CreateDisk, DiskInfo};
pub use error::{KvmError, Result};
pub use host::{Accel, AccelChoice, AccelDecision, HostCapacity};
pub use image::ImageInfo;
pub use qemu::QemuBinaries;
pub use provider::{capabilities, data_dir_of, KvmDriver, KvmProvider, LIMITS, PROVIDER};
pub use client::{instance_type, parse_instance_type};
pub use region::{USER_NET_CIDR, USER_NET_GUEST_IP};
pub use server::{CreateServer, ServerInfo, ServerStatus};

/// Registers the `kvm` provider; accounts without an endpoint keep their VMs under
/// `<default_data_dir>/kvm`.
pub fn register(registry: &mut strato_cloud::ProviderRegistry, default_data_dir: impl Into<PathBuf>) -> strato_cloud::CloudResult<()> {
    registry.register(Arc::new(KvmProvider::new(default_data_dir)))
}

use crate::qemu_img::QemuImg;
use crate::qmp::QmpClient;
use crate::state::{Layout, ServerPaths};

/// How the host is driven.
#[derive(Debug, Clone)]
pub struct KvmConfig {
    /// Strato's data dir; the kvm state lives in `<data_dir>/kvm`.
    pub data_dir: PathBuf,
    pub binaries: QemuBinaries,
    pub accel: AccelChoice,
    /// How long a guest gets to power off after an ACPI power-down before a hard stop.
    pub stop_timeout: Duration,
    /// Bound on each QMP step (connect, command) and on waiting for DEVICE_DELETED.
    pub qmp_timeout: Duration,
}

impl KvmConfig {
    /// Defaults: binaries from PATH, accelerator from `STRATO_KVM_ACCEL` (auto when unset),
    /// 30 s to power off, 10 s per QMP step.
    pub fn new(data_dir: impl Into<PathBuf>) -> Result<Self> {
        Ok(KvmConfig {
            data_dir: data_dir.into(),
            binaries: QemuBinaries {
                qemu_system: PathBuf::from("qemu-system-x86_64"),
                qemu_img: PathBuf::from("qemu-img"),
            },
            accel: AccelChoice::from_env()?,
            stop_timeout: Duration::from_secs(30),
            qmp_timeout: Duration::from_secs(10),
        })
    }
}

/// This host's VMs, disks and images. Cheap to re-create: all state is on disk, so a new
/// `KvmHost` over the same data dir (e.g. after a strato restart) sees the same VMs.
pub struct KvmHost {
    config: KvmConfig,
    layout: Layout,
    host_id: String,
    accel: AccelDecision,
    qemu_img: QemuImg,
    /// Serialises lifecycle operations per server.
    server_locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// Serialises changes of which disk is where (create, delete, attach, detach); taken after
    /// a server lock, never before.
    disk_lock: tokio::sync::Mutex<()>,
    /// Serialises server creates (idempotency-token check and create as one step).
    create_lock: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for KvmHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KvmHost").field("root", &self.layout.root()).field("accel", &self.accel).finish()
    }
}

impl KvmHost {
    pub async fn open(mut config: KvmConfig) -> Result<Self> {
        // qemu daemonizes into "/", so every path on its command line must be absolute.
        config.data_dir = std::path::absolute(&config.data_dir).map_err(KvmError::io("resolving", &config.data_dir))?;
        let layout = Layout::new(&config.data_dir);
        layout.create_dirs().await?;
        qemu::check_socket_path(&layout.server(&"0".repeat(32)).qmp())?;
        let host_id = match state::read_json::<state::HostSpec>(&layout.host_spec()).await? {
            Some(spec) => spec.id,
            None => {
                let spec = state::HostSpec { id: new_id(), created_at: chrono::Utc::now() };
                state::write_json(&layout.host_spec(), &spec).await?;
                spec.id
            }
        };
        let accel = host::choose_accel(config.accel);
        tracing::info!(accel = accel.accel.as_str(), reason = %accel.reason, root = %layout.root().display(), "kvm host opened");
        Ok(KvmHost {
            qemu_img: QemuImg::new(&config.binaries.qemu_img),
            config,
            layout,
            host_id,
            accel,
            server_locks: Mutex::new(HashMap::new()),
            disk_lock: tokio::sync::Mutex::new(()),
            create_lock: tokio::sync::Mutex::new(()),
        })
    }

    pub fn config(&self) -> &KvmConfig {
        &self.config
    }
    /// This host's stable id (made on first open of the data dir).
    pub fn host_id(&self) -> &str {
        &self.host_id
    }
    pub fn accel(&self) -> &AccelDecision {
        &self.accel
    }
    pub fn layout(&self) -> &Layout {
        &self.layout
    }
    pub fn data_dir(&self) -> &Path {
        &self.config.data_dir
    }

    pub fn capacity(&self) -> Result<HostCapacity> {
        host::probe_capacity(self.layout.root())
    }

    /// Whether qemu-system-x86_64 and qemu-img can be run.
    pub async fn qemu_installed(binaries: &QemuBinaries) -> bool {
        let mut ok = true;
        for binary in [&binaries.qemu_system, &binaries.qemu_img] {
            let status = tokio::process::Command::new(binary)
                .arg("--version")
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status()
                .await;
            ok &= matches!(status, Ok(s) if s.success());
        }
        ok
    }

    fn server_lock(&self, id: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.server_locks.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        locks.entry(id.to_string()).or_default().clone()
    }

    async fn qmp(&self, paths: &ServerPaths) -> Result<QmpClient> {
        Ok(QmpClient::connect(&paths.qmp(), self.config.qmp_timeout).await?)
    }
}

/// 1 GiB in bytes.
pub const GIB: u64 = 1024 * 1024 * 1024;

/// A fresh external id: 32 lower-case hex digits.
fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}
