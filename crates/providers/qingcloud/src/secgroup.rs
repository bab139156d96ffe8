//! Security groups (DescribeSecurityGroups) and their rules (DescribeSecurityGroupRules, paged,
//! one listing per group: the groups' answer carries no rules). QingCloud's groups belong to a
//! zone, not to a VPC.

use async_trait::async_trait;
use serde_json::Value;
use strato_cloud::*;

use crate::client::param;
use crate::fields::{is_gone, number, opt_text, tags, text, time};
use crate::{gone, one_id, QingCloudDriver};

/// A rule, or none for the rules Strato's model cannot state: `drop` rules (Strato's rules
/// only allow) and disabled ones (they have no effect).
fn rule(r: &Value) -> Option<SecgroupRule> {
    if text(r, "/action") == "drop" || number(r, "/disabled").unwrap_or(0.0) != 0.0 {
        return None;
    }
    // direction: 0 inbound, 1 outbound.
    let ingress = number(r, "/direction").unwrap_or(0.0) == 0.0;
    let protocol = text(r, "/protocol").to_ascii_lowercase();
    // val1/val2 are the port range of tcp and udp (ICMP's type and code otherwise); val3 the
    // peer's address range, every address when empty.
    let port = |field: &str| if matches!(protocol.as_str(), "tcp" | "udp") { text(r, field).trim().parse::<i32>().ok() } else { None };
    let from_port = port("/val1");
    let to_port = port("/val2").or(from_port);
    Some(SecgroupRule {
        direction: if ingress { RuleDirection::Ingress } else { RuleDirection::Egress },
        protocol: if protocol.is_empty() { "all".to_string() } else { protocol.clone() },
        from_port,
        to_port,
        peer: opt_text(r, "/val3").unwrap_or_else(|| "0.0.0.0/0".to_string()),
        description: opt_text(r, "/security_group_rule_name"),
    })
}

impl QingCloudDriver {
    /// The security groups of every zone of the region, with their rules, or the one with `id`.
    pub(crate) async fn secgroups(&self, region: &str, id: Option<&str>) -> CloudResult<Vec<ExtSecgroup>> {
        let params: Vec<_> = id.map(|id| one_id("security_groups", id)).into_iter().collect();
        let groups = self.list_in_zones(region, "DescribeSecurityGroups", &params, "security_group_set").await?;
        let mut out = Vec::with_capacity(groups.len());
        for (zone, g) in groups.iter().filter(|(_, g)| !is_gone(g)) {
            let Some(gid) = opt_text(g, "/security_group_id") else { continue };
            let rules = self.c.list(zone, "DescribeSecurityGroupRules", &[param("security_group", &gid)], "security_group_rule_set").await?;
            let mut base = ExtBase::new(gid.clone(), opt_text(g, "/security_group_name").unwrap_or_else(|| gid.clone()));
            base.tags = tags(g);
            base.created_at = time(g, "/create_time");
            out.push(ExtSecgroup {
                base,
                status: ResourceStatus::Available,
                vpc_id: None,
                description: text(g, "/description").to_string(),
                rules: rules.iter().filter_map(rule).collect(),
            });
        }
        Ok(out)
    }
}

#[async_trait]
impl Facet<strato_cloud::Secgroup> for QingCloudDriver {
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
    use serde_json::json;

    #[test]
    fn rules_read_ports_peers_and_directions() {
        let ssh = rule(&json!({"protocol": "tcp", "direction": 0, "action": "accept", "val1": "22", "val2": "", "val3": "10.0.0.0/8", "disabled": 0})).expect("ssh");
        assert_eq!((ssh.direction, ssh.protocol.as_str(), ssh.from_port, ssh.to_port, ssh.peer.as_str()), (RuleDirection::Ingress, "tcp", Some(22), Some(22), "10.0.0.0/8"));
        let ping = rule(&json!({"protocol": "icmp", "direction": 1, "action": "accept", "val1": "8", "val2": "0", "val3": ""})).expect("icmp");
        assert_eq!((ping.direction, ping.from_port, ping.peer.as_str()), (RuleDirection::Egress, None, "0.0.0.0/0"));
        assert!(rule(&json!({"protocol": "tcp", "direction": 0, "action": "drop", "val1": "80"})).is_none());
        assert!(rule(&json!({"protocol": "tcp", "direction": 0, "action": "accept", "val1": "80", "disabled": 1})).is_none());
    }
}
