//! VPCs.

use async_trait::async_trait;
use strato_cloud::*;

use crate::client::{page, VpcRec};
use crate::{base, id_of, not_found, FakeDriver};

fn ext(n: u64, v: &VpcRec) -> ExtVpc {
    ExtVpc {
        base: base(ResourceKind::Vpc, n, &v.common),
        status: ResourceStatus::Available,
        cidr_block: format!("10.{}.0.0/16", v.octet),
        is_default: v.is_default,
    }
}

#[async_trait]
impl Facet<Vpc> for FakeDriver {
    async fn list(&self, region: &str) -> CloudResult<Vec<ExtVpc>> {
        self.list_paged(region, ResourceKind::Vpc, "DescribeVpcs", |w, ri, after, size| page(&w.regions[ri].vpcs, after, size, ext)).await
    }

    async fn get(&self, region: &str, id: &str) -> CloudResult<ExtVpc> {
        let n = id_of(ResourceKind::Vpc, id)?;
        self.read(region, "DescribeVpcs", |w, ri| w.regions[ri].vpcs.get(&n).map(|v| ext(n, v)).ok_or_else(|| not_found(ResourceKind::Vpc, id))).await
    }
}
