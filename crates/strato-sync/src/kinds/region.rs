use strato_cloud::{ExtCloudRegion, ExtZone, ResourceStatus};
use strato_store::synced::{regions, Value};

use super::{common, desired, Desired, Resolver};

/// Regions and zones keep only available / unavailable / unknown.
fn region_status(s: ResourceStatus) -> &'static str {
    match s {
        ResourceStatus::Available => "available",
        ResourceStatus::Unavailable => "unavailable",
        _ => "unknown",
    }
}

pub fn region(e: &ExtCloudRegion, provider: &str) -> Desired {
    let mut values = common(e, &regions::CLOUDREGIONS, None, &Resolver::default());
    values[0] = Value::text(region_status(e.status));
    desired(e, values, vec![Value::text(provider)], vec![])
}

pub fn zone(e: &ExtZone, cx: &Resolver) -> Desired {
    let mut values = common(e, &regions::ZONES, None, cx);
    values[0] = Value::text(region_status(e.status));
    desired(e, values, vec![], vec![])
}
