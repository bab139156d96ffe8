//! Subnets.

use strato_cloud::*;

use crate::client::ec2_tags;
use crate::{log_pages, AwsDriver};

impl AwsDriver {
    pub(crate) async fn networks(&self, region: &str, id: Option<&str>) -> CloudResult<Vec<ExtNetwork>> {
        let ec2 = self.c.ec2(region);
        let mut all = Vec::new();
        let mut token: Option<String> = None;
        let mut pages = 0;
        loop {
            let out = self
                .c
                .call(region, ApiClass::Describe, "DescribeSubnets", || {
                    let req = ec2.describe_subnets().set_next_token(token.clone());
                    match id {
                        Some(id) => req.subnet_ids(id),
                        None => req.max_results(self.c.page_size),
                    }
                    .send()
                })
                .await?;
            pages += 1;
            for s in out.subnets() {
                let Some(sid) = s.subnet_id() else { continue };
                let (name, tags) = ec2_tags(s.tags());
                let mut base = ExtBase::new(sid, name.unwrap_or_else(|| sid.to_string()));
                base.tags = tags;
                base.project_id = s.owner_id().map(str::to_string);
                let status = match s.state().map(|x| x.as_str()) {
                    Some("pending") => ResourceStatus::Pending,
                    _ => ResourceStatus::Available,
                };
                all.push(ExtNetwork {
                    base,
                    status,
                    vpc_id: s.vpc_id().unwrap_or_default().to_string(),
                    zone: s.availability_zone().unwrap_or_default().to_string(),
                    cidr_block: s.cidr_block().unwrap_or_default().to_string(),
                    available_ips: s.available_ip_address_count().map(|n| n.max(0) as u32),
                });
            }
            token = out.next_token().filter(|t| !t.is_empty()).map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        log_pages(region, "network", pages, all.len());
        Ok(all)
    }
}
