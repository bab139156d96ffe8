//! Subnets.

use aws_sdk_ec2::types::Subnet;
use async_trait::async_trait;
use strato_cloud::*;

use crate::client::ec2_tags;
use crate::{gone, AwsDriver};

fn ext(s: &Subnet) -> Option<ExtNetwork> {
    let sid = s.subnet_id()?;
    let (name, tags) = ec2_tags(s.tags());
    let mut base = ExtBase::new(sid, name.unwrap_or_else(|| sid.to_string()));
    base.tags = tags;
    base.project_id = s.owner_id().map(str::to_string);
    let status = match s.state().map(|x| x.as_str()) {
        Some("pending") => ResourceStatus::Pending,
        _ => ResourceStatus::Available,
    };
    Some(ExtNetwork {
        base,
        status,
        vpc_id: s.vpc_id().unwrap_or_default().to_string(),
        zone: s.availability_zone().unwrap_or_default().to_string(),
        cidr_block: s.cidr_block().unwrap_or_default().to_string(),
        available_ips: s.available_ip_address_count().map(|n| n.max(0) as u32),
    })
}

impl AwsDriver {
    pub(crate) async fn networks(&self, region: &str, id: Option<&str>) -> CloudResult<Vec<ExtNetwork>> {
        let ec2 = self.c.ec2(region);
        self.c
            .list_pages(
                region,
                ApiClass::Describe,
                "DescribeSubnets",
                |token| {
                    let req = ec2.describe_subnets().set_next_token(token);
                    match id {
                        Some(id) => req.subnet_ids(id),
                        None => req.max_results(self.c.page_size),
                    }
                    .send()
                },
                |out| (out.subnets().iter().filter_map(ext).collect(), out.next_token()),
            )
            .await
    }
}

#[async_trait]
impl Facet<strato_cloud::Network> for AwsDriver {
    async fn list(&self, region: &str) -> CloudResult<Vec<ExtNetwork>> {
        self.networks(region, None).await
    }
    async fn get(&self, region: &str, id: &str) -> CloudResult<ExtNetwork> {
        self.networks(region, Some(id)).await?.pop().ok_or_else(|| gone("network", id))
    }
}
