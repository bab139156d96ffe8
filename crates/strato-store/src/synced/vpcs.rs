//! VPCs: common columns plus the CIDR block and whether it is the region's default.

use super::{col, ColType, KindDef};

pub const VPCS: KindDef = KindDef {
    kind: "vpc",
    table: "vpcs",
    columns: &[col("cidr_block", ColType::Text), col("is_default", ColType::Bool)],
    children: &[],
    account_wide: false,
    billing: true,
};
