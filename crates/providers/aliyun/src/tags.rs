//! Setting tags: TagResources / UntagResources / ListTagResources of ECS (instances, disks,
//! security groups) and VPC (VPCs, VSwitches).

use strato_cloud::*;

use crate::client::{array, param, text, Params, Product};
use crate::AliyunDriver;

/// TagResources takes at most 20 tags a call.
const TAGS_PER_CALL: usize = 20;

fn target(kind: ResourceKind) -> CloudResult<(Product, &'static str)> {
    Ok(match kind {
        ResourceKind::Server => (Product::Ecs, "instance"),
        ResourceKind::Disk => (Product::Ecs, "disk"),
        ResourceKind::Secgroup => (Product::Ecs, "securitygroup"),
        ResourceKind::Vpc => (Product::Vpc, "VPC"),
        ResourceKind::Network => (Product::Vpc, "VSWITCH"),
        ResourceKind::Elasticsearch => return Err(CloudError::not_implemented("tagging Elasticsearch instances on aliyun")),
        other => return Err(CloudError::invalid_input(format!("{other} cannot be tagged"))),
    })
}

impl AliyunDriver {
    pub(crate) async fn tags_set(&self, region: &str, kind: ResourceKind, id: &str, tags: &Tags, replace: bool) -> CloudResult<()> {
        let (product, rtype) = target(kind)?;
        let base = vec![param("RegionId", region), param("ResourceType", rtype), param("ResourceId.1", id)];
        if replace {
            // One page: a resource has at most 20 tags, a page holds 50.
            let current = self.c.rpc(region, ApiClass::Describe, product, "ListTagResources", &base).await?;
            // `acs:` tags are Aliyun's own and cannot be removed.
            let stale: Vec<String> = array(&current, "/TagResources/TagResource")
                .iter()
                .map(|t| text(t, "/TagKey").to_string())
                .filter(|k| !k.is_empty() && !k.starts_with("acs:") && !tags.contains_key(k))
                .collect();
            for chunk in stale.chunks(TAGS_PER_CALL) {
                let mut p: Params = base.clone();
                p.extend(chunk.iter().enumerate().map(|(i, k)| param(&format!("TagKey.{}", i + 1), k)));
                self.c.rpc(region, ApiClass::Mutate, product, "UntagResources", &p).await?;
            }
        }
        let pairs: Vec<(&String, &String)> = tags.iter().collect();
        for chunk in pairs.chunks(TAGS_PER_CALL) {
            let mut p: Params = base.clone();
            for (i, (k, v)) in chunk.iter().enumerate() {
                p.push(param(&format!("Tag.{}.Key", i + 1), k));
                p.push(param(&format!("Tag.{}.Value", i + 1), v));
            }
            self.c.rpc(region, ApiClass::Mutate, product, "TagResources", &p).await?;
        }
        Ok(())
    }
}
