//! Cloud regions: listed once per account (the account's contact with the cloud); every other
//! kind is listed per region. Their view and commands are their own (`CloudRegionView`).

use serde::{Deserialize, Serialize};

use crate::kinds::{DriverView, Kind, KindMeta, KindScope, Resolve, ResourceKind, Row};
use crate::snapshot::ExtBase;
use crate::status::ResourceStatus;

impl ResourceKind {
    #[allow(non_upper_case_globals)]
    pub const CloudRegion: ResourceKind = ResourceKind::new("cloudregion");
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtCloudRegion {
    #[serde(flatten)]
    pub base: ExtBase,
    pub status: ResourceStatus,
    /// Where the cloud serves this region's API, if it says.
    pub endpoint: Option<String>,
}

crate::ext_resource!(ExtCloudRegion);

crate::synced_row! {
    pub struct CloudRegionRow {
        provider: String,
    }
}

/// Regions and zones keep only available / unavailable / unknown.
pub(crate) fn region_status(s: ResourceStatus) -> &'static str {
    match s {
        ResourceStatus::Available => "available",
        ResourceStatus::Unavailable => "unavailable",
        _ => "unknown",
    }
}

pub struct CloudRegion;

impl Kind for CloudRegion {
    type Ext = ExtCloudRegion;
    type Row = CloudRegionRow;
    const KIND: ResourceKind = ResourceKind::CloudRegion;
    const META: &'static KindMeta = &KindMeta {
        kind: ResourceKind::CloudRegion,
        plural: "cloudregions",
        scope: KindScope::Account,
        depends_on: &[],
        billing: false,
        columns: CloudRegionRow::COLUMNS,
        children: CloudRegionRow::CHILDREN,
        api: None,
        driver_view: DriverView {
            list: "List the account's regions",
            show: None,
            columns: &[("ID", "external_id"), ("STATUS", "status"), ("ENDPOINT", "endpoint")],
        },
        transitions: &[],
    };
    fn row(_e: &ExtCloudRegion, cx: &dyn Resolve) -> CloudRegionRow {
        CloudRegionRow { provider: cx.provider().to_string() }
    }
    fn stored_status(e: &ExtCloudRegion) -> &'static str {
        region_status(e.status)
    }
}
