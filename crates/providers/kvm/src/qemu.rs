//! The qemu-system-x86_64 process: its command line, start (daemonized, so VMs outlive the
//! strato process), and liveness and killing by pid.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::json;
use tokio::process::Command;
use tokio::time::Instant;

use crate::error::{KvmError, Result};
use crate::host::Accel;
use crate::state::{BootSource, Layout, ServerPaths, ServerSpec};

/// fw_cfg item carrying the user-data; the guest reads
/// /sys/firmware/qemu_fw_cfg/by_name/opt/strato/user-data/raw.
pub const USER_DATA_FW_CFG: &str = "opt/strato/user-data";
/// The virtio-scsi controller every disk hangs off.
pub const SCSI_CONTROLLER: &str = "scsi0";

/// QMP node-name (at most 31 characters) of a disk's qcow2 layer.
pub fn node_name(disk_id: &str) -> String {
    format!("n{}", disk_id.chars().take(24).collect::<String>())
}

/// qdev id of a disk's scsi-hd device.
pub fn device_id(disk_id: &str) -> String {
    format!("d{}", disk_id.chars().take(24).collect::<String>())
}

/// The `-blockdev` (and QMP `blockdev-add`) argument of a disk.
pub fn blockdev(disk_id: &str, file: &Path) -> serde_json::Value {
    json!({
        "driver": "qcow2",
        "node-name": node_name(disk_id),
        "file": { "driver": "file", "filename": file.to_string_lossy() },
    })
}

/// The `-device` (and QMP `device_add`) argument of a disk.
pub fn scsi_device(disk_id: &str, boot: bool) -> serde_json::Value {
    let mut device = json!({
        "driver": "scsi-hd",
        "id": device_id(disk_id),
        "drive": node_name(disk_id),
        "bus": format!("{SCSI_CONTROLLER}.0"),
    });
    if boot {
        device["bootindex"] = json!(0);
    }
    device
}

/// A stable MAC in QEMU's locally administered range, derived from the server id.
pub fn mac_for(id: &str) -> String {
    let hex: Vec<char> = id.chars().filter(char::is_ascii_hexdigit).collect();
    let pair = |i: usize| -> String { hex.get(i * 2..i * 2 + 2).map(|p| p.iter().collect()).unwrap_or("00".into()) };
    format!("52:54:00:{}:{}:{}", pair(0), pair(1), pair(2)).to_ascii_lowercase()
}

/// QEMU option values are comma-separated; a literal comma is written twice.
fn escape(value: &Path) -> String {
    value.to_string_lossy().replace(',', ",,")
}

/// Builds the full argument list for a server.
pub fn command_line(spec: &ServerSpec, paths: &ServerPaths, layout: &Layout, accel: Accel, with_user_data: bool) -> Vec<OsString> {
    let mut args: Vec<OsString> = Vec::new();
    let mut push = |items: &[&str]| args.extend(items.iter().map(OsString::from));
    push(&["-name", &format!("strato-{}", spec.id)]);
    push(&["-machine", "q35"]);
    match accel {
        Accel::Kvm => push(&["-accel", "kvm", "-cpu", "host"]),
        // TCG's translation cache defaults to hundreds of MiB per VM; small guests need little.
        Accel::Tcg => push(&["-accel", "tcg,tb-size=64"]),
    }
    push(&["-m", &spec.memory_mib.to_string(), "-smp", &spec.vcpus.to_string()]);
    push(&["-nodefaults", "-no-user-config", "-display", "none"]);
    push(&["-chardev", &format!("file,id=serial0,path={}", escape(&paths.serial_log()))]);
    push(&["-serial", "chardev:serial0"]);
    push(&["-chardev", &format!("socket,id=qmp,path={},server=on,wait=off", escape(&paths.qmp()))]);
    push(&["-mon", "chardev=qmp,mode=control"]);
    push(&["-pidfile", &paths.pid().to_string_lossy(), "-daemonize"]);
    push(&["-device", &format!("virtio-scsi-pci,id={SCSI_CONTROLLER}")]);
    for (index, disk_id) in spec.disks().enumerate() {
        push(&["-blockdev", &blockdev(disk_id, &layout.disk_file(disk_id)).to_string()]);
        let boot = index == 0 && matches!(spec.boot, BootSource::Disk);
        push(&["-device", &scsi_device(disk_id, boot).to_string()]);
    }
    // User-mode networking: one NIC, no host setup, guest at 10.0.2.15 behind the host's NAT.
    // romfile= drops the iPXE option ROM, which only slows firmware down.
    push(&["-netdev", "user,id=net0"]);
    push(&["-device", &format!("virtio-net-pci,netdev=net0,mac={},romfile=", spec.mac)]);
    if let BootSource::Kernel { kernel, initrd, cmdline } = &spec.boot {
        args.push("-kernel".into());
        args.push(kernel.clone().into());
        args.push("-initrd".into());
        args.push(initrd.clone().into());
        args.push("-append".into());
        args.push(cmdline.into());
    }
    if with_user_data {
        args.push("-fw_cfg".into());
        args.push(format!("name={USER_DATA_FW_CFG},file={}", escape(&paths.user_data())).into());
    }
    args
}

