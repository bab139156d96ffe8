//! Networks: QingCloud's vxnets (DescribeVxnets). A managed vxnet joins a VPC router, which is
//! its VPC; an unmanaged one (vxnet_type 0, the base network `vxnet-0` among them) has none.

use async_trait::async_trait;
use serde_json::Value;
use strato_cloud::*;

use crate::fields::{is_gone, opt_text, tags, time};
use crate::{gone, one_id, QingCloudDriver};

/// The router a vxnet joins, as DescribeVxnets shows it (`router.router_id`, or
/// `vpc_router_id` in older answers).
pub(crate) fn router_of(vxnet: &Value) -> Option<String> {
    opt_text(vxnet, "/router/router_id").or_else(|| opt_text(vxnet, "/vpc_router_id"))
}

fn ext(zone: &str, v: &Value) -> Option<ExtNetwork> {
    let id = opt_text(v, "/vxnet_id")?;
    let mut base = ExtBase::new(id.clone(), opt_text(v, "/vxnet_name").unwrap_or(id));
    base.tags = tags(v);
    base.created_at = time(v, "/create_time");
    Some(ExtNetwork {
        base,
        status: ResourceStatus::Available,
        vpc_id: router_of(v).unwrap_or_default(),
        zone: zone.to_string(),
        cidr_block: opt_text(v, "/router/ip_network").or_else(|| opt_text(v, "/ip_network")).unwrap_or_default(),
        available_ips: None,
    })
}

impl QingCloudDriver {
    /// The vxnets of every zone of the region, or the one with `id`, with the zone of each.
    pub(crate) async fn raw_vxnets(&self, region: &str, id: Option<&str>) -> CloudResult<Vec<(String, Value)>> {
        let mut params: Vec<_> = id.map(|id| one_id("vxnets", id)).into_iter().collect();
        // Ask for the router a vxnet joins, which the default answer leaves out.
        params.push(crate::client::param("verbose", 1));
        Ok(self.list_in_zones(region, "DescribeVxnets", &params, "vxnet_set").await?.into_iter().filter(|(_, v)| !is_gone(v)).collect())
    }

    pub(crate) async fn networks(&self, region: &str, id: Option<&str>) -> CloudResult<Vec<ExtNetwork>> {
        Ok(self.raw_vxnets(region, id).await?.iter().filter_map(|(zone, v)| ext(zone, v)).collect())
    }
}

#[async_trait]
impl Facet<strato_cloud::Network> for QingCloudDriver {
    async fn list(&self, region: &str) -> CloudResult<Vec<ExtNetwork>> {
        self.networks(region, None).await
    }
    async fn get(&self, region: &str, id: &str) -> CloudResult<ExtNetwork> {
        self.networks(region, Some(id)).await?.pop().ok_or_else(|| gone("network", id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn managed_vxnets_name_their_router_and_range() {
        let v = serde_json::json!({"vxnet_id": "vxnet-1", "vxnet_name": "web", "vxnet_type": 1, "router": {"router_id": "rtr-1", "ip_network": "192.168.1.0/24"}});
        let n = ext("pek3a", &v).expect("a vxnet");
        assert_eq!((n.vpc_id.as_str(), n.cidr_block.as_str(), n.zone.as_str(), n.base.name.as_str()), ("rtr-1", "192.168.1.0/24", "pek3a", "web"));
        let base = ext("pek3a", &serde_json::json!({"vxnet_id": "vxnet-0", "vxnet_type": 0})).expect("the base network");
        assert_eq!((base.vpc_id.as_str(), base.base.name.as_str()), ("", "vxnet-0"));
    }
}
