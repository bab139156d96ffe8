//! `qemu-img`: create, inspect and resize qcow2 files.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use tokio::process::Command;

use crate::error::{KvmError, Result};

#[derive(Debug, Clone)]
pub struct QemuImg {
    binary: PathBuf,
}

/// The parts of `qemu-img info --output=json` we use.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ImageInfo {
    pub format: String,
    #[serde(rename = "virtual-size")]
    pub virtual_size: u64,
    #[serde(rename = "actual-size", default)]
    pub actual_size: u64,
    #[serde(rename = "backing-filename", default)]
    pub backing_filename: Option<String>,
}

impl QemuImg {
    pub fn new(binary: impl Into<PathBuf>) -> Self {
        QemuImg { binary: binary.into() }
    }

    /// Creates a qcow2 file of `size_bytes`; with `backing`, a copy-on-write overlay of that
    /// qcow2 file (which must stay in place).
    pub async fn create(&self, path: &Path, size_bytes: u64, backing: Option<&Path>) -> Result<()> {
        let mut command = Command::new(&self.binary);
        command.arg("create").arg("-q").arg("-f").arg("qcow2");
        if let Some(backing) = backing {
            command.arg("-b").arg(backing).arg("-F").arg("qcow2");
        }
        command.arg(path).arg(size_bytes.to_string());
        self.run(command).await.map(drop)
    }

    /// Reads a file's format and sizes. `-U` lets this read a disk a running VM holds open.
    pub async fn info(&self, path: &Path) -> Result<ImageInfo> {
        let mut command = Command::new(&self.binary);
        command.arg("info").arg("-U").arg("--output=json").arg(path);
        let stdout = self.run(command).await?;
        serde_json::from_slice(&stdout).map_err(|e| KvmError::Command {
            program: "qemu-img info".into(),
            message: format!("unexpected output: {e}"),
        })
    }

    /// Grows (or shrinks) a file that no running VM holds.
    pub async fn resize(&self, path: &Path, size_bytes: u64) -> Result<()> {
        let mut command = Command::new(&self.binary);
        command.arg("resize").arg("-q").arg("-f").arg("qcow2").arg(path).arg(size_bytes.to_string());
        self.run(command).await.map(drop)
    }

    async fn run(&self, mut command: Command) -> Result<Vec<u8>> {
        command.kill_on_drop(true);
        let output = command.output().await.map_err(|e| KvmError::Command {
            program: self.binary.display().to_string(),
            message: format!("cannot run: {e}"),
        })?;
        if !output.status.success() {
            return Err(KvmError::Command {
                program: self.binary.display().to_string(),
                message: String::from_utf8_lossy(&output.stderr).trim().to_string(),
            });
        }
        Ok(output.stdout)
    }
}
