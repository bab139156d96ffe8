//! Instance types (the sku catalogue), from DescribeInstanceTypes.

use async_trait::async_trait;
use strato_cloud::*;

use crate::client::{number, opt_text, param, text, Paging, Product};
use crate::AliyunDriver;

impl AliyunDriver {
    pub(crate) async fn skus(&self, region: &str) -> CloudResult<Vec<ExtSku>> {
        let items = self
            .c
            .rpc_list(region, Product::Ecs, "DescribeInstanceTypes", &[param("RegionId", region)], Paging::Token { max: 1600 }, "/InstanceTypes/InstanceType")
            .await?;
        Ok(items
            .iter()
            .filter_map(|t| {
                let id = opt_text(t, "/InstanceTypeId")?;
                let arch = match text(t, "/CpuArchitecture") {
                    "ARM" => "arm64",
                    _ => "x86_64",
                };
                Some(ExtSku {
                    base: ExtBase::new(id.clone(), id),
                    status: ResourceStatus::Available,
                    cpu: number(t, "/CpuCoreCount").unwrap_or(0.0).max(0.0) as u32,
                    // MemorySize is in GiB, possibly fractional (0.5).
                    memory_mb: (number(t, "/MemorySize").unwrap_or(0.0).max(0.0) * 1024.0).round() as u64,
                    arch: arch.to_string(),
                })
            })
            .collect())
    }
}

#[async_trait]
impl Facet<strato_cloud::Sku> for AliyunDriver {
    async fn list(&self, region: &str) -> CloudResult<Vec<ExtSku>> {
        self.skus(region).await
    }
}
