//! Managed Elasticsearch/OpenSearch domains.

use super::{col, ColType, KindDef};

pub const ELASTICSEARCHES: KindDef = KindDef {
    kind: "elasticsearch",
    table: "elasticsearches",
    columns: &[
        col("engine_version", ColType::Text),
        col("instance_type", ColType::Text),
        col("node_count", ColType::Int),
        col("storage_size_gb", ColType::Int),
        col("endpoint", ColType::Text),
        col("vpc_id", ColType::Text),
        col("network_ids", ColType::Text),
    ],
    children: &[],
    account_wide: false,
    billing: true,
};
