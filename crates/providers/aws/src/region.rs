//! Regions and availability zones.

use async_trait::async_trait;
use strato_cloud::*;

use crate::AwsDriver;

impl AwsDriver {
    pub(crate) async fn regions(&self) -> CloudResult<Vec<ExtCloudRegion>> {
        let region = self.c.default_region.clone();
        let ec2 = self.c.ec2(&region);
        let out = self.c.call(&region, ApiClass::Describe, "DescribeRegions", || ec2.describe_regions().send()).await?;
        let mut regions: Vec<ExtCloudRegion> = out
            .regions()
            .iter()
            .filter_map(|r| {
                let name = r.region_name()?;
                let status = match r.opt_in_status() {
                    Some("not-opted-in") => ResourceStatus::Unavailable,
                    _ => ResourceStatus::Available,
                };
                Some(ExtCloudRegion { base: ExtBase::new(name, name), status, endpoint: r.endpoint().map(str::to_string) })
            })
            .collect();
        regions.sort_by(|a, b| a.base.external_id.cmp(&b.base.external_id));
        Ok(regions)
    }

    pub(crate) async fn zones(&self, region: &str) -> CloudResult<Vec<ExtZone>> {
        let ec2 = self.c.ec2(region);
        let out = self.c.call(region, ApiClass::Describe, "DescribeAvailabilityZones", || ec2.describe_availability_zones().send()).await?;
        Ok(out
            .availability_zones()
            .iter()
            .filter_map(|z| {
                let name = z.zone_name()?;
                let status = match z.state().map(|s| s.as_str()) {
                    Some("available") | None => ResourceStatus::Available,
                    _ => ResourceStatus::Unavailable,
                };
                // The zone's name is its external id: servers, volumes and subnets name their zone
                // by name (zone ids like use1-az6 appear nowhere else in the EC2 answers).
                Some(ExtZone { base: ExtBase::new(name, name), status, region: region.to_string() })
            })
            .collect())
    }
}

#[async_trait]
impl Facet<strato_cloud::CloudRegion> for AwsDriver {
    async fn list(&self, _region: &str) -> CloudResult<Vec<ExtCloudRegion>> {
        self.regions().await
    }
}

#[async_trait]
impl Facet<strato_cloud::Zone> for AwsDriver {
    async fn list(&self, region: &str) -> CloudResult<Vec<ExtZone>> {
        self.zones(region).await
    }
}
