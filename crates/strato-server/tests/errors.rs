//! Every bad-input case answers its documented status with the JSON error body; none is a 500.

mod common;

use axum::body::Body;
use axum::http::{header, Method, Request};
use common::{Backend, TestApp};
use serde_json::json;

async fn malformed_json_is_400(backend: Backend) {
    let t = TestApp::start(backend).await;
    let request = Request::builder()
        .method(Method::POST)
        .uri("/projects")
        .header(header::AUTHORIZATION, format!("Bearer {}", t.admin_token))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{\"name\": "))
        .unwrap();
    t.raw(request).await.assert_error(400, "InvalidInputError");
    // Wrong types are 400 too (axum would say 422).
    t.post("/projects", &t.admin_token, json!({"name": 42})).await.assert_error(400, "InvalidInputError");
    // No JSON content type.
    let request = Request::builder()
        .method(Method::POST)
        .uri("/projects")
        .header(header::AUTHORIZATION, format!("Bearer {}", t.admin_token))
        .body(Body::from("{\"name\": \"p\"}"))
        .unwrap();
    t.raw(request).await.assert_error(400, "InvalidInputError");
}

async fn unknown_fields_are_400(backend: Backend) {
    let t = TestApp::start(backend).await;
    let answer = t.post("/projects", &t.admin_token, json!({"name": "p1", "colour": "red"})).await;
    answer.assert_error(400, "InvalidInputError");
    assert!(answer.text.contains("colour"), "{answer:?}");
    t.post("/auth/login", "", json!({"username": "admin", "password": "x", "extra": 1}))
        .await
        .assert_error(400, "InvalidInputError");
    t.get("/projects?colour=red", &t.admin_token).await.assert_error(400, "InvalidInputError");
}

async fn bad_filters_are_400(backend: Backend) {
    let t = TestApp::start(backend).await;
    for query in [
        "filter=name.like(x)",
        "filter=name.equals(",
        "filter=nosuchfield.equals(x)",
        "filter=.equals(x)",
        "filter=created_at.lt(yesterday)",
        "filter=enabled.equals(maybe)",
        "limit=0",
        "limit=5000",
        "limit=-1",
        "offset=x",
        "order=sideways",
        "order_by=nosuchfield",
        "order_by=name%3Bdrop",
        "scope=world",
        "details=perhaps",
    ] {
        let answer = t.get(&format!("/projects?{query}"), &t.admin_token).await;
        answer.assert_error(400, "InvalidInputError");
    }
}

async fn invalid_names_are_400(backend: Backend) {
    let t = TestApp::start(backend).await;
    let long = "a".repeat(129);
    for name in ["", "1abc", "-x", "a b", "a/b", "ünï", long.as_str(), "0190a5d0-0000-7000-8000-000000000000"] {
        t.post("/projects", &t.admin_token, json!({"name": name})).await.assert_error(400, "InvalidInputError");
        t.post("/users", &t.admin_token, json!({"name": name, "password": "pw-123456-Zq7xK2"}))
            .await
            .assert_error(400, "InvalidInputError");
    }
    let ok = "a".repeat(128);
    t.post("/projects", &t.admin_token, json!({"name": ok})).await.assert_status(201);
}

async fn missing_or_bad_tokens_are_401(backend: Backend) {
    let t = TestApp::start(backend).await;
    t.call(Method::GET, "/projects", None, None).await.assert_error(401, "UnauthorizedError");
    t.get("/projects", "strato_not-a-real-token").await.assert_error(401, "UnauthorizedError");
    let request = Request::builder()
        .uri("/projects")
        .header(header::AUTHORIZATION, "Basic YWRtaW46eA==")
        .body(Body::empty())
        .unwrap();
    t.raw(request).await.assert_error(401, "UnauthorizedError");
    t.call(Method::POST, "/auth/login", None, Some(json!({"username": "admin", "password": "wrong"})))
        .await
        .assert_error(401, "UnauthorizedError");
    t.call(Method::POST, "/auth/login", None, Some(json!({"username": "nobody", "password": "wrong"})))
        .await
        .assert_error(401, "UnauthorizedError");
}

