//! Servers (VMs), with disk attachments and security group links as child rows.
//!
//! | action | from | during | end (cloud) | failed |
//! |---|---|---|---|---|
//! | start | stopped, start_failed | starting | running | start_failed |
//! | stop | running, stop_failed | stopping | stopped | stop_failed |
//! | restart | running, restart_failed | rebooting | running | restart_failed |
//! | change_config | stopped, change_config_failed | changing_config | stopped | change_config_failed |
//! | delete | any settled or failed status | deleting | gone | delete_failed |
//! | create | - | creating | running | create_failed |

use std::collections::BTreeSet;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::kinds::{col, reference, ApiMeta, DriverView, Kind, KindMeta, KindScope, PlainDoc, Resolve, ResourceKind, Row, Transition, Until};
use crate::snapshot::ExtBase;
use crate::statuses;

impl ResourceKind {
    #[allow(non_upper_case_globals)]
    pub const Server: ResourceKind = ResourceKind::new("server");
}

strato_types::text_enum!(
    /// Status of a server (VM): what the cloud reports, plus the states of Strato's own
    /// operations (`creating`, `*_failed`).
    ServerStatus, "server status", {
        Creating = "creating",
        CreateFailed = "create_failed",
        StartFailed = "start_failed",
        StopFailed = "stop_failed",
        RestartFailed = "restart_failed",
        ChangeConfigFailed = "change_config_failed",
        DeleteFailed = "delete_failed",
        Pending = "pending",
        Running = "running",
        Starting = "starting",
        Stopping = "stopping",
        Stopped = "stopped",
        Rebooting = "rebooting",
        ChangingConfig = "changing_config",
        Deleting = "deleting",
        Deleted = "deleted",
        Error = "error",
        Unknown = "unknown",
    }
);

strato_types::text_enum!(
    /// Power state of a server, independent of transitional status.
    PowerState, "power state", {
        On = "on",
        Off = "off",
        Unknown = "unknown",
    }
);

/// A disk as seen from the server it is attached to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachedDisk {
    pub disk_id: String,
    pub device: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtServer {
    #[serde(flatten)]
    pub base: ExtBase,
    pub status: ServerStatus,
    pub power_state: PowerState,
    pub zone: String,
    pub instance_type: String,
    pub cpu: Option<u32>,
    pub memory_mb: Option<u64>,
    pub image_id: Option<String>,
    pub vpc_id: Option<String>,
    pub network_id: Option<String>,
    pub private_ips: Vec<String>,
    pub public_ips: Vec<String>,
    pub disks: Vec<AttachedDisk>,
    pub secgroup_ids: Vec<String>,
    pub keypair: Option<String>,
}

crate::ext_resource!(ExtServer);

crate::synced_row! {
    pub struct ServerDiskRow {
        disk_id: String,
        device: String,
    }
}

crate::synced_row! {
    pub struct ServerSecgroupRow {
        secgroup_id: String,
    }
}

crate::synced_row! {
    pub struct ServerRow {
        power_state: String,
        instance_type: String,
        sku_id: Option<String>,
        cpu: Option<i64>,
        memory_mb: Option<i64>,
        image_id: Option<String>,
        vpc_id: Option<String>,
        network_id: Option<String>,
        private_ips: Vec<String>,
        public_ips: Vec<String>,
        keypair: Option<String>,
    }
    children {
        disks: Vec<ServerDiskRow> in "server_disks" by "server_id",
        secgroups: Vec<ServerSecgroupRow> in "server_secgroups" by "server_id",
    }
}

/// Every status a server rests in (or failed into): where a delete may start.
const SETTLED: &[&str] = statuses!(ServerStatus:
    Running, Stopped, Error, Unknown, CreateFailed, StartFailed, StopFailed, RestartFailed, ChangeConfigFailed, DeleteFailed);

const MINUTE: u64 = 60;

pub struct Server;

