//! Closed sets of values stored as text (with a CHECK in the database) and sent as
//! lower-case strings in the API.

/// The text is not one of an enum's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {what} {value:?}: expected one of {expected}")]
pub struct EnumParseError {
    pub what: &'static str,
    pub value: String,
    pub expected: &'static str,
}

/// Defines a text enum with `as_str`, `ALL`, `Display`, `FromStr`, serde (lower-case) and a schema.
#[macro_export]
macro_rules! text_enum {
    // `$text` is a `tt`, not a `literal`: a `literal` fragment reaches derive macros wrapped in an
    // invisible group, which utoipa's serde parser skips, so the schema listed the variant names.
    ($(#[$meta:meta])* $name:ident, $what:literal, { $($(#[$vmeta:meta])* $variant:ident = $text:tt),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
                 $crate::__private::serde::Serialize, $crate::__private::serde::Deserialize,
                 $crate::__private::utoipa::ToSchema)]
        #[serde(crate = "::strato_types::__private::serde")]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The values joined by ", " (for messages and SQL CHECK constraints in docs).
            pub const EXPECTED: &'static str = concat!($($text, " "),+);

            pub const fn as_str(&self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::enums::EnumParseError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::enums::EnumParseError {
                        what: $what,
                        value: s.chars().take(64).collect(),
                        expected: concat!($($text, " "),+),
                    }),
                }
            }
        }
    };
}

text_enum!(
    /// What a role assignment grants. `admin` of project `system` in domain `default` is the
    /// system admin; `admin` on a domain administers that domain.
    Role, "role", {
        Admin = "admin",
        Member = "member",
        Viewer = "viewer",
    }
);

text_enum!(
    /// A kind of cloud.
    Provider, "provider", {
        Aws = "aws",
        Aliyun = "aliyun",
        Qingcloud = "qingcloud",
        Kvm = "kvm",
        Fake = "fake",
    }
);

text_enum!(
    /// Whether Strato could reach the cloud with an account's credentials the last time it tried.
    CloudAccountStatus, "cloud account status", {
        Connected = "connected",
        Disconnected = "disconnected",
        Unknown = "unknown",
    }
);

text_enum!(
    /// Status of a cloud region or zone as seen by the last sync.
    RegionStatus, "region status", {
        Available = "available",
        Unavailable = "unavailable",
        Unknown = "unknown",
    }
);

text_enum!(
    /// How a cloud resource is paid for.
    BillingType, "billing type", {
        Postpaid = "postpaid",
        Prepaid = "prepaid",
        /// Interruptible capacity at a market price (AWS spot instances).
        Spot = "spot",
    }
);

text_enum!(
    /// A login token (from a password login, short-lived) or an API token (for automation).
    TokenKind, "token kind", {
        Login = "login",
        Api = "api",
    }
);

text_enum!(
    /// How an action-log entry's request or task ended.
    ActionOutcome, "outcome", {
        Success = "success",
        Failure = "failure",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_round_trip() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), *role);
            assert_eq!(serde_json::to_string(role).unwrap(), format!("\"{role}\""));
        }
        assert_eq!("qingcloud".parse::<Provider>().unwrap(), Provider::Qingcloud);
        let err = "gcp".parse::<Provider>().unwrap_err();
        assert!(err.to_string().contains("aws aliyun qingcloud kvm fake"), "{err}");
        assert!(serde_json::from_str::<CloudAccountStatus>("\"weird\"").is_err());
    }

    /// The OpenAPI schema lists the texts the API speaks, not the variant names.
    fn schema_values<T: utoipa::PartialSchema>() -> serde_json::Value {
        serde_json::to_value(T::schema()).unwrap()["enum"].clone()
    }

    #[test]
    fn schemas_list_the_lower_case_texts() {
        assert_eq!(schema_values::<Role>(), serde_json::json!(["admin", "member", "viewer"]));
        assert_eq!(schema_values::<Provider>(), serde_json::json!(Provider::ALL.iter().map(Provider::as_str).collect::<Vec<_>>()));
        assert_eq!(schema_values::<crate::FilterOp>()[1], "notequals");
    }
}
