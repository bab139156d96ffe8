//! Cloud accounts cannot be turned against the host or the network (issue 13, items 1-3):
//! this host's `kvm` account is one, the system admin's; a kvm account takes no endpoint (no
//! paths outside the data dir); other endpoints must be the provider's public ones or on the
//! operator's allow-list, checked before anything is contacted or saved.

mod common;

use std::path::{Path, PathBuf};

use common::{Backend, TestApp};
use serde_json::{json, Value};

/// fake + kvm (over `kvm_dir`), and an allow-list of `allowed`.
async fn start(backend: Backend, kvm_dir: &Path, allowed: &[&str]) -> TestApp {
    let kvm_dir = kvm_dir.to_path_buf();
    let allowed = strato_cloud::EndpointAllowList::parse(allowed).expect("allow-list");
    TestApp::start_configured(backend, move |config| {
        let mut providers = common::test_providers();
        strato_provider_kvm::register(&mut providers, kvm_dir).expect("registering kvm");
        config.providers = providers;
        config.allowed_endpoints = allowed;
    })
    .await
}

fn kvm_account(name: &str, project: &str) -> Value {
    json!({"name": name, "provider": "kvm", "project": project})
}

fn fake_account(name: &str, endpoint: &str) -> Value {
    json!({"name": name, "provider": "fake", "project": "pa", "regions": ["fake-region-1"], "endpoint": endpoint})
}

async fn kvm_accounts(t: &TestApp) -> Vec<Value> {
    let list = t.get("/cloudaccounts?scope=system&filter=provider.equals(kvm)", &t.admin_token).await;
    list.assert_status(200)["cloudaccounts"].as_array().cloned().unwrap_or_default()
}

/// Everything a kvm driver would have made: the host's state dir, or the attack's paths.
fn kvm_traces(kvm_dir: &Path, evil: &str) -> Vec<PathBuf> {
    [kvm_dir.join("kvm"), PathBuf::from(evil), PathBuf::from("http:")].into_iter().filter(|p| p.exists()).collect()
}

