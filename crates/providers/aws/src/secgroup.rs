//! Security groups and their rules.

use aws_sdk_ec2::types::{IpPermission, SecurityGroup};
use async_trait::async_trait;
use strato_cloud::*;

use crate::client::ec2_tags;
use crate::{gone, AwsDriver};

fn rules(direction: RuleDirection, perms: &[IpPermission], out: &mut Vec<SecgroupRule>) {
    for p in perms {
        let protocol = match p.ip_protocol() {
            Some("-1") | None => "all".to_string(),
            Some("6") => "tcp".to_string(),
            Some("17") => "udp".to_string(),
            Some("1") => "icmp".to_string(),
            Some(other) => other.to_string(),
        };
        let rule = |peer: &str, description: Option<&str>| SecgroupRule {
            direction,
            protocol: protocol.clone(),
            from_port: p.from_port().filter(|_| protocol != "all"),
            to_port: p.to_port().filter(|_| protocol != "all"),
            peer: peer.to_string(),
            description: description.map(str::to_string),
        };
        for r in p.ip_ranges() {
            out.push(rule(r.cidr_ip().unwrap_or("0.0.0.0/0"), r.description()));
        }
        for r in p.ipv6_ranges() {
            out.push(rule(r.cidr_ipv6().unwrap_or("::/0"), r.description()));
        }
        for g in p.user_id_group_pairs() {
            out.push(rule(g.group_id().unwrap_or_default(), g.description()));
        }
    }
}

fn ext(g: &SecurityGroup) -> Option<ExtSecgroup> {
    let gid = g.group_id()?;
    let (_, tags) = ec2_tags(g.tags());
    let mut base = ExtBase::new(gid, g.group_name().unwrap_or(gid));
    base.tags = tags;
    base.project_id = g.owner_id().map(str::to_string);
    let mut all_rules = Vec::new();
    rules(RuleDirection::Ingress, g.ip_permissions(), &mut all_rules);
    rules(RuleDirection::Egress, g.ip_permissions_egress(), &mut all_rules);
    Some(ExtSecgroup {
        base,
        status: ResourceStatus::Available,
        vpc_id: g.vpc_id().map(str::to_string),
        description: g.description().unwrap_or_default().to_string(),
        rules: all_rules,
    })
}

impl AwsDriver {
    pub(crate) async fn secgroups(&self, region: &str, id: Option<&str>) -> CloudResult<Vec<ExtSecgroup>> {
        let ec2 = self.c.ec2(region);
        self.c
            .list_pages(
                region,
                ApiClass::Describe,
                "DescribeSecurityGroups",
                |token| {
                    let req = ec2.describe_security_groups().set_next_token(token);
                    match id {
                        Some(id) => req.group_ids(id),
                        None => req.max_results(self.c.page_size),
                    }
                    .send()
                },
                |out| (out.security_groups().iter().filter_map(ext).collect(), out.next_token()),
            )
            .await
    }
}

#[async_trait]
impl Facet<strato_cloud::Secgroup> for AwsDriver {
    async fn list(&self, region: &str) -> CloudResult<Vec<ExtSecgroup>> {
        self.secgroups(region, None).await
    }
    async fn get(&self, region: &str, id: &str) -> CloudResult<ExtSecgroup> {
        self.secgroups(region, Some(id)).await?.pop().ok_or_else(|| gone("secgroup", id))
    }
}
