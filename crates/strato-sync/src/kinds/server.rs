use std::collections::BTreeSet;

use strato_cloud::{ExtServer, ResourceKind};
use strato_store::synced::{servers::SERVERS, Value};

use super::{common, desired, Desired, Resolver};

pub fn map(e: &ExtServer, cx: &Resolver) -> Desired {
    let json = |v: &Vec<String>| Value::Text(Some(serde_json::to_string(v).unwrap_or_else(|_| "[]".into())));
    let typed = vec![
        Value::text(e.power_state.as_str()),
        Value::text(e.instance_type.clone()),
        cx.id_opt(ResourceKind::Sku, Some(&e.instance_type)),
        Value::Int(e.cpu.map(i64::from)),
        Value::Int(e.memory_mb.and_then(|m| i64::try_from(m).ok())),
        Value::Text(e.image_id.clone()),
        cx.id_opt(ResourceKind::Vpc, e.vpc_id.as_deref()),
        cx.id_opt(ResourceKind::Network, e.network_id.as_deref()),
        json(&e.private_ips),
        json(&e.public_ips),
        Value::Text(e.keypair.clone()),
    ];
    // Attachments and links to rows we know; a disk or group listed twice is linked once.
    let mut seen = BTreeSet::new();
    let disks = e
        .disks
        .iter()
        .filter_map(|d| cx.id(ResourceKind::Disk, &d.disk_id).map(|id| (id, d.device.clone())))
        .filter(|(id, _)| seen.insert(id.clone()))
        .map(|(id, device)| vec![Value::Text(Some(id)), Value::text(device)])
        .collect();
    let groups: BTreeSet<String> = e.secgroup_ids.iter().filter_map(|g| cx.id(ResourceKind::Secgroup, g)).collect();
    let groups = groups.into_iter().map(|g| vec![Value::Text(Some(g))]).collect();
    desired(e, common(e, &SERVERS, Some(&e.zone), cx), typed, vec![disks, groups])
}
