//! Servers (VMs), with disk attachments and security group links as child rows.

use super::{col, ChildDef, ColType, KindDef};

pub const SERVER_DISKS: ChildDef = ChildDef {
    table: "server_disks",
    parent_column: "server_id",
    columns: &[col("disk_id", ColType::Text), col("device", ColType::Text)],
    field: "disks",
};

pub const SERVER_SECGROUPS: ChildDef =
    ChildDef { table: "server_secgroups", parent_column: "server_id", columns: &[col("secgroup_id", ColType::Text)], field: "secgroups" };

pub const SERVERS: KindDef = KindDef {
    kind: "server",
    table: "servers",
    columns: &[
        col("power_state", ColType::Text),
        col("instance_type", ColType::Text),
        col("sku_id", ColType::Text),
        col("cpu", ColType::Int),
        col("memory_mb", ColType::Int),
        col("image_id", ColType::Text),
        col("vpc_id", ColType::Text),
        col("network_id", ColType::Text),
        col("private_ips", ColType::Text),
        col("public_ips", ColType::Text),
        col("keypair", ColType::Text),
    ],
    children: &[SERVER_DISKS, SERVER_SECGROUPS],
    account_wide: false,
    billing: true,
};
