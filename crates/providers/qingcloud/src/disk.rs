//! Disks: QingCloud's volumes (DescribeVolumes). An instance's system disk is part of the
//! instance, not a volume, so no volume is a root disk.

use async_trait::async_trait;
use serde_json::Value;
use strato_cloud::*;

use crate::fields::{is_gone, number, opt_text, tags, text, time};
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

#[async_trait]
impl Facet<strato_cloud::Disk> for QingCloudDriver {
    async fn list(&self, region: &str) -> CloudResult<Vec<ExtDisk>> {
        self.disks(region, None).await
    }
    async fn get(&self, region: &str, id: &str) -> CloudResult<ExtDisk> {
        self.disks(region, Some(id)).await?.pop().ok_or_else(|| gone("disk", id))
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
