//! Servers. State transitions are instant, like moto's.

use async_trait::async_trait;
use strato_cloud::*;

use crate::client::{format_id, page, zone_index, zone_name, Common, DiskRec, ServerRec, World, IMAGES, SKUS};
use crate::{base, id_of, not_found, FakeDriver};

pub(crate) fn device_name(letter: u8) -> String {
    format!("/dev/sd{}", char::from(b'a' + letter))
}

fn ext(w: &World, ri: usize, n: u64, s: &ServerRec) -> ExtServer {
    let r = &w.regions[ri];
    let (name, cpu, memory_mb, _) = SKUS[usize::from(s.sku) % SKUS.len()];
    let net = r.networks.get(&s.network);
    let vpc_octet = net.and_then(|x| r.vpcs.get(&x.vpc)).map(|v| v.octet).unwrap_or(0);
    let private_ip = net.map(|x| format!("10.{vpc_octet}.{}.{}", x.octet, n % 250 + 4));
    let running = s.status == ServerStatus::Running;
    ExtServer {
        base: base(ResourceKind::Server, n, &s.common),
        status: s.status,
        power_state: if running { PowerState::On } else { PowerState::Off },
        zone: zone_name(&w.region_names[ri], s.zone),
        instance_type: name.to_string(),
        cpu: Some(cpu),
        memory_mb: Some(memory_mb),
        image_id: Some(IMAGES[usize::from(s.image) % IMAGES.len()].to_string()),
        vpc_id: net.map(|x| format_id(ResourceKind::Vpc, x.vpc)),
        network_id: net.map(|_| format_id(ResourceKind::Network, s.network)),
        private_ips: private_ip.into_iter().collect(),
        public_ips: if running { vec![format!("198.51.100.{}", n % 250 + 1)] } else { Vec::new() },
        disks: s
            .disks
            .iter()
            .filter_map(|d| r.disks.get(d).map(|rec| AttachedDisk { disk_id: format_id(ResourceKind::Disk, *d), device: device_name(rec.device) }))
            .collect(),
        secgroup_ids: if s.secgroup == 0 { Vec::new() } else { vec![format_id(ResourceKind::Secgroup, s.secgroup)] },
        keypair: None,
    }
}

pub(crate) fn sku_index(instance_type: &str) -> CloudResult<u8> {
    SKUS.iter()
        .position(|s| s.0 == instance_type)
        .map(|i| i as u8)
        .ok_or_else(|| CloudError::invalid_input(format!("unknown instance type '{instance_type}'")).with_code("InvalidInstanceType"))
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Power {
    Start,
    Stop,
    Restart,
}

fn create(w: &mut World, ri: usize, input: &ServerCreate) -> CloudResult<u64> {
    let region = w.region_names[ri].clone();
    if let Some(token) = &input.idempotency_token {
        if let Some(existing) = w.regions[ri].server_tokens.get(token.as_str()) {
            return Ok(*existing);
        }
    }
    let sku = sku_index(&input.instance_type)?;
    let image = IMAGES
        .iter()
        .position(|i| *i == input.image_id)
        .ok_or_else(|| CloudError::invalid_input(format!("unknown image '{}'", input.image_id)).with_code("InvalidAMIID.NotFound"))? as u8;
    let zone = input.zone.as_deref().map(|z| zone_index(&region, z)).transpose()?;
    let r = &w.regions[ri];
    let network = match &input.network_id {
        Some(id) => {
            let n = crate::client::parse_id(ResourceKind::Network, id)
                .filter(|n| r.networks.contains_key(n))
                .ok_or_else(|| CloudError::invalid_input(format!("network '{id}' does not exist")))?;
            Some(n)
        }
        None => r.networks.iter().find(|(_, s)| zone.is_none_or(|z| z == s.zone)).map(|(n, _)| *n),
    };
    let net_rec = network.and_then(|n| r.networks.get(&n));
    if let (Some(z), Some(s)) = (zone, net_rec) {
        if z != s.zone {
            return Err(CloudError::invalid_input("network is in another zone"));
        }
    }
    let zone = zone.or(net_rec.map(|s| s.zone)).unwrap_or(0);
    let secgroup = match input.secgroup_ids.first() {
        Some(id) => crate::client::parse_id(ResourceKind::Secgroup, id)
            .filter(|n| r.secgroups.contains_key(n))
            .ok_or_else(|| CloudError::invalid_input(format!("secgroup '{id}' does not exist")))?,
        None => net_rec.and_then(|s| r.secgroups.iter().find(|(_, g)| g.vpc == s.vpc)).map(|(n, _)| *n).unwrap_or(0),
    };
    for size in input.root_disk_gb.iter().chain(input.data_disks_gb.iter()) {
        if *size == 0 || *size > 16384 {
            return Err(CloudError::invalid_input(format!("disk size {size} GB out of range 1..16384")));
        }
    }
    let (sid, t) = w.alloc();
    let mut disks = Vec::new();
    let sizes = std::iter::once(input.root_disk_gb.unwrap_or(10)).chain(input.data_disks_gb.iter().copied());
    for (i, size) in sizes.enumerate() {
        let (did, t) = w.alloc();
        let rec = DiskRec {
            common: Common::new(&format!("{}-disk-{i}", input.name), t),
            zone,
            size_gb: size as u32,
            server: Some(sid),
            device: i as u8,
            is_root: i == 0,
            delete_with_server: true,
        };
        w.regions[ri].disks.insert(did, rec);
        disks.push(did);
    }
    let mut common = Common::new(&input.name, t);
    common.set_tags(&input.tags, true);
    let rec = ServerRec { common, status: ServerStatus::Running, zone, sku, image, network: network.unwrap_or(0), secgroup, disks };
    w.regions[ri].servers.insert(sid, rec);
    if let Some(token) = &input.idempotency_token {
        w.regions[ri].server_tokens.insert(token.as_str().into(), sid);
    }
    Ok(sid)
}

#[async_trait]
impl Facet<Server> for FakeDriver {
    async fn list(&self, region: &str) -> CloudResult<Vec<ExtServer>> {
        self.list_paged(region, ResourceKind::Server, "DescribeInstances", |w, ri, after, size| page(&w.regions[ri].servers, after, size, |n, s| ext(w, ri, n, s)))
            .await
    }

    async fn get(&self, region: &str, id: &str) -> CloudResult<ExtServer> {
        let n = id_of(ResourceKind::Server, id)?;
        self.read(region, "DescribeInstances", |w, ri| w.regions[ri].servers.get(&n).map(|s| ext(w, ri, n, s)).ok_or_else(|| not_found(ResourceKind::Server, id)))
            .await
    }

    fn verbs(&self) -> &'static [&'static str] {
        &["start", "stop", "restart", "delete"]
    }

    async fn act(&self, region: &str, id: &str, verb: &str) -> CloudResult<()> {
        match verb {
            "start" => self.server_power(region, id, Power::Start).await,
            "stop" => self.server_power(region, id, Power::Stop).await,
            "restart" => self.server_power(region, id, Power::Restart).await,
            "delete" => self.server_delete(region, id).await,
            other => Err(CloudError::not_implemented(format!("server {other}"))),
        }
    }
}

