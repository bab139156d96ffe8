//! Security groups, with their rules as child rows.

use super::{col, ChildDef, ColType, KindDef};

pub const SECGROUP_RULES: ChildDef = ChildDef {
    table: "secgroup_rules",
    parent_column: "secgroup_id",
    columns: &[
        col("position", ColType::Int),
        col("direction", ColType::Text),
        col("protocol", ColType::Text),
        col("from_port", ColType::Int),
        col("to_port", ColType::Int),
        col("peer", ColType::Text),
        col("description", ColType::Text),
    ],
    field: "rules",
};

pub const SECGROUPS: KindDef = KindDef {
    kind: "secgroup",
    table: "secgroups",
    columns: &[col("vpc_id", ColType::Text), col("description", ColType::Text)],
    children: &[SECGROUP_RULES],
    account_wide: false,
    billing: true,
};
