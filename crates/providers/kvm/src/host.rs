//! The host as a cloud: its capacity (cpus, memory, free disk under the data dir) and the
//! accelerator qemu gets.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{KvmError, Result};

/// Which accelerator qemu uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Accel {
    Kvm,
    Tcg,
}

impl Accel {
    pub fn as_str(self) -> &'static str {
        match self {
            Accel::Kvm => "kvm",
            Accel::Tcg => "tcg",
        }
    }
}

/// What the operator asked for; `Auto` picks KVM when it works, TCG otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccelChoice {
    #[default]
    Auto,
    Kvm,
    Tcg,
}

impl AccelChoice {
    /// Reads `STRATO_KVM_ACCEL` (auto, kvm, tcg); unset means auto.
    pub fn from_env() -> Result<Self> {
        match std::env::var("STRATO_KVM_ACCEL") {
            Err(_) => Ok(AccelChoice::Auto),
            Ok(value) => match value.trim().to_ascii_lowercase().as_str() {
                "" | "auto" => Ok(AccelChoice::Auto),
                "kvm" => Ok(AccelChoice::Kvm),
                "tcg" => Ok(AccelChoice::Tcg),
                other => Err(KvmError::InvalidInput(format!(
                    "STRATO_KVM_ACCEL must be auto, kvm or tcg, not {other:?}"
                ))),
            },
        }
    }
}

/// The accelerator chosen and why (shown in host details).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccelDecision {
    pub accel: Accel,
    pub reason: String,
}

/// Picks the accelerator. KVM needs /dev/kvm to open read-write *and* a hardware KVM module
/// (kvm_intel or kvm_amd): some sandboxes expose a /dev/kvm backed by a paravirtual module
/// (e.g. kvm_pvm) that only boots specially built guest kernels, where an ordinary guest hangs.
pub fn choose_accel(choice: AccelChoice) -> AccelDecision {
    match choice {
        AccelChoice::Kvm => AccelDecision { accel: Accel::Kvm, reason: "configured".into() },
        AccelChoice::Tcg => AccelDecision { accel: Accel::Tcg, reason: "configured".into() },
        AccelChoice::Auto => {
            if let Err(e) = std::fs::OpenOptions::new().read(true).write(true).open("/dev/kvm") {
                return AccelDecision { accel: Accel::Tcg, reason: format!("/dev/kvm unusable: {e}") };
            }
            let hardware = ["kvm_intel", "kvm_amd"]
                .iter()
                .any(|module| Path::new("/sys/module").join(module).exists());
            if hardware {
                AccelDecision { accel: Accel::Kvm, reason: "/dev/kvm is usable".into() }
            } else {
                AccelDecision {
                    accel: Accel::Tcg,
                    reason: "/dev/kvm opens but no kvm_intel/kvm_amd module is loaded".into(),
                }
            }
        }
    }
}

/// What the host has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostCapacity {
    pub cpus: u32,
    pub memory_total_mib: u64,
    pub memory_available_mib: u64,
    /// Free and total bytes of the filesystem holding the data dir.
    pub disk_free_bytes: u64,
    pub disk_total_bytes: u64,
}

pub fn probe_capacity(data_dir: &Path) -> Result<HostCapacity> {
    let cpus = std::thread::available_parallelism().map(|n| n.get() as u32).unwrap_or(1);
    let meminfo = std::fs::read_to_string("/proc/meminfo").map_err(KvmError::io("reading", "/proc/meminfo"))?;
    let (memory_total_mib, memory_available_mib) = parse_meminfo(&meminfo);
    let (disk_free_bytes, disk_total_bytes) = filesystem_space(data_dir)?;
    Ok(HostCapacity { cpus, memory_total_mib, memory_available_mib, disk_free_bytes, disk_total_bytes })
}

fn parse_meminfo(text: &str) -> (u64, u64) {
    let field = |name: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map(|kib| kib / 1024)
            .unwrap_or(0)
    };
    (field("MemTotal:"), field("MemAvailable:"))
}

fn filesystem_space(path: &Path) -> Result<(u64, u64)> {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes())
        .map_err(|_| KvmError::InvalidInput(format!("path {} contains NUL", path.display())))?;
    // SAFETY: statvfs writes into the zeroed struct we own; the path is a valid C string.
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::statvfs(c_path.as_ptr(), &mut stat) };
    if rc != 0 {
        return Err(KvmError::Io {
            context: "statvfs",
            path: path.to_path_buf(),
            source: std::io::Error::last_os_error(),
        });
    }
    let block = stat.f_frsize as u64;
    Ok((stat.f_bavail as u64 * block, stat.f_blocks as u64 * block))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meminfo_is_parsed_in_mib() {
        let text = "MemTotal:       24684544 kB\nMemFree:        1 kB\nMemAvailable:   23247872 kB\n";
        assert_eq!(parse_meminfo(text), (24106, 22703));
        assert_eq!(parse_meminfo("garbage"), (0, 0));
    }

    #[test]
    fn capacity_of_this_host() {
        let dir = tempfile::tempdir().expect("tempdir");
        let capacity = probe_capacity(dir.path()).expect("probe");
        assert!(capacity.cpus >= 1);
        assert!(capacity.memory_total_mib > 0);
        assert!(capacity.disk_total_bytes >= capacity.disk_free_bytes && capacity.disk_free_bytes > 0);
    }
}
