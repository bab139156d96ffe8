use strato_cloud::{ExtNetwork, ResourceKind};
use strato_store::synced::{networks::NETWORKS, Value};

use super::{common, desired, Desired, Resolver};

pub fn map(e: &ExtNetwork, cx: &Resolver) -> Desired {
    let typed = vec![
        cx.id_opt(ResourceKind::Vpc, Some(&e.vpc_id)),
        Value::text(e.cidr_block.clone()),
        Value::Int(e.available_ips.map(i64::from)),
    ];
    desired(e, common(e, &NETWORKS, Some(&e.zone), cx), typed, vec![])
}
