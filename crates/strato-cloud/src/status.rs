//! Resource kinds and the status enums snapshots map cloud states onto. The store and the
//! server reuse these, so their text forms (`as_str`) are stable.

use serde::{Deserialize, Serialize};

macro_rules! text_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s { $($text => Ok($name::$variant),)+ _ => Err(format!("unknown {} '{}'", stringify!($name), s)) }
            }
        }
    };
}

text_enum!(
    /// A resource type a driver can list.
    ResourceKind {
        CloudRegion => "cloudregion",
        Zone => "zone",
        Vpc => "vpc",
        Network => "network",
        Secgroup => "secgroup",
        Server => "server",
        Disk => "disk",
        Elasticsearch => "elasticsearch",
        Sku => "sku",
    }
);

text_enum!(
    /// Status of simple resources (regions, zones, vpcs, networks, secgroups, skus).
    ResourceStatus {
        Available => "available",
        Pending => "pending",
        Unavailable => "unavailable",
        Deleting => "deleting",
        Unknown => "unknown",
    }
);

text_enum!(
    /// Status of a server (VM): what the cloud reports, plus the states of Strato's own
    /// operations (`creating`, `*_failed`; see `strato-server`'s state machines).
    ServerStatus {
        Creating => "creating",
        CreateFailed => "create_failed",
        StartFailed => "start_failed",
        StopFailed => "stop_failed",
        RestartFailed => "restart_failed",
        ChangeConfigFailed => "change_config_failed",
        DeleteFailed => "delete_failed",
        Pending => "pending",
        Running => "running",
        Starting => "starting",
        Stopping => "stopping",
        Stopped => "stopped",
        Rebooting => "rebooting",
        ChangingConfig => "changing_config",
        Deleting => "deleting",
        Deleted => "deleted",
        Error => "error",
        Unknown => "unknown",
    }
);

text_enum!(
    /// Status of a block disk (with the failed states of Strato's operations).
    DiskStatus {
        Creating => "creating",
        CreateFailed => "create_failed",
        AttachFailed => "attach_failed",
        DetachFailed => "detach_failed",
        ResizeFailed => "resize_failed",
        DeleteFailed => "delete_failed",
        Available => "available",
        InUse => "in_use",
        Attaching => "attaching",
        Detaching => "detaching",
        Resizing => "resizing",
        Deleting => "deleting",
        Deleted => "deleted",
        Error => "error",
        Unknown => "unknown",
    }
);

text_enum!(
    /// Status of a managed Elasticsearch/OpenSearch domain.
    ElasticsearchStatus {
        Creating => "creating",
        Available => "available",
        Processing => "processing",
        Deleting => "deleting",
        DeleteFailed => "delete_failed",
        Deleted => "deleted",
        Unknown => "unknown",
    }
);

/// How a resource is paid for: the one enum the API, the store and the drivers share.
pub use strato_types::BillingType;

text_enum!(
    /// Power state of a server, independent of transitional status.
    PowerState {
        On => "on",
        Off => "off",
        Unknown => "unknown",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_forms_round_trip() {
        for k in ResourceKind::ALL {
            assert_eq!(k.as_str().parse::<ResourceKind>(), Ok(*k));
        }
        for s in ServerStatus::ALL {
            assert_eq!(s.as_str().parse::<ServerStatus>(), Ok(*s));
        }
        assert!("vm".parse::<ResourceKind>().is_err());
        assert_eq!(serde_json::to_string(&DiskStatus::InUse).unwrap(), "\"in_use\"");
    }
}
