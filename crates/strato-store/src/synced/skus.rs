//! Instance types of a region (unique per account, region and external id).

use super::{col, ColType, KindDef};

pub const SKUS: KindDef = KindDef {
    kind: "sku",
    table: "skus",
    columns: &[col("cpu", ColType::Int), col("memory_mb", ColType::Int), col("arch", ColType::Text)],
    children: &[],
    account_wide: false,
    billing: true,
};
