//! List answers: `{"<plural>": [...], "total": N, "limit": L, "offset": O}`.

use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

use super::cloud::{CloudAccountView, CloudRegionView, ZoneView};
use super::resource::ResourceView;
use super::identity::{DomainView, ProjectView, RoleAssignmentView, TokenView, UserView};
use super::actionlog::ActionLogView;
use super::task::TaskView;

/// The description of `total`, as `list_answer!` documents it.
const TOTAL_DOC: &str = "Number of objects matching the filters, ignoring limit and offset.";

macro_rules! list_answer {
    ($name:ident, $field:ident, $view:ty) => {
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
        pub struct $name {
            pub $field: Vec<$view>,
            /// Number of objects matching the filters, ignoring limit and offset.
            pub total: u64,
            pub limit: u64,
            pub offset: u64,
        }
    };
}

list_answer!(DomainList, domains, DomainView);
list_answer!(ProjectList, projects, ProjectView);
list_answer!(UserList, users, UserView);
list_answer!(RoleAssignmentList, role_assignments, RoleAssignmentView);
list_answer!(TokenList, tokens, TokenView);
list_answer!(CloudAccountList, cloudaccounts, CloudAccountView);
list_answer!(CloudRegionList, cloudregions, CloudRegionView);
list_answer!(ZoneList, zones, ZoneView);
list_answer!(TaskList, tasks, TaskView);
list_answer!(ActionLogList, actionlogs, ActionLogView);

/// The list answer of a synced kind: the array's key is the kind's plural, so one type serves
/// every kind, and each kind's OpenAPI schema is built from its declaration (`list_schema`).
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceList {
    /// The kind's plural: the array's key.
    pub plural: &'static str,
    pub items: Vec<ResourceView>,
    pub total: u64,
    pub limit: u64,
    pub offset: u64,
}

impl Serialize for ResourceList {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(4))?;
        map.serialize_entry(self.plural, &self.items)?;
        map.serialize_entry("total", &self.total)?;
        map.serialize_entry("limit", &self.limit)?;
        map.serialize_entry("offset", &self.offset)?;
        map.end()
    }
}

impl ResourceList {
    /// The OpenAPI schema of a kind's list answer: the same shape `list_answer!` derives for
    /// the other kinds, under the kind's `plural`, its items the kind's own view (the schema
    /// named `view_schema`, which the server builds from the kind's declaration).
    pub fn list_schema(plural: &str, view_schema: &str) -> RefOr<Schema> {
        let total = match u64::schema() {
            RefOr::T(Schema::Object(mut object)) => {
                object.description = Some(TOTAL_DOC.to_string());
                RefOr::T(Schema::Object(object))
            }
            other => other,
        };
        ObjectBuilder::new()
            .property(plural, ArrayBuilder::new().items(Ref::from_schema_name(view_schema)))
            .required(plural)
            .property("total", total)
            .required("total")
            .property("limit", u64::schema())
            .required("limit")
            .property("offset", u64::schema())
            .required("offset")
            .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synced_list_schema_has_the_shape_list_answer_derives() {
        let derived = serde_json::to_string(&TokenList::schema()).unwrap();
        for (plural, view) in [("servers", "ServerView"), ("elasticsearches", "ElasticsearchView")] {
            let built = serde_json::to_value(ResourceList::list_schema(plural, view)).unwrap();
            let expected = derived.replace("\"tokens\"", &format!("\"{plural}\"")).replace("TokenView", view);
            assert_eq!(built, serde_json::from_str::<serde_json::Value>(&expected).unwrap(), "{plural}");
        }
    }

    #[test]
    fn synced_list_serialises_under_the_plural_in_field_order() {
        let list = ResourceList { plural: "vpcs", items: Vec::new(), total: 3, limit: 20, offset: 0 };
        let text = serde_json::to_string(&list).unwrap();
        assert_eq!(text, r#"{"vpcs":[],"total":3,"limit":20,"offset":0}"#);
    }
}
