//! docs/openapi.json must be exactly the document the code generates.

const REGENERATE: &str = "STRATO_UPDATE_OPENAPI=1 cargo nextest run -p strato-server openapi";

#[test]
fn openapi_document_matches_checked_in_copy() {
    let generated = strato_server::openapi::document_json();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
    if std::env::var_os("STRATO_UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &generated).expect("writing docs/openapi.json");
        return;
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    if checked_in != generated {
        let first_difference = checked_in
            .lines()
            .zip(generated.lines())
            .enumerate()
            .find(|(_, (a, b))| a != b)
            .map(|(i, (a, b))| format!("first difference at line {}:\n  checked in: {a}\n  generated:  {b}", i + 1))
            .unwrap_or_else(|| "one is a prefix of the other".to_string());
        panic!(
            "docs/openapi.json differs from the OpenAPI document generated from the code ({first_difference}).\n\
             Regenerate it with:\n    {REGENERATE}\nand commit the result."
        );
    }
}

#[test]
fn openapi_document_lists_every_kind() {
    let doc: serde_json::Value = serde_json::from_str(&strato_server::openapi::document_json()).expect("valid JSON");
    assert_eq!(doc["openapi"].as_str().map(|v| v.starts_with("3.")), Some(true));
    for path in [
        "/auth/login",
        "/auth/whoami",
        "/domains",
        "/domains/{id}",
        "/projects",
        "/users",
        "/role_assignments",
        "/tokens",
        "/tokens/{id}",
        "/cloudaccounts",
        "/cloudaccounts/{id}",
        "/cloudaccounts/{id}/sync",
        "/cloudaccounts/{id}/sync_history",
        "/cloudaccounts/{id}/enable",
        "/cloudaccounts/{id}/disable",
        "/tasks/{id}",
        "/tasks",
        "/tasks/{id}/cancel",
        "/tasks/{id}/retry",
        "/actionlogs",
        "/servers",
        "/servers/{id}",
        "/servers/{id}/changes",
        "/elasticsearches/{id}/changes",
        "/servers/{id}/stop",
        "/servers/{id}/change_config",
        "/disks",
        "/disks/{id}/attach",
        "/disks/{id}/resize",
        "/cloudregions",
        "/zones/{id}",
        "/healthz",
        "/readyz",
        "/metrics",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing from the OpenAPI document");
    }
    assert!(doc["paths"]["/cloudaccounts/{id}"].get("put").is_some());
    assert!(doc["components"]["schemas"].get("ErrorBody").is_some());
}

/// Every operation of the document, as (method, path, operation).
fn operations(doc: &serde_json::Value) -> Vec<(String, String, serde_json::Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            if operation.get("responses").is_some() {
                out.push((method.to_uppercase(), path.clone(), operation.clone()));
            }
        }
    }
    out
}

/// What docs/adding-an-endpoint.md asks of every endpoint: an operation id of its own, 401
/// unless it is public, 400 when it takes a query or a body, and the list limits.
#[test]
fn every_operation_declares_its_id_its_errors_and_its_limits() {
    let doc: serde_json::Value = serde_json::from_str(&strato_server::openapi::document_json()).expect("valid JSON");
    let mut ids = std::collections::BTreeMap::new();
    let mut missing = Vec::new();
    for (method, path, operation) in operations(&doc) {
        let name = format!("{method} {path}");
        match operation["operationId"].as_str() {
            Some(id) => {
                if let Some(other) = ids.insert(id.to_string(), name.clone()) {
                    missing.push(format!("{name}: operation id {id} is also {other}'s"));
                }
            }
            None => missing.push(format!("{name}: no operation id")),
        }
        let responses = &operation["responses"];
        let public = operation["security"] == serde_json::json!([{}]);
        if !public && responses.get("401").is_none() {
            missing.push(format!("{name}: no 401"));
        }
        let params = operation["parameters"].as_array().cloned().unwrap_or_default();
        let takes_query = params.iter().any(|p| p["in"] == "query");
        if (takes_query || operation.get("requestBody").is_some()) && responses.get("400").is_none() {
            missing.push(format!("{name}: takes input but documents no 400"));
        }
        if let Some(limit) = params.iter().find(|p| p["name"] == "limit" && p["in"] == "query") {
            if limit["schema"]["minimum"] != 1 || limit["schema"]["maximum"] != 2000 {
                missing.push(format!("{name}: limit is not documented as 1..=2000: {}", limit["schema"]));
            }
        }
    }
    assert!(missing.is_empty(), "operations not declaring what they must:\n{}", missing.join("\n"));
    assert_eq!(doc["components"]["schemas"]["Role"]["enum"], serde_json::json!(["admin", "member", "viewer"]));
}