/// A project member registering a kvm account (the host) in their project: 403, and nothing
/// is created, on disk or in the store. The system admin may; a second one is a 409 naming
/// the first, and only the system admin changes or deletes it.
async fn the_host_is_one_account_of_the_system_admin(backend: Backend) {
    let kvm_dir = tempfile::tempdir().expect("temp dir");
    let t = start(backend, kvm_dir.path(), &[]).await;
    let alice = t.user_in_project("alice", "pa", "member").await;
    let evil = format!("kvm-evil-{}", uuid::Uuid::new_v4().simple());

    let mut with_endpoint = kvm_account("mine", "pa");
    with_endpoint["endpoint"] = json!(format!("http://x/../../{evil}"));
    for body in [kvm_account("mine", "pa"), with_endpoint.clone()] {
        let answer = t.post("/cloudaccounts", &alice, body).await;
        answer.assert_error(403, "ForbiddenError");
        assert!(answer.text.contains("system admin"), "{answer:?}");
    }
    assert!(kvm_accounts(&t).await.is_empty(), "nothing saved");
    assert_eq!(kvm_traces(kvm_dir.path(), &evil), Vec::<PathBuf>::new(), "nothing made on disk");

    // The system admin: an endpoint is refused for kvm (it was a path; `..` escaped the data dir).
    let admin = t.admin_token.clone();
    with_endpoint["project"] = json!("system");
    for endpoint in [format!("http://x/../../{evil}"), format!("{}", kvm_dir.path().display()), String::new()] {
        with_endpoint["endpoint"] = json!(endpoint);
        let answer = t.post("/cloudaccounts", &admin, with_endpoint.clone()).await;
        answer.assert_error(400, "InvalidInputError");
        assert_eq!(answer.body["error"]["details"]["field"], "endpoint", "{answer:?}");
    }
    assert_eq!(kvm_traces(kvm_dir.path(), &evil), Vec::<PathBuf>::new(), "nothing made on disk");

    // The system admin registers the host, in a project of their choice.
    let host = t.post("/cloudaccounts", &admin, kvm_account("host", "pa")).await;
    let host_id = host.assert_status(201)["id"].as_str().expect("id").to_string();
    // A second account of the same host, by anyone, in any project: refused, naming the first.
    for (token, project) in [(&admin, "system"), (&admin, "pa")] {
        let answer = t.post("/cloudaccounts", token, kvm_account("again", project)).await;
        answer.assert_error(409, "ConflictError");
        assert!(answer.text.contains("\\\"host\\\"") && answer.text.contains(&host_id), "names the existing one: {answer:?}");
    }
    t.post("/cloudaccounts", &alice, kvm_account("again", "pa")).await.assert_error(403, "ForbiddenError");
    assert_eq!(kvm_accounts(&t).await.len(), 1);

    // Alice sees the account (it is in her project) but cannot change, move or delete it.
    t.get(&format!("/cloudaccounts/{host_id}"), &alice).await.assert_status(200);
    let changes = [
        json!({"description": "mine"}),
        json!({"project_rules": [{"tag_key": "owner", "project": "pa"}]}),
        json!({"endpoint": format!("http://x/../../{evil}")}),
    ];
    for change in changes {
        t.put(&format!("/cloudaccounts/{host_id}"), &alice, change).await.assert_error(403, "ForbiddenError");
    }
    t.post(&format!("/cloudaccounts/{host_id}/disable"), &alice, json!({})).await.assert_error(403, "ForbiddenError");
    t.delete(&format!("/cloudaccounts/{host_id}"), &alice).await.assert_error(403, "ForbiddenError");
    let shown = t.get(&format!("/cloudaccounts/{host_id}"), &admin).await;
    assert_eq!((shown.body["description"].as_str(), shown.body["enabled"].as_bool()), (Some(""), Some(true)), "{shown:?}");
    // The admin may change it, but not give it an endpoint.
    t.put(&format!("/cloudaccounts/{host_id}"), &admin, json!({"description": "this host"})).await.assert_status(200);
    t.put(&format!("/cloudaccounts/{host_id}"), &admin, json!({"endpoint": format!("http://x/../../{evil}")}))
        .await
        .assert_error(400, "InvalidInputError");
    assert!(!Path::new(&evil).exists() && !Path::new("http:").exists(), "nothing made outside the data dir");
}

/// Without an allow-list entry, an endpoint is accepted only when it is one of the provider's
/// public ones; nothing is saved otherwise. Bad shapes are 400 whatever the list says.
async fn endpoints_must_be_public_or_allowed(backend: Backend) {
    let kvm_dir = tempfile::tempdir().expect("temp dir");
    let t = start(backend, kvm_dir.path(), &[]).await;
    let alice = t.user_in_project("alice", "pa", "member").await;
    for endpoint in [
        "http://127.0.0.1:22/",
        "http://169.254.169.254/latest/meta-data/",
        "http://2130706433:5432/",
        "http://api.fake.invalid/",
        "https://api.fake.invalid:8443/",
        "https://fake.invalid.evil.example/",
    ] {
        let answer = t.post("/cloudaccounts", &alice, fake_account("a1", endpoint)).await;
        answer.assert_error(400, "InvalidInputError");
        assert_eq!(answer.body["error"]["details"]["field"], "endpoint", "{endpoint}: {answer:?}");
        assert!(answer.text.contains("allowed-endpoint"), "says what to configure: {answer:?}");
    }
    for endpoint in ["ftp://x/", "http://user:secret@127.0.0.1/", "http://127.0.0.1@evil.example/", "http://h/\u{1b}[2J", "http://h/?a=1", "x"] {
        let answer = t.post("/cloudaccounts", &alice, fake_account("a1", endpoint)).await;
        answer.assert_error(400, "InvalidInputError");
        assert!(!answer.text.contains("secret"), "the endpoint is not echoed: {answer:?}");
    }
    let list = t.get("/cloudaccounts", &alice).await;
    assert_eq!(list.assert_status(200)["total"], 0, "nothing saved");
    // The provider's public endpoints need no entry.
    let public = t.post("/cloudaccounts", &alice, fake_account("a1", "https://api.fake.invalid")).await;
    let id = public.assert_status(201)["id"].as_str().expect("id").to_string();
    // Updates are checked the same way, and a refused one changes nothing.
    t.put(&format!("/cloudaccounts/{id}"), &alice, json!({"endpoint": "http://127.0.0.1:6379/"}))
        .await
        .assert_error(400, "InvalidInputError");
    let shown = t.get(&format!("/cloudaccounts/{id}"), &alice).await;
    assert_eq!(shown.assert_status(200)["endpoint"], "https://api.fake.invalid");
}

