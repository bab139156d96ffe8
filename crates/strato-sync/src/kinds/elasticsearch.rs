use strato_cloud::{ExtElasticsearch, ResourceKind};
use strato_store::synced::{elasticsearches::ELASTICSEARCHES, Value};

use super::{common, desired, Desired, Resolver};

pub fn map(e: &ExtElasticsearch, cx: &Resolver) -> Desired {
    let networks: Vec<String> = e.network_ids.iter().filter_map(|n| cx.id(ResourceKind::Network, n)).collect();
    let typed = vec![
        Value::text(e.engine_version.clone()),
        Value::text(e.instance_type.clone()),
        Value::Int(Some(i64::from(e.node_count))),
        Value::Int(i64::try_from(e.storage_size_gb).ok()),
        Value::Text(e.endpoint.clone()),
        cx.id_opt(ResourceKind::Vpc, e.vpc_id.as_deref()),
        Value::Text(Some(serde_json::to_string(&networks).unwrap_or_else(|_| "[]".into()))),
    ];
    desired(e, common(e, &ELASTICSEARCHES, None, cx), typed, vec![])
}
