//! Typed identifiers: one newtype over a UUID per kind, so an id of one kind can never be
//! passed where another kind's id is expected. New ids are UUIDv7 (time-ordered), which keeps
//! B-tree inserts local and makes ids sort roughly by creation time.

use std::fmt;
use std::str::FromStr;

/// The text given as an id is not a UUID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind} id {value:?}: expected a UUID")]
pub struct IdParseError {
    pub kind: &'static str,
    pub value: String,
}

/// Defines a typed id: `typed_id!(DomainId, "domain");`
#[macro_export]
macro_rules! typed_id {
    ($name:ident, $kind:literal) => {
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name($crate::__private::uuid::Uuid);

        impl $name {
            /// The kind name used in messages ("domain", "project", ...).
            pub const KIND: &'static str = $kind;

            /// A fresh, time-ordered (UUIDv7) id.
            pub fn new() -> Self {
                Self($crate::__private::uuid::Uuid::now_v7())
            }
            pub const fn from_uuid(uuid: $crate::__private::uuid::Uuid) -> Self {
                Self(uuid)
            }
            pub const fn as_uuid(&self) -> &$crate::__private::uuid::Uuid {
                &self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }

        impl ::std::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0.hyphenated())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::ids::IdParseError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $crate::__private::uuid::Uuid::try_parse(s)
                    .map(Self)
                    .map_err(|_| $crate::ids::IdParseError { kind: $kind, value: s.chars().take(64).collect() })
            }
        }

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(&self.0.hyphenated())
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <::std::borrow::Cow<'de, str> as $crate::__private::serde::Deserialize>::deserialize(deserializer)?;
                text.parse().map_err($crate::__private::serde::de::Error::custom)
            }
        }

        impl $crate::__private::utoipa::PartialSchema for $name {
            fn schema() -> $crate::__private::utoipa::openapi::RefOr<$crate::__private::utoipa::openapi::schema::Schema> {
                $crate::__private::utoipa::openapi::ObjectBuilder::new()
                    .schema_type($crate::__private::utoipa::openapi::schema::Type::String)
                    .format(Some($crate::__private::utoipa::openapi::SchemaFormat::KnownFormat(
                        $crate::__private::utoipa::openapi::KnownFormat::Uuid,
                    )))
                    .description(Some(concat!("Id of a ", $kind, " (UUIDv7).")))
                    .into()
            }
        }

        impl $crate::__private::utoipa::ToSchema for $name {}
    };
}

typed_id!(DomainId, "domain");
typed_id!(ProjectId, "project");
typed_id!(UserId, "user");
typed_id!(RoleAssignmentId, "role assignment");
typed_id!(TokenId, "token");
typed_id!(CloudAccountId, "cloud account");
typed_id!(CloudRegionId, "cloud region");
typed_id!(ZoneId, "zone");
typed_id!(TaskId, "task");
typed_id!(ActionLogId, "action log entry");

/// Whether `text` looks like an id (a UUID) rather than a name. Names are never UUIDs
/// (name validation rejects them), so "id or name" references are unambiguous.
pub fn looks_like_id(text: &str) -> bool {
    uuid::Uuid::try_parse(text).is_ok()
}

#[allow(dead_code)]
fn _assert_traits() {
    fn is_all<T: fmt::Display + FromStr + Copy + Send + Sync + 'static>() {}
    is_all::<DomainId>();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_as_strings() {
        let id = ProjectId::new();
        let text = id.to_string();
        assert_eq!(text.parse::<ProjectId>().unwrap(), id);
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{text}\""));
        let back: ProjectId = serde_json::from_str(&json).unwrap();
        assert_eq!(back, id);
        assert_eq!(id.as_uuid().get_version_num(), 7);
    }

    #[test]
    fn bad_ids_are_typed_errors() {
        let err = "nope".parse::<UserId>().unwrap_err();
        assert_eq!(err.kind, "user");
        assert!(err.to_string().contains("invalid user id"));
        assert!(serde_json::from_str::<UserId>("\"x\"").is_err());
    }

    #[test]
    fn later_ids_sort_after_earlier_ones() {
        let a = DomainId::new();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = DomainId::new();
        assert!(a.to_string() < b.to_string());
    }
}
