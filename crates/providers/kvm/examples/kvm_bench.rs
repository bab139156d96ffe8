//! Benchmark of the kvm provider on this host, with the tiny test image:
//! time from create to the guest's marker on the serial console, from stop request to stopped,
//! and RSS per idle VM. Prints figures; not a test.
//!
//!   scripts/build-test-image
//!   cargo run -p strato-provider-kvm --example kvm_bench -- [VMS] [MEMORY_MIB]
//!
//! VMs are booted one after another (each measured alone) and all killed by pid at the end.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use strato_provider_kvm::{qemu, CreateServer, KvmConfig, KvmHost};

struct KillOnDrop(Vec<i32>);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        for pid in &self.0 {
            if qemu::is_alive(*pid) {
                qemu::kill(*pid);
            }
        }
    }
}

fn summary(label: &str, unit: &str, mut values: Vec<f64>) {
    values.sort_by(f64::total_cmp);
    let median = values[values.len() / 2];
    println!(
        "{label:<34} n={} min={:.2}{unit} median={median:.2}{unit} max={:.2}{unit}",
        values.len(),
        values[0],
        values[values.len() - 1]
    );
}

async fn wait_for_marker(host: &KvmHost, id: &str, marker: &str, timeout: Duration) -> anyhow::Result<()> {
    let path = host.serial_log_path(id);
    let start = Instant::now();
    while start.elapsed() < timeout {
        if std::fs::read(&path).map(|log| String::from_utf8_lossy(&log).contains(marker)).unwrap_or(false) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    bail!("no {marker} from {id} within {timeout:?}")
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let vms: usize = args.next().map(|a| a.parse()).transpose().context("VMS")?.unwrap_or(3).max(1);
    let memory_mib: u64 = args.next().map(|a| a.parse()).transpose().context("MEMORY_MIB")?.unwrap_or(128);
    let images = std::env::var_os("STRATO_TEST_KVM_IMAGE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../.test-deps/images/tiny"));
    let dir = tempfile::Builder::new().prefix("kvmb").tempdir()?;
    let host = KvmHost::open(KvmConfig::new(dir.path())?).await?;
    let cmdline = std::fs::read_to_string(images.join("cmdline"))
        .with_context(|| format!("no test image at {} (run scripts/build-test-image)", images.display()))?;
    host.register_kernel_image("tiny", &images.join("vmlinuz"), &images.join("initrd.img"), cmdline.trim()).await?;
    println!(
        "kvm bench: {vms} VM(s), {memory_mib} MiB, 1 vcpu, accel {} ({}), qemu pids killed at exit",
        host.accel().accel.as_str(),
        host.accel().reason
    );

    let mut guard = KillOnDrop(Vec::new());
    let mut create_call = Vec::new();
    let mut to_marker = Vec::new();
    let mut ids = Vec::new();
    for index in 0..vms {
        let start = Instant::now();
        let server = host
            .create_server(CreateServer {
                name: format!("bench{index}"),
                vcpus: 1,
                memory_mib,
                image: "tiny".into(),
                boot_disk_gib: 1,
                ..Default::default()
            })
            .await?;
        guard.0.extend(server.pid);
        create_call.push(start.elapsed().as_secs_f64());
        wait_for_marker(&host, &server.spec.id, "STRATO-GUEST-READY", Duration::from_secs(300)).await?;
        to_marker.push(start.elapsed().as_secs_f64());
        ids.push(server.spec.id);
    }

    // Let the guests settle, then read each qemu's resident memory.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let mut rss = Vec::new();
    for server in host.list_servers().await? {
        if let Some(kib) = server.pid.and_then(qemu::rss_kib) {
            rss.push(kib as f64 / 1024.0);
        }
    }

    let mut to_stopped = Vec::new();
    for id in &ids {
        let start = Instant::now();
        host.stop_server(id).await?;
        to_stopped.push(start.elapsed().as_secs_f64());
    }

    summary("create call returns (qemu up)", "s", create_call);
    summary("create -> STRATO-GUEST-READY", "s", to_marker);
    summary("stop request -> stopped (ACPI)", "s", to_stopped);
    summary("RSS per idle VM", "MiB", rss);
    for id in &ids {
        host.delete_server(id).await?;
    }
    Ok(())
}
