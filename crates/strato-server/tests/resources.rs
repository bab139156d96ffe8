//! CRUD of every kind through the router, paging, filters, ordering, details, and that cloud
//! credentials never come back in any answer.

mod common;

use common::{Backend, TestApp};
use serde_json::json;

const SECRET: &str = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY";
const KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";

async fn credentials_never_returned(backend: Backend) {
    let t = TestApp::start(backend).await;
    let admin = t.admin_token.clone();
    let create = json!({
        "name": "a1", "provider": "fake", "project": "system",
        "credentials": {"access_key_id": KEY_ID, "secret_access_key": SECRET},
        "endpoint": "http://127.0.0.1:5000", "regions": ["fake-region-1"], "description": "test"
    });
    let mut answers = Vec::new();
    let created = t.post("/cloudaccounts", &admin, create.clone()).await;
    let body = created.assert_status(201).clone();
    assert_eq!(body["provider"], "fake");
    // Checked with the cloud before it was saved.
    assert_eq!(body["status"], "connected");
    assert!(body["capabilities"].as_array().is_some_and(|c| !c.is_empty()), "{body}");
    assert_eq!(body["regions"], json!(["fake-region-1"]));
    assert!(body.get("credentials").is_none());
    let id = body["id"].as_str().unwrap().to_string();
    answers.push(created);
    answers.push(t.get("/cloudaccounts", &admin).await);
    answers.push(t.get("/cloudaccounts?details=true", &admin).await);
    answers.push(t.get(&format!("/cloudaccounts/{id}"), &admin).await);
    answers.push(t.get("/cloudaccounts/a1?details=true", &admin).await);
    answers.push(
        t.put(
            "/cloudaccounts/a1",
            &admin,
            json!({"credentials": {"access_key_id": KEY_ID, "secret_access_key": format!("{SECRET}2")}, "enabled": false}),
        )
        .await,
    );
    // A duplicate create's error message must not echo the secret either.
    answers.push(t.post("/cloudaccounts", &admin, create).await);
    answers.push(t.delete("/cloudaccounts/a1", &admin).await);
    for answer in &answers {
        assert!(!answer.text.contains(SECRET), "secret leaked: {}", answer.status);
        assert!(!answer.text.contains(KEY_ID), "key id leaked: {}", answer.status);
        assert!(!answer.text.contains("credentials"), "credentials field in answer: {}", answer.status);
    }
    assert_eq!(answers[5].body["enabled"], false);
    assert_eq!(answers[6].status.as_u16(), 409);
    assert_eq!(answers[7].status.as_u16(), 200);
    // A local provider needs no credentials.
    t.post("/cloudaccounts", &admin, json!({"name": "k1", "provider": "fake"})).await.assert_status(201);
    // Credentials are required for public clouds, and the provider must be known.
    t.post("/cloudaccounts", &admin, json!({"name": "a2", "provider": "aws"})).await.assert_error(400, "InvalidInputError");
    t.post("/cloudaccounts", &admin, json!({"name": "a2", "provider": "gcp", "credentials": {}}))
        .await
        .assert_error(400, "InvalidInputError");
}

