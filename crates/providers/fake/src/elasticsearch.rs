//! Elasticsearch domains (created only through `FakeCloud::insert_elasticsearch`).

use async_trait::async_trait;
use strato_cloud::*;

use crate::client::{format_id, page, EsRec, World};
use crate::{base, id_of, not_found, FakeDriver};

fn ext(w: &World, ri: usize, n: u64, e: &EsRec) -> ExtElasticsearch {
    let vpc = w.regions[ri].networks.get(&e.network).map(|s| format_id(ResourceKind::Vpc, s.vpc));
    ExtElasticsearch {
        base: base(ResourceKind::Elasticsearch, n, &e.common),
        status: e.status,
        engine_version: "OpenSearch_2.11".to_string(),
        instance_type: "fake.search.medium".to_string(),
        node_count: u32::from(e.node_count),
        storage_size_gb: u64::from(e.storage_gb),
        endpoint: Some(format!("{}.{}.search.fake", e.common.name, w.region_names[ri])),
        vpc_id: vpc,
        network_ids: if e.network == 0 { Vec::new() } else { vec![format_id(ResourceKind::Network, e.network)] },
    }
}

#[async_trait]
impl Facet<Elasticsearch> for FakeDriver {
    async fn list(&self, region: &str) -> CloudResult<Vec<ExtElasticsearch>> {
        self.list_paged(region, ResourceKind::Elasticsearch, "DescribeDomains", |w, ri, after, size| {
            page(&w.regions[ri].elasticsearches, after, size, |n, e| ext(w, ri, n, e))
        })
        .await
    }

    async fn get(&self, region: &str, id: &str) -> CloudResult<ExtElasticsearch> {
        let n = id_of(ResourceKind::Elasticsearch, id)?;
        self.read(region, "DescribeDomain", |w, ri| {
            w.regions[ri].elasticsearches.get(&n).map(|e| ext(w, ri, n, e)).ok_or_else(|| not_found(ResourceKind::Elasticsearch, id))
        })
        .await
    }

    fn verbs(&self) -> &'static [&'static str] {
        &["delete"]
    }

    /// Only `delete`: the erased facet refuses verbs not in `verbs()`.
    async fn act(&self, region: &str, id: &str, _verb: &str) -> CloudResult<()> {
        self.elasticsearch_delete(region, id).await
    }
}

impl FakeDriver {
    pub(crate) async fn elasticsearch_delete(&self, region: &str, id: &str) -> CloudResult<()> {
        let n = id_of(ResourceKind::Elasticsearch, id)?;
        self.mutate(region, "DeleteDomain", |w, ri| {
            w.regions[ri].elasticsearches.remove(&n).map(|_| ()).ok_or_else(|| not_found(ResourceKind::Elasticsearch, id))
        })
        .await
    }
}
