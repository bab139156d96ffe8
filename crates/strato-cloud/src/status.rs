//! Status enums more than one kind shares. A kind's own status enum lives in its file under
//! `kinds/`; the store and the server reuse their text forms (`as_str`), so they are stable.

strato_types::text_enum!(
    /// Status of simple resources (regions, zones, vpcs, networks, secgroups, skus).
    ResourceStatus, "resource status", {
        Available = "available",
        Pending = "pending",
        Unavailable = "unavailable",
        Deleting = "deleting",
        Unknown = "unknown",
    }
);

/// How a resource is paid for: the one enum the API, the store and the drivers share.
pub use strato_types::BillingType;

#[cfg(test)]
mod tests {
    use crate::kinds::disk::DiskStatus;
    use crate::kinds::server::ServerStatus;
    use crate::kinds::{all, ResourceKind};

    #[test]
    fn text_forms_round_trip() {
        for k in all() {
            let kind = k.meta().kind;
            assert_eq!(kind.as_str().parse::<ResourceKind>(), Ok(kind));
        }
        for s in ServerStatus::ALL {
            assert_eq!(s.as_str().parse::<ServerStatus>().ok(), Some(*s));
        }
        assert!("vm".parse::<ResourceKind>().is_err());
        assert_eq!(serde_json::to_string(&DiskStatus::InUse).unwrap(), "\"in_use\"");
    }
}
