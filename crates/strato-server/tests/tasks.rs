//! The task API: list (scoped by the task's project), show, cancel, retry, through the router
//! with the `fake` provider (every cloud account's first sync is a task).

mod common;

use std::time::Duration;

use common::{Backend, TestApp};
use serde_json::{json, Value};

fn fake_account(name: &str, project: &str) -> Value {
    json!({"name": name, "provider": "fake", "project": project, "credentials": {"seed": "7"}})
}

/// Polls a task until it ends; answers the final task.
async fn wait_task(t: &TestApp, token: &str, id: &str) -> Value {
    for _ in 0..300 {
        let task = t.get(&format!("/tasks/{id}"), token).await.assert_status(200).clone();
        if matches!(task["status"].as_str(), Some("succeeded" | "failed" | "cancelled")) {
            return task;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("task {id} did not end");
}

/// The first sync task of an account, as `token` lists it.
async fn first_sync(t: &TestApp, token: &str, account_id: &str) -> Value {
    let answer = t.get(&format!("/tasks?filter=target_id.equals({account_id})"), token).await;
    let body = answer.assert_status(200);
    assert_eq!(body["total"], 1, "{answer:?}");
    body["tasks"][0].clone()
}

/// A queued task of a kind no engine runs, not due for an hour: it stays queued until cancelled.
async fn parked_task(t: &TestApp, project: &str) -> String {
    let project = t.get(&format!("/projects/{project}"), &t.admin_token).await.assert_status(200).clone();
    let mut task = strato_store::NewTask::new("test.parked", json!({}));
    task.owner = Some(strato_store::TaskOwner {
        domain_id: project["domain_id"].as_str().unwrap().parse().unwrap(),
        project_id: project["id"].as_str().unwrap().parse().unwrap(),
        user_id: None,
        user_name: None,
    });
    task.not_before = Some(chrono::Utc::now() + chrono::Duration::hours(1));
    t.app.store().tasks().create(&task).await.unwrap().id.to_string()
}

async fn tasks_are_scoped_by_project(backend: Backend) {
    let t = TestApp::start(backend).await;
    let alice = t.user_in_project("alice", "pa", "member").await;
    let bob = t.user_in_project("bob", "pb", "member").await;
    let a1 = t.post("/cloudaccounts", &alice, fake_account("a1", "pa")).await.assert_status(201)["id"].as_str().unwrap().to_string();
    let b1 = t.post("/cloudaccounts", &bob, fake_account("b1", "pb")).await.assert_status(201)["id"].as_str().unwrap().to_string();

    let mine = first_sync(&t, &alice, &a1).await;
    let pa = t.get("/projects/pa", &alice).await.assert_status(200)["id"].clone();
    assert_eq!((&mine["kind"], &mine["project_id"], &mine["user"]), (&json!("cloudaccount.sync"), &pa, &json!("alice")));
    let theirs = first_sync(&t, &bob, &b1).await;
    let theirs_id = theirs["id"].as_str().unwrap();

    // Alice lists only her project's task; Bob's is a 404 for show, cancel and retry.
    let listed = t.get("/tasks", &alice).await;
    let body = listed.assert_status(200);
    assert_eq!((body["total"].as_u64(), body["limit"].as_u64(), body["offset"].as_u64()), (Some(1), Some(20), Some(0)), "{listed:?}");
    assert_eq!(body["tasks"][0]["id"], mine["id"]);
    t.get(&format!("/tasks/{theirs_id}"), &alice).await.assert_error(404, "NotFoundError");
    t.post(&format!("/tasks/{theirs_id}/cancel"), &alice, json!({})).await.assert_error(404, "NotFoundError");
    t.post(&format!("/tasks/{theirs_id}/retry"), &alice, json!({})).await.assert_error(404, "NotFoundError");
    t.get(&format!("/tasks?filter=project_id.equals({})", theirs["project_id"].as_str().unwrap()), &alice)
        .await
        .assert_status(200);
    assert_eq!(
        t.get(&format!("/tasks?filter=target_id.equals({b1})"), &alice).await.assert_status(200)["total"],
        0
    );
    t.get("/tasks?scope=system", &alice).await.assert_error(403, "ForbiddenError");
    // The admin sees both; filters narrow.
    assert_eq!(t.get("/tasks", &t.admin_token).await.assert_status(200)["total"], 2);
    assert_eq!(t.get("/tasks?filter=user.equals(alice)", &t.admin_token).await.assert_status(200)["total"], 1);
    assert_eq!(
        t.get("/tasks?filter=kind.equals(cloudaccount.sync)&filter=target_kind.equals(cloudaccount)", &t.admin_token)
            .await
            .assert_status(200)["total"],
        2
    );
    assert_eq!(t.get("/tasks?search=sync&order_by=created_at&order=desc", &t.admin_token).await.assert_status(200)["total"], 2);
    // A show by a non-id is a 404, not a 400 or 500.
    t.get("/tasks/not-a-task", &alice).await.assert_error(404, "NotFoundError");
}

async fn finished_tasks_are_409(backend: Backend) {
    let t = TestApp::start(backend).await;
    let alice = t.user_in_project("alice", "pa", "member").await;
    let a1 = t.post("/cloudaccounts", &alice, fake_account("a1", "pa")).await.assert_status(201)["id"].as_str().unwrap().to_string();
    let task = first_sync(&t, &alice, &a1).await;
    let id = task["id"].as_str().unwrap();
    let done = wait_task(&t, &alice, id).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    let answer = t.post(&format!("/tasks/{id}/cancel"), &alice, json!({})).await;
    answer.assert_error(409, "ConflictError");
    assert!(answer.text.contains("already succeeded"), "{answer:?}");
    let answer = t.post(&format!("/tasks/{id}/retry"), &alice, json!({})).await;
    answer.assert_error(409, "ConflictError");
    assert!(answer.text.contains("succeeded"), "{answer:?}");
    assert_eq!(t.get("/tasks?filter=status.equals(succeeded)", &alice).await.assert_status(200)["total"], 1);
}

async fn cancel_and_retry(backend: Backend) {
    let t = TestApp::start(backend).await;
    let alice = t.user_in_project("alice", "pa", "member").await;
    let victor = t.user_in_project("victor", "pa", "viewer").await;
    let id = parked_task(&t, "pa").await;
    // A viewer sees it but may not change it.
    t.get(&format!("/tasks/{id}"), &victor).await.assert_status(200);
    t.post(&format!("/tasks/{id}/cancel"), &victor, json!({})).await.assert_error(403, "ForbiddenError");
    // Retrying an unfinished task is a conflict.
    t.post(&format!("/tasks/{id}/retry"), &alice, json!({})).await.assert_error(409, "ConflictError");
    let cancelled = t.post(&format!("/tasks/{id}/cancel"), &alice, json!({})).await;
    assert_eq!(cancelled.assert_status(202)["status"], "cancelled", "{cancelled:?}");
    t.post(&format!("/tasks/{id}/cancel"), &alice, json!({})).await.assert_error(409, "ConflictError");
    let retried = t.post(&format!("/tasks/{id}/retry"), &alice, json!({})).await;
    let body = retried.assert_status(202);
    assert!(matches!(body["status"].as_str(), Some("queued" | "running")), "{retried:?}");
    assert_eq!(body["error"], Value::Null);
}

async fn bad_task_queries_are_400(backend: Backend) {
    let t = TestApp::start(backend).await;
    for query in [
        "filter=status.equals(sleeping)",
        "filter=nosuchfield.equals(x)",
        "filter=created_at.ge(yesterday)",
        "filter=project_id.equals(pa)",
        "order_by=nosuchfield",
        "order_by=project",
        "limit=0",
        "colour=red",
    ] {
        t.get(&format!("/tasks?{query}"), &t.admin_token).await.assert_error(400, "InvalidInputError");
    }
}

both_backends!(tasks_are_scoped_by_project, finished_tasks_are_409, cancel_and_retry, bad_task_queries_are_400);
