//! Networks (subnets): the VPC (local id), the CIDR block and the free addresses.

use super::{col, ColType, KindDef};

pub const NETWORKS: KindDef = KindDef {
    kind: "network",
    table: "networks",
    columns: &[col("vpc_id", ColType::Text), col("cidr_block", ColType::Text), col("available_ips", ColType::Int)],
    children: &[],
    account_wide: false,
    billing: true,
};
