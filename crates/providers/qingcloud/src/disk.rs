//! Disks: QingCloud's volumes (DescribeVolumes). An instance's system disk is part of the
//! instance, not a volume, so no volume is a root disk.

use async_trait::async_trait;
use serde_json::Value;
use strato_cloud::*;

use crate::client::param;
use crate::fields::{array, is_gone, number, opt_text, tags, text, time};
use crate::{gone, one_id, QingCloudDriver};

/// A volume's status: its transition (an operation under way) first, then its settled status.
fn status(v: &Value) -> DiskStatus {
    match text(v, "/transition_status") {
        "creating" => return DiskStatus::Creating,
        "attaching" => return DiskStatus::Attaching,
        "detaching" => return DiskStatus::Detaching,
        "resizing" => return DiskStatus::Resizing,
        "deleting" => return DiskStatus::Deleting,
        _ => {}
    }
    match text(v, "/status") {
        "pending" => DiskStatus::Creating,
        "available" => DiskStatus::Available,
        "in-use" => DiskStatus::InUse,
        "deleted" | "ceased" => DiskStatus::Deleted,
        // suspended (in arrears) and anything new
        _ => DiskStatus::Unknown,
    }
}

fn ext(zone: &str, v: &Value) -> Option<ExtDisk> {
    let id = opt_text(v, "/volume_id")?;
    let mut base = ExtBase::new(id.clone(), opt_text(v, "/volume_name").unwrap_or_else(|| id.clone()));
    base.tags = tags(v);
    base.created_at = time(v, "/create_time");
    Some(ExtDisk {
        base,
        status: status(v),
        zone: zone.to_string(),
        size_gb: number(v, "/size").unwrap_or(0.0).max(0.0) as u64,
        // QingCloud's volume_type number (0 performance, 2 high capacity, 3 super high
        // performance, ...), kept as the text the create call takes.
        disk_type: number(v, "/volume_type").map(|t| (t as i64).to_string()).unwrap_or_default(),
        server_id: opt_text(v, "/instance/instance_id"),
        device: opt_text(v, "/instance/device"),
        is_root: false,
    })
}

impl QingCloudDriver {
    /// Volumes of every zone of the region, or the one with `id`.
    pub(crate) async fn disks(&self, region: &str, id: Option<&str>) -> CloudResult<Vec<ExtDisk>> {
        let params: Vec<_> = id.map(|id| one_id("volumes", id)).into_iter().collect();
        let items = self.list_in_zones(region, "DescribeVolumes", &params, "volume_set").await?;
        Ok(items.iter().filter(|(_, v)| !is_gone(v)).filter_map(|(zone, v)| ext(zone, v)).collect())
    }
}

impl QingCloudDriver {
    /// CreateVolumes, unless an earlier create with the same idempotency token made a volume
    /// that still exists. Returns at once: the volume is `pending` until the job ends.
    pub(crate) async fn disk_create(&self, region: &str, input: &DiskCreate) -> CloudResult<ExtDisk> {
        if !self.zone_ids(region).await?.contains(&input.zone) {
            return Err(CloudError::invalid_input(format!("zone '{}' is not in region {region}", input.zone)));
        }
        // QingCloud's volume_type is a number: 0 performance, 2 high capacity, 3 super high performance, ...
        let volume_type: u32 = match &input.disk_type {
            Some(t) => t.parse().map_err(|_| CloudError::invalid_input(format!("disk type '{t}' is not a QingCloud volume_type number")))?,
            None => 0,
        };
        if let Some(token) = &input.idempotency_token {
            if let Some(id) = self.made_with_token(region, &input.zone, ResourceKind::Disk, token).await? {
                return self.disks(region, Some(&id)).await?.pop().ok_or_else(|| gone("disk", &id));
            }
        }
        let mut params = vec![param("size", input.size_gb), param("volume_type", volume_type), param("count", 1)];
        if !input.name.is_empty() {
            params.push(param("volume_name", &input.name));
        }
        let out = self.c.call(&input.zone, ApiClass::Mutate, "CreateVolumes", &params).await?;
        let id = array(&out, "/volumes").first().and_then(Value::as_str).map(str::to_string);
        let id = id.ok_or_else(|| CloudError::other("CreateVolumes answered no volume id"))?;
        let mut tags = input.tags.clone();
        if let Some(token) = &input.idempotency_token {
            tags.insert(crate::tags::IDEMPOTENCY_KEY.to_string(), token.clone());
        }
        self.attach_tags(&input.zone, ResourceKind::Disk, &id, &tags).await?;
        self.disks(region, Some(&id)).await?.pop().ok_or_else(|| CloudError::other(format!("volume {id} made by CreateVolumes is not listed")))
    }

