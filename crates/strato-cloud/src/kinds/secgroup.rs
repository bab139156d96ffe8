//! Security groups, with their rules as child rows.

use serde::{Deserialize, Serialize};

use crate::kinds::{col, reference, ApiMeta, DriverView, Kind, KindMeta, KindScope, Resolve, ResourceKind, Row};
use crate::snapshot::ExtBase;
use crate::status::ResourceStatus;

impl ResourceKind {
    #[allow(non_upper_case_globals)]
    pub const Secgroup: ResourceKind = ResourceKind::new("secgroup");
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleDirection {
    Ingress,
    Egress,
}

/// One security group rule. `protocol` is `tcp`, `udp`, `icmp` or `all`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecgroupRule {
    pub direction: RuleDirection,
    pub protocol: String,
    pub from_port: Option<i32>,
    pub to_port: Option<i32>,
    /// A CIDR, or another security group's external id.
    pub peer: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtSecgroup {
    #[serde(flatten)]
    pub base: ExtBase,
    pub status: ResourceStatus,
    pub vpc_id: Option<String>,
    pub description: String,
    pub rules: Vec<SecgroupRule>,
}

crate::ext_resource!(ExtSecgroup);

crate::synced_row! {
    /// One rule, in the group's order.
    pub struct SecgroupRuleRow {
        position: i64,
        direction: String,
        protocol: String,
        from_port: Option<i64>,
        to_port: Option<i64>,
        peer: String,
        description: Option<String>,
    }
}

crate::synced_row! {
    pub struct SecgroupRow {
        vpc_id: Option<String>,
        description: String,
    }
    children {
        rules: Vec<SecgroupRuleRow> in "secgroup_rules" by "secgroup_id",
    }
}

pub struct Secgroup;

impl Kind for Secgroup {
    type Ext = ExtSecgroup;
    type Row = SecgroupRow;
    const KIND: ResourceKind = ResourceKind::Secgroup;
    const META: &'static KindMeta = &KindMeta {
        kind: ResourceKind::Secgroup,
        plural: "secgroups",
        scope: KindScope::Region,
        depends_on: &[ResourceKind::Vpc],
        billing: true,
        columns: SecgroupRow::COLUMNS,
        children: SecgroupRow::CHILDREN,
        api: Some(ApiMeta {
            columns: &[
                col("id"),
                col("name"),
                col("status"),
                reference("vpc_id", "vpc"),
                reference("cloudregion_id", "cloudregion"),
                col("external_id"),
            ],
        }),
        driver_view: DriverView {
            list: "List security groups",
            show: Some("Show a security group"),
            columns: &[("ID", "external_id"), ("NAME", "name"), ("STATUS", "status"), ("VPC", "vpc_id"), ("RULES", "rules")],
        },
        transitions: &[],
    };
    fn row(e: &ExtSecgroup, cx: &dyn Resolve) -> SecgroupRow {
        let rules = e
            .rules
            .iter()
            .zip(0i64..)
            .map(|(r, position)| SecgroupRuleRow {
                position,
                direction: match r.direction {
                    RuleDirection::Ingress => "ingress",
                    RuleDirection::Egress => "egress",
                }
                .to_string(),
                protocol: r.protocol.clone(),
                from_port: r.from_port.map(i64::from),
                to_port: r.to_port.map(i64::from),
                peer: r.peer.clone(),
                description: r.description.clone(),
            })
            .collect();
        SecgroupRow { vpc_id: cx.id_opt(ResourceKind::Vpc, e.vpc_id.as_deref()), description: e.description.clone(), rules }
    }
}
