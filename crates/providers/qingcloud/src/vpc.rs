//! VPCs: QingCloud's VPC routers (DescribeRouters), each with the address range of its VPC.

use async_trait::async_trait;
use serde_json::Value;
use strato_cloud::*;

use crate::fields::{is_gone, opt_text, tags, text, time};
use crate::{gone, one_id, QingCloudDriver};

fn status(router: &Value) -> ResourceStatus {
    if !text(router, "/transition_status").is_empty() {
        return ResourceStatus::Pending;
    }
    match text(router, "/status") {
        "active" => ResourceStatus::Available,
        "pending" => ResourceStatus::Pending,
        // poweroffed, suspended (in arrears)
        _ => ResourceStatus::Unavailable,
    }
}

fn ext(r: &Value) -> Option<ExtVpc> {
    let id = opt_text(r, "/router_id")?;
    let mut base = ExtBase::new(id.clone(), opt_text(r, "/router_name").unwrap_or(id));
    base.tags = tags(r);
    base.created_at = time(r, "/create_time");
    Some(ExtVpc { base, status: status(r), cidr_block: text(r, "/vpc_network").to_string(), is_default: false })
}

impl QingCloudDriver {
    /// The routers of every zone of the region, or the one with `id`.
    pub(crate) async fn vpcs(&self, region: &str, id: Option<&str>) -> CloudResult<Vec<ExtVpc>> {
        let params: Vec<_> = id.map(|id| one_id("routers", id)).into_iter().collect();
        let items = self.list_in_zones(region, "DescribeRouters", &params, "router_set").await?;
        Ok(items.iter().filter(|(_, r)| !is_gone(r)).filter_map(|(_, r)| ext(r)).collect())
    }
}

#[async_trait]
impl Facet<strato_cloud::Vpc> for QingCloudDriver {
    async fn list(&self, region: &str) -> CloudResult<Vec<ExtVpc>> {
        self.vpcs(region, None).await
    }
    async fn get(&self, region: &str, id: &str) -> CloudResult<ExtVpc> {
        self.vpcs(region, Some(id)).await?.pop().ok_or_else(|| gone("vpc", id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn router_statuses() {
        let r = |s: &str, t: &str| status(&serde_json::json!({"status": s, "transition_status": t}));
        assert_eq!(r("active", ""), ResourceStatus::Available);
        assert_eq!(r("active", "updating"), ResourceStatus::Pending);
        assert_eq!(r("pending", ""), ResourceStatus::Pending);
        assert_eq!(r("poweroffed", ""), ResourceStatus::Unavailable);
    }
}
