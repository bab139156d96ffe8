//! Disks (EBS volumes).

use aws_sdk_ec2::types::{ResourceType, TagSpecification, Volume, VolumeState, VolumeType};
use async_trait::async_trait;
use strato_cloud::*;

use crate::client::{ec2_tag_list, ec2_tags, input_error, to_chrono};
use crate::{gone, AwsDriver};

const ROOT_DEVICES: &[&str] = &["/dev/xvda", "/dev/sda1", "/dev/sda"];
/// Devices AWS recommends for data volumes.
const DATA_DEVICES: &[&str] = &["/dev/sdf", "/dev/sdg", "/dev/sdh", "/dev/sdi", "/dev/sdj", "/dev/sdk", "/dev/sdl", "/dev/sdm", "/dev/sdn", "/dev/sdo", "/dev/sdp"];

fn ext(v: &Volume) -> Option<ExtDisk> {
    let id = v.volume_id()?;
    let (name, tags) = ec2_tags(v.tags());
    let mut base = ExtBase::new(id, name.unwrap_or_else(|| id.to_string()));
    base.tags = tags;
    base.created_at = to_chrono(v.create_time());
    let attachment = v.attachments().iter().find(|a| a.state().map(|s| s.as_str()) != Some("detached"));
    let status = match v.state() {
        Some(VolumeState::Creating) => DiskStatus::Creating,
        Some(VolumeState::Available) => DiskStatus::Available,
        Some(VolumeState::InUse) => DiskStatus::InUse,
        Some(VolumeState::Deleting) => DiskStatus::Deleting,
        Some(VolumeState::Deleted) => DiskStatus::Deleted,
        Some(VolumeState::Error) => DiskStatus::Error,
        _ => DiskStatus::Unknown,
    };
    let device = attachment.and_then(|a| a.device()).map(str::to_string);
    Some(ExtDisk {
        base,
        status,
        zone: v.availability_zone().unwrap_or_default().to_string(),
        size_gb: v.size().unwrap_or(0).max(0) as u64,
        disk_type: v.volume_type().map(|t| t.as_str().to_string()).unwrap_or_default(),
        server_id: attachment.and_then(|a| a.instance_id()).map(str::to_string),
        is_root: device.as_deref().is_some_and(|d| ROOT_DEVICES.contains(&d)),
        device,
    })
}

impl AwsDriver {
    pub(crate) async fn disks(&self, region: &str, id: Option<&str>) -> CloudResult<Vec<ExtDisk>> {
        let ec2 = self.c.ec2(region);
        self.c
            .list_pages(
                region,
                ApiClass::Describe,
                "DescribeVolumes",
                |token| {
                    let req = ec2.describe_volumes().set_next_token(token);
                    match id {
                        Some(id) => req.volume_ids(id),
                        None => req.max_results(self.c.page_size.clamp(5, 500)),
                    }
                    .send()
                },
                |out| (out.volumes().iter().filter_map(ext).filter(|d| d.status != DiskStatus::Deleted).collect(), out.next_token()),
            )
            .await
    }

    pub(crate) async fn disk_create(&self, region: &str, input: &DiskCreate) -> CloudResult<ExtDisk> {
        if input.size_gb == 0 || input.size_gb > 65536 {
            return Err(CloudError::invalid_input(format!("disk size {} GB out of range", input.size_gb)));
        }
        let tags = ec2_tag_list(Some(&input.name), &input.tags);
        let spec = (!tags.is_empty()).then(|| vec![TagSpecification::builder().resource_type(ResourceType::Volume).set_tags(Some(tags)).build()]);
        let ec2 = self.c.ec2(region);
        let volume_type = VolumeType::from(input.disk_type.as_deref().unwrap_or("gp3"));
        let out = self
            .c
            .call(region, ApiClass::Mutate, "CreateVolume", || {
                ec2.create_volume()
                    .availability_zone(&input.zone)
                    .size(input.size_gb as i32)
                    .volume_type(volume_type.clone())
                    .set_tag_specifications(spec.clone())
                    .set_client_token(input.idempotency_token.clone())
                    .send()
            })
            .await
            .map_err(input_error)?;
        let id = out.volume_id().ok_or_else(|| CloudError::other("CreateVolume returned no volume id"))?;
        let mut base = ExtBase::new(id, if input.name.is_empty() { id.to_string() } else { input.name.clone() });
        base.tags = ec2_tags(out.tags()).1;
        base.created_at = to_chrono(out.create_time());
        Ok(ExtDisk {
            base,
            status: DiskStatus::Creating,
            zone: out.availability_zone().unwrap_or(&input.zone).to_string(),
            size_gb: out.size().unwrap_or(input.size_gb as i32).max(0) as u64,
            disk_type: out.volume_type().map(|t| t.as_str().to_string()).unwrap_or_default(),
            server_id: None,
            device: None,
            is_root: false,
        })
    }