/// The operator's allow-list opens exactly what it names.
async fn the_allow_list_opens_what_it_names(backend: Backend) {
    let kvm_dir = tempfile::tempdir().expect("temp dir");
    let t = start(backend, kvm_dir.path(), &["127.0.0.1:5000", "http://localhost:6000/emu/"]).await;
    let alice = t.user_in_project("alice", "pa", "member").await;
    t.post("/cloudaccounts", &alice, fake_account("a1", "http://127.0.0.1:5000")).await.assert_status(201);
    t.post("/cloudaccounts", &alice, fake_account("a2", "http://localhost:6000/emu/x")).await.assert_status(201);
    for endpoint in ["http://127.0.0.1:5001", "http://localhost:6000/", "https://localhost:6000/emu/", "http://127.0.0.2:5000"] {
        t.post("/cloudaccounts", &alice, fake_account("a3", endpoint)).await.assert_error(400, "InvalidInputError");
    }
}

/// An account saved with an endpoint this server does not allow (the list changed since, or
/// it was written to the store directly) is not contacted: its sync fails saying why.
async fn sync_does_not_contact_a_disallowed_endpoint(backend: Backend) {
    let kvm_dir = tempfile::tempdir().expect("temp dir");
    let t = start(backend, kvm_dir.path(), &[]).await;
    let store = t.app.store();
    let system = store.system_scope().await.expect("system scope");
    let mut new = strato_store::NewCloudAccount::new(
        "old",
        strato_types::Provider::Fake,
        system.project_id,
        strato_store::SecretString::new("{}"),
    );
    new.endpoint = Some("http://10.0.0.1:8080/".into());
    let account = store.cloudaccounts().create(new).await.expect("create in store");
    let admin = t.admin_token.clone();
    let started = t.post(&format!("/cloudaccounts/{}/sync", account.id), &admin, json!({})).await;
    let task_id = started.assert_status(202)["id"].as_str().expect("task id").to_string();
    let task = common::wait_task(&t, &admin, &task_id).await;
    assert_eq!(task["status"], "failed", "{task}");
    assert!(task["error"].as_str().unwrap_or_default().contains("allowed-endpoint"), "{task}");
    let zones = t.get("/zones?scope=system", &admin).await;
    assert_eq!(zones.assert_status(200)["total"], 0, "nothing synced: {zones:?}");
    // New credentials are checked with the cloud, at the stored endpoint: refused, not contacted.
    let answer = t.put(&format!("/cloudaccounts/{}", account.id), &admin, json!({"credentials": {"seed": "2"}})).await;
    answer.assert_error(400, "InvalidInputError");
    assert_eq!(answer.body["error"]["details"]["field"], "endpoint", "{answer:?}");
}

both_backends!(
    the_host_is_one_account_of_the_system_admin,
    endpoints_must_be_public_or_allowed,
    the_allow_list_opens_what_it_names,
    sync_does_not_contact_a_disallowed_endpoint,
);
