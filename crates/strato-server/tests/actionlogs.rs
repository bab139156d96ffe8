//! The action log through the router: what API writes, logins and task ends leave behind,
//! who may read it, its filters, and that no secret ever reaches it.

mod common;

use std::time::Duration;

use axum::http::Method;
use common::{Backend, TestApp};
use serde_json::{json, Value};

const SECRET: &str = "very-secret-key-never-logged";

fn fake_account(name: &str, project: &str) -> Value {
    json!({
        "name": name,
        "provider": "fake",
        "project": project,
        "credentials": {"seed": "7", "access_key_id": "AKIDEXAMPLE", "secret_access_key": SECRET},
    })
}

/// Entries `token` sees with these query parameters.
async fn entries(t: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let answer = t.get(&format!("/actionlogs?limit=2000&{query}"), token).await;
    let body = answer.assert_status(200);
    let items = body["actionlogs"].as_array().cloned().unwrap_or_default();
    assert_eq!(body["total"].as_u64(), Some(items.len() as u64), "{answer:?}");
    items
}

/// The one entry matching `query`.
#[track_caller]
fn only(list: Vec<Value>, what: &str) -> Value {
    assert_eq!(list.len(), 1, "{what}: {list:#?}");
    list.into_iter().next().unwrap_or_default()
}

