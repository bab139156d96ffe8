//! Each synced kind's view schema (`ServerView`, ...): `ResourceView`'s common fields plus the
//! kind's typed columns and child rows, as the store declares them (its `KindDef`), so the
//! document lists exactly the fields `GET /<plural>/{id}` answers.

use strato_store::synced::query::ID_COLUMNS;
use strato_store::synced::{ChildDef, ColType, Column, Synced};
use strato_types::api::ResourceView;
use strato_cloud::kinds::KindMeta;
use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, KnownFormat, Object, ObjectBuilder, Schema, SchemaFormat, SchemaType, Type,
};
use utoipa::openapi::RefOr;
use utoipa::PartialSchema;

/// The view schema of one kind: closed (`additionalProperties: false`), every typed column and
/// child array required (they are always sent, `null` when unknown).
pub(crate) fn view_schema(kind: &KindMeta) -> RefOr<Schema> {
    let mut view = common_fields();
    view.description = Some(format!("A synced {}: the common columns and its own fields.", kind.keyword()));
    let columns = kind.columns;
    if !columns.iter().any(|c| c.name == "vpc_id") {
        // `vpc` (the vpc's name with `details`) is only sent by kinds that have a vpc
        view.properties.remove("vpc");
    }
    for column in columns {
        view.properties.insert(column.name.to_string(), column_schema(column));
        view.required.push(column.name.to_string());
    }
    for child in kind.children {
        view.properties.insert(child.field.to_string(), child_schema(child));
        view.required.push(child.field.to_string());
    }
    view.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(false)));
    RefOr::T(Schema::Object(view))
}

/// The `order_by` values a kind's list accepts: its orderable fields, or empty for the default
/// order.
pub(crate) fn order_by_schema(kind: &'static KindMeta) -> RefOr<Schema> {
    let mut names: Vec<&str> = vec![""];
    names.extend(Synced::fields(kind).iter().filter(|f| f.orderable).map(|f| f.name));
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(names)).into()
}

/// `ResourceView`'s own schema: the common columns every kind answers.
fn common_fields() -> Object {
    match ResourceView::schema() {
        RefOr::T(Schema::Object(object)) => object,
        // ResourceView derives a plain object schema; anything else is a change to review here
        _ => Object::new(),
    }
}

fn column_schema(column: &Column) -> RefOr<Schema> {
    let builder = match column.ty {
        ColType::Text if ID_COLUMNS.contains(&column.name) => {
            ObjectBuilder::new().schema_type(nullable(Type::String)).format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
        }
        ColType::Text => ObjectBuilder::new().schema_type(nullable(Type::String)),
        ColType::Int => {
            ObjectBuilder::new().schema_type(nullable(Type::Integer)).format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        }
        ColType::Bool => ObjectBuilder::new().schema_type(Type::Boolean),
    };
    RefOr::T(Schema::Object(builder.build()))
}

/// Text and integer columns may be NULL in the store (the cloud did not say).
fn nullable(ty: Type) -> SchemaType {
    SchemaType::from_iter([ty, Type::Null])
}

fn child_schema(child: &ChildDef) -> RefOr<Schema> {
    let mut row = ObjectBuilder::new().additional_properties(Some(AdditionalProperties::FreeForm(false)));
    for column in child.columns {
        row = row.property(column.name, column_schema(column)).required(column.name);
    }
    ArrayBuilder::new().items(row).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use strato_cloud::kinds;
    use strato_cloud::ResourceKind;

    #[test]
    fn each_view_lists_the_common_and_the_typed_fields() {
        for kind in kinds::served() {
            let schema = serde_json::to_value(view_schema(kind)).unwrap();
            let def = kind;
            for field in ["id", "name", "status", "cloudaccount_id", "tags", "created_at"] {
                assert!(schema["required"].as_array().unwrap().iter().any(|f| f == field), "{} lacks {field}", kind.keyword());
            }
            for column in def.columns {
                assert!(schema["properties"].get(column.name).is_some(), "{} lacks {}", kind.keyword(), column.name);
            }
            assert_eq!(schema["additionalProperties"], false);
        }
        let servers = serde_json::to_value(view_schema(ResourceKind::Server.meta())).unwrap();
        assert_eq!(servers["properties"]["cpu"]["type"], serde_json::json!(["integer", "null"]));
        assert_eq!(servers["properties"]["disks"]["items"]["required"], serde_json::json!(["disk_id", "device"]));
        assert!(servers["properties"].get("vpc").is_some());
        let order_by = serde_json::to_value(order_by_schema(ResourceKind::Server.meta())).unwrap();
        for name in ["", "name", "created_at", "cpu", "memory_mb"] {
            assert!(order_by["enum"].as_array().unwrap().iter().any(|v| v == name), "{name}: {order_by}");
        }
        assert!(!order_by["enum"].as_array().unwrap().iter().any(|v| v == "tags"), "{order_by}");
        let skus = serde_json::to_value(view_schema(ResourceKind::Sku.meta())).unwrap();
        assert!(skus["properties"].get("vpc").is_none());
    }
}
