//! Cloud regions (account-wide) and zones (per region) as synced kinds; their tables and typed
//! records live in `cloudregions.rs` and `zones.rs`.

use super::{col, ColType, KindDef};

pub const CLOUDREGIONS: KindDef = KindDef {
    kind: "cloudregion",
    table: "cloudregions",
    columns: &[col("provider", ColType::Text)],
    children: &[],
    account_wide: true,
    billing: false,
};

pub const ZONES: KindDef =
    KindDef { kind: "zone", table: "zones", columns: &[], children: &[], account_wide: false, billing: false };
