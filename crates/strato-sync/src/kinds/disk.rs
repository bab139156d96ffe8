use strato_cloud::ExtDisk;
use strato_store::synced::{disks::DISKS, Value};

use super::{common, desired, Desired, Resolver};

pub fn map(e: &ExtDisk, cx: &Resolver) -> Desired {
    let typed = vec![Value::Int(i64::try_from(e.size_gb).ok()), Value::text(e.disk_type.clone()), Value::Bool(e.is_root)];
    desired(e, common(e, &DISKS, Some(&e.zone), cx), typed, vec![])
}
