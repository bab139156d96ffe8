//! Security groups with their rules.

use async_trait::async_trait;
use strato_cloud::*;

use crate::client::{format_id, page, SecgroupRec};
use crate::{base, id_of, not_found, FakeDriver};

fn ext(n: u64, g: &SecgroupRec) -> ExtSecgroup {
    ExtSecgroup {
        base: base(ResourceKind::Secgroup, n, &g.common),
        status: ResourceStatus::Available,
        vpc_id: Some(format_id(ResourceKind::Vpc, g.vpc)),
        description: format!("{} security group", g.common.name),
        rules: g.rules.clone(),
    }
}

#[async_trait]
impl Facet<Secgroup> for FakeDriver {
    async fn list(&self, region: &str) -> CloudResult<Vec<ExtSecgroup>> {
        self.list_paged(region, ResourceKind::Secgroup, "DescribeSecurityGroups", |w, ri, after, size| page(&w.regions[ri].secgroups, after, size, ext)).await
    }

    async fn get(&self, region: &str, id: &str) -> CloudResult<ExtSecgroup> {
        let n = id_of(ResourceKind::Secgroup, id)?;
        self.read(region, "DescribeSecurityGroups", |w, ri| {
            w.regions[ri].secgroups.get(&n).map(|g| ext(n, g)).ok_or_else(|| not_found(ResourceKind::Secgroup, id))
        })
        .await
    }
}