async fn duplicates_are_409(backend: Backend) {
    let t = TestApp::start(backend).await;
    t.post("/projects", &t.admin_token, json!({"name": "dup"})).await.assert_status(201);
    t.post("/projects", &t.admin_token, json!({"name": "dup"})).await.assert_error(409, "ConflictError");
    t.post("/users", &t.admin_token, json!({"name": "admin", "password": "x-123456-Zq7xK2"}))
        .await
        .assert_error(409, "ConflictError");
    // Renaming onto an existing name is a conflict too.
    t.post("/projects", &t.admin_token, json!({"name": "other"})).await.assert_status(201);
    t.put("/projects/other", &t.admin_token, json!({"name": "dup"})).await.assert_error(409, "ConflictError");
}

async fn oversized_bodies_are_413(backend: Backend) {
    let t = TestApp::start(backend).await;
    let big = "x".repeat(strato_server::BODY_LIMIT_BYTES + 10);
    let answer = t.post("/projects", &t.admin_token, json!({"name": "p", "description": big})).await;
    answer.assert_error(413, "PayloadTooLargeError");
    // Also when the length is only known while streaming (no Content-Length).
    let body = Body::from_stream(futures_stream(big.into_bytes()));
    let request = Request::builder()
        .method(Method::POST)
        .uri("/projects")
        .header(header::AUTHORIZATION, format!("Bearer {}", t.admin_token))
        .header(header::CONTENT_TYPE, "application/json")
        .body(body)
        .unwrap();
    t.raw(request).await.assert_error(413, "PayloadTooLargeError");
}

fn futures_stream(bytes: Vec<u8>) -> impl futures::Stream<Item = Result<Vec<u8>, std::io::Error>> + Send {
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = bytes.chunks(64 * 1024).map(|c| Ok(c.to_vec())).collect();
    futures::stream::iter(chunks)
}

async fn unknown_routes_and_methods(backend: Backend) {
    let t = TestApp::start(backend).await;
    t.get("/no/such/route", &t.admin_token).await.assert_error(404, "NotFoundError");
    t.call(Method::GET, "/nothing-here", None, None).await.assert_error(404, "NotFoundError");
    let answer = t.call(Method::PATCH, "/projects", Some(&t.admin_token), None).await;
    answer.assert_error(405, "MethodNotAllowedError");
    t.call(Method::DELETE, "/healthz", None, None).await.assert_error(405, "MethodNotAllowedError");
}

async fn missing_objects_are_404(backend: Backend) {
    let t = TestApp::start(backend).await;
    for path in [
        "/projects/nope",
        "/projects/0190a5d0-0000-7000-8000-000000000000",
        "/users/nope",
        "/domains/nope",
        "/cloudaccounts/nope",
        "/cloudregions/nope",
        "/zones/nope",
        "/tokens/nope",
        "/role_assignments/0190a5d0-0000-7000-8000-000000000000",
    ] {
        t.get(path, &t.admin_token).await.assert_error(404, "NotFoundError");
    }
    t.put("/projects/nope", &t.admin_token, json!({"description": "x"})).await.assert_error(404, "NotFoundError");
    t.delete("/cloudaccounts/nope", &t.admin_token).await.assert_error(404, "NotFoundError");
}

