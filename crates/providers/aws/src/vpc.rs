//! VPCs.

use aws_sdk_ec2::types::Vpc;
use async_trait::async_trait;
use strato_cloud::*;

use crate::client::ec2_tags;
use crate::{gone, AwsDriver};

fn ext(v: &Vpc) -> Option<ExtVpc> {
    let vid = v.vpc_id()?;
    let (name, tags) = ec2_tags(v.tags());
    let mut base = ExtBase::new(vid, name.unwrap_or_else(|| vid.to_string()));
    base.tags = tags;
    base.project_id = v.owner_id().map(str::to_string);
    let status = match v.state().map(|s| s.as_str()) {
        Some("pending") => ResourceStatus::Pending,
        _ => ResourceStatus::Available,
    };
    Some(ExtVpc { base, status, cidr_block: v.cidr_block().unwrap_or_default().to_string(), is_default: v.is_default().unwrap_or(false) })
}

impl AwsDriver {
    /// All VPCs of the region, or the one with `id`.
    pub(crate) async fn vpcs(&self, region: &str, id: Option<&str>) -> CloudResult<Vec<ExtVpc>> {
        let ec2 = self.c.ec2(region);
        self.c
            .list_pages(
                region,
                ApiClass::Describe,
                "DescribeVpcs",
                |token| {
                    let req = ec2.describe_vpcs().set_next_token(token);
                    match id {
                        Some(id) => req.vpc_ids(id),
                        None => req.max_results(self.c.page_size),
                    }
                    .send()
                },
                |out| (out.vpcs().iter().filter_map(ext).collect(), out.next_token()),
            )
            .await
    }
}

#[async_trait]
impl Facet<strato_cloud::Vpc> for AwsDriver {
    async fn list(&self, region: &str) -> CloudResult<Vec<ExtVpc>> {
        self.vpcs(region, None).await
    }
    async fn get(&self, region: &str, id: &str) -> CloudResult<ExtVpc> {
        self.vpcs(region, Some(id)).await?.pop().ok_or_else(|| gone("vpc", id))
    }
}
