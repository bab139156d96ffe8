//! Disks.

use async_trait::async_trait;
use strato_cloud::*;

use crate::client::{format_id, page, parse_id, zone_index, zone_name, Common, DiskRec, World};
use crate::server::device_name;
use crate::{base, id_of, not_found, FakeDriver};

const MAX_DISK_GB: u64 = 16384;

fn ext(w: &World, ri: usize, n: u64, d: &DiskRec) -> ExtDisk {
    ExtDisk {
        base: base(ResourceKind::Disk, n, &d.common),
        status: if d.server.is_some() { DiskStatus::InUse } else { DiskStatus::Available },
        zone: zone_name(&w.region_names[ri], d.zone),
        size_gb: u64::from(d.size_gb),
        disk_type: "fake-ssd".to_string(),
        server_id: d.server.map(|s| format_id(ResourceKind::Server, s)),
        device: d.server.map(|_| device_name(d.device)),
        is_root: d.is_root,
    }
}

/// Device letter index of `/dev/sdX` or `/dev/xvdX`.
fn parse_device(device: &str) -> CloudResult<u8> {
    let letter = device.strip_prefix("/dev/sd").or_else(|| device.strip_prefix("/dev/xvd"));
    match letter.map(str::as_bytes) {
        Some([l]) if (b'b'..=b'z').contains(l) => Ok(l - b'a'),
        _ => Err(CloudError::invalid_input(format!("invalid device name '{device}'")).with_code("InvalidParameterValue")),
    }
}

#[async_trait]
impl Facet<Disk> for FakeDriver {
    async fn list(&self, region: &str) -> CloudResult<Vec<ExtDisk>> {
        self.list_paged(region, ResourceKind::Disk, "DescribeVolumes", |w, ri, after, size| page(&w.regions[ri].disks, after, size, |n, d| ext(w, ri, n, d))).await
    }

    async fn get(&self, region: &str, id: &str) -> CloudResult<ExtDisk> {
        let n = id_of(ResourceKind::Disk, id)?;
        self.read(region, "DescribeVolumes", |w, ri| w.regions[ri].disks.get(&n).map(|d| ext(w, ri, n, d)).ok_or_else(|| not_found(ResourceKind::Disk, id))).await
    }

    fn verbs(&self) -> &'static [&'static str] {
        &["delete"]
    }

    /// Only `delete`: the erased facet refuses verbs not in `verbs()`.
    async fn act(&self, region: &str, id: &str, _verb: &str) -> CloudResult<()> {
        self.disk_delete(region, id).await
    }
}

impl FakeDriver {
    pub(crate) async fn disk_create(&self, region: &str, input: &DiskCreate) -> CloudResult<ExtDisk> {
        let zone = zone_index(region, &input.zone)?;
        if input.size_gb == 0 || input.size_gb > MAX_DISK_GB {
            return Err(CloudError::invalid_input(format!("disk size {} GB out of range 1..{MAX_DISK_GB}", input.size_gb)));
        }
        self.mutate(region, "CreateVolume", |w, ri| {
            let existing = input.idempotency_token.as_deref().and_then(|t| w.regions[ri].disk_tokens.get(t).copied());
            let n = match existing {
                Some(n) => n,
                None => {
                    let (n, t) = w.alloc();
                    let mut common = Common::new(&input.name, t);
                    common.set_tags(&input.tags, true);
                    let rec = DiskRec { common, zone, size_gb: input.size_gb as u32, server: None, device: 0, is_root: false, delete_with_server: false };
                    w.regions[ri].disks.insert(n, rec);
                    if let Some(t) = &input.idempotency_token {
                        w.regions[ri].disk_tokens.insert(t.as_str().into(), n);
                    }
                    n
                }
            };
            w.regions[ri].disks.get(&n).map(|d| ext(w, ri, n, d)).ok_or_else(|| not_found(ResourceKind::Disk, &format_id(ResourceKind::Disk, n)))
        })
        .await
    }

