//! VPCs.

use strato_cloud::*;

use crate::client::ec2_tags;
use crate::{log_pages, AwsDriver};

impl AwsDriver {
    /// All VPCs of the region, or the one with `id`.
    pub(crate) async fn vpcs(&self, region: &str, id: Option<&str>) -> CloudResult<Vec<ExtVpc>> {
        let ec2 = self.c.ec2(region);
        let mut all = Vec::new();
        let mut token: Option<String> = None;
        let mut pages = 0;
        loop {
            let out = self
                .c
                .call(region, ApiClass::Describe, "DescribeVpcs", || {
                    let req = ec2.describe_vpcs().set_next_token(token.clone());
                    match id {
                        Some(id) => req.vpc_ids(id),
                        None => req.max_results(self.c.page_size),
                    }
                    .send()
                })
                .await?;
            pages += 1;
            for v in out.vpcs() {
                let Some(vid) = v.vpc_id() else { continue };
                let (name, tags) = ec2_tags(v.tags());
                let mut base = ExtBase::new(vid, name.unwrap_or_else(|| vid.to_string()));
                base.tags = tags;
                base.project_id = v.owner_id().map(str::to_string);
                let status = match v.state().map(|s| s.as_str()) {
                    Some("pending") => ResourceStatus::Pending,
                    _ => ResourceStatus::Available,
                };
                all.push(ExtVpc { base, status, cidr_block: v.cidr_block().unwrap_or_default().to_string(), is_default: v.is_default().unwrap_or(false) });
            }
            token = out.next_token().filter(|t| !t.is_empty()).map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        log_pages(region, "vpc", pages, all.len());
        Ok(all)
    }
}