    /// One volume action in the volume's zone.
    async fn volume_call(&self, region: &str, action: &str, id: &str, extra: &[(String, String)]) -> CloudResult<()> {
        let (zone, _) = self.raw_one(region, ResourceKind::Disk, id).await?;
        let mut params = vec![one_id("volumes", id)];
        params.extend_from_slice(extra);
        self.c.call(&zone, ApiClass::Mutate, action, &params).await.map(|_| ())
    }

    /// AttachVolumes. QingCloud picks the device when the job ends, so the device returned is
    /// the one already shown, else empty (the next sync reads it).
    pub(crate) async fn disk_attach(&self, region: &str, disk_id: &str, server_id: &str) -> CloudResult<String> {
        self.volume_call(region, "AttachVolumes", disk_id, &[param("instance", server_id)]).await?;
        Ok(self.disks(region, Some(disk_id)).await?.pop().and_then(|d| d.device).unwrap_or_default())
    }

    pub(crate) async fn disk_detach(&self, region: &str, disk_id: &str, server_id: &str) -> CloudResult<()> {
        self.volume_call(region, "DetachVolumes", disk_id, &[param("instance", server_id)]).await
    }

    pub(crate) async fn disk_resize(&self, region: &str, disk_id: &str, size_gb: u64) -> CloudResult<()> {
        self.volume_call(region, "ResizeVolumes", disk_id, &[param("size", size_gb)]).await
    }
}

#[async_trait]
impl Facet<strato_cloud::Disk> for QingCloudDriver {
    async fn list(&self, region: &str) -> CloudResult<Vec<ExtDisk>> {
        self.disks(region, None).await
    }
    async fn get(&self, region: &str, id: &str) -> CloudResult<ExtDisk> {
        self.disks(region, Some(id)).await?.pop().ok_or_else(|| gone("disk", id))
    }
    fn verbs(&self) -> &'static [&'static str] {
        &["delete"]
    }
    async fn act(&self, region: &str, id: &str, verb: &str) -> CloudResult<()> {
        match verb {
            "delete" => self.volume_call(region, "DeleteVolumes", id, &[]).await,
            other => Err(CloudError::not_implemented(format!("disk {other}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn volume_statuses_prefer_the_transition() {
        let s = |st: &str, t: &str| status(&json!({"status": st, "transition_status": t}));
        assert_eq!(s("available", ""), DiskStatus::Available);
        assert_eq!(s("in-use", ""), DiskStatus::InUse);
        assert_eq!(s("available", "attaching"), DiskStatus::Attaching);
        assert_eq!(s("in-use", "detaching"), DiskStatus::Detaching);
        assert_eq!(s("pending", "creating"), DiskStatus::Creating);
        assert_eq!(s("suspended", ""), DiskStatus::Unknown);
    }

    #[test]
    fn attached_volumes_name_their_instance_and_device() {
        let v = json!({"volume_id": "vol-1", "size": 20, "volume_type": 3, "status": "in-use", "instance": {"instance_id": "i-1", "device": "/dev/sdb"}});
        let d = ext("pek3b", &v).expect("a volume");
        assert_eq!((d.server_id.as_deref(), d.device.as_deref(), d.size_gb, d.disk_type.as_str(), d.zone.as_str()), (Some("i-1"), Some("/dev/sdb"), 20, "3", "pek3b"));
    }
}
