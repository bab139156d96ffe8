//! Login tokens expire; API tokens can be created, listed and revoked.

mod common;

use common::{Backend, TestApp};
use serde_json::json;

async fn login_tokens_expire(backend: Backend) {
    let t = TestApp::start_with_ttl(backend, 1).await;
    // The admin token from start() was issued with a 1 s TTL too.
    t.get("/auth/whoami", &t.admin_token).await.assert_status(200);
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    t.get("/auth/whoami", &t.admin_token).await.assert_error(401, "UnauthorizedError");
}

async fn api_tokens_create_list_revoke(backend: Backend) {
    let t = TestApp::start(backend).await;
    let created = t.post("/tokens", &t.admin_token, json!({"name": "ci"})).await;
    let body = created.assert_status(201).clone();
    let secret = body["token"].as_str().expect("secret shown once").to_string();
    let id = body["id"].as_str().unwrap().to_string();
    // No expiry asked for: the default of 90 days.
    let expires_at: chrono::DateTime<chrono::Utc> = body["expires_at"].as_str().expect("expires_at").parse().unwrap();
    let days = (expires_at - chrono::Utc::now()).num_days();
    assert!((89..=90).contains(&days), "{body}");

    // The API token works and says who it is.
    let who = t.get("/auth/whoami", &secret).await;
    assert_eq!(who.assert_status(200)["user"]["name"], "admin");

    // Listing and showing never reveal the secret.
    let list = t.get("/tokens", &secret).await;
    assert!(!list.text.contains(&secret));
    assert!(list.assert_status(200)["tokens"].as_array().unwrap().iter().any(|tok| tok["name"] == "ci"));
    let shown = t.get(&format!("/tokens/{id}"), &secret).await;
    assert!(shown.assert_status(200).get("token").is_none(), "{shown:?}");
    assert!(!shown.text.contains(&secret));
    t.get("/tokens/ci", &t.admin_token).await.assert_status(200);

    // Revoking works at once on this replica, even though the token was just cached.
    t.delete(&format!("/tokens/{id}"), &t.admin_token).await.assert_status(200);
    t.get("/auth/whoami", &secret).await.assert_error(401, "UnauthorizedError");
    t.get(&format!("/tokens/{id}"), &t.admin_token).await.assert_error(404, "NotFoundError");
    // Duplicate names and bad names are refused.
    t.post("/tokens", &t.admin_token, json!({"name": "ci2"})).await.assert_status(201);
    t.post("/tokens", &t.admin_token, json!({"name": "ci2"})).await.assert_error(409, "ConflictError");
    t.post("/tokens", &t.admin_token, json!({"name": "bad name"})).await.assert_error(400, "InvalidInputError");
}

async fn api_tokens_expire(backend: Backend) {
    let t = TestApp::start(backend).await;
    let created = t.post("/tokens", &t.admin_token, json!({"name": "short", "expires_in_secs": 1})).await;
    let body = created.assert_status(201).clone();
    assert!(body["expires_at"].is_string());
    let secret = body["token"].as_str().unwrap().to_string();
    t.get("/auth/whoami", &secret).await.assert_status(200);
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    t.get("/auth/whoami", &secret).await.assert_error(401, "UnauthorizedError");
}

async fn users_see_only_their_tokens(backend: Backend) {
    let t = TestApp::start(backend).await;
    let alice = t.user_in_project("alice", "pa", "member").await;
    let created = t.post("/tokens", &t.admin_token, json!({"name": "admins"})).await;
    let id = created.assert_status(201)["id"].as_str().unwrap().to_string();
    t.get(&format!("/tokens/{id}"), &alice).await.assert_error(404, "NotFoundError");
    t.delete(&format!("/tokens/{id}"), &alice).await.assert_error(404, "NotFoundError");
    let list = t.get("/tokens", &alice).await;
    assert!(list.assert_status(200)["tokens"].as_array().unwrap().iter().all(|tok| tok["name"] != "admins"));
    t.get("/tokens?scope=system", &alice).await.assert_error(403, "ForbiddenError");
}

async fn disabled_users_lose_access(backend: Backend) {
    let t = TestApp::start(backend).await;
    let alice = t.user_in_project("alice", "pa", "member").await;
    t.get("/auth/whoami", &alice).await.assert_status(200);
    t.put("/users/alice", &t.admin_token, json!({"enabled": false})).await.assert_status(200);
    t.get("/auth/whoami", &alice).await.assert_error(401, "UnauthorizedError");
    t.call(
        axum::http::Method::POST,
        "/auth/login",
        None,
        Some(json!({"username": "alice", "password": common::user_password("alice")})),
    )
    .await
    .assert_error(401, "UnauthorizedError");
}

both_backends!(
    login_tokens_expire,
    api_tokens_create_list_revoke,
    api_tokens_expire,
    users_see_only_their_tokens,
    disabled_users_lose_access
);
