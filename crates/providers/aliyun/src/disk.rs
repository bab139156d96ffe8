//! Disks (ECS cloud disks).

use async_trait::async_trait;
use serde_json::Value;
use strato_cloud::*;

use crate::client::{input_error, number, opt_text, param, tag_params, tags, text, time, Paging, Product};
use crate::preflight::MAX_DISK_GB;
use crate::server::billing;
use crate::{gone, json_ids, AliyunDriver};

/// The category of disks a create names none for.
const DEFAULT_CATEGORY: &str = "cloud_essd";

fn status(s: &str) -> DiskStatus {
    match s {
        "Creating" => DiskStatus::Creating,
        "Available" => DiskStatus::Available,
        "In_use" => DiskStatus::InUse,
        "Attaching" => DiskStatus::Attaching,
        "Detaching" => DiskStatus::Detaching,
        _ => DiskStatus::Unknown,
    }
}

fn ext(d: &Value) -> Option<ExtDisk> {
    let id = opt_text(d, "/DiskId")?;
    let mut base = ExtBase::new(id.clone(), opt_text(d, "/DiskName").unwrap_or_else(|| id.clone()));
    base.tags = tags(d, "/Tags");
    base.created_at = time(d, "/CreationTime");
    base.billing = billing(d, "/DiskChargeType", false);
    base.project_id = opt_text(d, "/ResourceGroupId");
    Some(ExtDisk {
        base,
        status: status(text(d, "/Status")),
        zone: text(d, "/ZoneId").to_string(),
        size_gb: number(d, "/Size").unwrap_or(0.0).max(0.0) as u64,
        disk_type: text(d, "/Category").to_string(),
        server_id: opt_text(d, "/InstanceId"),
        device: opt_text(d, "/Device"),
        is_root: text(d, "/Type") == "system",
    })
}

impl AliyunDriver {
    /// Disks of the region, or the one with `id`, or those of the instance `server`.
    pub(crate) async fn disks(&self, region: &str, id: Option<&str>, server: Option<&str>) -> CloudResult<Vec<ExtDisk>> {
        let mut params = vec![param("RegionId", region)];
        params.extend(id.map(|id| param("DiskIds", json_ids(&[id]))));
        params.extend(server.map(|s| param("InstanceId", s)));
        let items = self.c.rpc_list(region, Product::Ecs, "DescribeDisks", &params, Paging::Token { max: 500 }, "/Disks/Disk").await?;
        Ok(items.iter().filter_map(ext).collect())
    }

    pub(crate) async fn disk(&self, region: &str, id: &str) -> CloudResult<ExtDisk> {
        self.disks(region, Some(id), None).await?.pop().ok_or_else(|| gone("disk", id))
    }

    pub(crate) async fn disk_create(&self, region: &str, input: &DiskCreate) -> CloudResult<ExtDisk> {
        if input.size_gb == 0 || input.size_gb > MAX_DISK_GB {
            return Err(CloudError::invalid_input(format!("disk size {} GB out of range (1-{MAX_DISK_GB})", input.size_gb)));
        }
        let mut params = vec![
            param("RegionId", region),
            param("ZoneId", &input.zone),
            param("Size", input.size_gb),
            param("DiskCategory", input.disk_type.as_deref().unwrap_or(DEFAULT_CATEGORY)),
        ];
        if !input.name.is_empty() {
            params.push(param("DiskName", &input.name));
        }
        params.extend(input.idempotency_token.as_ref().map(|t| param("ClientToken", t)));
        params.extend(tag_params(&input.tags));
        let out = self.c.rpc(region, ApiClass::Mutate, Product::Ecs, "CreateDisk", &params).await.map_err(input_error)?;
        let id = opt_text(&out, "/DiskId").ok_or_else(|| CloudError::other("CreateDisk returned no disk id"))?;
        self.disk(region, &id).await
    }

    /// Aliyun picks the device (its `Device` parameter is deprecated); the one it chose is read
    /// back and returned.
    pub(crate) async fn disk_attach(&self, region: &str, disk_id: &str, server_id: &str, _device: Option<&str>) -> CloudResult<String> {
        self.c.rpc(region, ApiClass::Mutate, Product::Ecs, "AttachDisk", &[param("InstanceId", server_id), param("DiskId", disk_id)]).await?;
        self.disk(region, disk_id).await?.device.ok_or_else(|| CloudError::other(format!("disk {disk_id} shows no device after AttachDisk")))
    }

    pub(crate) async fn disk_detach(&self, region: &str, disk_id: &str, server_id: &str) -> CloudResult<()> {
        self.c.rpc(region, ApiClass::Mutate, Product::Ecs, "DetachDisk", &[param("InstanceId", server_id), param("DiskId", disk_id)]).await.map(|_| ())
    }

    pub(crate) async fn disk_resize(&self, region: &str, disk_id: &str, size_gb: u64) -> CloudResult<()> {
        // Online resizing is for attached disks; the others resize offline.
        let online = self.disk(region, disk_id).await?.status == DiskStatus::InUse;
        let kind = if online { "online" } else { "offline" };
        self.c
            .rpc(region, ApiClass::Mutate, Product::Ecs, "ResizeDisk", &[param("DiskId", disk_id), param("NewSize", size_gb), param("Type", kind)])
            .await
            .map(|_| ())
    }
}

#[async_trait]
impl Facet<strato_cloud::Disk> for AliyunDriver {
    async fn list(&self, region: &str) -> CloudResult<Vec<ExtDisk>> {
        self.disks(region, None, None).await
    }
    async fn get(&self, region: &str, id: &str) -> CloudResult<ExtDisk> {
        self.disk(region, id).await
    }
    fn verbs(&self) -> &'static [&'static str] {
        &["delete"]
    }
    /// Only `delete`: the erased facet refuses verbs not in `verbs()`.
    async fn act(&self, region: &str, id: &str, _verb: &str) -> CloudResult<()> {
        self.c.rpc(region, ApiClass::Mutate, Product::Ecs, "DeleteDisk", &[param("DiskId", id)]).await.map(|_| ())
    }
}
