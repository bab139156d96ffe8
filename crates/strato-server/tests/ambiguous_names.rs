//! Synced names repeat across accounts and regions. A name that matches several objects the
//! caller can see is a 409 listing them, for shows and for actions alike; nothing is done to
//! an arbitrary one of them. A name unique among what the caller sees still works.

mod common;

use common::{wait_synced, Backend, TestApp};
use serde_json::json;

async fn a_name_matching_several_objects_is_a_409_that_lists_them(backend: Backend) {
    let t = TestApp::start(backend).await;
    let admin = t.admin_token.clone();
    t.post("/projects", &admin, json!({"name": "p1"})).await.assert_status(201);
    // Two accounts of the same seeded world: every resource name exists twice.
    for (name, project) in [("f1", "system"), ("f2", "p1")] {
        let created = t
            .post("/cloudaccounts", &admin, json!({"name": name, "provider": "fake", "project": project, "credentials": {"seed": "3"}}))
            .await;
        let id = created.assert_status(201)["id"].as_str().unwrap().to_string();
        wait_synced(&t, &admin, &id).await;
    }
    let es = t.get("/elasticsearches?scope=system&order_by=name", &admin).await.assert_status(200).clone();
    let first = &es["elasticsearches"][0];
    let name = first["name"].as_str().unwrap().to_string();
    let twins: Vec<String> = es["elasticsearches"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["name"] == name.as_str())
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect();
    assert!(twins.len() >= 2, "the fixture has the name twice: {es}");

    let shown = t.get(&format!("/elasticsearches/{name}"), &admin).await;
    shown.assert_error(409, "ConflictError");
    for id in &twins {
        assert!(shown.text.contains(id.as_str()), "the conflict lists {id}: {}", shown.text);
    }
    // An action by that name does nothing: no task, the objects stay as they were.
    let deleted = t.delete(&format!("/elasticsearches/{name}"), &admin).await;
    deleted.assert_error(409, "ConflictError");
    let tasks = t.get("/tasks?scope=system&filter=kind.equals(elasticsearch.delete)", &admin).await.assert_status(200).clone();
    assert_eq!(tasks["total"], 0, "{tasks}");
    for id in &twins {
        assert_eq!(t.get(&format!("/elasticsearches/{id}"), &admin).await.assert_status(200)["status"], first["status"]);
    }
    // By id, each is itself.
    let by_id = t.get(&format!("/elasticsearches/{}", twins[0]), &admin).await.assert_status(200).clone();
    assert_eq!(by_id["id"], twins[0].as_str());

    // Regions repeat across accounts too.
    t.get("/cloudregions/fake-region-1", &admin).await.assert_error(409, "ConflictError");
    t.get("/zones?scope=system", &admin).await.assert_status(200);

    // A member of p1 sees only f2's objects: the name is ambiguous within them too (both of
    // f2's regions have it), and the conflict lists only what he may see.
    let bob = t.user_in_project("bob", "p1", "member").await;
    let his = t.get(&format!("/elasticsearches/{name}"), &bob).await;
    his.assert_error(409, "ConflictError");
    assert!(his.text.contains("cloud account f2") && !his.text.contains("cloud account f1"), "{}", his.text);
    let region = t.get("/cloudregions/fake-region-1", &bob).await.assert_status(200).clone();
    assert_eq!(region["cloudaccount_id"], t.get("/cloudaccounts/f2", &admin).await.assert_status(200)["id"]);
}

both_backends!(a_name_matching_several_objects_is_a_409_that_lists_them);
