//! Every lifecycle action from every status its state machine forbids: a 409 naming the
//! status, and nothing changes (the row keeps its status, no task is queued). The allowed
//! statuses are the documented tables in `src/app/ops/{servers,disks,elasticsearches}.rs`;
//! every other status a row can hold (the migration's CHECK lists) is tried.

mod common;

use common::{wait_synced, Backend, TestApp};
use serde_json::{json, Value};
use strato_cloud::ResourceKind;
use strato_store::synced::{KindDef, ResourceId};

const SERVER_STATUSES: &[&str] = &[
    "pending", "running", "starting", "stopping", "stopped", "rebooting", "changing_config", "deleting", "deleted", "error",
    "unknown", "creating", "create_failed", "start_failed", "stop_failed", "restart_failed", "change_config_failed",
    "delete_failed",
];
const DISK_STATUSES: &[&str] = &[
    "creating", "available", "in_use", "attaching", "detaching", "resizing", "deleting", "deleted", "error", "unknown",
    "create_failed", "attach_failed", "detach_failed", "resize_failed", "delete_failed",
];
const ES_STATUSES: &[&str] = &["creating", "available", "processing", "deleting", "deleted", "unknown", "delete_failed"];

const SERVER_SETTLED: &[&str] = &[
    "running", "stopped", "error", "unknown", "create_failed", "start_failed", "stop_failed", "restart_failed",
    "change_config_failed", "delete_failed",
];

/// One action: how to ask for it, and the statuses it is accepted from.
struct Case {
    name: &'static str,
    method: &'static str,
    /// Path after `/<plural>/{id}` (empty for a delete).
    suffix: &'static str,
    body: Value,
    allowed: &'static [&'static str],
}

fn case(name: &'static str, method: &'static str, suffix: &'static str, body: Value, allowed: &'static [&'static str]) -> Case {
    Case { name, method, suffix, body, allowed }
}

async fn tasks_total(t: &TestApp) -> u64 {
    t.get("/tasks?scope=system&limit=1", &t.admin_token).await.assert_status(200)["total"].as_u64().unwrap()
}


/// Tries every case from every status outside its allowed set on one row.
async fn forbidden_states_change_nothing(t: &TestApp, def: &'static KindDef, row: &Value, statuses: &[&str], cases: &[Case]) {
    let plural = def.plural;
    let id: ResourceId = row["id"].as_str().unwrap().parse().unwrap();
    let store = t.app.store().synced();
    let mut tried = 0;
    for c in cases {
        for status in statuses.iter().filter(|s| !c.allowed.contains(s)) {
            store.set_status(def, id, status, "test").await.unwrap();
            let before = tasks_total(t).await;
            let path = format!("/{plural}/{id}{}", c.suffix);
            let answer = match c.method {
                "DELETE" => t.delete(&path, &t.admin_token).await,
                _ => t.post(&path, &t.admin_token, c.body.clone()).await,
            };
            assert_eq!(answer.status.as_u16(), 409, "{plural} {} from {status}: {}", c.name, answer.text);
            assert_eq!(answer.body["error"]["class"], "ConflictError", "{}", answer.text);
            // The refusal names the status (an attached disk names its server instead).
            let message = answer.body["error"]["message"].as_str().unwrap_or_default();
            assert!(message.contains(status) || (c.name == "attach" && *status == "in_use"), "{plural} {} from {status}: {message}", c.name);
            let shown = t.get(&format!("/{plural}/{id}"), &t.admin_token).await;
            assert_eq!(shown.assert_status(200)["status"], *status, "{plural} {} from {status} changed the row", c.name);
            assert_eq!(tasks_total(t).await, before, "{plural} {} from {status} queued a task", c.name);
            tried += 1;
        }
    }
    assert!(tried > 0);
}

async fn every_forbidden_action_is_a_409(backend: Backend) {
    let t = TestApp::start(backend).await;
    let admin = t.admin_token.clone();
    t.post("/cloudaccounts", &admin, json!({"name": "f1", "provider": "fake", "sync_interval_secs": 86400})).await.assert_status(201);
    wait_synced(&t, &admin, "f1").await;

    // A server and a free disk in one zone, so attach passes its other checks.
    let region = "scope=system&filter=cloudregion.equals(fake-region-1)";
    let servers = t.get(&format!("/servers?{region}"), &admin).await.assert_status(200)["servers"].clone();
    let disks = t.get(&format!("/disks?{region}"), &admin).await.assert_status(200)["disks"].clone();
    let (server, disk) = servers
        .as_array()
        .unwrap()
        .iter()
        .find_map(|s| disks.as_array().unwrap().iter().find(|d| d["zone_id"] == s["zone_id"] && d["is_root"] != true).map(|d| (s.clone(), d.clone())))
        .unwrap_or_else(|| panic!("no server and data disk in one zone: {servers} {disks}"));
    let other_sku = ["fake.small", "fake.medium"].into_iter().find(|s| server["instance_type"] != *s).unwrap();
    let server_cases = [
        case("start", "POST", "/start", json!({}), &["stopped", "start_failed"]),
        case("stop", "POST", "/stop", json!({}), &["running", "stop_failed"]),
        case("restart", "POST", "/restart", json!({}), &["running", "restart_failed"]),
        case("change_config", "POST", "/change_config", json!({"sku": other_sku}), &["stopped", "change_config_failed"]),
        case("delete", "DELETE", "", json!(null), SERVER_SETTLED),
    ];
    forbidden_states_change_nothing(&t, ResourceKind::Server.meta(), &server, SERVER_STATUSES, &server_cases).await;

    let size = disk["size_gb"].as_u64().unwrap() + 1;
    let server_name = server["name"].as_str().unwrap().to_string();
    let disk_cases = [
        case("attach", "POST", "/attach", json!({"server": server_name}), &["available", "attach_failed"]),
        case("detach", "POST", "/detach", json!({}), &["in_use", "detach_failed"]),
        case("resize", "POST", "/resize", json!({"size": size}), &["available", "in_use", "resize_failed"]),
        case(
            "delete",
            "DELETE",
            "",
            json!(null),
            &["available", "error", "unknown", "create_failed", "attach_failed", "resize_failed", "delete_failed"],
        ),
    ];
    forbidden_states_change_nothing(&t, ResourceKind::Disk.meta(), &disk, DISK_STATUSES, &disk_cases).await;

    let es = t.get(&format!("/elasticsearches?{region}"), &admin).await.assert_status(200)["elasticsearches"][0].clone();
    let es_cases = [case("delete", "DELETE", "", json!(null), &["available", "processing", "unknown", "delete_failed"])];
    forbidden_states_change_nothing(&t, ResourceKind::Elasticsearch.meta(), &es, ES_STATUSES, &es_cases).await;
}

both_backends!(every_forbidden_action_is_a_409);