/// Starts qemu daemonized and returns the VM's pid. qemu's parent process exits once the VM is
/// set up, so startup errors (bad disk, bad option) come back here with qemu's stderr.
pub async fn spawn(binary: &Path, args: &[OsString], paths: &ServerPaths) -> Result<i32> {
    let program = binary.display().to_string();
    // A stale socket from a VM that died would make qemu fail to bind.
    crate::state::remove_file(&paths.qmp()).await?;
    crate::state::remove_file(&paths.pid()).await?;
    let output = Command::new(binary)
        .args(args)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|e| KvmError::Command { program: program.clone(), message: format!("cannot run: {e}") })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(KvmError::Command { program, message: stderr.trim().to_string() });
    }
    live_pid(paths)
        .await
        .ok_or_else(|| KvmError::Command { program, message: "started but wrote no live pid".into() })
}

/// The pid of the server's qemu if it is alive. The pid file alone is not trusted: the process
/// must exist, not be a zombie, and be the qemu that serves this server's QMP socket.
pub async fn live_pid(paths: &ServerPaths) -> Option<i32> {
    let text = tokio::fs::read_to_string(paths.pid()).await.ok()?;
    let pid: i32 = text.trim().parse().ok().filter(|pid| *pid > 0)?;
    let cmdline = tokio::fs::read(format!("/proc/{pid}/cmdline")).await.ok()?;
    let qmp = paths.qmp();
    let qmp = qmp.to_string_lossy();
    let ours = cmdline.split(|b| *b == 0).any(|arg| String::from_utf8_lossy(arg).contains(qmp.as_ref()));
    (ours && is_alive(pid)).then_some(pid)
}

/// Alive and not a zombie (the host's pid 1 may be slow to reap re-parented qemu processes).
pub fn is_alive(pid: i32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // The state follows the parenthesised command name, which may itself contain ')'.
    match stat.rfind(')').and_then(|end| stat[end + 1..].split_whitespace().next()) {
        Some(state) => state != "Z" && state != "X",
        None => false,
    }
}

pub fn kill(pid: i32) {
    // SAFETY: kill(2) with a pid we verified belongs to our qemu; no memory is involved.
    unsafe {
        libc::kill(pid, libc::SIGKILL);
    }
}

/// Polls until the process is gone; false on timeout.
pub async fn wait_exit(pid: i32, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if !is_alive(pid) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Resident set size of a process in KiB (VmRSS), for the benchmark and host details.
pub fn rss_kib(pid: i32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// qemu's QMP socket path must fit a sockaddr_un.
pub fn check_socket_path(path: &Path) -> Result<()> {
    if path.as_os_str().len() >= 108 {
        return Err(KvmError::InvalidInput(format!(
            "data dir too deep: QMP socket path {} exceeds 107 bytes",
            path.display()
        )));
    }
    Ok(())
}

#[derive(Debug, Clone)]
pub struct QemuBinaries {
    pub qemu_system: PathBuf,
    pub qemu_img: PathBuf,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mac_and_names_are_stable_and_short() {
        assert_eq!(mac_for("0a1b2c3d4e"), "52:54:00:0a:1b:2c");
        assert_eq!(mac_for("zz"), "52:54:00:00:00:00");
        let id = "0123456789abcdef0123456789abcdef";
        assert!(node_name(id).len() <= 31 && device_id(id).len() <= 31);
        assert_ne!(node_name(id), device_id(id));
    }

    #[test]
    fn commas_in_paths_are_escaped() {
        assert_eq!(escape(Path::new("/a,b/c")), "/a,,b/c");
    }

    #[test]
    fn own_process_is_alive_and_a_bogus_pid_is_not() {
        assert!(is_alive(std::process::id() as i32));
        assert!(!is_alive(i32::MAX));
    }
}
