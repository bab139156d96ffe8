//! A secret sent with the wrong JSON type is refused with a 400 that names the field but never
//! quotes the value, and the value does not reach the action log either.

mod common;

use common::{Backend, TestApp};
use serde_json::{json, Value};

/// Requests whose secret field has the wrong type, and the secret each carries.
fn wrongly_typed_secrets() -> Vec<(&'static str, Value, &'static str)> {
    vec![
        (
            "/cloudaccounts",
            json!({"name": "a1", "provider": "fake", "project": "system", "credentials": "hunter2-credentials-as-string"}),
            "hunter2-credentials-as-string",
        ),
        (
            "/cloudaccounts",
            json!({"name": "a1", "provider": "fake", "project": "system",
                   "credentials": {"access_key_id": "AK", "secret_access_key": 8_675_309_123_457_u64}}),
            "8675309123457",
        ),
        ("/users", json!({"name": "bob", "password": 31_415_926_535_u64}), "31415926535"),
        ("/users", json!({"name": "bob", "password": ["sekrit-in-an-array"]}), "sekrit-in-an-array"),
        ("/auth/login", json!({"username": "admin", "password": 27_182_818_284_u64}), "27182818284"),
        ("/auth/login", json!({"username": "admin", "password": {"x": "sekrit-in-a-map"}}), "sekrit-in-a-map"),
    ]
}

async fn wrongly_typed_secrets_are_never_quoted(backend: Backend) {
    let t = TestApp::start(backend).await;
    for (path, body, secret) in wrongly_typed_secrets() {
        let answer = t.post(path, &t.admin_token, body).await;
        answer.assert_error(400, "InvalidInputError");
        assert!(!answer.text.contains(secret), "{path} quoted the secret: {}", answer.text);
        // The field is named, so the caller knows what to fix.
        let field = answer.body["error"]["details"]["field"].as_str().unwrap_or_default().to_string();
        assert!(
            ["credentials", "credentials.secret_access_key", "password"].contains(&field.as_str()),
            "{path}: field {field:?} in {}",
            answer.text
        );
        assert!(answer.text.contains("wrong type"), "{path}: {}", answer.text);
    }
    let log = t.get("/actionlogs?limit=2000&scope=system", &t.admin_token).await;
    let log = log.assert_status(200);
    assert!(log["total"].as_u64().unwrap_or(0) >= 4, "the refused writes are logged: {log}");
    let text = log.to_string();
    for (_, _, secret) in wrongly_typed_secrets() {
        assert!(!text.contains(secret), "the action log keeps {secret}: {text}");
    }
}

async fn wrong_enum_values_are_not_echoed_but_explained(backend: Backend) {
    let t = TestApp::start(backend).await;
    t.post("/projects", &t.admin_token, json!({"name": "p1"})).await.assert_status(201);
    let answer = t
        .post("/role_assignments", &t.admin_token, json!({"user": "admin", "project": "p1", "role": "Sekrit-Role"}))
        .await;
    answer.assert_error(400, "InvalidInputError");
    assert!(!answer.text.contains("Sekrit-Role"), "{}", answer.text);
    assert!(answer.text.contains("viewer"), "the accepted values are listed: {}", answer.text);
}

both_backends!(wrongly_typed_secrets_are_never_quoted, wrong_enum_values_are_not_echoed_but_explained);
