//! Elasticsearch instances (the Elasticsearch API, ROA style, version 2017-06-13):
//! ListInstance, DescribeInstance, DeleteInstance.

use async_trait::async_trait;
use reqwest::Method;
use serde_json::Value;
use strato_cloud::*;

use crate::client::{array, billing_type, number, opt_text, param, tags, text, time};
use crate::{pager, AliyunDriver};

/// ListInstance's largest page.
const MAX_PAGE: u32 = 100;

/// Aliyun's instance statuses: `active` (normal), `activating` (being created or changed),
/// `inactive` (frozen, e.g. an overdue prepaid instance), `invalid` (released).
fn status(s: &str) -> ElasticsearchStatus {
    match s {
        "active" => ElasticsearchStatus::Available,
        "activating" => ElasticsearchStatus::Creating,
        "invalid" => ElasticsearchStatus::Deleting,
        // `inactive` is an unavailable instance; the kind has no such status yet (see the
        // provider's docs), so it shows as unknown rather than as available.
        _ => ElasticsearchStatus::Unknown,
    }
}

fn ext(e: &Value) -> Option<ExtElasticsearch> {
    let id = opt_text(e, "/instanceId")?;
    let mut base = ExtBase::new(id.clone(), opt_text(e, "/description").unwrap_or_else(|| id.clone()));
    base.tags = tags(e, "/tags");
    base.created_at = time(e, "/createdAt");
    base.billing.billing_type = billing_type(text(e, "/paymentType"));
    if base.billing.billing_type == BillingType::Prepaid {
        base.billing.expires_at = time(e, "/expireAt");
    }
    base.project_id = opt_text(e, "/resourceGroupId");
    Some(ExtElasticsearch {
        base,
        status: status(text(e, "/status")),
        engine_version: text(e, "/esVersion").to_string(),
        instance_type: text(e, "/nodeSpec/spec").to_string(),
        node_count: number(e, "/nodeAmount").unwrap_or(0.0).max(0.0) as u32,
        storage_size_gb: number(e, "/nodeSpec/disk").unwrap_or(0.0).max(0.0) as u64,
        endpoint: opt_text(e, "/domain"),
        vpc_id: opt_text(e, "/networkConfig/vpcId"),
        network_ids: opt_text(e, "/networkConfig/vswitchId").into_iter().collect(),
    })
}

fn path(id: &str) -> CloudResult<String> {
    // An id is one path segment; anything else could address another API.
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return Err(CloudError::not_found(format!("elasticsearch '{id}' not found")));
    }
    Ok(format!("/openapi/instances/{id}"))
}

impl AliyunDriver {
    pub(crate) async fn elasticsearches(&self, region: &str) -> CloudResult<Vec<ExtElasticsearch>> {
        let size = self.c.page_size.min(MAX_PAGE);
        let (all, pages) = pager::numbered("ListInstance", size, |page| async move {
            let query = [param("page", page), param("size", size)];
            let out = self.c.roa(region, ApiClass::Describe, "ListInstance", Method::GET, "/openapi/instances", &query).await?;
            let total = number(&out, "/Headers/X-Total-Count").map(|t| t.max(0.0) as usize);
            Ok((array(&out, "/Result").iter().filter_map(ext).collect::<Vec<_>>(), total))
        })
        .await?;
        tracing::debug!(provider = crate::PROVIDER, region, kind = "elasticsearch", pages, items = all.len(), "listed");
        Ok(all)
    }

    pub(crate) async fn elasticsearch(&self, region: &str, id: &str) -> CloudResult<ExtElasticsearch> {
        let out = self.c.roa(region, ApiClass::Describe, "DescribeInstance", Method::GET, &path(id)?, &[]).await?;
        out.get("Result").and_then(ext).ok_or_else(|| CloudError::not_found(format!("elasticsearch '{id}' not found")))
    }

    pub(crate) async fn elasticsearch_delete(&self, region: &str, id: &str) -> CloudResult<()> {
        // One token for every attempt: a retried delete is the same request to Aliyun.
        let token = uuid::Uuid::new_v4().to_string();
        let query = [param("clientToken", token), param("deleteType", "immediate")];
        self.c.roa(region, ApiClass::Mutate, "DeleteInstance", Method::DELETE, &path(id)?, &query).await.map(|_| ())
    }
}

#[async_trait]
impl Facet<strato_cloud::Elasticsearch> for AliyunDriver {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_billing_map() {
        assert_eq!(status("active"), ElasticsearchStatus::Available);
        assert_eq!(status("activating"), ElasticsearchStatus::Creating);
        assert_eq!(status("invalid"), ElasticsearchStatus::Deleting);
        assert_eq!(status("inactive"), ElasticsearchStatus::Unknown);
        let e = serde_json::json!({"instanceId": "es-cn-1", "description": "logs", "status": "active", "paymentType": "prepaid",
            "expireAt": "2027-01-01T00:00:00.000Z", "esVersion": "7.10_with_X-Pack", "nodeAmount": 3,
            "nodeSpec": {"spec": "elasticsearch.sn2ne.large", "disk": 20}, "tags": [{"tagKey": "env", "tagValue": "prod"}]});
        let es = ext(&e).expect("snapshot");
        assert_eq!(es.base.billing.billing_type, BillingType::Prepaid);
        assert!(es.base.billing.expires_at.is_some());
        assert_eq!((es.node_count, es.storage_size_gb, es.base.name.as_str()), (3, 20, "logs"));
        assert_eq!(es.base.tags.get("env").map(String::as_str), Some("prod"));
    }

    #[test]
    fn ids_that_are_not_one_path_segment_are_not_found() {
        assert!(path("es-cn-0pp1abc").is_ok());
        assert!(path("../tags").unwrap_err().is_not_found());
        assert!(path("a/b").unwrap_err().is_not_found());
    }
}