impl Kind for Server {
    type Ext = ExtServer;
    type Row = ServerRow;
    const KIND: ResourceKind = ResourceKind::Server;
    const META: &'static KindMeta = &KindMeta {
        kind: ResourceKind::Server,
        plural: "servers",
        scope: KindScope::Region,
        depends_on: &[ResourceKind::Zone, ResourceKind::Sku, ResourceKind::Vpc, ResourceKind::Network, ResourceKind::Secgroup, ResourceKind::Disk],
        billing: true,
        columns: ServerRow::COLUMNS,
        children: ServerRow::CHILDREN,
        api: Some(ApiMeta {
            columns: &[
                col("id"),
                col("name"),
                col("status"),
                col("instance_type"),
                col("cpu"),
                col("memory_mb"),
                col("private_ips"),
                reference("zone_id", "zone"),
                reference("cloudaccount_id", "cloudaccount"),
            ],
        }),
        driver_view: DriverView {
            list: "List servers",
            show: Some("Show a server"),
            columns: &[
                ("ID", "external_id"),
                ("NAME", "name"),
                ("STATUS", "status"),
                ("TYPE", "instance_type"),
                ("ZONE", "zone"),
                ("IMAGE", "image_id"),
                ("PRIVATE_IPS", "private_ips"),
            ],
        },
        transitions: &[
            Transition {
                verb: "start",
                plain: Some(PlainDoc { doc: "Start a stopped server.", help: "Start a stopped server" }),
                from: statuses!(ServerStatus: Stopped, StartFailed),
                during: ServerStatus::Starting.as_str(),
                failed: ServerStatus::StartFailed.as_str(),
                until: Until::Status(statuses!(ServerStatus: Running)),
                timeout: Duration::from_secs(10 * MINUTE),
            },
            Transition {
                verb: "stop",
                plain: Some(PlainDoc { doc: "Stop a running server.", help: "Stop a running server" }),
                from: statuses!(ServerStatus: Running, StopFailed),
                during: ServerStatus::Stopping.as_str(),
                failed: ServerStatus::StopFailed.as_str(),
                until: Until::Status(statuses!(ServerStatus: Stopped)),
                timeout: Duration::from_secs(10 * MINUTE),
            },
            Transition {
                verb: "restart",
                plain: Some(PlainDoc { doc: "Restart a running server.", help: "Restart a running server" }),
                from: statuses!(ServerStatus: Running, RestartFailed),
                during: ServerStatus::Rebooting.as_str(),
                failed: ServerStatus::RestartFailed.as_str(),
                until: Until::Status(statuses!(ServerStatus: Running)),
                timeout: Duration::from_secs(10 * MINUTE),
            },
            Transition {
                verb: "change_config",
                plain: None,
                from: statuses!(ServerStatus: Stopped, ChangeConfigFailed),
                during: ServerStatus::ChangingConfig.as_str(),
                failed: ServerStatus::ChangeConfigFailed.as_str(),
                until: Until::Status(statuses!(ServerStatus: Stopped)),
                timeout: Duration::from_secs(10 * MINUTE),
            },
            Transition {
                verb: "delete",
                plain: Some(PlainDoc {
                    doc: "Delete a server (refused while delete protection is on).",
                    help: "Delete a server (refused while delete protection is on)",
                }),
                from: SETTLED,
                during: ServerStatus::Deleting.as_str(),
                failed: ServerStatus::DeleteFailed.as_str(),
                until: Until::Gone,
                timeout: Duration::from_secs(15 * MINUTE),
            },
            Transition {
                verb: "create",
                plain: None,
                from: &[],
                during: ServerStatus::Creating.as_str(),
                failed: ServerStatus::CreateFailed.as_str(),
                until: Until::Status(statuses!(ServerStatus: Running)),
                timeout: Duration::from_secs(15 * MINUTE),
            },
        ],
    };
    fn row(e: &ExtServer, cx: &dyn Resolve) -> ServerRow {
        // Attachments and links to rows we know; a disk or group listed twice is linked once.
        let mut seen = BTreeSet::new();
        let disks = e
            .disks
            .iter()
            .filter_map(|d| cx.id(ResourceKind::Disk, &d.disk_id).map(|disk_id| ServerDiskRow { disk_id, device: d.device.clone() }))
            .filter(|d| seen.insert(d.disk_id.clone()))
            .collect();
        let groups: BTreeSet<String> = e.secgroup_ids.iter().filter_map(|g| cx.id(ResourceKind::Secgroup, g)).collect();
        ServerRow {
            power_state: e.power_state.as_str().to_string(),
            instance_type: e.instance_type.clone(),
            sku_id: cx.id(ResourceKind::Sku, &e.instance_type),
            cpu: e.cpu.map(i64::from),
            memory_mb: e.memory_mb.and_then(|m| i64::try_from(m).ok()),
            image_id: e.image_id.clone(),
            vpc_id: cx.id_opt(ResourceKind::Vpc, e.vpc_id.as_deref()),
            network_id: cx.id_opt(ResourceKind::Network, e.network_id.as_deref()),
            private_ips: e.private_ips.clone(),
            public_ips: e.public_ips.clone(),
            keypair: e.keypair.clone(),
            disks,
            secgroups: groups.into_iter().map(|secgroup_id| ServerSecgroupRow { secgroup_id }).collect(),
        }
    }
    fn zone(e: &ExtServer) -> Option<&str> {
        Some(&e.zone)
    }
}
