//! A `strato serve` child process on a free loopback port, stopped (SIGTERM, then SIGKILL) on drop.

use anyhow::{bail, Context};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const ADMIN_PASSWORD: &str = "bench-root-password-1";

pub struct ServedStrato {
    child: Child,
    pub addr: String,
    _data_dir: tempfile::TempDir,
}

impl ServedStrato {
    pub fn start(strato: &Path, extra_args: &[&str]) -> anyhow::Result<Self> {
        Self::start_in(strato, tempfile::tempdir()?, extra_args)
    }

    /// On a data dir prepared beforehand (removed when the server is dropped).
    pub fn start_in(strato: &Path, data_dir: tempfile::TempDir, extra_args: &[&str]) -> anyhow::Result<Self> {
        let mut child = Command::new(strato)
            .arg("serve")
            .arg("--listen")
            .arg("127.0.0.1:0")
            .arg("--data-dir")
            .arg(data_dir.path())
            .args(extra_args)
            .env("STRATO_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", strato.display()))?;
        let stdout = child.stdout.take().context("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let deadline = Instant::now() + Duration::from_secs(60);
        let addr = loop {
            if Instant::now() > deadline {
                let _ = child.kill();
                bail!("strato serve did not print its listening line within 60s");
            }
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(rest) = line.strip_prefix("strato: listening on http://") {
                        break rest.trim().to_string();
                    }
                }
                _ => {
                    let _ = child.kill();
                    bail!("strato serve exited before listening");
                }
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Ok(Self { child, addr, _data_dir: data_dir })
    }

    pub fn data_dir(&self) -> &Path {
        self._data_dir.path()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for ServedStrato {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
