//! Networks (subnets).

use async_trait::async_trait;
use strato_cloud::*;

use crate::client::{format_id, page, zone_name, NetworkRec, World};
use crate::{base, id_of, not_found, FakeDriver};

fn ext(w: &World, ri: usize, n: u64, s: &NetworkRec) -> ExtNetwork {
    let vpc_octet = w.regions[ri].vpcs.get(&s.vpc).map(|v| v.octet).unwrap_or(0);
    ExtNetwork {
        base: base(ResourceKind::Network, n, &s.common),
        status: ResourceStatus::Available,
        vpc_id: format_id(ResourceKind::Vpc, s.vpc),
        zone: zone_name(&w.region_names[ri], s.zone),
        cidr_block: format!("10.{vpc_octet}.{}.0/24", s.octet),
        available_ips: Some(251),
    }
}

#[async_trait]
impl Facet<Network> for FakeDriver {
    async fn list(&self, region: &str) -> CloudResult<Vec<ExtNetwork>> {
        self.list_paged(region, ResourceKind::Network, "DescribeSubnets", |w, ri, after, size| page(&w.regions[ri].networks, after, size, |n, s| ext(w, ri, n, s)))
            .await
    }

    async fn get(&self, region: &str, id: &str) -> CloudResult<ExtNetwork> {
        let n = id_of(ResourceKind::Network, id)?;
        self.read(region, "DescribeSubnets", |w, ri| {
            w.regions[ri].networks.get(&n).map(|s| ext(w, ri, n, s)).ok_or_else(|| not_found(ResourceKind::Network, id))
        })
        .await
    }
}
