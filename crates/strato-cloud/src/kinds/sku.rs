//! Instance types of a region's catalogue (unique per account, region and external id).

use serde::{Deserialize, Serialize};

use crate::kinds::{col, reference, ApiMeta, DriverView, Kind, KindMeta, KindScope, Resolve, ResourceKind, Row};
use crate::snapshot::ExtBase;
use crate::status::ResourceStatus;

impl ResourceKind {
    #[allow(non_upper_case_globals)]
    pub const Sku: ResourceKind = ResourceKind::new("sku");
}

/// An instance type in the region's catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtSku {
    #[serde(flatten)]
    pub base: ExtBase,
    pub status: ResourceStatus,
    pub cpu: u32,
    pub memory_mb: u64,
    /// `x86_64` or `arm64`.
    pub arch: String,
}

crate::ext_resource!(ExtSku);

crate::synced_row! {
    pub struct SkuRow {
        cpu: i64,
        memory_mb: i64,
        arch: String,
    }
}

pub struct Sku;

impl Kind for Sku {
    type Ext = ExtSku;
    type Row = SkuRow;
    const KIND: ResourceKind = ResourceKind::Sku;
    const META: &'static KindMeta = &KindMeta {
        kind: ResourceKind::Sku,
        plural: "skus",
        scope: KindScope::Region,
        depends_on: &[ResourceKind::Zone],
        billing: true,
        columns: SkuRow::COLUMNS,
        children: SkuRow::CHILDREN,
        api: Some(ApiMeta {
            columns: &[col("id"), col("name"), col("cpu"), col("memory_mb"), col("arch"), reference("cloudregion_id", "cloudregion")],
        }),
        driver_view: DriverView {
            list: "List instance types",
            show: None,
            columns: &[("ID", "external_id"), ("CPU", "cpu"), ("MEMORY_MB", "memory_mb"), ("ARCH", "arch")],
        },
        transitions: &[],
    };
    fn row(e: &ExtSku, _cx: &dyn Resolve) -> SkuRow {
        SkuRow { cpu: i64::from(e.cpu), memory_mb: i64::try_from(e.memory_mb).unwrap_or(i64::MAX), arch: e.arch.clone() }
    }
}
