//! Regions and zones: fixed by construction of the `FakeCloud`.

use async_trait::async_trait;
use strato_cloud::*;

use crate::client::{zone_name, ZONES_PER_REGION};
use crate::FakeDriver;

#[async_trait]
impl Facet<CloudRegion> for FakeDriver {
    async fn list(&self, _region: &str) -> CloudResult<Vec<ExtCloudRegion>> {
        let first = self.cloud.read().region_names[0].clone();
        self.cloud.check_list(ResourceKind::CloudRegion, &first)?;
        self.read(&first, "DescribeRegions", |world, _| {
            Ok(world
                .region_names
                .iter()
                .map(|r| ExtCloudRegion { base: ExtBase::new(r.clone(), r.clone()), status: ResourceStatus::Available, endpoint: None })
                .collect())
        })
        .await
    }

}

#[async_trait]
impl Facet<Zone> for FakeDriver {
    async fn list(&self, region: &str) -> CloudResult<Vec<ExtZone>> {
        self.cloud.check_list(ResourceKind::Zone, region)?;
        self.read(region, "DescribeZones", |_, _| {
            Ok((0..ZONES_PER_REGION)
                .map(|z| {
                    let name = zone_name(region, z);
                    ExtZone { base: ExtBase::new(name.clone(), name), status: ResourceStatus::Available, region: region.to_string() }
                })
                .collect())
        })
        .await
    }
}
