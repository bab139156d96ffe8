//! Instance types (the sku catalogue), from DescribeInstanceTypes in each zone of the region;
//! a type offered in several zones is one sku.

use async_trait::async_trait;
use strato_cloud::*;

use crate::fields::{number, opt_text, text};
use crate::QingCloudDriver;

impl QingCloudDriver {
    pub(crate) async fn skus(&self, region: &str) -> CloudResult<Vec<ExtSku>> {
        let mut skus: Vec<ExtSku> = Vec::new();
        for (_zone, t) in self.list_in_zones(region, "DescribeInstanceTypes", &[], "instance_type_set").await? {
            let Some(id) = opt_text(&t, "/instance_type_id") else { continue };
            if skus.iter().any(|s| s.base.external_id == id) {
                continue;
            }
            skus.push(ExtSku {
                base: ExtBase::new(id.clone(), id),
                status: if matches!(text(&t, "/status"), "available" | "") { ResourceStatus::Available } else { ResourceStatus::Unavailable },
                cpu: number(&t, "/vcpus_current").unwrap_or(0.0).max(0.0) as u32,
                // memory_current is in MiB.
                memory_mb: number(&t, "/memory_current").unwrap_or(0.0).max(0.0) as u64,
                // QingCloud's instance types are x86-64; Arm machines are a separate product.
                arch: "x86_64".to_string(),
            });
        }
        skus.sort_by(|a, b| a.base.external_id.cmp(&b.base.external_id));
        Ok(skus)
    }
}

#[async_trait]
impl Facet<strato_cloud::Sku> for QingCloudDriver {
    async fn list(&self, region: &str) -> CloudResult<Vec<ExtSku>> {
        self.skus(region).await
    }
}
