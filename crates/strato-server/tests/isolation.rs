//! Tenant isolation: a member of project A cannot see or touch project B's objects (404), cannot
//! widen their scope (403), and a viewer cannot write (403).

mod common;

use common::{fake_account, Backend, TestApp};
use serde_json::json;


async fn member_sees_only_own_project(backend: Backend) {
    let t = TestApp::start(backend).await;
    let alice = t.user_in_project("alice", "pa", "member").await;
    let bob = t.user_in_project("bob", "pb", "member").await;

    let a1 = t.post("/cloudaccounts", &alice, fake_account("a1", "pa")).await;
    let a1_id = a1.assert_status(201)["id"].as_str().unwrap().to_string();
    let b1 = t.post("/cloudaccounts", &bob, fake_account("b1", "pb")).await;
    let b1_id = b1.assert_status(201)["id"].as_str().unwrap().to_string();

    // Alice lists only her account.
    let list = t.get("/cloudaccounts", &alice).await;
    let body = list.assert_status(200);
    assert_eq!(body["total"], 1, "{list:?}");
    assert_eq!(body["cloudaccounts"][0]["name"], "a1");
    let projects = t.get("/projects", &alice).await;
    assert_eq!(projects.assert_status(200)["total"], 1, "{projects:?}");

    // Bob's objects are 404 for Alice, by id and by name, for show, update and delete.
    for key in [b1_id.as_str(), "b1"] {
        t.get(&format!("/cloudaccounts/{key}"), &alice).await.assert_error(404, "NotFoundError");
        t.put(&format!("/cloudaccounts/{key}"), &alice, json!({"description": "mine now"}))
            .await
            .assert_error(404, "NotFoundError");
        t.delete(&format!("/cloudaccounts/{key}"), &alice).await.assert_error(404, "NotFoundError");
    }
    t.get("/projects/pb", &alice).await.assert_error(404, "NotFoundError");
    t.put("/projects/pb", &alice, json!({"description": "x"})).await.assert_error(404, "NotFoundError");
    t.delete("/projects/pb", &alice).await.assert_error(404, "NotFoundError");
    // Creating into a project she is not in is a 404 on the project, not a 403.
    t.post("/cloudaccounts", &alice, fake_account("sneaky", "pb")).await.assert_error(404, "NotFoundError");
    // Bob's account is untouched.
    let shown = t.get(&format!("/cloudaccounts/{b1_id}"), &bob).await;
    assert_eq!(shown.assert_status(200)["description"], "");
    t.get(&format!("/cloudaccounts/{a1_id}"), &alice).await.assert_status(200);
}

async fn member_cannot_widen_scope(backend: Backend) {
    let t = TestApp::start(backend).await;
    let alice = t.user_in_project("alice", "pa", "member").await;
    for path in ["/cloudaccounts?scope=system", "/projects?scope=domain", "/users?scope=system", "/zones?scope=domain"] {
        t.get(path, &alice).await.assert_error(403, "ForbiddenError");
    }
    t.get("/cloudaccounts?scope=project", &alice).await.assert_status(200);
    // Admin may use every scope; the default is the widest.
    for path in ["/cloudaccounts?scope=system", "/projects?scope=domain", "/projects"] {
        t.get(path, &t.admin_token).await.assert_status(200);
    }
    // A member cannot create projects, users or domains.
    t.post("/projects", &alice, json!({"name": "mine"})).await.assert_error(403, "ForbiddenError");
    t.post("/users", &alice, json!({"name": "eve", "password": "pw-123456-Zq7xK2"})).await.assert_error(403, "ForbiddenError");
    t.post("/domains", &alice, json!({"name": "d2"})).await.assert_error(403, "ForbiddenError");
}

async fn viewer_cannot_write(backend: Backend) {
    let t = TestApp::start(backend).await;
    let _alice = t.user_in_project("alice", "pa", "member").await;
    let victor = t.user_in_project("victor", "pa", "viewer").await;
    t.post("/cloudaccounts", &t.admin_token, fake_account("a1", "pa")).await.assert_status(201);
    // The viewer sees it...
    t.get("/cloudaccounts/a1", &victor).await.assert_status(200);
    assert_eq!(t.get("/cloudaccounts", &victor).await.assert_status(200)["total"], 1);
    // ...but cannot change it.
    t.put("/cloudaccounts/a1", &victor, json!({"description": "x"})).await.assert_error(403, "ForbiddenError");
    t.delete("/cloudaccounts/a1", &victor).await.assert_error(403, "ForbiddenError");
    t.post("/cloudaccounts", &victor, fake_account("v1", "pa")).await.assert_error(403, "ForbiddenError");
}

async fn domain_admin_scope(backend: Backend) {
    let t = TestApp::start(backend).await;
    let admin = t.admin_token.clone();
    t.post("/domains", &admin, json!({"name": "d2"})).await.assert_status(201);
    t.post("/projects", &admin, json!({"name": "p2", "domain": "d2"})).await.assert_status(201);
    t.post("/users", &admin, json!({"name": "dora", "password": "d2-Zq7xK2mN9-pw", "domain": "d2"})).await.assert_status(201);
    t.post("/role_assignments", &admin, json!({"user": "dora", "domain": "d2", "role": "admin"}))
        .await
        .assert_status(201);
    let answer = t
        .call(
            axum::http::Method::POST,
            "/auth/login",
            None,
            Some(json!({"username": "dora", "password": "d2-Zq7xK2mN9-pw", "domain": "d2"})),
        )
        .await;
    let dora = answer.assert_status(200)["token"].as_str().unwrap().to_string();
    // Domain scope is her default; she sees d2's project and not the default domain's.
    let projects = t.get("/projects", &dora).await;
    let body = projects.assert_status(200);
    assert_eq!(body["total"], 1, "{projects:?}");
    assert_eq!(body["projects"][0]["name"], "p2");
    t.get("/projects?scope=domain", &dora).await.assert_status(200);
    t.get("/projects?scope=system", &dora).await.assert_error(403, "ForbiddenError");
    t.get("/projects/system", &dora).await.assert_error(404, "NotFoundError");
    // She can create projects in her domain.
    t.post("/projects", &dora, json!({"name": "p3"})).await.assert_status(201);
    let whoami = t.get("/auth/whoami", &dora).await;
    let who = whoami.assert_status(200);
    assert_eq!(who["user"]["name"], "dora");
    assert_eq!(who["domain"]["name"], "d2");
    assert_eq!(who["system_admin"], false);
}

both_backends!(member_sees_only_own_project, member_cannot_widen_scope, viewer_cannot_write, domain_admin_scope);
