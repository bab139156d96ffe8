//! Tenant isolation through the CLI and raw HTTP: a member of project A cannot see or touch
//! project B's objects (404, so their existence does not leak) and cannot widen their scope (403).

mod common;

use common::{backend, names, serve, Cli, TestServer};
use serde_json::json;

#[test]
fn isolation_on_sqlite() {
    members_stay_in_their_project(&serve(backend(false, "iso")));
}

#[test]
fn isolation_on_postgres() {
    members_stay_in_their_project(&serve(backend(true, "iso")));
}

fn member(server: &TestServer, admin: &Cli, name: &str, project: &str) -> Cli {
    let password = format!("{}-password-Zq7xK2", name.len());
    admin
        .run_with_stdin(&["user-create", "--name", name, "--password-stdin"], &format!("{password}\n"))
        .success();
    admin.run(&["role-assign", "--user", name, "--project", project, "--role", "member"]).success();
    let cli = server.cli(name);
    cli.login(name, &password).success();
    cli
}

fn members_stay_in_their_project(server: &TestServer) {
    let admin = server.admin_cli();
    for project in ["proj-a", "proj-b"] {
        admin.run(&["project-create", "--name", project]).success();
    }
    let alice = member(server, &admin, "alice", "proj-a");
    let _bob = member(server, &admin, "bob", "proj-b");
    let in_b = admin.json(&["cloudaccount-create", "--name", "acct-b", "--provider", "fake", "--project", "proj-b", "--secret", "sb"]);
    admin.json(&["cloudaccount-create", "--name", "acct-a", "--provider", "fake", "--project", "proj-a", "--secret", "sa"]);
    let b_id = in_b["id"].as_str().unwrap();

    // Lists hold only her project's objects; filtering for B's id finds nothing.
    assert_eq!(names(&alice.json(&["cloudaccount-list"]), "cloudaccounts"), ["acct-a"]);
    assert_eq!(names(&alice.json(&["project-list"]), "projects"), ["proj-a"]);
    let by_id = alice.json(&["cloudaccount-list", "--filter", &format!("id.equals({b_id})")]);
    assert_eq!(by_id["total"], 0, "{by_id}");

    // Show, update, delete of B's objects: not found, by name and by id.
    for target in ["acct-b", b_id] {
        alice.run(&["cloudaccount-show", target]).failure("NotFoundError");
        alice.run(&["cloudaccount-update", target, "--description", "mine"]).failure("NotFoundError");
        alice.run(&["cloudaccount-delete", target]).failure("NotFoundError");
    }
    alice.run(&["project-show", "proj-b"]).failure("NotFoundError");
    alice.run(&["project-delete", "proj-b"]).failure("NotFoundError");

    // Widening the scope is forbidden.
    for command in ["cloudaccount-list", "project-list", "user-list"] {
        alice.run(&[command, "--scope", "system"]).failure("ForbiddenError");
        alice.run(&[command, "--scope", "domain"]).failure("ForbiddenError");
    }

    // The same over raw HTTP.
    let http = server.http();
    let token = alice.saved_token();
    let path = format!("/cloudaccounts/{b_id}");
    assert_eq!(http.get(&path, &token).error_class(404), "NotFoundError");
    let put = http.call("PUT", &path, Some(&token), Some(&json!({"description": "mine"})));
    assert_eq!(put.error_class(404), "NotFoundError");
    assert_eq!(http.call("DELETE", &path, Some(&token), None).error_class(404), "NotFoundError");
    assert_eq!(http.get("/cloudaccounts?scope=system", &token).error_class(403), "ForbiddenError");

    // A viewer of A reads but does not write.
    let vera = member(server, &admin, "vera", "proj-a");
    let assignments = admin.json(&["role-assignment-list", "--scope", "system", "--details"]);
    let vera_assignment = common::items(&assignments, "role_assignments")
        .iter()
        .find(|a| a["user"] == "vera")
        .expect("vera's assignment")["id"]
        .as_str()
        .unwrap()
        .to_string();
    admin.run(&["role-assignment-delete", &vera_assignment]).success();
    admin.run(&["role-assign", "--user", "vera", "--project", "proj-a", "--role", "viewer"]).success();
    assert_eq!(names(&vera.json(&["cloudaccount-list"]), "cloudaccounts"), ["acct-a"]);
    vera.run(&["cloudaccount-update", "acct-a", "--description", "viewer edit"]).failure("ForbiddenError");
    vera.run(&["cloudaccount-create", "--name", "acct-v", "--provider", "fake", "--project", "proj-a", "--secret", "s"])
        .failure("ForbiddenError");

    // A domain admin widens to the domain, not to the system.
    let dora = member(server, &admin, "dora", "proj-a");
    admin.run(&["role-assign", "--user", "dora", "--domain", "default", "--role", "admin"]).success();
    let domain_view = dora.json(&["cloudaccount-list", "--scope", "domain", "--order-by", "name"]);
    assert_eq!(names(&domain_view, "cloudaccounts"), ["acct-a", "acct-b"]);
    dora.run(&["cloudaccount-list", "--scope", "system"]).failure("ForbiddenError");

    // Nothing of B's changed.
    let still = admin.json(&["cloudaccount-show", b_id]);
    assert_eq!(still["description"], in_b["description"]);
    // And the admin's view is complete.
    let all = admin.json(&["cloudaccount-list", "--scope", "system", "--order-by", "name"]);
    assert_eq!(names(&all, "cloudaccounts"), ["acct-a", "acct-b"]);
}
