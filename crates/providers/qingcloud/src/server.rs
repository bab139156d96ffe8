//! Servers: QingCloud's instances (DescribeInstances, verbose, for their volumes). An
//! instance's VPC is the router its vxnet joins, read from DescribeVxnets.

use std::collections::HashMap;

use async_trait::async_trait;
use serde_json::Value;
use strato_cloud::*;

use crate::client::param;
use crate::fields::{array, is_gone, number, opt_text, tags, text, time};
use crate::network::router_of;
use crate::{gone, one_id, QingCloudDriver};

/// An instance's status: its transition (an operation under way) first, then its settled one.
fn status(i: &Value) -> ServerStatus {
    match text(i, "/transition_status") {
        "creating" => return ServerStatus::Pending,
        "starting" => return ServerStatus::Starting,
        "stopping" => return ServerStatus::Stopping,
        "restarting" | "resetting" => return ServerStatus::Rebooting,
        "resizing" => return ServerStatus::ChangingConfig,
        "terminating" => return ServerStatus::Deleting,
        _ => {}
    }
    match text(i, "/status") {
        "pending" => ServerStatus::Pending,
        "running" => ServerStatus::Running,
        "stopped" => ServerStatus::Stopped,
        "terminated" | "ceased" => ServerStatus::Deleted,
        // suspended (in arrears) and anything new
        _ => ServerStatus::Unknown,
    }
}

fn power(i: &Value) -> PowerState {
    match text(i, "/status") {
        "running" => PowerState::On,
        "stopped" | "suspended" => PowerState::Off,
        _ => PowerState::Unknown,
    }
}

/// The volumes of an instance with their devices (`volumes`, in verbose answers), else its
/// `volume_ids` without devices.
fn disks(i: &Value) -> Vec<AttachedDisk> {
    let with_devices: Vec<AttachedDisk> = array(i, "/volumes")
        .iter()
        .filter_map(|v| Some(AttachedDisk { disk_id: opt_text(v, "/volume_id")?, device: text(v, "/device").to_string() }))
        .collect();
    if !with_devices.is_empty() {
        return with_devices;
    }
    array(i, "/volume_ids").iter().filter_map(Value::as_str).map(|id| AttachedDisk { disk_id: id.to_string(), device: String::new() }).collect()
}

fn ext(zone: &str, i: &Value, routers: &HashMap<String, String>) -> Option<ExtServer> {
    let id = opt_text(i, "/instance_id")?;
    let mut base = ExtBase::new(id.clone(), opt_text(i, "/instance_name").unwrap_or_else(|| id.clone()));
    base.tags = tags(i);
    base.created_at = time(i, "/create_time");
    let vxnets = array(i, "/vxnets");
    let network_id = vxnets.first().and_then(|v| opt_text(v, "/vxnet_id"));
    Some(ExtServer {
        base,
        status: status(i),
        power_state: power(i),
        zone: zone.to_string(),
        instance_type: text(i, "/instance_type").to_string(),
        cpu: number(i, "/vcpus_current").map(|n| n.max(0.0) as u32),
        // memory_current is in MiB.
        memory_mb: number(i, "/memory_current").map(|n| n.max(0.0) as u64),
        image_id: opt_text(i, "/image/image_id"),
        vpc_id: network_id.as_ref().and_then(|n| routers.get(n).cloned()),
        network_id,
        private_ips: vxnets.iter().filter_map(|v| opt_text(v, "/private_ip")).collect(),
        public_ips: opt_text(i, "/eip/eip_addr").into_iter().collect(),
        disks: disks(i),
        secgroup_ids: opt_text(i, "/security_group/security_group_id").into_iter().collect(),
        keypair: array(i, "/keypair_ids").iter().find_map(|k| k.as_str().map(str::to_string)),
    })
}

impl QingCloudDriver {
    /// Instances of every zone of the region, or the one with `id`.
    pub(crate) async fn servers(&self, region: &str, id: Option<&str>) -> CloudResult<Vec<ExtServer>> {
        let mut params: Vec<_> = id.map(|id| one_id("instances", id)).into_iter().collect();
        params.push(param("verbose", 1));
        let found: Vec<(String, Value)> =
            self.list_in_zones(region, "DescribeInstances", &params, "instance_set").await?.into_iter().filter(|(_, i)| !is_gone(i)).collect();
        let in_vxnets = found.iter().any(|(_, i)| !array(i, "/vxnets").is_empty());
        let routers: HashMap<String, String> = if in_vxnets {
            self.raw_vxnets(region, None).await?.iter().filter_map(|(_, v)| Some((opt_text(v, "/vxnet_id")?, router_of(v)?))).collect()
        } else {
            HashMap::new()
        };
        Ok(found.iter().filter_map(|(zone, i)| ext(zone, i, &routers)).collect())
    }
}

#[async_trait]
impl Facet<strato_cloud::Server> for QingCloudDriver {
    async fn list(&self, region: &str) -> CloudResult<Vec<ExtServer>> {
        self.servers(region, None).await
    }
    async fn get(&self, region: &str, id: &str) -> CloudResult<ExtServer> {
        self.servers(region, Some(id)).await?.pop().ok_or_else(|| gone("server", id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn instance_statuses_and_power() {
        let s = |st: &str, t: &str| status(&json!({"status": st, "transition_status": t}));
        assert_eq!(s("running", ""), ServerStatus::Running);
        assert_eq!(s("running", "stopping"), ServerStatus::Stopping);
        assert_eq!(s("stopped", "starting"), ServerStatus::Starting);
        assert_eq!(s("running", "restarting"), ServerStatus::Rebooting);
        assert_eq!(s("stopped", "resizing"), ServerStatus::ChangingConfig);
        assert_eq!(s("pending", "creating"), ServerStatus::Pending);
        assert_eq!(s("suspended", ""), ServerStatus::Unknown);
        assert_eq!(power(&json!({"status": "suspended"})), PowerState::Off);
    }

    #[test]
    fn instances_read_network_volumes_and_vpc() {
        let i = json!({
            "instance_id": "i-1", "instance_name": "web", "instance_type": "c2m4", "vcpus_current": 2, "memory_current": 4096,
            "status": "running", "image": {"image_id": "centos7x64"}, "vxnets": [{"vxnet_id": "vxnet-1", "private_ip": "192.168.1.2"}],
            "eip": {"eip_addr": "139.198.1.1"}, "volumes": [{"volume_id": "vol-1", "device": "/dev/sdb"}], "volume_ids": ["vol-1"],
            "security_group": {"security_group_id": "sg-1"}, "keypair_ids": ["kp-1"]
        });
        let routers = HashMap::from([("vxnet-1".to_string(), "rtr-1".to_string())]);
        let s = ext("pek3a", &i, &routers).expect("an instance");
        assert_eq!((s.vpc_id.as_deref(), s.network_id.as_deref(), s.private_ips.clone(), s.public_ips.clone()), (Some("rtr-1"), Some("vxnet-1"), vec!["192.168.1.2".to_string()], vec!["139.198.1.1".to_string()]));
        assert_eq!((s.disks[0].disk_id.as_str(), s.disks[0].device.as_str(), s.cpu, s.memory_mb), ("vol-1", "/dev/sdb", Some(2), Some(4096)));
        assert_eq!((s.secgroup_ids.clone(), s.keypair.as_deref(), s.image_id.as_deref()), (vec!["sg-1".to_string()], Some("kp-1"), Some("centos7x64")));
    }
}
