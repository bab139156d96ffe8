//! Servers: QingCloud's instances (DescribeInstances, verbose, for their volumes). An
//! instance's VPC is the router its vxnet joins, read from DescribeVxnets.

use std::collections::HashMap;

use async_trait::async_trait;
use base64::Engine;
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

impl QingCloudDriver {
    /// RunInstances in the input's zone (else the region's first), unless an earlier create
    /// with the same idempotency token made an instance that still exists. Returns at once:
    /// the instance is `pending` until QingCloud's job ends.
    pub(crate) async fn server_create(&self, region: &str, input: &ServerCreate) -> CloudResult<ExtServer> {
        if input.image_id.is_empty() || input.instance_type.is_empty() {
            return Err(CloudError::invalid_input("server create needs an image and an instance type"));
        }
        let Some(keypair) = &input.keypair else {
            // The other login mode needs a password, which Strato does not hand to drivers.
            return Err(CloudError::invalid_input("QingCloud instances need a keypair to log in: name one"));
        };
        if !input.data_disks_gb.is_empty() {
            return Err(CloudError::invalid_input("QingCloud's RunInstances makes no data volumes: create disks and attach them"));
        }
        let zones = self.zone_ids(region).await?;
        let zone = match &input.zone {
            Some(zone) if zones.contains(zone) => zone.clone(),
            Some(zone) => return Err(CloudError::invalid_input(format!("zone '{zone}' is not in region {region}"))),
            None => zones.first().cloned().ok_or_else(|| CloudError::invalid_input(format!("region {region} has no zone")))?,
        };
        if let Some(token) = &input.idempotency_token {
            if let Some(id) = self.made_with_token(region, &zone, ResourceKind::Server, token).await? {
                return self.servers(region, Some(&id)).await?.pop().ok_or_else(|| gone("server", &id));
            }
        }
        let mut params = vec![
            param("image_id", &input.image_id),
            param("instance_type", &input.instance_type),
            param("count", 1),
            param("login_mode", "keypair"),
            param("login_keypair", keypair),
        ];
        if !input.name.is_empty() {
            params.push(param("instance_name", &input.name));
        }
        params.extend(input.network_id.as_ref().map(|n| param("vxnets.1", n)));
        params.extend(input.secgroup_ids.first().map(|g| param("security_group", g)));
        params.extend(input.root_disk_gb.map(|gb| param("os_disk_size", gb)));
        if let Some(user_data) = &input.user_data {
            params.extend([param("need_userdata", 1), param("userdata_type", "plain"), param("userdata_value", base64::engine::general_purpose::STANDARD.encode(user_data))]);
        }
        let out = self.c.call(&zone, ApiClass::Mutate, "RunInstances", &params).await?;
        let id = array(&out, "/instances").first().and_then(Value::as_str).map(str::to_string);
        let id = id.ok_or_else(|| CloudError::other("RunInstances answered no instance id"))?;
        // Tag at once: the token's tag is what a retried create finds (QingCloud has no client
        // token), so a failure between RunInstances and here can still leave a second instance.
        let mut tags = input.tags.clone();
        if let Some(token) = &input.idempotency_token {
            tags.insert(crate::tags::IDEMPOTENCY_KEY.to_string(), token.clone());
        }
        self.attach_tags(&zone, ResourceKind::Server, &id, &tags).await?;
        self.servers(region, Some(&id)).await?.pop().ok_or_else(|| CloudError::other(format!("instance {id} made by RunInstances is not listed")))
    }

    /// One instance action (StartInstances, ...) in the instance's zone.
    async fn instance_call(&self, region: &str, action: &str, id: &str, extra: &[(String, String)]) -> CloudResult<()> {
        let (zone, _) = self.raw_one(region, ResourceKind::Server, id).await?;
        let mut params = vec![one_id("instances", id)];
        params.extend_from_slice(extra);
        self.c.call(&zone, ApiClass::Mutate, action, &params).await.map(|_| ())
    }

    pub(crate) async fn server_change_config(&self, region: &str, id: &str, instance_type: &str) -> CloudResult<()> {
        self.instance_call(region, "ResizeInstances", id, &[param("instance_type", instance_type)]).await
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
    fn verbs(&self) -> &'static [&'static str] {
        &["start", "stop", "restart", "delete"]
    }
    async fn act(&self, region: &str, id: &str, verb: &str) -> CloudResult<()> {
        match verb {
            "start" => self.instance_call(region, "StartInstances", id, &[]).await,
            "stop" => self.instance_call(region, "StopInstances", id, &[]).await,
            "restart" => self.instance_call(region, "RestartInstances", id, &[]).await,
            // TerminateInstances takes running instances too, as delete means elsewhere.
            "delete" => self.instance_call(region, "TerminateInstances", id, &[]).await,
            other => Err(CloudError::not_implemented(format!("server {other}"))),
        }
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
