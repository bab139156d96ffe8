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
