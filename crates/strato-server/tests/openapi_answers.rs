//! The OpenAPI document against what the server really answers: every field a synced kind
//! sends is in its view schema with a matching type, and documented limits are enforced.

mod common;

use common::{wait_synced, Backend, TestApp};
use serde_json::{json, Value};
use strato_cloud::kinds;

/// Whether `value` has one of the JSON types the property schema allows.
fn type_matches(property: &Value, value: &Value) -> bool {
    let allowed: Vec<&str> = match &property["type"] {
        Value::String(one) => vec![one.as_str()],
        Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
        // a `$ref` or `oneOf` (billing_type): checked by schemathesis, not here
        _ => return true,
    };
    let actual = match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    allowed.contains(&actual) || (actual == "integer" && allowed.contains(&"number"))
}

/// Checks one object against an object schema: no field it does not list, every required one
/// present, each of a documented type; answers what is wrong.
fn check_object(schema: &Value, object: &Value, at: &str) -> Vec<String> {
    let mut wrong = Vec::new();
    let (Some(properties), Some(fields)) = (schema["properties"].as_object(), object.as_object()) else {
        return vec![format!("{at}: not an object schema and object")];
    };
    for (field, value) in fields {
        match properties.get(field) {
            None => wrong.push(format!("{at}.{field}: sent but not in the schema")),
            Some(property) if !type_matches(property, value) => {
                wrong.push(format!("{at}.{field}: {value} does not have the documented type {}", property["type"]))
            }
            Some(property) => {
                if let (Some(items), Some(rows)) = (property.get("items"), value.as_array()) {
                    for (i, row) in rows.iter().enumerate() {
                        wrong.extend(check_object(items, row, &format!("{at}.{field}[{i}]")));
                    }
                }
            }
        }
    }
    for required in schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
        if !fields.contains_key(required) {
            wrong.push(format!("{at}.{required}: required but not sent"));
        }
    }
    wrong
}

async fn every_field_a_kind_answers_is_in_its_schema(backend: Backend) {
    let t = TestApp::start(backend).await;
    let admin = t.admin_token.clone();
    t.post("/cloudaccounts", &admin, json!({"name": "fake1", "provider": "fake", "project": "system"})).await.assert_status(201);
    wait_synced(&t, &admin, "fake1").await;
    let doc: Value = serde_json::from_str(&strato_server::openapi::document_json()).expect("valid JSON");
    let mut wrong = Vec::new();
    for kind in kinds::served() {
        let schema = &doc["components"]["schemas"][kind.view_schema_name()];
        assert!(schema.is_object(), "no schema {}", kind.view_schema_name());
        for details in [false, true] {
            let page = t.get(&format!("/{}?scope=system&limit=2000&details={details}", kind.plural), &admin).await;
            let items = page.assert_status(200)[kind.plural].as_array().cloned().unwrap_or_default();
            assert!(!items.is_empty(), "the fake account synced no {}", kind.plural);
            for item in &items {
                wrong.extend(check_object(schema, item, &format!("{} (details={details})", kind.plural)));
            }
        }
        let first = t.get(&format!("/{}?scope=system&limit=1", kind.plural), &admin).await.assert_status(200)[kind.plural][0]["id"].clone();
        let id = first.as_str().expect("an id");
        let shown = t.get(&format!("/{}/{id}?details=true", kind.plural), &admin).await.assert_status(200).clone();
        wrong.extend(check_object(schema, &shown, &format!("{}/{id}", kind.plural)));
    }
    wrong.dedup();
    assert!(wrong.is_empty(), "answers that break the document:\n{}", wrong.join("\n"));
}

async fn sync_history_limit_outside_the_documented_range_is_refused(backend: Backend) {
    let t = TestApp::start(backend).await;
    let admin = t.admin_token.clone();
    t.post("/cloudaccounts", &admin, json!({"name": "fake1", "provider": "fake", "project": "system"})).await.assert_status(201);
    for limit in ["0", "2001", "-1", "x"] {
        let answer = t.get(&format!("/cloudaccounts/fake1/sync_history?limit={limit}"), &admin).await;
        answer.assert_error(400, "InvalidInputError");
        assert_eq!(answer.body["error"]["details"]["field"], "limit", "{answer:?}");
    }
    for limit in ["1", "2000"] {
        t.get(&format!("/cloudaccounts/fake1/sync_history?limit={limit}"), &admin).await.assert_status(200);
    }
}

/// Each synced kind's list documents its `order_by` values: every one is accepted, and a field
/// it does not list is refused.
async fn every_documented_order_by_is_accepted(backend: Backend) {
    let t = TestApp::start(backend).await;
    let admin = t.admin_token.clone();
    let doc: Value = serde_json::from_str(&strato_server::openapi::document_json()).expect("valid JSON");
    for kind in kinds::served() {
        let parameters = doc["paths"][format!("/{}", kind.plural)]["get"]["parameters"].as_array().cloned().unwrap_or_default();
        let order_by = parameters.iter().find(|p| p["name"] == "order_by").expect("order_by documented");
        let values = order_by["schema"]["enum"].as_array().cloned().unwrap_or_default();
        assert!(values.len() > 5, "{}: order_by lists {values:?}", kind.plural);
        for value in values.iter().filter_map(Value::as_str) {
            t.get(&format!("/{}?scope=system&order_by={value}", kind.plural), &admin).await.assert_status(200);
        }
        t.get(&format!("/{}?scope=system&order_by=tags", kind.plural), &admin).await.assert_error(400, "InvalidInputError");
    }
}

both_backends!(
    every_field_a_kind_answers_is_in_its_schema,
    sync_history_limit_outside_the_documented_range_is_refused,
    every_documented_order_by_is_accepted
);