impl FakeDriver {
    pub(crate) async fn server_create(&self, region: &str, input: &ServerCreate) -> CloudResult<ExtServer> {
        self.mutate(region, "RunInstances", |w, ri| {
            let n = create(w, ri, input)?;
            w.regions[ri].servers.get(&n).map(|s| ext(w, ri, n, s)).ok_or_else(|| not_found(ResourceKind::Server, &format_id(ResourceKind::Server, n)))
        })
        .await
    }

    pub(crate) async fn server_power(&self, region: &str, id: &str, power: Power) -> CloudResult<()> {
        let n = id_of(ResourceKind::Server, id)?;
        let api = match power {
            Power::Start => "StartInstances",
            Power::Stop => "StopInstances",
            Power::Restart => "RebootInstances",
        };
        self.mutate(region, api, |w, ri| {
            let s = w.regions[ri].servers.get_mut(&n).ok_or_else(|| not_found(ResourceKind::Server, id))?;
            match (power, s.status) {
                (Power::Start, _) => s.status = ServerStatus::Running,
                (Power::Stop, _) => s.status = ServerStatus::Stopped,
                (Power::Restart, ServerStatus::Running) => {}
                (Power::Restart, other) => {
                    return Err(CloudError::conflict(format!("server '{id}' is {other}, not running")).with_code("IncorrectInstanceState"));
                }
            }
            Ok(())
        })
        .await
    }

    pub(crate) async fn server_delete(&self, region: &str, id: &str) -> CloudResult<()> {
        let n = id_of(ResourceKind::Server, id)?;
        self.mutate(region, "TerminateInstances", |w, ri| {
            let r = &mut w.regions[ri];
            let s = r.servers.remove(&n).ok_or_else(|| not_found(ResourceKind::Server, id))?;
            for d in s.disks {
                let delete = r.disks.get(&d).is_some_and(|rec| rec.delete_with_server);
                if delete {
                    r.disks.remove(&d);
                } else if let Some(rec) = r.disks.get_mut(&d) {
                    rec.server = None;
                }
            }
            r.server_tokens.retain(|_, v| *v != n);
            Ok(())
        })
        .await
    }

    pub(crate) async fn server_change_config(&self, region: &str, id: &str, instance_type: &str) -> CloudResult<()> {
        let n = id_of(ResourceKind::Server, id)?;
        let sku = sku_index(instance_type)?;
        self.mutate(region, "ModifyInstanceAttribute", |w, ri| {
            let s = w.regions[ri].servers.get_mut(&n).ok_or_else(|| not_found(ResourceKind::Server, id))?;
            if s.status != ServerStatus::Stopped {
                return Err(CloudError::conflict(format!("server '{id}' must be stopped to change its instance type")).with_code("IncorrectInstanceState"));
            }
            s.sku = sku;
            Ok(())
        })
        .await
    }
}
