//! Elasticsearch / OpenSearch domains. The external id is the domain ARN; calls also accept
//! the bare domain name.

use aws_sdk_opensearch::types::DomainStatus;
use async_trait::async_trait;
use strato_cloud::*;

use crate::{log_pages, AwsDriver};

/// DescribeDomains takes at most 5 names per call.
const DESCRIBE_BATCH: usize = 5;

/// The domain name inside an ARN (`arn:aws:es:region:account:domain/NAME`) or a bare name.
pub(crate) fn domain_name(id: &str) -> &str {
    id.rsplit_once("domain/").map(|(_, n)| n).unwrap_or(id)
}

fn ext(d: &DomainStatus, tags: Tags) -> ExtElasticsearch {
    let mut base = ExtBase::new(d.arn(), d.domain_name());
    base.tags = tags;
    base.project_id = d.domain_id().split_once('/').map(|(account, _)| account.to_string());
    let status = if d.deleted() == Some(true) {
        ElasticsearchStatus::Deleting
    } else if d.created() == Some(false) {
        ElasticsearchStatus::Creating
    } else if d.processing() == Some(true) {
        ElasticsearchStatus::Processing
    } else {
        ElasticsearchStatus::Available
    };
    let cluster = d.cluster_config();
    let vpc = d.vpc_options();
    ExtElasticsearch {
        base,
        status,
        engine_version: d.engine_version().unwrap_or_default().to_string(),
        instance_type: cluster.and_then(|c| c.instance_type()).map(|t| t.as_str().to_string()).unwrap_or_default(),
        node_count: cluster.and_then(|c| c.instance_count()).unwrap_or(0).max(0) as u32,
        storage_size_gb: d.ebs_options().and_then(|e| e.volume_size()).unwrap_or(0).max(0) as u64,
        endpoint: d.endpoint().map(str::to_string).or_else(|| d.endpoints().and_then(|e| e.values().next().cloned())),
        vpc_id: vpc.and_then(|v| v.vpc_id()).map(str::to_string),
        network_ids: vpc.map(|v| v.subnet_ids().to_vec()).unwrap_or_default(),
    }
}

impl AwsDriver {
    async fn domain_tags(&self, region: &str, arn: &str) -> CloudResult<Tags> {
        let os = self.c.opensearch(region);
        let out = self.c.call(region, ApiClass::Describe, "ListTags", || os.list_tags().arn(arn).send()).await?;
        Ok(out.tag_list().iter().map(|t| (t.key().to_string(), t.value().to_string())).collect())
    }

    pub(crate) async fn elasticsearches(&self, region: &str) -> CloudResult<Vec<ExtElasticsearch>> {
        let os = self.c.opensearch(region);
        // ListDomainNames is not paged: it returns every domain of the region.
        let names = self.c.call(region, ApiClass::Describe, "ListDomainNames", || os.list_domain_names().send()).await?;
        let names: Vec<String> = names.domain_names().iter().filter_map(|d| d.domain_name().map(str::to_string)).collect();
        let mut all = Vec::new();
        let mut pages = 1;
        for batch in names.chunks(DESCRIBE_BATCH) {
            let out = self.c.call(region, ApiClass::Describe, "DescribeDomains", || os.describe_domains().set_domain_names(Some(batch.to_vec())).send()).await?;
            pages += 1;
            for d in out.domain_status_list() {
                let tags = self.domain_tags(region, d.arn()).await?;
                all.push(ext(d, tags));
            }
        }
        log_pages(region, "elasticsearch", pages, all.len());
        Ok(all)
    }

    pub(crate) async fn elasticsearch(&self, region: &str, id: &str) -> CloudResult<ExtElasticsearch> {
        let os = self.c.opensearch(region);
        let name = domain_name(id);
        let out = self.c.call(region, ApiClass::Describe, "DescribeDomain", || os.describe_domain().domain_name(name).send()).await?;
        let d = out.domain_status().ok_or_else(|| CloudError::not_found(format!("elasticsearch '{id}' not found")))?;
        let tags = self.domain_tags(region, d.arn()).await?;
        Ok(ext(d, tags))
    }

    pub(crate) async fn elasticsearch_delete(&self, region: &str, id: &str) -> CloudResult<()> {
        let os = self.c.opensearch(region);
        let name = domain_name(id);
        self.c.call(region, ApiClass::Mutate, "DeleteDomain", || os.delete_domain().domain_name(name).send()).await.map(|_| ())
    }

    /// Create a small OpenSearch domain. Not part of the driver contract (which only deletes
    /// domains); used by tests and tooling to have something to manage.
    pub async fn create_elasticsearch(&self, region: &str, name: &str) -> CloudResult<ExtElasticsearch> {
        use aws_sdk_opensearch::types::{ClusterConfig, EbsOptions, OpenSearchPartitionInstanceType};
        let os = self.c.opensearch(region);
        let out = self
            .c
            .call(region, ApiClass::Mutate, "CreateDomain", || {
                os.create_domain()
                    .domain_name(name)
                    .engine_version("OpenSearch_2.11")
                    .cluster_config(ClusterConfig::builder().instance_type(OpenSearchPartitionInstanceType::T3SmallSearch).instance_count(1).build())
                    .ebs_options(EbsOptions::builder().ebs_enabled(true).volume_size(10).build())
                    .send()
            })
            .await?;
        let d = out.domain_status().ok_or_else(|| CloudError::other("CreateDomain returned no domain"))?;
        Ok(ext(d, Tags::new()))
    }

    pub(crate) async fn elasticsearch_set_tags(&self, region: &str, id: &str, tags: &Tags, replace: bool) -> CloudResult<()> {
        let arn = self.elasticsearch(region, id).await?.base.external_id;
        let os = self.c.opensearch(region);
        if replace {
            let current = self.domain_tags(region, &arn).await?;
            let stale: Vec<String> = current.keys().filter(|k| !tags.contains_key(*k)).cloned().collect();
            if !stale.is_empty() {
                self.c.call(region, ApiClass::Mutate, "RemoveTags", || os.remove_tags().arn(&arn).set_tag_keys(Some(stale.clone())).send()).await?;
            }
        }
        if !tags.is_empty() {
            let list = tags
                .iter()
                .map(|(k, v)| aws_sdk_opensearch::types::Tag::builder().key(k).value(v).build())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| CloudError::invalid_input(format!("bad tag: {e}")))?;
            self.c.call(region, ApiClass::Mutate, "AddTags", || os.add_tags().arn(&arn).set_tag_list(Some(list.clone())).send()).await?;
        }
        Ok(())
    }
}

#[async_trait]
impl Facet<strato_cloud::Elasticsearch> for AwsDriver {
    async fn list(&self, region: &str) -> CloudResult<Vec<ExtElasticsearch>> {
        self.elasticsearches(region).await
    }
    async fn get(&self, region: &str, id: &str) -> CloudResult<ExtElasticsearch> {
        self.elasticsearch(region, id).await
    }
    fn verbs(&self) -> &'static [&'static str] {
        &["delete"]
    }
    /// Only `delete`: the erased facet refuses verbs not in `verbs()`.
    async fn act(&self, region: &str, id: &str, _verb: &str) -> CloudResult<()> {
        self.elasticsearch_delete(region, id).await
    }
}
