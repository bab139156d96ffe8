//! Regions and zones (ECS DescribeRegions, DescribeZones).

use async_trait::async_trait;
use strato_cloud::*;

use crate::client::{array, opt_text, param, text, Product};
use crate::AliyunDriver;

impl AliyunDriver {
    pub(crate) async fn regions(&self) -> CloudResult<Vec<ExtCloudRegion>> {
        let region = self.c.default_region.clone();
        let out = self.c.rpc(&region, ApiClass::Describe, Product::Ecs, "DescribeRegions", &[]).await?;
        let mut regions: Vec<ExtCloudRegion> = array(&out, "/Regions/Region")
            .iter()
            .filter_map(|r| {
                let id = opt_text(r, "/RegionId")?;
                let status = match text(r, "/Status") {
                    "available" | "" => ResourceStatus::Available,
                    _ => ResourceStatus::Unavailable,
                };
                Some(ExtCloudRegion { base: ExtBase::new(id.clone(), id), status, endpoint: opt_text(r, "/RegionEndpoint") })
            })
            .collect();
        regions.sort_by(|a, b| a.base.external_id.cmp(&b.base.external_id));
        Ok(regions)
    }

    pub(crate) async fn zones(&self, region: &str) -> CloudResult<Vec<ExtZone>> {
        let out = self.c.rpc(region, ApiClass::Describe, Product::Ecs, "DescribeZones", &[param("RegionId", region)]).await?;
        Ok(array(&out, "/Zones/Zone")
            .iter()
            .filter_map(|z| {
                // The zone id is its name too: instances, disks and VSwitches name zones by id.
                let id = opt_text(z, "/ZoneId")?;
                Some(ExtZone { base: ExtBase::new(id.clone(), id), status: ResourceStatus::Available, region: region.to_string() })
            })
            .collect())
    }
}

#[async_trait]
impl Facet<strato_cloud::CloudRegion> for AliyunDriver {
    async fn list(&self, _region: &str) -> CloudResult<Vec<ExtCloudRegion>> {
        self.regions().await
    }
}

#[async_trait]
impl Facet<strato_cloud::Zone> for AliyunDriver {
    async fn list(&self, region: &str) -> CloudResult<Vec<ExtZone>> {
        self.zones(region).await
    }
}
