//! Managed Elasticsearch/OpenSearch domains: the worked example of docs/adding-a-resource.md.
//!
//! | action | from | during | end (cloud) | failed |
//! |---|---|---|---|---|
//! | delete | available, processing, unknown, delete_failed | deleting | gone | delete_failed |

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::kinds::{col, reference, ApiMeta, DriverView, Kind, KindMeta, KindScope, PlainDoc, Resolve, ResourceKind, Row, Transition, Until};
use crate::snapshot::ExtBase;
use crate::statuses;

impl ResourceKind {
    #[allow(non_upper_case_globals)]
    pub const Elasticsearch: ResourceKind = ResourceKind::new("elasticsearch");
}

strato_types::text_enum!(
    /// Status of a managed Elasticsearch/OpenSearch domain.
    ElasticsearchStatus, "elasticsearch status", {
        Creating = "creating",
        Available = "available",
        Processing = "processing",
        Deleting = "deleting",
        DeleteFailed = "delete_failed",
        Deleted = "deleted",
        Unknown = "unknown",
    }
);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtElasticsearch {
    #[serde(flatten)]
    pub base: ExtBase,
    pub status: ElasticsearchStatus,
    pub engine_version: String,
    pub instance_type: String,
    pub node_count: u32,
    pub storage_size_gb: u64,
    pub endpoint: Option<String>,
    pub vpc_id: Option<String>,
    pub network_ids: Vec<String>,
}

crate::ext_resource!(ExtElasticsearch);

crate::synced_row! {
    pub struct ElasticsearchRow {
        engine_version: String,
        instance_type: String,
        node_count: i64,
        storage_size_gb: i64,
        endpoint: Option<String>,
        /// Local ids of the VPC and networks.
        vpc_id: Option<String>,
        network_ids: Vec<String>,
    }
}

pub struct Elasticsearch;

impl Kind for Elasticsearch {
    type Ext = ExtElasticsearch;
    type Row = ElasticsearchRow;
    const KIND: ResourceKind = ResourceKind::Elasticsearch;
    const META: &'static KindMeta = &KindMeta {
        kind: ResourceKind::Elasticsearch,
        plural: "elasticsearches",
        scope: KindScope::Region,
        depends_on: &[ResourceKind::Vpc, ResourceKind::Network],
        billing: true,
        columns: ElasticsearchRow::COLUMNS,
        children: ElasticsearchRow::CHILDREN,
        api: Some(ApiMeta {
            columns: &[
                col("id"),
                col("name"),
                col("status"),
                col("engine_version"),
                col("instance_type"),
                col("node_count"),
                reference("cloudregion_id", "cloudregion"),
                col("external_id"),
            ],
        }),
        driver_view: DriverView {
            list: "List Elasticsearch domains",
            show: Some("Show an Elasticsearch domain"),
            columns: &[
                ("ID", "external_id"),
                ("NAME", "name"),
                ("STATUS", "status"),
                ("VERSION", "engine_version"),
                ("TYPE", "instance_type"),
                ("NODES", "node_count"),
            ],
        },
        transitions: &[Transition {
            verb: "delete",
            plain: Some(PlainDoc {
                doc: "Delete an Elasticsearch domain (refused while delete protection is on).",
                help: "Delete an Elasticsearch domain (refused while delete protection is on)",
            }),
            from: statuses!(ElasticsearchStatus: Available, Processing, Unknown, DeleteFailed),
            during: ElasticsearchStatus::Deleting.as_str(),
            failed: ElasticsearchStatus::DeleteFailed.as_str(),
            until: Until::Gone,
            // domains take many minutes to go on AWS
            timeout: Duration::from_secs(3600),
        }],
    };
    fn row(e: &ExtElasticsearch, cx: &dyn Resolve) -> ElasticsearchRow {
        ElasticsearchRow {
            engine_version: e.engine_version.clone(),
            instance_type: e.instance_type.clone(),
            node_count: i64::from(e.node_count),
            storage_size_gb: i64::try_from(e.storage_size_gb).unwrap_or(i64::MAX),
            endpoint: e.endpoint.clone(),
            vpc_id: cx.id_opt(ResourceKind::Vpc, e.vpc_id.as_deref()),
            network_ids: e.network_ids.iter().filter_map(|n| cx.id(ResourceKind::Network, n)).collect(),
        }
    }
}
