//! Cloud accounts for real, through the router with the `fake` provider: credentials checked
//! with the cloud before saving, the first sync started at once, on-demand syncs by region and
//! kind as tasks, sync history, enable/disable, and the purge on delete. (The same against
//! moto, with real AWS calls, is in crates/strato-sync/tests and crates/strato/tests.)

mod common;


use common::{wait_synced, wait_task, Backend, TestApp};
use serde_json::json;

async fn count(t: &TestApp, path: &str) -> u64 {
    t.get(path, &t.admin_token).await.assert_status(200)["total"].as_u64().unwrap()
}

async fn create_validates_and_first_sync_runs(backend: Backend) {
    let t = TestApp::start(backend).await;
    let admin = t.admin_token.clone();
    // A credential the cloud refuses: 400 naming the complaint, nothing saved.
    let bad = t.post("/cloudaccounts", &admin, json!({"name": "bad", "provider": "fake", "credentials": {"seed": "not-a-number"}})).await;
    bad.assert_error(400, "InvalidInputError");
    assert!(bad.text.contains("seed") && bad.text.contains("not valid"), "{}", bad.text);
    assert!(!bad.text.contains("not-a-number"), "the credential's value was echoed: {}", bad.text);
    // A region the cloud does not have: 400, nothing saved.
    t.post("/cloudaccounts", &admin, json!({"name": "bad", "provider": "fake", "regions": ["mars-1"]}))
        .await
        .assert_error(400, "InvalidInputError");
    t.post("/cloudaccounts", &admin, json!({"name": "bad", "provider": "fake", "sync_interval_secs": 5}))
        .await
        .assert_error(400, "InvalidInputError");
    assert_eq!(count(&t, "/cloudaccounts").await, 0);

    let created = t
        .post("/cloudaccounts", &admin, json!({"name": "f1", "provider": "fake", "credentials": {"seed": "7"}, "sync_interval_secs": 600}))
        .await;
    let created = created.assert_status(201).clone();
    assert_eq!(created["status"], "connected");
    assert_eq!(created["sync_interval_secs"], 600);
    assert!(created["capabilities"].as_array().unwrap().iter().any(|c| c == "servers"), "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    let synced = wait_synced(&t, &admin, &id).await;
    assert_eq!(synced["last_sync_status"], "succeeded", "{synced}");
    assert!(synced["last_connected_at"].is_string());
    assert_eq!(count(&t, &format!("/cloudregions?filter=cloudaccount_id.equals({id})")).await, 2);
    assert!(count(&t, "/zones").await >= 2);
    let history = t.get(&format!("/cloudaccounts/{id}/sync_history"), &admin).await.assert_status(200).clone();
    let rows = history["sync_history"].as_array().unwrap();
    // One account-wide row (regions), then every kind of both regions.
    assert_eq!(rows.len(), 1 + 2 * 8, "{history}");
    assert!(rows.iter().all(|r| r["status"] == "succeeded"), "{history}");
    assert!(rows.iter().any(|r| r["kind"] == "server" && r["added"].as_u64() > Some(0)), "{history}");
}

async fn on_demand_sync_by_region_and_kind(backend: Backend) {
    let t = TestApp::start(backend).await;
    let admin = t.admin_token.clone();
    let id = t.synced_fake_account("f1").await;

    let task = t.post("/cloudaccounts/f1/sync", &admin, json!({"regions": ["fake-region-2"], "kinds": ["server", "disk"], "full": true})).await;
    let task = task.assert_status(202).clone();
    assert_eq!((task["kind"].as_str(), task["target_id"].as_str()), (Some("cloudaccount.sync"), Some(id.as_str())));
    let task_id = task["id"].as_str().unwrap().to_string();
    let done = wait_task(&t, &admin, &task_id).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(done["steps"][0]["name"], "sync");
    // The run's history is that run's scopes only: the id of the run is the task's.
    let run = t.get(&format!("/cloudaccounts/{id}/sync_history?run_id={task_id}"), &admin).await.assert_status(200).clone();
    let scopes: Vec<(String, String)> = run["sync_history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["region"].as_str().unwrap().to_string(), r["kind"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(scopes, [("fake-region-2".to_string(), "disk".to_string()), ("fake-region-2".to_string(), "server".to_string())]);
    // --full rewrote the rows but changed no value: nothing added or removed.
    assert!(run["sync_history"].as_array().unwrap().iter().all(|r| r["added"] == 0 && r["removed"] == 0), "{run}");

    // Bad input: a 4xx naming what was wrong, and no task started.
    for body in [json!({"kinds": ["planet"]}), json!({"kinds": ["cloudregion"]}), json!({"regions": ["mars-1"]}), json!({"bogus": 1})] {
        t.post("/cloudaccounts/f1/sync", &admin, body).await.assert_error(400, "InvalidInputError");
    }
    t.get(&format!("/cloudaccounts/{id}/sync_history?run_id=nope"), &admin).await.assert_error(400, "InvalidInputError");
    t.get(&format!("/cloudaccounts/{id}/sync_history?color=red"), &admin).await.assert_error(400, "InvalidInputError");
    t.post("/cloudaccounts/nope/sync", &admin, json!({})).await.assert_error(404, "NotFoundError");
    t.get("/tasks/not-a-task", &admin).await.assert_error(404, "NotFoundError");
    t.get(&format!("/tasks/{}", uuid::Uuid::new_v4()), &admin).await.assert_error(404, "NotFoundError");

    // Disabled: no sync (409), and enabled again.
    assert_eq!(t.post("/cloudaccounts/f1/disable", &admin, json!({})).await.assert_status(200)["enabled"], false);
    t.post("/cloudaccounts/f1/sync", &admin, json!({})).await.assert_error(409, "ConflictError");
    assert_eq!(t.post("/cloudaccounts/f1/enable", &admin, json!({})).await.assert_status(200)["enabled"], true);
    t.post("/cloudaccounts/f1/sync", &admin, json!({})).await.assert_status(202);
}

async fn others_cannot_sync_or_see_tasks(backend: Backend) {
    let t = TestApp::start(backend).await;
    let alice = t.user_in_project("alice", "pa", "member").await;
    let bob = t.user_in_project("bob", "pb", "member").await;
    let vera = t.user_in_project("vera", "pa", "viewer").await;
    t.post("/cloudaccounts", &alice, json!({"name": "fa", "provider": "fake", "project": "pa"})).await.assert_status(201);
    let task = t.post("/cloudaccounts/fa/sync", &alice, json!({})).await.assert_status(202)["id"].as_str().unwrap().to_string();
    // Bob (another project) sees neither the account nor its task; Vera may read, not sync.
    t.post("/cloudaccounts/fa/sync", &bob, json!({})).await.assert_error(404, "NotFoundError");
    t.get(&format!("/tasks/{task}"), &bob).await.assert_error(404, "NotFoundError");
    t.get("/cloudaccounts/fa/sync_history", &bob).await.assert_error(404, "NotFoundError");
    t.post("/cloudaccounts/fa/sync", &vera, json!({})).await.assert_error(403, "ForbiddenError");
    t.post("/cloudaccounts/fa/disable", &vera, json!({})).await.assert_error(403, "ForbiddenError");
    t.get(&format!("/tasks/{task}"), &vera).await.assert_status(200);
}

async fn delete_purges_everything(backend: Backend) {
    let t = TestApp::start(backend).await;
    let admin = t.admin_token.clone();
    let keep = t.post("/cloudaccounts", &admin, json!({"name": "keep", "provider": "fake", "credentials": {"seed": "1"}})).await;
    let keep = keep.assert_status(201)["id"].as_str().unwrap().to_string();
    let gone = t.post("/cloudaccounts", &admin, json!({"name": "gone", "provider": "fake", "credentials": {"seed": "2"}})).await;
    let gone = gone.assert_status(201)["id"].as_str().unwrap().to_string();
    wait_synced(&t, &admin, &keep).await;
    wait_synced(&t, &admin, &gone).await;
    let store = t.app.store();
    let tables = ["servers", "disks", "elasticsearches", "secgroups", "networks", "vpcs", "skus", "zones", "cloudregions", "sync_history"];
    let rows = |account: &str| {
        let account: strato_types::CloudAccountId = account.parse().unwrap();
        async move {
            let mut n = 0;
            for table in tables {
                n += store.count_account_rows(table, account).await.unwrap();
            }
            n
        }
    };
    let kept_before = rows(&keep).await;
    assert!(rows(&gone).await > 0);
    t.delete("/cloudaccounts/gone", &admin).await.assert_status(200);
    assert_eq!(rows(&gone).await, 0, "rows of a deleted account were left behind");
    assert_eq!(rows(&keep).await, kept_before, "the other account lost rows");
}

async fn synced_kinds_are_listed_and_shown(backend: Backend) {
    let t = TestApp::start(backend).await;
    let admin = t.admin_token.clone();
    let alice = t.user_in_project("alice", "pa", "member").await;
    let bob = t.user_in_project("bob", "pb", "member").await;
    let id = t.post("/cloudaccounts", &alice, json!({"name": "fa", "provider": "fake", "project": "pa"})).await.assert_status(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    wait_synced(&t, &admin, &id).await;
    for plural in ["vpcs", "networks", "secgroups", "skus", "disks", "servers", "elasticsearches"] {
        let list = t.get(&format!("/{plural}?details=true&limit=2"), &alice).await.assert_status(200).clone();
        assert!(list["total"].as_u64().is_some_and(|n| n > 0), "{plural}: {list}");
        let first = &list[plural][0];
        assert_eq!(first["cloudaccount"], "fa", "{plural}: {first}");
        assert_eq!(first["project"], "pa");
        // Bob, in another project, sees none of them and cannot show one.
        assert_eq!(t.get(&format!("/{plural}"), &bob).await.assert_status(200)["total"], 0);
        let oid = first["id"].as_str().unwrap();
        t.get(&format!("/{plural}/{oid}"), &bob).await.assert_error(404, "NotFoundError");
        t.get(&format!("/{plural}/{oid}/changes"), &bob).await.assert_error(404, "NotFoundError");
        let shown = t.get(&format!("/{plural}/{oid}?details=true"), &alice).await.assert_status(200).clone();
        assert_eq!(shown["id"], first["id"]);
        assert!(shown["cloudregion"].is_string(), "{shown}");
        assert_eq!(t.get(&format!("/{plural}/{oid}/changes"), &alice).await.assert_status(200)["total"], 0);
    }
    // Kind fields filter and order; children come with the server.
    let servers = t.get("/servers?filter=cloudregion.equals(fake-region-1)&filter=cpu.ge(1)&order_by=name", &alice).await;
    let servers = servers.assert_status(200).clone();
    assert!(servers["total"].as_u64().is_some_and(|n| n > 0), "{servers}");
    assert!(servers["servers"].as_array().unwrap().iter().all(|s| s["cpu"].as_i64() >= Some(1) && s["secgroups"].is_array()));
    // Bad input: a 400 naming the field, never a 500.
    t.get("/servers?filter=color.equals(red)", &alice).await.assert_error(400, "InvalidInputError");
    t.get("/servers?filter=cpu.ge(many)", &alice).await.assert_error(400, "InvalidInputError");
    t.get("/servers?filter=tags.lt(x)", &alice).await.assert_error(400, "InvalidInputError");
    t.get("/servers/no-such-server", &alice).await.assert_error(404, "NotFoundError");
}

/// A sync killed with its process leaves its leases behind. The run that comes after (the
/// same task resumed, or a new one) takes over leases whose holder's task is no longer
/// running; leases of a live holder are left to it, and the failure names every scope that
/// did not sync and why.
async fn leases_of_a_dead_sync_are_taken_over(backend: Backend) {
    let t = TestApp::start(backend).await;
    let admin = t.admin_token.clone();
    let id = t.synced_fake_account("f1").await;
    let account: strato_types::CloudAccountId = id.parse().unwrap();
    let first = t.get("/tasks?filter=kind.equals(cloudaccount.sync)", &admin).await.assert_status(200).clone();
    let first_run = first["tasks"][0]["id"].as_str().unwrap().to_string();
    let leases = t.app.store().sync_leases();
    let long = std::time::Duration::from_secs(3600);
    // The first run's task has ended; its leases outlive it, as after a kill -9 mid-sync.
    for region in ["fake-region-1", "fake-region-2"] {
        assert!(leases.acquire(account, region, &first_run, long).await.unwrap());
    }
    let task = t.post("/cloudaccounts/f1/sync", &admin, json!({})).await.assert_status(202).clone();
    let done = wait_task(&t, &admin, task["id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    for region in ["fake-region-1", "fake-region-2"] {
        assert_eq!(leases.holder(account, region).await.unwrap(), None, "released after the run");
    }

    // A holder that is not a dead task keeps its lease until it expires.
    assert!(leases.acquire(account, "fake-region-2", "another-replica", long).await.unwrap());
    let task = t.post("/cloudaccounts/f1/sync", &admin, json!({})).await.assert_status(202).clone();
    let done = wait_task(&t, &admin, task["id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "failed", "{done}");
    let error = done["error"].as_str().unwrap_or_default();
    assert!(error.contains("scopes did not sync") && error.contains("fake-region-2/zone busy"), "{error}");
    assert!(!error.starts_with("0 of"), "{error}");
    assert_eq!(leases.holder(account, "fake-region-2").await.unwrap().unwrap().owner, "another-replica");
}

both_backends!(
    leases_of_a_dead_sync_are_taken_over,
    synced_kinds_are_listed_and_shown,
    create_validates_and_first_sync_runs,
    on_demand_sync_by_region_and_kind,
    others_cannot_sync_or_see_tasks,
    delete_purges_everything,
);
