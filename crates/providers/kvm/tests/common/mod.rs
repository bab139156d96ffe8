//! Shared by the real-qemu tests: a host over a temp data dir with the tiny test image
//! registered, whose VMs are killed by pid when it is dropped.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use strato_provider_kvm::qmp::QmpClient;
use strato_provider_kvm::{KvmConfig, KvmHost};

pub const IMAGE: &str = "tiny";

/// Bound on one guest boot (TCG on a loaded 2-core CI machine takes ~15 s). Kept so that a
/// test's waits stay inside nextest's 300 s hang limit, after which drop guards would not run.
pub const BOOT: Duration = Duration::from_secs(120);

pub fn image_dir() -> PathBuf {
    match std::env::var_os("STRATO_TEST_KVM_IMAGE") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../.test-deps/images/tiny"),
    }
}

pub struct TestHost {
    pub dir: tempfile::TempDir,
    pub host: KvmHost,
}

impl TestHost {
    pub async fn new() -> TestHost {
        let images = require_qemu_and_image().await;
        let dir = tempfile::Builder::new().prefix("kvm").tempdir().expect("tempdir");
        let host = Self::open(dir.path()).await;
        let cmdline = std::fs::read_to_string(images.join("cmdline")).expect("cmdline");
        host.register_kernel_image(IMAGE, &images.join("vmlinuz"), &images.join("initrd.img"), cmdline.trim())
            .await
            .expect("register image");
        TestHost { dir, host }
    }

    /// Another manager over the same data dir, as after a strato restart.
    pub async fn open(dir: &Path) -> KvmHost {
        let mut config = KvmConfig::new(dir).expect("config");
        config.stop_timeout = Duration::from_secs(30);
        KvmHost::open(config).await.expect("open host")
    }
}

impl Drop for TestHost {
    fn drop(&mut self) {
        for pid in qemu_pids(self.dir.path()) {
            strato_provider_kvm::qemu::kill(pid);
        }
    }
}

/// Kills, by pid, every VM under a data dir when dropped.
pub struct KillVmsOnDrop(pub PathBuf);

impl Drop for KillVmsOnDrop {
    fn drop(&mut self) {
        for pid in qemu_pids(&self.0) {
            strato_provider_kvm::qemu::kill(pid);
        }
    }
}

/// Fails with a pointer to scripts/test when qemu or the test image is missing.
pub async fn require_qemu_and_image() -> PathBuf {
    let images = image_dir();
    assert!(
        images.join("vmlinuz").is_file() && images.join("initrd.img").is_file(),
        "the tiny test image is missing at {}: run scripts/test (it runs scripts/build-test-image)",
        images.display()
    );
    assert!(
        KvmHost::qemu_installed(&KvmConfig::new("/").expect("config").binaries).await,
        "qemu-system-x86_64 or qemu-img is missing: run scripts/test (it installs qemu-system-x86 and qemu-utils)"
    );
    images
}

/// Live qemu pids under a data dir.
pub fn qemu_pids(data_dir: &Path) -> Vec<i32> {
    let mut pids = Vec::new();
    let Ok(entries) = std::fs::read_dir(data_dir.join("kvm/servers")) else { return pids };
    for entry in entries.flatten() {
        if let Ok(text) = std::fs::read_to_string(entry.path().join("qemu.pid")) {
            if let Ok(pid) = text.trim().parse::<i32>() {
                if strato_provider_kvm::qemu::is_alive(pid) {
                    pids.push(pid);
                }
            }
        }
    }
    pids
}

/// Waits until the serial log holds `marker`; returns the log.
pub async fn wait_for_serial(host: &KvmHost, server: &str, marker: &str, timeout: Duration) -> String {
    let path = host.serial_log_path(server);
    let start = Instant::now();
    loop {
        let log = String::from_utf8_lossy(&std::fs::read(&path).unwrap_or_default()).into_owned();
        if log.contains(marker) {
            return log;
        }
        assert!(start.elapsed() < timeout, "no {marker} on {} within {timeout:?}; log:\n{log}", path.display());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `query-block` node names and sizes of a running server.
pub async fn block_nodes(host: &KvmHost, server: &str) -> Vec<(String, u64)> {
    let mut client = QmpClient::connect(&host.layout().server(server).qmp(), Duration::from_secs(10))
        .await
        .expect("qmp");
    let blocks = client.execute("query-block", None).await.expect("query-block");
    blocks
        .as_array()
        .expect("query-block returns a list")
        .iter()
        .filter_map(|block| {
            let inserted = block.get("inserted")?;
            Some((
                inserted["node-name"].as_str()?.to_string(),
                inserted["image"]["virtual-size"].as_u64()?,
            ))
        })
        .collect()
}
