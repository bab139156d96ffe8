//! Images (AMIs). Not a synced kind yet; the driver exposes a lookup so tests and tools can
//! pick an image the cloud really has.

use strato_cloud::*;

use crate::AwsDriver;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsImage {
    pub image_id: String,
    pub name: String,
    pub root_device: Option<String>,
    pub architecture: Option<String>,
}

impl AwsDriver {
    /// Images owned by `owner` (an account id, or `amazon`, `self`), sorted by id.
    pub async fn list_images(&self, region: &str, owner: &str) -> CloudResult<Vec<AwsImage>> {
        let ec2 = self.c.ec2(region);
        let out = self.c.call(region, ApiClass::Describe, "DescribeImages", || ec2.describe_images().owners(owner).send()).await?;
        let mut images: Vec<AwsImage> = out
            .images()
            .iter()
            .filter_map(|i| {
                Some(AwsImage {
                    image_id: i.image_id()?.to_string(),
                    name: i.name().unwrap_or_default().to_string(),
                    root_device: i.root_device_name().map(str::to_string),
                    architecture: i.architecture().map(|a| a.as_str().to_string()),
                })
            })
            .collect();
        images.sort_by(|a, b| a.image_id.cmp(&b.image_id));
        Ok(images)
    }
}
