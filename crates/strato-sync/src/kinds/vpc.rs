use strato_cloud::ExtVpc;
use strato_store::synced::{vpcs::VPCS, Value};

use super::{common, desired, Desired, Resolver};

pub fn map(e: &ExtVpc, cx: &Resolver) -> Desired {
    desired(e, common(e, &VPCS, None, cx), vec![Value::text(e.cidr_block.clone()), Value::Bool(e.is_default)], vec![])
}
