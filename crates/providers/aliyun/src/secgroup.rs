//! Security groups (ECS DescribeSecurityGroups) and their rules (DescribeSecurityGroupAttribute,
//! one call per group: the listing carries no rules).

use async_trait::async_trait;
use serde_json::Value;
use strato_cloud::*;

use crate::client::{array, opt_text, param, tags, text, time, Paging, Product};
use crate::{gone, json_ids, AliyunDriver};

/// `22/22` -> (22, 22); `-1/-1` (every port) -> none.
fn ports(range: &str) -> (Option<i32>, Option<i32>) {
    let mut parts = range.split('/').map(|p| p.trim().parse::<i32>().ok().filter(|n| *n >= 0));
    (parts.next().flatten(), parts.next().flatten())
}

fn rule(p: &Value) -> SecgroupRule {
    let ingress = text(p, "/Direction") != "egress";
    let side = if ingress { "Source" } else { "Dest" };
    let peer = [format!("/{side}CidrIp"), format!("/Ipv6{side}CidrIp"), format!("/{side}GroupId"), format!("/{side}PrefixListId")]
        .iter()
        .find_map(|f| opt_text(p, f))
        .unwrap_or_else(|| "0.0.0.0/0".to_string());
    let protocol = match text(p, "/IpProtocol").to_ascii_lowercase().as_str() {
        "all" | "" => "all".to_string(),
        other => other.to_string(),
    };
    let (from_port, to_port) = if protocol == "all" { (None, None) } else { ports(text(p, "/PortRange")) };
    SecgroupRule {
        direction: if ingress { RuleDirection::Ingress } else { RuleDirection::Egress },
        protocol,
        from_port,
        to_port,
        peer,
        description: opt_text(p, "/Description"),
    }
}

impl AliyunDriver {
    /// The region's security groups with their rules, or the one with `id`.
    pub(crate) async fn secgroups(&self, region: &str, id: Option<&str>) -> CloudResult<Vec<ExtSecgroup>> {
        let mut params = vec![param("RegionId", region)];
        params.extend(id.map(|id| param("SecurityGroupIds", json_ids(&[id]))));
        let groups = self.c.rpc_list(region, Product::Ecs, "DescribeSecurityGroups", &params, Paging::Token { max: 100 }, "/SecurityGroups/SecurityGroup").await?;
        let mut out = Vec::with_capacity(groups.len());
        for g in &groups {
            let Some(gid) = opt_text(g, "/SecurityGroupId") else { continue };
            let attrs = self
                .c
                .rpc(region, ApiClass::Describe, Product::Ecs, "DescribeSecurityGroupAttribute", &[param("RegionId", region), param("SecurityGroupId", &gid), param("Direction", "all")])
                .await?;
            let mut base = ExtBase::new(gid.clone(), opt_text(g, "/SecurityGroupName").unwrap_or_else(|| gid.clone()));
            base.tags = tags(g, "/Tags");
            base.created_at = time(g, "/CreationTime");
            base.project_id = opt_text(g, "/ResourceGroupId");
            out.push(ExtSecgroup {
                base,
                status: ResourceStatus::Available,
                vpc_id: opt_text(g, "/VpcId"),
                description: text(g, "/Description").to_string(),
                rules: array(&attrs, "/Permissions/Permission").iter().map(rule).collect(),
            });
        }
        Ok(out)
    }
}

#[async_trait]
impl Facet<strato_cloud::Secgroup> for AliyunDriver {
    async fn list(&self, region: &str) -> CloudResult<Vec<ExtSecgroup>> {
        self.secgroups(region, None).await
    }
    async fn get(&self, region: &str, id: &str) -> CloudResult<ExtSecgroup> {
        self.secgroups(region, Some(id)).await?.pop().ok_or_else(|| gone("secgroup", id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_read_ports_peers_and_protocols() {
        let ssh = serde_json::json!({"Direction": "ingress", "IpProtocol": "TCP", "PortRange": "22/22", "SourceCidrIp": "10.0.0.0/8", "DestCidrIp": ""});
        let r = rule(&ssh);
        assert_eq!((r.direction, r.protocol.as_str(), r.from_port, r.to_port, r.peer.as_str()), (RuleDirection::Ingress, "tcp", Some(22), Some(22), "10.0.0.0/8"));
        let out = serde_json::json!({"Direction": "egress", "IpProtocol": "ALL", "PortRange": "-1/-1", "DestGroupId": "sg-1", "SourceCidrIp": ""});
        let r = rule(&out);
        assert_eq!((r.direction, r.protocol.as_str(), r.from_port, r.peer.as_str()), (RuleDirection::Egress, "all", None, "sg-1"));
    }
}
