//! Instance types (the sku catalogue).

use aws_sdk_ec2::types::InstanceTypeInfo;
use async_trait::async_trait;
use strato_cloud::*;

use crate::AwsDriver;

impl AwsDriver {
    pub(crate) async fn skus(&self, region: &str) -> CloudResult<Vec<ExtSku>> {
        let ec2 = self.c.ec2(region);
        let page = self.c.page_size.clamp(5, 100);
        self.c
            .list_pages(
                region,
                ApiClass::Describe,
                "DescribeInstanceTypes",
                |token| ec2.describe_instance_types().max_results(page).set_next_token(token).send(),
                |out| (out.instance_types().iter().filter_map(|t| self.sku(t)).collect(), out.next_token()),
            )
            .await
    }

    /// The sku of an instance type, its size remembered for servers of that type.
    fn sku(&self, t: &InstanceTypeInfo) -> Option<ExtSku> {
        let name = t.instance_type()?.as_str().to_string();
        let cpu = t.v_cpu_info().and_then(|v| v.default_v_cpus()).unwrap_or(0).max(0) as u32;
        let memory_mb = t.memory_info().and_then(|m| m.size_in_mib()).unwrap_or(0).max(0) as u64;
        let arch = t
            .processor_info()
            .and_then(|p| p.supported_architectures().first())
            .map(|a| a.as_str().to_string())
            .unwrap_or_else(|| "x86_64".to_string());
        self.remember_type(&name, cpu, memory_mb);
        Some(ExtSku { base: ExtBase::new(name.clone(), name), status: ResourceStatus::Available, cpu, memory_mb, arch })
    }

    pub(crate) fn remember_type(&self, name: &str, cpu: u32, memory_mb: u64) {
        self.type_cache.lock().unwrap_or_else(|p| p.into_inner()).insert(name.to_string(), (cpu, memory_mb));
    }

    /// vCPUs and memory of instance types, fetched for the ones not yet known.
    pub(crate) async fn type_sizes(&self, region: &str, types: &[String]) -> CloudResult<std::collections::HashMap<String, (u32, u64)>> {
        let missing: Vec<String> = {
            let cache = self.type_cache.lock().unwrap_or_else(|p| p.into_inner());
            let mut m: Vec<String> = types.iter().filter(|t| !cache.contains_key(*t)).cloned().collect();
            m.sort();
            m.dedup();
            m
        };
        let ec2 = self.c.ec2(region);
        for chunk in missing.chunks(100) {
            let wanted: Vec<aws_sdk_ec2::types::InstanceType> = chunk.iter().map(|t| aws_sdk_ec2::types::InstanceType::from(t.as_str())).collect();
            let out = self
                .c
                .call(region, ApiClass::Describe, "DescribeInstanceTypes", || ec2.describe_instance_types().set_instance_types(Some(wanted.clone())).send())
                .await?;
            for t in out.instance_types() {
                if let Some(name) = t.instance_type() {
                    let cpu = t.v_cpu_info().and_then(|v| v.default_v_cpus()).unwrap_or(0).max(0) as u32;
                    let mem = t.memory_info().and_then(|m| m.size_in_mib()).unwrap_or(0).max(0) as u64;
                    self.remember_type(name.as_str(), cpu, mem);
                }
            }
        }
        Ok(self.type_cache.lock().unwrap_or_else(|p| p.into_inner()).clone())
    }
}

#[async_trait]
impl Facet<strato_cloud::Sku> for AwsDriver {
    async fn list(&self, region: &str) -> CloudResult<Vec<ExtSku>> {
        self.skus(region).await
    }
}
