//! Text that would reach terminals, SQL patterns or the hypervisor is checked on the way in:
//! control characters in searches, filters, descriptions and tags, and device names, are a
//! 400 naming the field, and nothing is started or stored.

mod common;

use common::{Backend, TestApp};
use serde_json::json;

async fn control_characters_and_bad_device_names_are_400(backend: Backend) {
    let t = TestApp::start(backend).await;
    let admin = t.admin_token.clone();
    t.synced_fake_account("f1").await;

    // A NUL once matched every row.
    for query in ["search=%00", "search=vm%1B%5B2J", "filter=name.equals(a%07b)"] {
        let answer = t.get(&format!("/servers?{query}"), &admin).await;
        answer.assert_error(400, "InvalidInputError");
    }
    // Only what the document says: booleans are true or false, scopes are named, bodies are
    // objects (serde would read a struct from an array), and a NUL in a path names nothing.
    for query in ["/projects?details=", "/projects/system?details=1", "/cloudregions?scope=", "/servers?details=yes"] {
        t.get(query, &admin).await.assert_error(400, "InvalidInputError");
    }
    t.put("/projects/system", &admin, json!([null, null])).await.assert_error(400, "InvalidInputError");
    t.put("/projects/system", &admin, json!("description")).await.assert_error(400, "InvalidInputError");
    for path in ["/projects/sys%00tem", "/servers/%00", "/disks/a%00b/attach"] {
        let answer = if path.ends_with("attach") {
            t.post(path, &admin, json!({"server": "x"})).await
        } else {
            t.get(path, &admin).await
        };
        answer.assert_error(404, "NotFoundError");
    }

    t.post("/projects", &admin, json!({"name": "p1", "description": "bell\u{7}ring"}))
        .await
        .assert_error(400, "InvalidInputError");
    t.post("/projects", &admin, json!({"name": "p1", "description": "two\nlines\tand a tab"})).await.assert_status(201);

    let disks = t.get("/disks?filter=status.equals(available)&limit=1", &admin).await.assert_status(200).clone();
    let disk = disks["disks"][0]["id"].as_str().expect("an available disk in the fake world").to_string();
    let servers = t.get("/servers?limit=1", &admin).await.assert_status(200).clone();
    let server = servers["servers"][0]["id"].as_str().unwrap().to_string();
    for device in ["/dev/sdf;reboot", "../../etc/passwd", "sdf\u{1b}[2J", "", "/dev/"] {
        let answer = t.post(&format!("/disks/{disk}/attach"), &admin, json!({"server": server, "device": device})).await;
        answer.assert_error(400, "InvalidInputError");
        assert_eq!(answer.body["error"]["details"]["field"], "device", "{answer:?}");
    }
    let tags = json!({"env\u{1b}[31m": "prod"});
    let answer = t
        .post("/disks", &admin, json!({"cloudaccount": "f1", "region": "fake-region-1", "name": "d9", "size": 10, "tags": tags}))
        .await;
    answer.assert_error(400, "InvalidInputError");
    assert_eq!(answer.body["error"]["details"]["field"], "tags");
    let tasks = t.get("/tasks?filter=kind.in(disk.attach,disk.create)", &admin).await.assert_status(200).clone();
    assert_eq!(tasks["total"], 0, "nothing was started: {tasks}");
    assert_eq!(t.get("/disks?filter=name.equals(d9)", &admin).await.assert_status(200)["total"], 0);
}

both_backends!(control_characters_and_bad_device_names_are_400);
