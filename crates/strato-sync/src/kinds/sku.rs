use strato_cloud::ExtSku;
use strato_store::synced::{skus::SKUS, Value};

use super::{common, desired, Desired, Resolver};

pub fn map(e: &ExtSku, cx: &Resolver) -> Desired {
    let typed = vec![Value::Int(Some(i64::from(e.cpu))), Value::Int(i64::try_from(e.memory_mb).ok()), Value::text(e.arch.clone())];
    desired(e, common(e, &SKUS, None, cx), typed, vec![])
}
