//! Block disks. Attachments are child rows of the server (`server_disks`).

use super::{col, ColType, KindDef};

pub const DISKS: KindDef = KindDef {
    kind: "disk",
    table: "disks",
    columns: &[col("size_gb", ColType::Int), col("disk_type", ColType::Text), col("is_root", ColType::Bool)],
    children: &[],
    account_wide: false,
    billing: true,
};
