//! Networks (subnets): the VPC, the CIDR block and the free addresses.

use serde::{Deserialize, Serialize};

use crate::kinds::{col, reference, ApiMeta, DriverView, Kind, KindMeta, KindScope, Resolve, ResourceKind, Row};
use crate::snapshot::ExtBase;
use crate::status::ResourceStatus;

impl ResourceKind {
    #[allow(non_upper_case_globals)]
    pub const Network: ResourceKind = ResourceKind::new("network");
}

/// A subnet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtNetwork {
    #[serde(flatten)]
    pub base: ExtBase,
    pub status: ResourceStatus,
    pub vpc_id: String,
    pub zone: String,
    pub cidr_block: String,
    pub available_ips: Option<u32>,
}

crate::ext_resource!(ExtNetwork);

crate::synced_row! {
    pub struct NetworkRow {
        /// The VPC's local id.
        vpc_id: Option<String>,
        cidr_block: String,
        available_ips: Option<i64>,
    }
}

pub struct Network;

impl Kind for Network {
    type Ext = ExtNetwork;
    type Row = NetworkRow;
    const KIND: ResourceKind = ResourceKind::Network;
    const META: &'static KindMeta = &KindMeta {
        kind: ResourceKind::Network,
        plural: "networks",
        scope: KindScope::Region,
        depends_on: &[ResourceKind::Zone, ResourceKind::Vpc],
        billing: true,
        columns: NetworkRow::COLUMNS,
        children: NetworkRow::CHILDREN,
        api: Some(ApiMeta {
            columns: &[
                col("id"),
                col("name"),
                col("status"),
                col("cidr_block"),
                reference("vpc_id", "vpc"),
                reference("zone_id", "zone"),
                col("external_id"),
            ],
        }),
        driver_view: DriverView {
            list: "List networks (subnets)",
            show: Some("Show a network"),
            columns: &[("ID", "external_id"), ("NAME", "name"), ("STATUS", "status"), ("VPC", "vpc_id"), ("ZONE", "zone"), ("CIDR", "cidr_block")],
        },
        transitions: &[],
    };
    fn row(e: &ExtNetwork, cx: &dyn Resolve) -> NetworkRow {
        NetworkRow {
            vpc_id: cx.id(ResourceKind::Vpc, &e.vpc_id),
            cidr_block: e.cidr_block.clone(),
            available_ips: e.available_ips.map(i64::from),
        }
    }
    fn zone(e: &ExtNetwork) -> Option<&str> {
        Some(&e.zone)
    }
}
