//! The instance type catalogue (the same in every fake region).

use async_trait::async_trait;
use strato_cloud::*;

use crate::client::SKUS;
use crate::FakeDriver;

#[async_trait]
impl Facet<Sku> for FakeDriver {
    async fn list(&self, region: &str) -> CloudResult<Vec<ExtSku>> {
        self.cloud.check_list(ResourceKind::Sku, region)?;
        self.read(region, "DescribeInstanceTypes", |_, _| {
            Ok(SKUS
                .iter()
                .map(|(name, cpu, memory_mb, arch)| ExtSku {
                    base: ExtBase::new(*name, *name),
                    status: ResourceStatus::Available,
                    cpu: *cpu,
                    memory_mb: *memory_mb,
                    arch: arch.to_string(),
                })
                .collect())
        })
        .await
    }
}
