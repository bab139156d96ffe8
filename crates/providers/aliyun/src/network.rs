//! Networks: Aliyun's VSwitches (VPC DescribeVSwitches), each in one zone of a VPC.

use async_trait::async_trait;
use serde_json::Value;
use strato_cloud::*;

use crate::client::{number, opt_text, param, tags, text, time, Paging, Product};
use crate::{gone, AliyunDriver};

fn ext(s: &Value) -> Option<ExtNetwork> {
    let id = opt_text(s, "/VSwitchId")?;
    let mut base = ExtBase::new(id.clone(), opt_text(s, "/VSwitchName").unwrap_or(id));
    base.tags = tags(s, "/Tags");
    base.created_at = time(s, "/CreationTime");
    base.project_id = opt_text(s, "/ResourceGroupId");
    let status = match text(s, "/Status") {
        "Pending" => ResourceStatus::Pending,
        _ => ResourceStatus::Available,
    };
    Some(ExtNetwork {
        base,
        status,
        vpc_id: text(s, "/VpcId").to_string(),
        zone: text(s, "/ZoneId").to_string(),
        cidr_block: text(s, "/CidrBlock").to_string(),
        available_ips: number(s, "/AvailableIpAddressCount").map(|n| n.max(0.0) as u32),
    })
}

impl AliyunDriver {
    /// VSwitches of the region, narrowed by id or zone.
    pub(crate) async fn networks(&self, region: &str, id: Option<&str>, zone: Option<&str>) -> CloudResult<Vec<ExtNetwork>> {
        let mut params = vec![param("RegionId", region)];
        params.extend(id.map(|id| param("VSwitchId", id)));
        params.extend(zone.map(|z| param("ZoneId", z)));
        let items = self.c.rpc_list(region, Product::Vpc, "DescribeVSwitches", &params, Paging::Numbered { max: 50 }, "/VSwitches/VSwitch").await?;
        Ok(items.iter().filter_map(ext).collect())
    }
}

#[async_trait]
impl Facet<strato_cloud::Network> for AliyunDriver {
    async fn list(&self, region: &str) -> CloudResult<Vec<ExtNetwork>> {
        self.networks(region, None, None).await
    }
    async fn get(&self, region: &str, id: &str) -> CloudResult<ExtNetwork> {
        self.networks(region, Some(id), None).await?.pop().ok_or_else(|| gone("network", id))
    }
}
