//! On-disk state under `<data-dir>/kvm/`, the only record of what exists, so a restarted strato
//! (or another process on the same host) sees the same VMs:
//!
//! ```text
//! kvm/images/<name>/      image.json + vmlinuz, initrd.img (kernel images) or disk.qcow2
//! kvm/servers/<id>/       server.json (spec), qemu.pid, qmp.sock, serial.log, user-data
//! kvm/disks/<id>/         disk.json, disk.qcow2
//! ```
//! Which server a disk is attached to is recorded only in that server's spec.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{de::DeserializeOwned, Deserialize, Serialize};

use crate::error::{KvmError, Result};

/// A server's spec, written when it is created and changed by config and attach/detach.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerSpec {
    pub id: String,
    pub name: String,
    pub vcpus: u32,
    pub memory_mib: u64,
    /// The image name it was created from.
    pub image: String,
    pub boot: BootSource,
    /// The system disk: created with the server, deleted with it, never detached.
    pub boot_disk: String,
    /// Data disks in attachment order.
    #[serde(default)]
    pub data_disks: Vec<String>,
    pub mac: String,
    pub created_at: DateTime<Utc>,
    /// The caller's token: a retried create with the same token returns this server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_token: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

impl ServerSpec {
    pub fn disks(&self) -> impl Iterator<Item = &String> {
        std::iter::once(&self.boot_disk).chain(self.data_disks.iter())
    }
}

/// How a server boots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum BootSource {
    /// Direct kernel boot; the boot disk starts blank.
    Kernel { kernel: PathBuf, initrd: PathBuf, cmdline: String },
    /// Firmware boots the boot disk, a qcow2 overlay of the image.
    Disk,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiskSpec {
    pub id: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_token: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// The host's identity (`host.json`), made once; region and zone ids derive from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostSpec {
    pub id: String,
    pub created_at: DateTime<Utc>,
}

/// An image's description (`image.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageSpec {
    pub name: String,
    pub kind: ImageKind,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ImageKind {
    Kernel { cmdline: String },
    Qcow2,
}

/// Paths of the state tree.
#[derive(Debug, Clone)]
pub struct Layout {
    root: PathBuf,
}

impl Layout {
    pub fn new(data_dir: &Path) -> Self {
        Layout { root: data_dir.join("kvm") }
    }
    pub fn root(&self) -> &Path {
        &self.root
    }
    pub fn servers_dir(&self) -> PathBuf {
        self.root.join("servers")
    }
    pub fn disks_dir(&self) -> PathBuf {
        self.root.join("disks")
    }
    pub fn host_spec(&self) -> PathBuf {
        self.root.join("host.json")
    }
    pub fn images_dir(&self) -> PathBuf {
        self.root.join("images")
    }
    pub fn server(&self, id: &str) -> ServerPaths {
        ServerPaths { dir: self.servers_dir().join(id) }
    }
    pub fn disk_dir(&self, id: &str) -> PathBuf {
        self.disks_dir().join(id)
    }
    pub fn disk_file(&self, id: &str) -> PathBuf {
        self.disk_dir(id).join("disk.qcow2")
    }
    pub fn disk_spec(&self, id: &str) -> PathBuf {
        self.disk_dir(id).join("disk.json")
    }
    pub fn image_dir(&self, name: &str) -> PathBuf {
        self.images_dir().join(name)
    }

    pub async fn create_dirs(&self) -> Result<()> {
        for dir in [self.servers_dir(), self.disks_dir(), self.images_dir()] {
            tokio::fs::create_dir_all(&dir).await.map_err(KvmError::io("creating", &dir))?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone)]
pub struct ServerPaths {
    pub dir: PathBuf,
}

impl ServerPaths {
    pub fn spec(&self) -> PathBuf {
        self.dir.join("server.json")
    }
    pub fn pid(&self) -> PathBuf {
        self.dir.join("qemu.pid")
    }
    pub fn qmp(&self) -> PathBuf {
        self.dir.join("qmp.sock")
    }
    pub fn serial_log(&self) -> PathBuf {
        self.dir.join("serial.log")
    }
    pub fn user_data(&self) -> PathBuf {
        self.dir.join("user-data")
    }
}

/// Entry names of a directory that are valid ids (hex/uuid-ish), sorted; a missing dir is empty.
pub async fn list_ids(dir: &Path) -> Result<Vec<String>> {
    let mut entries = match tokio::fs::read_dir(dir).await {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(KvmError::io("listing", dir)(e)),
    };
    let mut ids = Vec::new();
    while let Some(entry) = entries.next_entry().await.map_err(KvmError::io("listing", dir))? {
        if let Some(name) = entry.file_name().to_str() {
            if valid_name(name) {
                ids.push(name.to_string());
            }
        }
    }
    ids.sort();
    Ok(ids)
}

/// Names usable as a path component: ids we make and image names a user gives.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

pub async fn read_json<T: DeserializeOwned>(path: &Path) -> Result<Option<T>> {
    let bytes = match tokio::fs::read(path).await {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(KvmError::io("reading", path)(e)),
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| KvmError::BadState { path: path.to_path_buf(), message: e.to_string() })
}

/// Writes through a temporary file and a rename, so a crash never leaves half a spec.
pub async fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let bytes = serde_json::to_vec_pretty(value)
        .map_err(|e| KvmError::BadState { path: path.to_path_buf(), message: e.to_string() })?;
    let temporary = path.with_extension("json.tmp");
    tokio::fs::write(&temporary, &bytes).await.map_err(KvmError::io("writing", &temporary))?;
    tokio::fs::rename(&temporary, path).await.map_err(KvmError::io("renaming", path))
}

/// Removes a directory tree; already gone is fine.
pub async fn remove_dir(path: &Path) -> Result<()> {
    match tokio::fs::remove_dir_all(path).await {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(KvmError::io("removing", path)(e)),
    }
}

pub async fn remove_file(path: &Path) -> Result<()> {
    match tokio::fs::remove_file(path).await {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(KvmError::io("removing", path)(e)),
    }
}
