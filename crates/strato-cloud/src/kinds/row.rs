//! The row sync writes for a snapshot: common values every kind has, then the kind's typed
//! columns. A kind declares its row as a struct with [`synced_row!`](crate::synced_row), which
//! generates the column list (names and types, for the store) and the values (in that order,
//! for sync) from the same fields, so the two cannot disagree.

use crate::kinds::{Kind, ResourceKind};
use crate::snapshot::{Billing, ExtResource};

/// Type of a column (decides how a NULL is bound, so PostgreSQL accepts it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    Text,
    Int,
    Bool,
}

/// One value of a synced column.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value {
    Text(Option<String>),
    Int(Option<i64>),
    Bool(bool),
}

impl Value {
    pub fn text(s: impl Into<String>) -> Value {
        Value::Text(Some(s.into()))
    }
    /// The value as the change log shows it (`None` for NULL).
    pub fn render(&self) -> Option<String> {
        match self {
            Value::Text(t) => t.clone(),
            Value::Int(i) => i.map(|i| i.to_string()),
            Value::Bool(b) => Some(b.to_string()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub name: &'static str,
    pub ty: ColType,
    /// Whether the column holds NULLs (an `Option` field).
    pub nullable: bool,
}

/// A child table rewritten with its parent (rows belong to one parent row).
#[derive(Debug, Clone, Copy)]
pub struct ChildDef {
    pub table: &'static str,
    pub parent_column: &'static str,
    /// Columns after the parent column, in order.
    pub columns: &'static [Column],
    /// Name of the field in the change log.
    pub field: &'static str,
}

/// Common columns sync writes, in this order, before the kind's typed columns.
pub const SYNCED_COMMON: [Column; 7] = [
    Column { name: "name", ty: ColType::Text, nullable: false },
    Column { name: "status", ty: ColType::Text, nullable: false },
    Column { name: "zone_id", ty: ColType::Text, nullable: true },
    Column { name: "tags", ty: ColType::Text, nullable: false },
    Column { name: "billing_type", ty: ColType::Text, nullable: true },
    Column { name: "expires_at", ty: ColType::Int, nullable: true },
    Column { name: "auto_renew", ty: ColType::Bool, nullable: false },
];

/// A Rust type a row field may have, with the column type it is stored as. Numbers are
/// stored as 64-bit integers; lists and maps as JSON text.
pub trait ColumnValue {
    const TYPE: ColType;
    const NULLABLE: bool = false;
    fn into_value(self) -> Value;
}

impl ColumnValue for String {
    const TYPE: ColType = ColType::Text;
    fn into_value(self) -> Value {
        Value::Text(Some(self))
    }
}

impl ColumnValue for Option<String> {
    const TYPE: ColType = ColType::Text;
    const NULLABLE: bool = true;
    fn into_value(self) -> Value {
        Value::Text(self)
    }
}

impl ColumnValue for i64 {
    const TYPE: ColType = ColType::Int;
    fn into_value(self) -> Value {
        Value::Int(Some(self))
    }
}

impl ColumnValue for Option<i64> {
    const TYPE: ColType = ColType::Int;
    const NULLABLE: bool = true;
    fn into_value(self) -> Value {
        Value::Int(self)
    }
}

impl ColumnValue for bool {
    const TYPE: ColType = ColType::Bool;
    fn into_value(self) -> Value {
        Value::Bool(self)
    }
}

/// A list stored as a JSON array (`private_ips`, `network_ids`).
impl ColumnValue for Vec<String> {
    const TYPE: ColType = ColType::Text;
    fn into_value(self) -> Value {
        Value::Text(Some(serde_json::to_string(&self).unwrap_or_else(|_| "[]".into())))
    }
}

/// The typed columns of a kind (and of its child tables).
pub trait Row {
    const COLUMNS: &'static [Column];
    const CHILDREN: &'static [ChildDef];
    /// The typed values in `COLUMNS` order, and each child table's rows in `CHILDREN` order.
    fn into_values(self) -> (Vec<Value>, Vec<Vec<Vec<Value>>>);
}

/// Declares a kind's row: a struct whose fields are its typed columns (in table order), and
/// optionally child tables (`children { disks: Vec<ServerDiskRow> in "server_disks" by
/// "server_id" }`). Field types are [`ColumnValue`]s.
#[macro_export]
macro_rules! synced_row {
    (
        $(#[$meta:meta])* pub struct $name:ident { $($(#[$fmeta:meta])* $field:ident : $ty:ty),* $(,)? }
        $(children { $($child:ident : Vec<$cty:ty> in $table:literal by $parent:literal),* $(,)? })?
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name {
            $($(#[$fmeta])* pub $field: $ty,)*
            $($(pub $child: Vec<$cty>,)*)?
        }

        impl $crate::kinds::Row for $name {
            const COLUMNS: &'static [$crate::kinds::Column] = &[
                $($crate::kinds::Column {
                    name: stringify!($field),
                    ty: <$ty as $crate::kinds::ColumnValue>::TYPE,
                    nullable: <$ty as $crate::kinds::ColumnValue>::NULLABLE,
                }),*
            ];
            const CHILDREN: &'static [$crate::kinds::ChildDef] = &[
                $($($crate::kinds::ChildDef {
                    table: $table,
                    parent_column: $parent,
                    columns: <$cty as $crate::kinds::Row>::COLUMNS,
                    field: stringify!($child),
                }),*)?
            ];
            // the pushes are one per child table, which a `vec![]` cannot spell in this macro
            #[allow(clippy::vec_init_then_push)]
            fn into_values(self) -> (Vec<$crate::kinds::Value>, Vec<Vec<Vec<$crate::kinds::Value>>>) {
                let values = vec![$($crate::kinds::ColumnValue::into_value(self.$field)),*];
                #[allow(unused_mut)]
                let mut children: Vec<Vec<Vec<$crate::kinds::Value>>> = Vec::new();
                $($(children.push(self.$child.into_iter().map(|c| $crate::kinds::Row::into_values(c).0).collect());)*)?
                (values, children)
            }
        }
    };
}

/// Local ids of the rows sync already holds, for references between kinds.
pub trait Resolve {
    /// The local id (text) of the `kind` resource with this external id, if synced.
    fn id(&self, kind: ResourceKind, external_id: &str) -> Option<String>;
    /// The provider name of the account being synced.
    fn provider(&self) -> &str;
    fn id_opt(&self, kind: ResourceKind, external_id: Option<&str>) -> Option<String> {
        external_id.and_then(|e| self.id(kind, e))
    }
}

/// The state sync wants for one resource, before its local name is chosen.
#[derive(Debug, Clone)]
pub struct Desired {
    pub external_id: String,
    pub cloud_name: String,
    /// `SYNCED_COMMON` minus the name (status, zone, tags, billing...) then typed columns.
    pub values: Vec<Value>,
    pub children: Vec<Vec<Vec<Value>>>,
}

/// Common values of a snapshot after the name: status, zone, tags, billing.
pub fn common_values<K: Kind>(ext: &K::Ext, cx: &dyn Resolve) -> Vec<Value> {
    let base = ext.base();
    let tags = serde_json::to_string(&base.tags).unwrap_or_else(|_| "{}".into());
    let (billing_type, expires_at, auto_renew) = if K::META.billing {
        let Billing { billing_type, expires_at, auto_renew } = &base.billing;
        (Value::text(billing_type.as_str()), Value::Int(expires_at.map(|t| t.timestamp_micros())), Value::Bool(*auto_renew))
    } else {
        (Value::Text(None), Value::Int(None), Value::Bool(false))
    };
    vec![
        Value::text(K::stored_status(ext)),
        Value::Text(cx.id_opt(ResourceKind::Zone, K::zone(ext))),
        Value::Text(Some(tags)),
        billing_type,
        expires_at,
        auto_renew,
    ]
}

/// The row sync wants for a snapshot of kind `K`.
pub fn desired<K: Kind>(ext: &K::Ext, cx: &dyn Resolve) -> Desired {
    let mut values = common_values::<K>(ext, cx);
    let (typed, children) = K::row(ext, cx).into_values();
    values.extend(typed);
    Desired { external_id: ext.external_id().to_string(), cloud_name: ext.name().to_string(), values, children }
}
