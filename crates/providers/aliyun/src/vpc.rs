//! VPCs (VPC DescribeVpcs).

use async_trait::async_trait;
use serde_json::Value;
use strato_cloud::*;

use crate::client::{opt_text, param, tags, text, time, Paging, Product};
use crate::{gone, AliyunDriver};

fn ext(v: &Value) -> Option<ExtVpc> {
    let id = opt_text(v, "/VpcId")?;
    let mut base = ExtBase::new(id.clone(), opt_text(v, "/VpcName").unwrap_or(id));
    base.tags = tags(v, "/Tags");
    base.created_at = time(v, "/CreationTime");
    base.project_id = opt_text(v, "/ResourceGroupId");
    let status = match text(v, "/Status") {
        "Pending" => ResourceStatus::Pending,
        _ => ResourceStatus::Available,
    };
    Some(ExtVpc { base, status, cidr_block: text(v, "/CidrBlock").to_string(), is_default: v.get("IsDefault").and_then(Value::as_bool).unwrap_or(false) })
}

impl AliyunDriver {
    /// All VPCs of the region, or the one with `id`.
    pub(crate) async fn vpcs(&self, region: &str, id: Option<&str>) -> CloudResult<Vec<ExtVpc>> {
        let mut params = vec![param("RegionId", region)];
        params.extend(id.map(|id| param("VpcId", id)));
        let items = self.c.rpc_list(region, Product::Vpc, "DescribeVpcs", &params, Paging::Numbered { max: 50 }, "/Vpcs/Vpc").await?;
        Ok(items.iter().filter_map(ext).collect())
    }
}

#[async_trait]
impl Facet<strato_cloud::Vpc> for AliyunDriver {
    async fn list(&self, region: &str) -> CloudResult<Vec<ExtVpc>> {
        self.vpcs(region, None).await
    }
    async fn get(&self, region: &str, id: &str) -> CloudResult<ExtVpc> {
        self.vpcs(region, Some(id)).await?.pop().ok_or_else(|| gone("vpc", id))
    }
}