async fn identity_crud(backend: Backend) {
    let t = TestApp::start(backend).await;
    let admin = t.admin_token.clone();
    // Domains.
    let d = t.post("/domains", &admin, json!({"name": "d1", "description": "first"})).await;
    assert_eq!(d.assert_status(201)["enabled"], true);
    let d = t.put("/domains/d1", &admin, json!({"description": "changed"})).await;
    assert_eq!(d.assert_status(200)["description"], "changed");
    assert!(t.get("/domains", &admin).await.assert_status(200)["total"].as_u64().unwrap() >= 2);
    // Projects, with details.
    let p = t.post("/projects", &admin, json!({"name": "p1", "description": "x"})).await;
    let p_id = p.assert_status(201)["id"].as_str().unwrap().to_string();
    let shown = t.get(&format!("/projects/{p_id}?details=true"), &admin).await;
    assert_eq!(shown.assert_status(200)["domain"], "default");
    let renamed = t.put("/projects/p1", &admin, json!({"name": "p1b"})).await;
    assert_eq!(renamed.assert_status(200)["name"], "p1b");
    // Users: the password is never returned.
    let u = t.post("/users", &admin, json!({"name": "carol", "password": "c-pw-1-Zq7xK2mN9", "email": "c@example.com"})).await;
    let u_body = u.assert_status(201).clone();
    assert!(u_body.get("password").is_none() && !u.text.contains("c-pw-1-Zq7xK2mN9"));
    assert_eq!(u_body["email"], "c@example.com");
    // Role assignments.
    let ra = t.post("/role_assignments", &admin, json!({"user": "carol", "project": "p1b", "role": "member"})).await;
    let ra_body = ra.assert_status(201).clone();
    assert_eq!(ra_body["role"], "member");
    let ra_id = ra_body["id"].as_str().unwrap().to_string();
    let listed = t.get("/role_assignments?details=true&filter=role.equals(member)", &admin).await;
    let listed = listed.assert_status(200);
    assert_eq!(listed["total"], 1);
    assert_eq!(listed["role_assignments"][0]["user"], "carol");
    t.post("/role_assignments", &admin, json!({"user": "carol", "project": "p1b", "role": "boss"}))
        .await
        .assert_error(400, "InvalidInputError");
    // Carol logs in and sees her project.
    let carol = t.login("carol", "c-pw-1-Zq7xK2mN9").await;
    let who = t.get("/auth/whoami", &carol).await;
    let who = who.assert_status(200);
    assert_eq!(who["roles"].as_array().unwrap().len(), 1);
    assert_eq!(t.get("/projects", &carol).await.assert_status(200)["projects"][0]["name"], "p1b");
    // Deleting the assignment takes her access away at once.
    t.delete(&format!("/role_assignments/{ra_id}"), &admin).await.assert_status(200);
    t.get("/projects/p1b", &carol).await.assert_error(404, "NotFoundError");
    // The system project and the admin are protected.
    t.delete("/projects/system", &admin).await.assert_error(409, "ConflictError");
    t.delete("/users/admin", &admin).await.assert_error(409, "ConflictError");
    t.delete("/users/carol", &admin).await.assert_status(200);
    t.delete("/projects/p1b", &admin).await.assert_status(200);
}

async fn paging_filters_ordering(backend: Backend) {
    let t = TestApp::start(backend).await;
    let admin = t.admin_token.clone();
    for i in 0..25 {
        t.post("/projects", &admin, json!({"name": format!("proj-{i:02}")})).await.assert_status(201);
    }
    let page = t.get("/projects?filter=name.startswith(proj-)", &admin).await;
    let body = page.assert_status(200);
    assert_eq!((body["total"].as_u64(), body["limit"].as_u64(), body["offset"].as_u64()), (Some(25), Some(20), Some(0)));
    assert_eq!(body["projects"].as_array().unwrap().len(), 20);
    let page = t.get("/projects?filter=name.startswith(proj-)&limit=10&offset=20&order_by=name&order=asc", &admin).await;
    let body = page.assert_status(200);
    let names: Vec<&str> = body["projects"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["proj-20", "proj-21", "proj-22", "proj-23", "proj-24"]);
    let page = t.get("/projects?order_by=name&order=desc&limit=1&search=proj", &admin).await;
    assert_eq!(page.assert_status(200)["projects"][0]["name"], "proj-24");
    let page = t.get("/projects?filter=name.in(proj-01,proj-02,system)", &admin).await;
    assert_eq!(page.assert_status(200)["total"], 3);
}

async fn regions_and_zones_read_only(backend: Backend) {
    let t = TestApp::start(backend).await;
    let admin = t.admin_token.clone();
    let list = t.get("/cloudregions", &admin).await;
    assert_eq!(list.assert_status(200)["cloudregions"], json!([]));
    let list = t.get("/zones?details=true", &admin).await;
    assert_eq!(list.assert_status(200)["total"], 0);
    t.post("/zones", &admin, json!({"name": "z"})).await.assert_error(405, "MethodNotAllowedError");
    t.delete("/cloudregions/x", &admin).await.assert_error(405, "MethodNotAllowedError");
}

both_backends!(credentials_never_returned, identity_crud, paging_filters_ordering, regions_and_zones_read_only);
