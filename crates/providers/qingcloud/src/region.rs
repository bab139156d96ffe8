//! Regions and zones, both from DescribeZones: each zone names its region (`pek3a` is in
//! `pek3`). A zone without a region is taken as a region of its own, as single-zone regions
//! were in QingCloud's early API.

use async_trait::async_trait;
use serde_json::Value;
use strato_cloud::*;

use crate::fields::{array, opt_text, text};
use crate::QingCloudDriver;

fn region_of(zone: &Value) -> Option<String> {
    opt_text(zone, "/region_id").or_else(|| opt_text(zone, "/zone_id"))
}

fn zone_status(zone: &Value) -> ResourceStatus {
    match text(zone, "/status") {
        "active" => ResourceStatus::Available,
        _ => ResourceStatus::Unavailable,
    }
}

impl QingCloudDriver {
    /// Every zone QingCloud knows (DescribeZones needs no zone and is not paged).
    async fn all_zones(&self) -> CloudResult<Vec<Value>> {
        let out = self.c.call("", ApiClass::Describe, "DescribeZones", &[]).await?;
        Ok(array(&out, "/zone_set").to_vec())
    }

    pub(crate) async fn zones(&self, region: &str) -> CloudResult<Vec<ExtZone>> {
        let mut zones: Vec<ExtZone> = self
            .all_zones()
            .await?
            .iter()
            .filter(|z| region_of(z).as_deref() == Some(region))
            .filter_map(|z| {
                let id = opt_text(z, "/zone_id")?;
                Some(ExtZone { base: ExtBase::new(id.clone(), id), status: zone_status(z), region: region.to_string() })
            })
            .collect();
        zones.sort_by(|a, b| a.base.external_id.cmp(&b.base.external_id));
        Ok(zones)
    }

    /// The ids of the zones a listing of `region` asks: every zone of the region but the
    /// defunct (closed) ones. A faulty zone is asked too, and fails the listing if it fails:
    /// skipping it would make its resources look deleted. A region QingCloud does not know is
    /// an input error, not an empty region.
    pub(crate) async fn zone_ids(&self, region: &str) -> CloudResult<Vec<String>> {
        let zones: Vec<Value> = self.all_zones().await?.into_iter().filter(|z| region_of(z).as_deref() == Some(region)).collect();
        if zones.is_empty() {
            return Err(CloudError::invalid_input(format!("unknown QingCloud region '{region}' (no zone of DescribeZones is in it)")));
        }
        let mut ids: Vec<String> = zones.iter().filter(|z| text(z, "/status") != "defunct").filter_map(|z| opt_text(z, "/zone_id")).collect();
        ids.sort();
        Ok(ids)
    }

    pub(crate) async fn regions(&self) -> CloudResult<Vec<ExtCloudRegion>> {
        let zones = self.all_zones().await?;
        let mut regions: Vec<ExtCloudRegion> = Vec::new();
        for zone in &zones {
            let Some(id) = region_of(zone) else { continue };
            // A region is available when any of its zones is.
            let status = zone_status(zone);
            match regions.iter_mut().find(|r| r.base.external_id == id) {
                Some(r) if status == ResourceStatus::Available => r.status = status,
                Some(_) => {}
                None => regions.push(ExtCloudRegion { base: ExtBase::new(id.clone(), id), status, endpoint: None }),
            }
        }
        regions.sort_by(|a, b| a.base.external_id.cmp(&b.base.external_id));
        Ok(regions)
    }
}

#[async_trait]
impl Facet<strato_cloud::CloudRegion> for QingCloudDriver {
    async fn list(&self, _region: &str) -> CloudResult<Vec<ExtCloudRegion>> {
        self.regions().await
    }
}

#[async_trait]
impl Facet<strato_cloud::Zone> for QingCloudDriver {
    async fn list(&self, region: &str) -> CloudResult<Vec<ExtZone>> {
        self.zones(region).await
    }
}
