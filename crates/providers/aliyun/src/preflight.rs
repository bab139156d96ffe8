//! Checks before an operation (`CloudDriver::preflight`): what Aliyun would refuse, answered by
//! read calls only, before the API records a row or starts a task.

use strato_cloud::*;

use crate::client::{param, Paging, Product};
use crate::{gone, AliyunDriver};

/// Largest cloud disk, GiB (ESSD PL1 and most categories).
pub(crate) const MAX_DISK_GB: u64 = 32768;

impl AliyunDriver {
    pub(crate) async fn preflight_op(&self, region: &str, op: Preflight<'_>) -> CloudResult<()> {
        match op {
            Preflight::CreateServer(input) => {
                if input.image_id.is_empty() || input.instance_type.is_empty() {
                    return Err(CloudError::invalid_input("server create needs an image and an instance type"));
                }
                self.check_instance_type(region, &input.instance_type).await?;
                self.placement(region, input).await.map(drop)
            }
            Preflight::ChangeServerConfig { server_id, instance_type } => {
                self.check_instance_type(region, instance_type).await?;
                let server = self.servers(region, Some(server_id)).await?.pop().ok_or_else(|| gone("server", server_id))?;
                if server.status != ServerStatus::Stopped {
                    return Err(CloudError::conflict(format!("server '{server_id}' is {}: Aliyun changes the type of stopped instances only", server.status)));
                }
                Ok(())
            }
            Preflight::CreateDisk(input) => {
                if input.size_gb == 0 || input.size_gb > MAX_DISK_GB {
                    return Err(CloudError::invalid_input(format!("disk size {} GB out of range (1-{MAX_DISK_GB})", input.size_gb)));
                }
                if !self.zones(region).await?.iter().any(|z| z.base.external_id == input.zone) {
                    return Err(CloudError::invalid_input(format!("zone '{}' is not in region {region}", input.zone)));
                }
                Ok(())
            }
            Preflight::AttachDisk { disk_id, server_id } => {
                let disk = self.disk(region, disk_id).await?;
                if disk.status != DiskStatus::Available {
                    return Err(CloudError::conflict(format!("disk '{disk_id}' is {}, not available", disk.status)));
                }
                let server = self.servers(region, Some(server_id)).await?.pop().ok_or_else(|| gone("server", server_id))?;
                if server.zone != disk.zone {
                    return Err(CloudError::invalid_input(format!("disk '{disk_id}' is in {} and server '{server_id}' in {}", disk.zone, server.zone)));
                }
                Ok(())
            }
            Preflight::DetachDisk { disk_id, server_id } => {
                let disk = self.disk(region, disk_id).await?;
                if disk.server_id.as_deref() != Some(server_id) {
                    return Err(CloudError::conflict(format!("disk '{disk_id}' is not attached to '{server_id}'")));
                }
                if disk.is_root {
                    return Err(CloudError::invalid_input(format!("disk '{disk_id}' is the system disk of '{server_id}'")));
                }
                Ok(())
            }
            Preflight::ResizeDisk { disk_id, size_gb } => {
                let disk = self.disk(region, disk_id).await?;
                if size_gb <= disk.size_gb || size_gb > MAX_DISK_GB {
                    return Err(CloudError::invalid_input(format!("disk '{disk_id}' is {} GB: a new size must be larger, up to {MAX_DISK_GB}", disk.size_gb)));
                }
                Ok(())
            }
        }
    }

    async fn check_instance_type(&self, region: &str, instance_type: &str) -> CloudResult<()> {
        let params = [param("RegionId", region), param("InstanceTypes.1", instance_type)];
        let found = self.c.rpc_list(region, Product::Ecs, "DescribeInstanceTypes", &params, Paging::Token { max: 1600 }, "/InstanceTypes/InstanceType").await?;
        if found.is_empty() {
            return Err(CloudError::invalid_input(format!("instance type '{instance_type}' is not offered in {region}")));
        }
        Ok(())
    }
}
