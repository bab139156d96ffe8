use strato_cloud::{ExtSecgroup, ResourceKind, RuleDirection};
use strato_store::synced::{secgroups::SECGROUPS, Value};

use super::{common, desired, Desired, Resolver};

pub fn map(e: &ExtSecgroup, cx: &Resolver) -> Desired {
    let typed = vec![cx.id_opt(ResourceKind::Vpc, e.vpc_id.as_deref()), Value::text(e.description.clone())];
    let rules = e
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| {
            vec![
                Value::Int(i64::try_from(i).ok()),
                Value::text(match r.direction {
                    RuleDirection::Ingress => "ingress",
                    RuleDirection::Egress => "egress",
                }),
                Value::text(r.protocol.clone()),
                Value::Int(r.from_port.map(i64::from)),
                Value::Int(r.to_port.map(i64::from)),
                Value::text(r.peer.clone()),
                Value::Text(r.description.clone()),
            ]
        })
        .collect();
    desired(e, common(e, &SECGROUPS, None, cx), typed, vec![rules])
}