    pub(crate) async fn disk_attach(&self, region: &str, disk_id: &str, server_id: &str, device: Option<&str>) -> CloudResult<String> {
        let device = match device {
            Some(d) => d.to_string(),
            None => {
                // AWS needs a device name: take the first free data device of the server.
                let server = self.servers(region, Some(server_id)).await?.pop().ok_or_else(|| gone("server", server_id))?;
                let used: Vec<&str> = server.disks.iter().map(|d| d.device.as_str()).collect();
                DATA_DEVICES.iter().find(|d| !used.contains(d)).ok_or_else(|| CloudError::quota_exceeded("no free device name on the server"))?.to_string()
            }
        };
        let ec2 = self.c.ec2(region);
        self.c
            .call(region, ApiClass::Mutate, "AttachVolume", || ec2.attach_volume().volume_id(disk_id).instance_id(server_id).device(&device).send())
            .await?;
        Ok(device)
    }

    pub(crate) async fn disk_detach(&self, region: &str, disk_id: &str, server_id: &str) -> CloudResult<()> {
        // DetachVolume needs the device (moto insists); read it from the volume.
        let disk = self.disks(region, Some(disk_id)).await?.pop().ok_or_else(|| gone("disk", disk_id))?;
        if disk.server_id.as_deref() != Some(server_id) {
            return Err(CloudError::conflict(format!("disk '{disk_id}' is not attached to '{server_id}'")).with_code("IncorrectState"));
        }
        let device = disk.device.unwrap_or_default();
        let ec2 = self.c.ec2(region);
        self.c
            .call(region, ApiClass::Mutate, "DetachVolume", || ec2.detach_volume().volume_id(disk_id).instance_id(server_id).device(&device).send())
            .await
            .map(|_| ())
    }

    pub(crate) async fn disk_resize(&self, region: &str, disk_id: &str, size_gb: u64) -> CloudResult<()> {
        let ec2 = self.c.ec2(region);
        self.c
            .call(region, ApiClass::Mutate, "ModifyVolume", || ec2.modify_volume().volume_id(disk_id).size(size_gb as i32).send())
            .await
            .map(|_| ())
    }

    pub(crate) async fn disk_delete(&self, region: &str, disk_id: &str) -> CloudResult<()> {
        let ec2 = self.c.ec2(region);
        self.c.call(region, ApiClass::Mutate, "DeleteVolume", || ec2.delete_volume().volume_id(disk_id).send()).await.map(|_| ())
    }
}

#[async_trait]
impl Facet<strato_cloud::Disk> for AwsDriver {
    async fn list(&self, region: &str) -> CloudResult<Vec<ExtDisk>> {
        self.disks(region, None).await
    }
    async fn get(&self, region: &str, id: &str) -> CloudResult<ExtDisk> {
        self.disks(region, Some(id)).await?.pop().ok_or_else(|| gone("disk", id))
    }
    fn verbs(&self) -> &'static [&'static str] {
        &["delete"]
    }
    /// Only `delete`: the erased facet refuses verbs not in `verbs()`.
    async fn act(&self, region: &str, id: &str, _verb: &str) -> CloudResult<()> {
        self.disk_delete(region, id).await
    }
}
