//! The host as one region with one zone, and its default user-mode network reported as the
//! region's vpc and network; instance types as skus.

use strato_cloud::*;

use crate::client::instance_type;
use crate::host::HostCapacity;
use crate::{KvmHost, GIB};

/// QEMU user-mode networking's fixed guest network and the address its DHCP gives the guest.
pub const USER_NET_CIDR: &str = "10.0.2.0/24";
pub const USER_NET_GUEST_IP: &str = "10.0.2.15";

/// Shapes offered in the sku listing (create accepts any `<vcpus>c<memory>m` that fits).
const SHAPES: &[(u32, u64)] = &[(1, 128), (1, 256), (1, 512), (1, 1024), (2, 1024), (2, 2048), (2, 4096), (4, 4096), (4, 8192), (8, 16384)];

impl KvmHost {
    pub fn region_id(&self) -> String {
        format!("kvm-{}", &self.host_id()[..12.min(self.host_id().len())])
    }
    pub fn zone_id(&self) -> String {
        format!("{}-zone", self.region_id())
    }
    pub fn vpc_id(&self) -> String {
        format!("{}-vpc", self.region_id())
    }
    pub fn network_id(&self) -> String {
        format!("{}-net", self.region_id())
    }

    pub fn ext_region(&self, capacity: &HostCapacity) -> ExtCloudRegion {
        let mut base = ExtBase::new(self.region_id(), format!("local ({})", hostname()));
        // Host details ride on tags until the contract has a place for them.
        base.tags.insert("kvm.accel".into(), self.accel().accel.as_str().into());
        base.tags.insert("kvm.accel_reason".into(), self.accel().reason.clone());
        base.tags.insert("kvm.cpus".into(), capacity.cpus.to_string());
        base.tags.insert("kvm.memory_mib".into(), capacity.memory_total_mib.to_string());
        base.tags.insert("kvm.disk_total_gib".into(), (capacity.disk_total_bytes / GIB).to_string());
        base.tags.insert("kvm.disk_free_gib".into(), (capacity.disk_free_bytes / GIB).to_string());
        ExtCloudRegion { base, status: ResourceStatus::Available, endpoint: None }
    }

    pub fn ext_zone(&self) -> ExtZone {
        // Named by its id: servers and disks carry the zone's id, and callers match by name.
        ExtZone { base: ExtBase::new(self.zone_id(), self.zone_id()), status: ResourceStatus::Available, region: self.region_id() }
    }

    pub fn ext_vpc(&self) -> ExtVpc {
        ExtVpc {
            base: ExtBase::new(self.vpc_id(), "default"),
            status: ResourceStatus::Available,
            cidr_block: USER_NET_CIDR.into(),
            is_default: true,
        }
    }

    pub fn ext_network(&self) -> ExtNetwork {
        ExtNetwork {
            base: ExtBase::new(self.network_id(), "default (user-mode)"),
            status: ResourceStatus::Available,
            vpc_id: self.vpc_id(),
            zone: self.zone_id(),
            cidr_block: USER_NET_CIDR.into(),
            // Every guest gets its own private user-mode network; addresses are never short.
            available_ips: None,
        }
    }

    pub fn ext_skus(&self, capacity: &HostCapacity) -> Vec<ExtSku> {
        SHAPES
            .iter()
            .filter(|(vcpus, memory)| *vcpus <= capacity.cpus && *memory <= capacity.memory_total_mib)
            .map(|(vcpus, memory)| {
                let name = instance_type(*vcpus, *memory);
                ExtSku {
                    base: ExtBase::new(name.clone(), name),
                    status: ResourceStatus::Available,
                    cpu: *vcpus,
                    memory_mb: *memory,
                    arch: "x86_64".into(),
                }
            })
            .collect()
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname").map(|h| h.trim().to_string()).unwrap_or_else(|_| "host".into())
}