async fn writes_failures_and_task_ends_are_logged(backend: Backend) {
    let t = TestApp::start(backend).await;
    let admin = t.admin_token.clone();
    let alice = t.user_in_project("alice", "pa", "member").await;
    let pa = t.get("/projects/pa", &admin).await.assert_status(200)["id"].as_str().unwrap().to_string();

    let request = axum::http::Request::builder()
        .method(Method::POST)
        .uri("/cloudaccounts")
        .header("authorization", format!("Bearer {alice}"))
        .header("content-type", "application/json")
        .header("x-request-id", "req-create-a1")
        .body(axum::body::Body::from(fake_account("a1", "pa").to_string()))
        .unwrap();
    let created = t.raw(request).await;
    let account_id = created.assert_status(201)["id"].as_str().unwrap().to_string();
    t.put("/cloudaccounts/a1", &alice, json!({"description": "mine"})).await.assert_status(200);
    t.post("/cloudaccounts", &alice, fake_account("a1", "pa")).await.assert_error(409, "ConflictError");

    // the create: the new id and name, the object's project, the caller, the request id
    let create = only(entries(&t, &admin, "filter=object_kind.equals(cloudaccount)&filter=action.equals(create)&filter=outcome.equals(success)").await, "create");
    assert_eq!(create["object_id"], account_id.as_str());
    assert_eq!(create["object_name"], "a1");
    assert_eq!(create["project_id"], pa.as_str());
    assert_eq!(create["user_name"], "alice");
    assert_eq!(create["request_id"], "req-create-a1");
    assert_eq!(create["error"], Value::Null);
    assert!(create["user_id"].is_string() && create["domain_id"].is_string(), "{create}");
    // the update: the object as the caller named it
    let update = only(entries(&t, &admin, "filter=action.equals(update)").await, "update");
    assert_eq!((&update["object_kind"], &update["object_id"], &update["outcome"]), (&json!("cloudaccount"), &json!("a1"), &json!("success")));
    assert!(update["request_id"].is_string(), "a request id is generated when none is sent: {update}");
    // the duplicate: a failure with what the caller was told, in the caller's project
    let failed = only(entries(&t, &admin, "filter=outcome.equals(failure)&filter=user.equals(alice)").await, "failure");
    assert_eq!((&failed["action"], &failed["object_kind"], &failed["project_id"]), (&json!("create"), &json!("cloudaccount"), &json!(pa)));
    assert!(failed["error"].as_str().is_some_and(|e| e.contains("already exists")), "{failed}");

    // the first sync's end: the task kind as action, the account as object, the owner as user
    let mut ended = Vec::new();
    for _ in 0..300 {
        ended = entries(&t, &admin, "filter=action.equals(cloudaccount.sync)").await;
        if !ended.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let ended = only(ended, "task end");
    assert_eq!((&ended["object_kind"], &ended["object_id"]), (&json!("cloudaccount"), &json!(account_id)));
    assert_eq!((&ended["outcome"], &ended["user_name"], &ended["project_id"]), (&json!("success"), &json!("alice"), &json!(pa)));
    assert_eq!(ended["request_id"], Value::Null);
    let task_id = ended["task_id"].as_str().expect("a task id").to_string();
    t.get(&format!("/tasks/{task_id}"), &alice).await.assert_status(200);
    assert_eq!(entries(&t, &admin, &format!("filter=task_id.equals({task_id})")).await.len(), 1);

    // an asynchronous action names its task
    let sync = t.post(&format!("/cloudaccounts/{account_id}/sync"), &alice, json!({})).await;
    let sync_task = sync.assert_status(202)["id"].as_str().unwrap().to_string();
    let action = only(entries(&t, &alice, "filter=action.equals(sync)").await, "sync");
    assert_eq!((&action["task_id"], &action["object_id"], &action["project_id"]), (&json!(sync_task), &json!(account_id), &json!(pa)));

    // a delete; reads leave nothing
    let before = entries(&t, &admin, "").await.len();
    t.get("/cloudaccounts", &alice).await.assert_status(200);
    t.get("/actionlogs", &alice).await.assert_status(200);
    assert_eq!(entries(&t, &admin, "").await.len(), before);
    t.post("/projects", &admin, json!({"name": "pz"})).await.assert_status(201);
    t.delete("/projects/pz", &admin).await.assert_status(200);
    let deleted = only(entries(&t, &admin, "filter=action.equals(delete)").await, "delete");
    assert_eq!((&deleted["object_kind"], &deleted["object_id"], &deleted["object_name"]), (&json!("project"), &json!("pz"), &json!("pz")));
    // unauthenticated writes name nobody and are not logged
    t.call(Method::POST, "/projects", None, Some(json!({"name": "anon"}))).await.assert_error(401, "UnauthorizedError");
    assert!(entries(&t, &admin, "filter=object_name.equals(anon)").await.is_empty());
}

async fn members_see_their_projects_and_filters_work(backend: Backend) {
    let t = TestApp::start(backend).await;
    let admin = t.admin_token.clone();
    let alice = t.user_in_project("alice", "pa", "member").await;
    let bob = t.user_in_project("bob", "pb", "member").await;
    t.post("/cloudaccounts", &alice, fake_account("a1", "pa")).await.assert_status(201);
    t.post("/cloudaccounts", &bob, fake_account("b1", "pb")).await.assert_status(201);
    t.put("/cloudaccounts/b1", &bob, json!({"enabled": false})).await.assert_status(200);
    t.post("/cloudaccounts/b1/enable", &bob, json!({})).await.assert_status(200);

    let pa = t.get("/projects/pa", &admin).await.assert_status(200)["id"].clone();
    let seen = entries(&t, &alice, "").await;
    assert!(seen.iter().any(|e| e["user_name"] == "alice"), "{seen:#?}");
    assert!(seen.iter().all(|e| e["project_id"] == pa), "alice sees another project's entries: {seen:#?}");
    assert!(seen.iter().all(|e| e["user_name"] != "bob"), "alice sees bob's entries: {seen:#?}");
    assert!(entries(&t, &alice, "filter=object_name.equals(b1)").await.is_empty());
    t.get("/actionlogs?scope=system", &alice).await.assert_error(403, "ForbiddenError");
    t.get("/actionlogs?scope=domain", &alice).await.assert_error(403, "ForbiddenError");

    // (task ends arrive while this runs; the API writes are fixed)
    let writes = "filter=action.in(create,update,enable)";
    let bobs = entries(&t, &bob, &format!("filter=user.equals(bob)&{writes}")).await;
    let actions: Vec<&str> = bobs.iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(actions, ["create", "update", "enable"], "{bobs:#?}");
    assert_eq!(entries(&t, &admin, "filter=action.equals(enable)").await.len(), 1);
    assert_eq!(only(entries(&t, &admin, "filter=action.equals(enable)").await, "enable")["object_id"], "b1");
    assert_eq!(entries(&t, &admin, "filter=user.equals(bob)&filter=outcome.equals(failure)").await.len(), 0);
    let all = entries(&t, &admin, writes).await;
    assert!(all.iter().any(|e| e["user_name"] == "alice") && all.iter().any(|e| e["user_name"] == "bob"));
    // time filters
    let newest = all.last().unwrap()["created_at"].as_str().unwrap().to_string();
    let later = entries(&t, &admin, &format!("{writes}&filter=created_at.ge({newest})")).await;
    assert!(!later.is_empty() && later.len() < all.len(), "{later:#?}");
    assert_eq!(entries(&t, &admin, &format!("{writes}&filter=created_at.le({newest})")).await.len(), all.len());
    let desc = t.get(&format!("/actionlogs?order=desc&limit=1&{writes}"), &admin).await;
    assert_eq!(desc.assert_status(200)["actionlogs"][0]["id"], all.last().unwrap()["id"]);

    for query in [
        "filter=outcome.equals(maybe)",
        "filter=nosuchfield.equals(x)",
        "filter=created_at.ge(yesterday)",
        "filter=user_id.equals(bob)",
        "order_by=nosuchfield",
        "scope=world",
    ] {
        t.get(&format!("/actionlogs?{query}"), &admin).await.assert_error(400, "InvalidInputError");
    }
}

async fn logins_are_logged_and_secrets_never_are(backend: Backend) {
    let t = TestApp::start(backend).await;
    let admin = t.admin_token.clone();
    let alice = t.user_in_project("alice", "pa", "member").await;
    t.call(Method::POST, "/auth/login", None, Some(json!({"username": "alice", "password": "wrong-password-xyz"})))
        .await
        .assert_error(401, "UnauthorizedError");
    t.call(Method::POST, "/auth/login", None, Some(json!({"username": "nobody", "password": "other-password-xyz"})))
        .await
        .assert_error(401, "UnauthorizedError");
    // secrets in create and update bodies
    t.post("/cloudaccounts", &alice, fake_account("a1", "pa")).await.assert_status(201);
    let mut rotated = fake_account("a1", "pa");
    rotated["credentials"]["secret_access_key"] = json!(format!("{SECRET}-rotated"));
    t.put("/cloudaccounts/a1", &alice, json!({"credentials": rotated["credentials"]})).await.assert_status(200);
    t.post("/users", &admin, json!({"name": "carol", "password": "c-first-password-xyz"})).await.assert_status(201);
    t.put("/users/carol", &admin, json!({"password": "c-second-password-xyz"})).await.assert_status(200);
    let token = t.post("/tokens", &alice, json!({"name": "ci"})).await;
    let token_secret = token.assert_status(201)["token"].as_str().unwrap().to_string();

    let logins = entries(&t, &admin, "filter=action.equals(login)").await;
    // the harness's admin login, alice's (by user_in_project), and the two failures
    let failures: Vec<&Value> = logins.iter().filter(|e| e["outcome"] == "failure").collect();
    assert_eq!(failures.len(), 2, "{logins:#?}");
    let wrong = failures.iter().find(|e| e["user_name"] == "alice").expect("alice's failed login");
    assert_eq!((&wrong["object_kind"], &wrong["object_id"]), (&json!("auth"), &json!("")));
    assert!(wrong["user_id"].is_string() && wrong["domain_id"].is_string(), "{wrong}");
    assert!(failures.iter().any(|e| e["user_name"] == "nobody" && e["user_id"].is_null()), "{failures:#?}");
    let ok = logins.iter().find(|e| e["user_name"] == "alice" && e["outcome"] == "success").expect("alice's login");
    assert!(ok["user_id"].is_string(), "{ok}");
    // members do not see logins (they belong to no project)
    assert!(entries(&t, &alice, "filter=action.equals(login)").await.is_empty());

    let everything = t.get("/actionlogs?limit=2000", &admin).await;
    everything.assert_status(200);
    for secret in [
        SECRET,
        "wrong-password-xyz",
        "other-password-xyz",
        "c-first-password-xyz",
        "c-second-password-xyz",
        common::ADMIN_PASSWORD,
        common::user_password("alice").as_str(),
        token_secret.as_str(),
    ] {
        assert!(!everything.text.contains(secret), "{secret:?} reached the action log: {}", everything.text);
    }
}

both_backends!(
    writes_failures_and_task_ends_are_logged,
    members_see_their_projects_and_filters_work,
    logins_are_logged_and_secrets_never_are,
);