    pub(crate) async fn disk_attach(&self, region: &str, disk_id: &str, server_id: &str, device: Option<&str>) -> CloudResult<String> {
        let d = id_of(ResourceKind::Disk, disk_id)?;
        let s = parse_id(ResourceKind::Server, server_id).ok_or_else(|| not_found(ResourceKind::Server, server_id))?;
        let wanted = device.map(parse_device).transpose()?;
        self.mutate(region, "AttachVolume", |w, ri| {
            let r = &mut w.regions[ri];
            let disk = r.disks.get(&d).ok_or_else(|| not_found(ResourceKind::Disk, disk_id))?;
            let server = r.servers.get(&s).ok_or_else(|| not_found(ResourceKind::Server, server_id))?;
            if disk.server.is_some() {
                return Err(CloudError::conflict(format!("disk '{disk_id}' is already attached")).with_code("VolumeInUse"));
            }
            if disk.zone != server.zone {
                return Err(CloudError::invalid_input("disk and server are in different zones").with_code("InvalidVolume.ZoneMismatch"));
            }
            let used: Vec<u8> = server.disks.iter().filter_map(|x| r.disks.get(x).map(|rec| rec.device)).collect();
            let letter = match wanted {
                Some(l) if used.contains(&l) => return Err(CloudError::conflict(format!("device {} is in use", device_name(l)))),
                Some(l) => l,
                None => (5..26u8).find(|l| !used.contains(l)).ok_or_else(|| CloudError::quota_exceeded("no free device name"))?,
            };
            if let Some(rec) = r.disks.get_mut(&d) {
                rec.server = Some(s);
                rec.device = letter;
            }
            if let Some(server) = r.servers.get_mut(&s) {
                server.disks.push(d);
            }
            Ok(device_name(letter))
        })
        .await
    }

    pub(crate) async fn disk_detach(&self, region: &str, disk_id: &str, server_id: &str) -> CloudResult<()> {
        let d = id_of(ResourceKind::Disk, disk_id)?;
        self.mutate(region, "DetachVolume", |w, ri| {
            let r = &mut w.regions[ri];
            let disk = r.disks.get_mut(&d).ok_or_else(|| not_found(ResourceKind::Disk, disk_id))?;
            let attached_to = disk.server.map(|s| format_id(ResourceKind::Server, s));
            if attached_to.as_deref() != Some(server_id) {
                return Err(CloudError::conflict(format!("disk '{disk_id}' is not attached to '{server_id}'")).with_code("IncorrectState"));
            }
            if disk.is_root {
                return Err(CloudError::invalid_input("the root disk cannot be detached"));
            }
            let s = disk.server.take();
            disk.delete_with_server = false;
            if let Some(server) = s.and_then(|s| r.servers.get_mut(&s)) {
                server.disks.retain(|x| *x != d);
            }
            Ok(())
        })
        .await
    }

    pub(crate) async fn disk_resize(&self, region: &str, disk_id: &str, size_gb: u64) -> CloudResult<()> {
        let d = id_of(ResourceKind::Disk, disk_id)?;
        self.mutate(region, "ModifyVolume", |w, ri| {
            let disk = w.regions[ri].disks.get_mut(&d).ok_or_else(|| not_found(ResourceKind::Disk, disk_id))?;
            if size_gb <= u64::from(disk.size_gb) || size_gb > MAX_DISK_GB {
                return Err(CloudError::invalid_input(format!("new size {size_gb} GB must be larger than {} GB and at most {MAX_DISK_GB}", disk.size_gb)));
            }
            disk.size_gb = size_gb as u32;
            Ok(())
        })
        .await
    }

    pub(crate) async fn disk_delete(&self, region: &str, disk_id: &str) -> CloudResult<()> {
        let d = id_of(ResourceKind::Disk, disk_id)?;
        self.mutate(region, "DeleteVolume", |w, ri| {
            let r = &mut w.regions[ri];
            let disk = r.disks.get(&d).ok_or_else(|| not_found(ResourceKind::Disk, disk_id))?;
            if disk.server.is_some() {
                return Err(CloudError::conflict(format!("disk '{disk_id}' is attached")).with_code("VolumeInUse"));
            }
            r.disks.remove(&d);
            r.disk_tokens.retain(|_, v| *v != d);
            Ok(())
        })
        .await
    }
}