/// A grab bag of odd requests: every one must answer a 4xx with the JSON error body.
async fn odd_requests_never_500(backend: Backend) {
    let t = TestApp::start(backend).await;
    let admin = t.admin_token.clone();
    t.post("/projects", &admin, json!({"name": "p1"})).await.assert_status(201);
    t.post("/users", &admin, json!({"name": "u1", "password": "u1-password-Zq7"})).await.assert_status(201);
    t.post("/role_assignments", &admin, json!({"user": "u1", "project": "p1", "role": "member"})).await.assert_status(201);
    let long = "x".repeat(5000);
    let gets = [
        "/projects/%FF%FE".to_string(),
        format!("/projects/{long}"),
        format!("/projects?search={long}"),
        "/projects?filter=name.in()".into(),
        "/projects?filter=name.lt(a,b)".into(),
        "/projects?filter=domain.gt(x)&order_by=domain".into(),
        "/projects?order_by=domain".into(),
        "/projects?offset=99999999999999999999".into(),
        "/projects?limit=1&limit=abc".into(),
        "/cloudaccounts?filter=provider.equals(gcp)".into(),
        "/cloudaccounts?filter=created_at.ge(2020-13-45T00:00:00Z)".into(),
        "/cloudaccounts?filter=id.equals(not-a-uuid)".into(),
        "/tokens?filter=kind.equals(other)".into(),
        "/role_assignments/not-a-uuid".into(),
    ];
    for path in &gets {
        let answer = t.get(path, &admin).await;
        assert!(answer.status.is_client_error(), "{path}: {answer:?}");
        assert!(answer.body["error"]["class"].is_string(), "{path}: {answer:?}");
    }
    let posts = [
        ("/role_assignments", json!({"user": "u1", "project": "p1", "role": "member"})),
        ("/role_assignments", json!({"user": "nobody", "project": "p1", "role": "member"})),
        ("/role_assignments", json!({"user": "u1", "project": "nope", "role": "member"})),
        ("/role_assignments", json!({"user": "u1", "role": "member"})),
        ("/role_assignments", json!({"user": "u1", "domain": "nope", "role": "admin"})),
        ("/projects", json!({"name": "p2", "domain": "nope"})),
        ("/projects", json!([1, 2, 3])),
        ("/projects", json!(null)),
        ("/users", json!({"name": "u2", "password": ""})),
        ("/users", json!({"name": "u2", "password": "x".repeat(2000)})),
        ("/users", json!({"name": "u2", "password": "pw-123456-Zq7xK2", "email": "a\u{0}b"})),
        ("/tokens", json!({"name": "t", "expires_in_secs": 0})),
        ("/tokens", json!({"name": "t", "expires_in_secs": u64::MAX})),
        ("/tokens", json!({"name": "t", "expires_in_secs": -1})),
        ("/cloudaccounts", json!({"name": "a", "provider": "aws", "credentials": {"k": 1}})),
        ("/cloudaccounts", json!({"name": "a", "provider": "aws", "credentials": {"": "v"}})),
        ("/cloudaccounts", json!({"name": "a", "provider": "fake", "endpoint": "ftp://x"})),
        ("/cloudaccounts", json!({"name": "a", "provider": "fake", "regions": ["bad region"]})),
        ("/cloudaccounts", json!({"name": "a", "provider": "fake", "project": "nope"})),
        ("/domains", json!({"name": "default"})),
        ("/auth/login", json!({"username": "admin", "password": "x", "domain": "nope"})),
        ("/auth/login", json!({"username": long, "password": "x"})),
    ];
    for (path, body) in posts {
        let answer = t.post(path, &admin, body.clone()).await;
        assert!(answer.status.is_client_error(), "{path} {body}: {answer:?}");
        assert!(answer.body["error"]["class"].is_string(), "{path}: {answer:?}");
    }
    t.put("/projects/p1", &admin, json!({"name": ""})).await.assert_error(400, "InvalidInputError");
    t.put("/projects/p1", &admin, json!({"domain": "x"})).await.assert_error(400, "InvalidInputError");
    t.put("/users/u1", &admin, json!({"password": ""})).await.assert_error(400, "InvalidInputError");
    t.delete("/domains/default", &admin).await.assert_error(409, "ConflictError");
    t.delete("/role_assignments/not-a-uuid", &admin).await.assert_error(404, "NotFoundError");
}

both_backends!(
    odd_requests_never_500,
    malformed_json_is_400,
    unknown_fields_are_400,
    bad_filters_are_400,
    invalid_names_are_400,
    missing_or_bad_tokens_are_401,
    duplicates_are_409,
    oversized_bodies_are_413,
    unknown_routes_and_methods,
    missing_objects_are_404,
);
