//! Block disks. Attachments are child rows of the server (`server_disks`).
//!
//! | action | from | during | end (cloud) | failed |
//! |---|---|---|---|---|
//! | attach | available, attach_failed | attaching | in_use | attach_failed |
//! | detach | in_use, detach_failed | detaching | available | detach_failed |
//! | resize | available, in_use, resize_failed | resizing | available or in_use | resize_failed |
//! | delete | available, error, unknown, any failed but detach | deleting | gone | delete_failed |
//! | create | - | creating | available | create_failed |

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::kinds::{col, reference, ApiMeta, DriverView, Kind, KindMeta, KindScope, PlainDoc, Resolve, ResourceKind, Row, Transition, Until};
use crate::snapshot::ExtBase;
use crate::statuses;

impl ResourceKind {
    #[allow(non_upper_case_globals)]
    pub const Disk: ResourceKind = ResourceKind::new("disk");
}

strato_types::text_enum!(
    /// Status of a block disk (with the failed states of Strato's operations).
    DiskStatus, "disk status", {
        Creating = "creating",
        CreateFailed = "create_failed",
        AttachFailed = "attach_failed",
        DetachFailed = "detach_failed",
        ResizeFailed = "resize_failed",
        DeleteFailed = "delete_failed",
        Available = "available",
        InUse = "in_use",
        Attaching = "attaching",
        Detaching = "detaching",
        Resizing = "resizing",
        Deleting = "deleting",
        Deleted = "deleted",
        Error = "error",
        Unknown = "unknown",
    }
);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtDisk {
    #[serde(flatten)]
    pub base: ExtBase,
    pub status: DiskStatus,
    pub zone: String,
    pub size_gb: u64,
    /// The cloud's storage type, e.g. `gp3`.
    pub disk_type: String,
    pub server_id: Option<String>,
    pub device: Option<String>,
    pub is_root: bool,
}

crate::ext_resource!(ExtDisk);

crate::synced_row! {
    pub struct DiskRow {
        size_gb: i64,
        disk_type: String,
        is_root: bool,
    }
}

pub struct Disk;

const MINUTE: u64 = 60;

impl Kind for Disk {
    type Ext = ExtDisk;
    type Row = DiskRow;
    const KIND: ResourceKind = ResourceKind::Disk;
    const META: &'static KindMeta = &KindMeta {
        kind: ResourceKind::Disk,
        plural: "disks",
        scope: KindScope::Region,
        depends_on: &[ResourceKind::Zone],
        billing: true,
        columns: DiskRow::COLUMNS,
        children: DiskRow::CHILDREN,
        api: Some(ApiMeta {
            columns: &[
                col("id"),
                col("name"),
                col("status"),
                col("size_gb"),
                col("disk_type"),
                reference("zone_id", "zone"),
                reference("cloudaccount_id", "cloudaccount"),
                col("external_id"),
            ],
        }),
        driver_view: DriverView {
            list: "List disks",
            show: Some("Show a disk"),
            columns: &[
                ("ID", "external_id"),
                ("NAME", "name"),
                ("STATUS", "status"),
                ("SIZE_GB", "size_gb"),
                ("TYPE", "disk_type"),
                ("ZONE", "zone"),
                ("SERVER", "server_id"),
                ("DEVICE", "device"),
            ],
        },
        transitions: &[
            Transition {
                verb: "attach",
                plain: None,
                from: statuses!(DiskStatus: Available, AttachFailed),
                during: DiskStatus::Attaching.as_str(),
                failed: DiskStatus::AttachFailed.as_str(),
                until: Until::Status(statuses!(DiskStatus: InUse)),
                timeout: Duration::from_secs(10 * MINUTE),
            },
            Transition {
                verb: "detach",
                plain: None,
                from: statuses!(DiskStatus: InUse, DetachFailed),
                during: DiskStatus::Detaching.as_str(),
                failed: DiskStatus::DetachFailed.as_str(),
                until: Until::Status(statuses!(DiskStatus: Available)),
                timeout: Duration::from_secs(10 * MINUTE),
            },
            Transition {
                verb: "resize",
                plain: None,
                from: statuses!(DiskStatus: Available, InUse, ResizeFailed),
                during: DiskStatus::Resizing.as_str(),
                failed: DiskStatus::ResizeFailed.as_str(),
                until: Until::Status(statuses!(DiskStatus: Available, InUse)),
                timeout: Duration::from_secs(30 * MINUTE),
            },
            Transition {
                verb: "delete",
                plain: Some(PlainDoc {
                    doc: "Delete a disk (it must be detached; refused while delete protection is on).",
                    help: "Delete a detached disk (refused while delete protection is on)",
                }),
                from: statuses!(DiskStatus: Available, Error, Unknown, CreateFailed, AttachFailed, ResizeFailed, DeleteFailed),
                during: DiskStatus::Deleting.as_str(),
                failed: DiskStatus::DeleteFailed.as_str(),
                until: Until::Gone,
                timeout: Duration::from_secs(10 * MINUTE),
            },
            Transition {
                verb: "create",
                plain: None,
                from: &[],
                during: DiskStatus::Creating.as_str(),
                failed: DiskStatus::CreateFailed.as_str(),
                until: Until::Status(statuses!(DiskStatus: Available)),
                timeout: Duration::from_secs(10 * MINUTE),
            },
        ],
    };
    fn row(e: &ExtDisk, _cx: &dyn Resolve) -> DiskRow {
        DiskRow { size_gb: i64::try_from(e.size_gb).unwrap_or(i64::MAX), disk_type: e.disk_type.clone(), is_root: e.is_root }
    }
    fn zone(e: &ExtDisk) -> Option<&str> {
        Some(&e.zone)
    }
}
