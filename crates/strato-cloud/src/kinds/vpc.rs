//! VPCs: the CIDR block and whether it is the region's default.

use serde::{Deserialize, Serialize};

use crate::kinds::{col, reference, ApiMeta, DriverView, Kind, KindMeta, KindScope, Resolve, ResourceKind, Row};
use crate::snapshot::ExtBase;
use crate::status::ResourceStatus;

impl ResourceKind {
    #[allow(non_upper_case_globals)]
    pub const Vpc: ResourceKind = ResourceKind::new("vpc");
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtVpc {
    #[serde(flatten)]
    pub base: ExtBase,
    pub status: ResourceStatus,
    pub cidr_block: String,
    pub is_default: bool,
}

crate::ext_resource!(ExtVpc);

crate::synced_row! {
    pub struct VpcRow {
        cidr_block: String,
        is_default: bool,
    }
}

pub struct Vpc;

impl Kind for Vpc {
    type Ext = ExtVpc;
    type Row = VpcRow;
    const KIND: ResourceKind = ResourceKind::Vpc;
    const META: &'static KindMeta = &KindMeta {
        kind: ResourceKind::Vpc,
        plural: "vpcs",
        scope: KindScope::Region,
        depends_on: &[ResourceKind::Zone],
        billing: true,
        columns: VpcRow::COLUMNS,
        children: VpcRow::CHILDREN,
        api: Some(ApiMeta {
            columns: &[
                col("id"),
                col("name"),
                col("status"),
                col("cidr_block"),
                reference("cloudregion_id", "cloudregion"),
                reference("cloudaccount_id", "cloudaccount"),
                col("external_id"),
            ],
        }),
        driver_view: DriverView {
            list: "List VPCs",
            show: Some("Show a VPC"),
            columns: &[("ID", "external_id"), ("NAME", "name"), ("STATUS", "status"), ("CIDR", "cidr_block"), ("DEFAULT", "is_default")],
        },
        transitions: &[],
    };
    fn row(e: &ExtVpc, _cx: &dyn Resolve) -> VpcRow {
        VpcRow { cidr_block: e.cidr_block.clone(), is_default: e.is_default }
    }
}
