//! Setting tags on any kind.

use strato_cloud::*;

use crate::client::{ec2_tag_list, filter};
use crate::AwsDriver;

impl AwsDriver {
    pub(crate) async fn tags_set(&self, region: &str, kind: ResourceKind, id: &str, tags: &Tags, replace: bool) -> CloudResult<()> {
        match kind {
            ResourceKind::Elasticsearch => return self.elasticsearch_set_tags(region, id, tags, replace).await,
            ResourceKind::CloudRegion | ResourceKind::Zone | ResourceKind::Sku => {
                return Err(CloudError::invalid_input(format!("{kind} cannot be tagged")));
            }
            _ => {}
        }
        // CreateTags does not check that the resource exists on every emulator; AWS does.
        // Reading it first gives the same not_found everywhere.
        match kind {
            ResourceKind::Server => drop(self.servers(region, Some(id)).await?),
            ResourceKind::Disk => drop(self.disks(region, Some(id)).await?),
            ResourceKind::Vpc => drop(self.vpcs(region, Some(id)).await?),
            ResourceKind::Network => drop(self.networks(region, Some(id)).await?),
            ResourceKind::Secgroup => drop(self.secgroups(region, Some(id)).await?),
            _ => {}
        }
        let ec2 = self.c.ec2(region);
        if replace {
            let out = self.c.call(region, ApiClass::Describe, "DescribeTags", || ec2.describe_tags().filters(filter("resource-id", &[id])).send()).await?;
            // The Name tag is the resource's name, not one of its tags.
            let stale: Vec<aws_sdk_ec2::types::Tag> = out
                .tags()
                .iter()
                .filter_map(|t| t.key())
                .filter(|k| *k != "Name" && !k.starts_with(crate::client::INTERNAL_TAG_PREFIX) && !tags.contains_key(*k))
                .map(|k| aws_sdk_ec2::types::Tag::builder().key(k).build())
                .collect();
            if !stale.is_empty() {
                self.c.call(region, ApiClass::Mutate, "DeleteTags", || ec2.delete_tags().resources(id).set_tags(Some(stale.clone())).send()).await?;
            }
        }
        let list = ec2_tag_list(None, tags);
        if !list.is_empty() {
            self.c.call(region, ApiClass::Mutate, "CreateTags", || ec2.create_tags().resources(id).set_tags(Some(list.clone())).send()).await?;
        }
        Ok(())
    }
}
