//! Images registered under `<data-dir>/kvm/images/<name>/`: a kernel + initrd pair (direct
//! kernel boot) or a qcow2 file (firmware boots a copy-on-write overlay of it).

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{KvmError, Result};
use crate::state::{self, ImageKind, ImageSpec};
use crate::KvmHost;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageInfo {
    pub spec: ImageSpec,
    pub size_bytes: u64,
}

impl KvmHost {
    /// Copies a kernel and initrd in as image `name`.
    pub async fn register_kernel_image(&self, name: &str, kernel: &Path, initrd: &Path, cmdline: &str) -> Result<ImageInfo> {
        let kind = ImageKind::Kernel { cmdline: cmdline.to_string() };
        self.register_image(name, kind, &[(kernel, "vmlinuz"), (initrd, "initrd.img")]).await
    }

    /// Copies a qcow2 file in as image `name`.
    pub async fn register_qcow2_image(&self, name: &str, file: &Path) -> Result<ImageInfo> {
        let info = self.qemu_img.info(file).await?;
        if info.format != "qcow2" {
            return Err(KvmError::InvalidInput(format!("{} is {}, not qcow2", file.display(), info.format)));
        }
        self.register_image(name, ImageKind::Qcow2, &[(file, "disk.qcow2")]).await
    }

    async fn register_image(&self, name: &str, kind: ImageKind, files: &[(&Path, &str)]) -> Result<ImageInfo> {
        if !state::valid_name(name) {
            return Err(KvmError::InvalidInput(format!("bad image name {name:?}: use letters, digits, '-', '_', '.'")));
        }
        for (source, _) in files {
            if !tokio::fs::metadata(source).await.map(|m| m.is_file()).unwrap_or(false) {
                return Err(KvmError::InvalidInput(format!("{} is not a file", source.display())));
            }
        }
        let dir = self.layout.image_dir(name);
        if tokio::fs::metadata(&dir).await.is_ok() {
            return Err(KvmError::Conflict(format!("image {name} already exists")));
        }
        // Built in a temporary dir and renamed into place: a failed copy leaves no image behind.
        let temporary = self.layout.images_dir().join(format!(".{name}.tmp"));
        state::remove_dir(&temporary).await?;
        let result = async {
            tokio::fs::create_dir_all(&temporary).await.map_err(KvmError::io("creating", &temporary))?;
            for (source, target) in files {
                let target = temporary.join(target);
                tokio::fs::copy(source, &target).await.map_err(KvmError::io("copying", *source))?;
            }
            let spec = ImageSpec { name: name.to_string(), kind, created_at: chrono::Utc::now() };
            state::write_json(&temporary.join("image.json"), &spec).await?;
            tokio::fs::rename(&temporary, &dir).await.map_err(KvmError::io("renaming", &dir))
        }
        .await;
        if let Err(e) = result {
            state::remove_dir(&temporary).await?;
            return Err(e);
        }
        self.get_image(name).await
    }

    pub async fn get_image(&self, name: &str) -> Result<ImageInfo> {
        let not_found = || KvmError::NotFound { kind: "image", id: name.to_string() };
        if !state::valid_name(name) {
            return Err(not_found());
        }
        let dir = self.layout.image_dir(name);
        let spec: ImageSpec = state::read_json(&dir.join("image.json")).await?.ok_or_else(not_found)?;
        let mut size_bytes = 0;
        for file in image_files(&dir, &spec.kind) {
            size_bytes += tokio::fs::metadata(&file).await.map_err(KvmError::io("reading", &file))?.len();
        }
        Ok(ImageInfo { spec, size_bytes })
    }

    pub async fn list_images(&self) -> Result<Vec<ImageInfo>> {
        let mut images = Vec::new();
        for name in state::list_ids(&self.layout.images_dir()).await? {
            images.push(self.get_image(&name).await?);
        }
        Ok(images)
    }

    /// Removes an image no server was created from (qcow2 overlays and kernel boots need it).
    pub async fn delete_image(&self, name: &str) -> Result<()> {
        self.get_image(name).await?;
        for server in self.list_server_specs().await? {
            if server.image == name {
                return Err(KvmError::Conflict(format!("image {name} is used by server {}", server.id)));
            }
        }
        state::remove_dir(&self.layout.image_dir(name)).await
    }

    pub(crate) fn image_file(&self, name: &str, file: &str) -> PathBuf {
        self.layout.image_dir(name).join(file)
    }
}

fn image_files(dir: &Path, kind: &ImageKind) -> Vec<PathBuf> {
    match kind {
        ImageKind::Kernel { .. } => vec![dir.join("vmlinuz"), dir.join("initrd.img")],
        ImageKind::Qcow2 => vec![dir.join("disk.qcow2")],
    }
}
