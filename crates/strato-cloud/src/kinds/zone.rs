//! Availability zones of a region. Their view and commands are their own (`ZoneView`).

use serde::{Deserialize, Serialize};

use crate::kinds::cloudregion::region_status;
use crate::kinds::{DriverView, Kind, KindMeta, KindScope, Resolve, ResourceKind, Row};
use crate::snapshot::ExtBase;
use crate::status::ResourceStatus;

impl ResourceKind {
    #[allow(non_upper_case_globals)]
    pub const Zone: ResourceKind = ResourceKind::new("zone");
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtZone {
    #[serde(flatten)]
    pub base: ExtBase,
    pub status: ResourceStatus,
    pub region: String,
}

crate::ext_resource!(ExtZone);

crate::synced_row! {
    pub struct ZoneRow {}
}

pub struct Zone;

impl Kind for Zone {
    type Ext = ExtZone;
    type Row = ZoneRow;
    const KIND: ResourceKind = ResourceKind::Zone;
    const META: &'static KindMeta = &KindMeta {
        kind: ResourceKind::Zone,
        plural: "zones",
        scope: KindScope::Region,
        depends_on: &[],
        billing: false,
        columns: ZoneRow::COLUMNS,
        children: ZoneRow::CHILDREN,
        api: None,
        driver_view: DriverView {
            list: "List zones of the region",
            show: None,
            columns: &[("ID", "external_id"), ("NAME", "name"), ("STATUS", "status"), ("REGION", "region")],
        },
        transitions: &[],
    };
    fn row(_e: &ExtZone, _cx: &dyn Resolve) -> ZoneRow {
        ZoneRow {}
    }
    fn stored_status(e: &ExtZone) -> &'static str {
        region_status(e.status)
    }
}
