//! Asking the cloud before an operation starts, synchronously, so that bad input is a 4xx that
//! leaves nothing behind (no row, no task, nothing in the cloud): the driver's `preflight`,
//! instance types from a `vcpus` x `memory` shape, and the default image.

use std::sync::Arc;

use strato_cloud::{CloudDriver, CloudError, CloudErrorKind, Preflight};
use strato_sync::SyncError;
use strato_types::CloudAccountId;

use crate::app::App;
use crate::error::{ApiError, ApiResult};

/// The one place a driver's answer to a synchronous check becomes an API error: what the
/// cloud refuses is the caller's to fix (400 for bad input or too much asked of the cloud,
/// 409 for a state the resource is in); a cloud that cannot answer is a 503.
pub(crate) fn refusal(error: CloudError) -> ApiError {
    match error.kind {
        CloudErrorKind::InvalidInput | CloudErrorKind::QuotaExceeded => ApiError::invalid(error.message),
        CloudErrorKind::Conflict => ApiError::Conflict(error.message),
        CloudErrorKind::NotFound => ApiError::Conflict(format!("{}; the inventory is behind the cloud: sync the account", error.message)),
        _ => ApiError::Unavailable(format!("the cloud could not check the request: {error}")),
    }
}

/// Shape flags (`vcpus`, `memory_mb`) as given with or instead of an instance type.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Shape {
    pub vcpus: Option<u32>,
    pub memory_mb: Option<u64>,
}

impl App {
    /// A driver for the account, for a synchronous question.
    pub(crate) async fn account_driver(&self, account: CloudAccountId) -> ApiResult<Arc<dyn CloudDriver>> {
        match self.reconciler.connect(account).await {
            Ok(connected) => Ok(connected.driver),
            Err(SyncError::Store(e)) => Err(e.into()),
            Err(SyncError::Connect(e) | SyncError::Cloud(e)) => Err(ApiError::Unavailable(format!("cannot reach the cloud account: {e}"))),
        }
    }

    /// The driver's objection to `op`, if it has one (`not_implemented` is no opinion).
    pub(crate) async fn preflight(&self, driver: &dyn CloudDriver, region: &str, op: Preflight<'_>) -> ApiResult<()> {
        match driver.preflight(region, op).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind == CloudErrorKind::NotImplemented => Ok(()),
            Err(e) => Err(refusal(e)),
        }
    }

    /// The instance type of a request: `sku`, or the shape `vcpus` x `memory_mb` (the cloud's
    /// own name for it when it names shapes, else the sku of the region with exactly that
    /// shape). The flag says whether the driver named it (then it needs no catalogue entry).
    pub(crate) async fn instance_type_of(
        &self,
        driver: &dyn CloudDriver,
        region: &str,
        sku: &str,
        shape: Shape,
    ) -> ApiResult<(String, bool)> {
        let sku = sku.trim();
        match (sku.is_empty(), shape.vcpus, shape.memory_mb) {
            (false, None, None) => Ok((sku.to_string(), false)),
            (false, _, _) => Err(ApiError::invalid_field("sku", "give an instance type (sku) or vcpus and memory, not both")),
            (true, Some(vcpus), Some(memory)) => {
                if vcpus == 0 || memory == 0 {
                    return Err(ApiError::invalid_field("vcpus", "vcpus and memory must be at least 1"));
                }
                if let Some(named) = driver.instance_type_for(vcpus, memory) {
                    return Ok((named, true));
                }
                let skus = strato_cloud::facet::<strato_cloud::Sku>(driver).map_err(refusal)?.list(region).await.map_err(refusal)?;
                let mut fits: Vec<&str> =
                    skus.iter().filter(|s| s.cpu == vcpus && s.memory_mb == memory).map(|s| s.base.external_id.as_str()).collect();
                fits.sort_unstable();
                match fits.as_slice() {
                    [only] => Ok((only.to_string(), false)),
                    [] => Err(ApiError::invalid_field(
                        "sku",
                        format!("no instance type in {region} has {vcpus} vcpus and {memory} MiB; pick one with --sku (see sku-list)"),
                    )),
                    several => Err(ApiError::invalid_field(
                        "sku",
                        format!("several instance types in {region} have {vcpus} vcpus and {memory} MiB ({}); pick one with --sku", several.join(", ")),
                    )),
                }
            }
            (true, None, None) => Err(ApiError::invalid_field("sku", "an instance type is required (sku, or vcpus and memory)")),
            (true, _, _) => Err(ApiError::invalid_field("memory_mb", "vcpus and memory go together: give both")),
        }
    }

    /// The image of a server create: the one named, else the cloud's only or default one.
    pub(crate) async fn image_of(&self, driver: &dyn CloudDriver, region: &str, image: &str) -> ApiResult<String> {
        let image = image.trim();
        if !image.is_empty() {
            return Ok(image.to_string());
        }
        match driver.default_image(region).await {
            Ok(image) => Ok(image),
            Err(e) if e.kind == CloudErrorKind::NotImplemented => Err(ApiError::invalid_field("image", "an image id is required")),
            Err(e) if e.kind == CloudErrorKind::InvalidInput => Err(ApiError::invalid_field("image", e.message)),
            Err(e) => Err(refusal(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_map_to_the_callers_statuses() {
        let status = |e: CloudError| refusal(e).status().as_u16();
        assert_eq!(status(CloudError::invalid_input("image nope does not exist")), 400);
        assert_eq!(status(CloudError::quota_exceeded("4096 vcpus requested, the host has 2")), 400);
        assert_eq!(status(CloudError::conflict("disk d is already attached")), 409);
        assert_eq!(status(CloudError::not_found("disk d")), 409);
        assert_eq!(status(CloudError::transient("qmp timeout")), 503);
        assert_eq!(refusal(CloudError::quota_exceeded("4096 vcpus requested")).to_string(), "4096 vcpus requested");
    }
}
