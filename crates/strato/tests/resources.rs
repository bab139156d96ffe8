//! Every kind through the real CLI against a real server: create, list, show, update, delete,
//! totals and paging, filters and ordering, API tokens — on SQLite and on PostgreSQL.

mod common;

use common::{backend, items, names, serve, Cli, TestServer};
use serde_json::Value;

#[test]
fn resources_on_sqlite() {
    exercise_every_kind(&serve(backend(false, "res")));
}

#[test]
fn resources_on_postgres() {
    exercise_every_kind(&serve(backend(true, "res")));
}

fn exercise_every_kind(server: &TestServer) {
    let admin = server.admin_cli();
    login_writes_a_private_config(&admin);
    domains(&admin);
    projects_paging_filters_and_ordering(&admin);
    users_and_role_assignments(&admin);
    api_tokens(server, &admin);
    cloudaccounts(&admin);
    read_only_kinds(&admin);
}

fn login_writes_a_private_config(admin: &Cli) {
    assert_eq!(common::file_mode(&admin.config), 0o600);
    let config: Value = serde_json::from_str(&std::fs::read_to_string(&admin.config).unwrap()).unwrap();
    assert_eq!(config["url"].as_str(), Some(admin.url.as_str()));
    assert!(config["token"].as_str().is_some_and(|t| !t.is_empty()));
    let me = admin.json(&["whoami"]);
    assert_eq!(me["user"]["name"], "admin");
    assert_eq!(me["system_admin"], true);
    // The table form names the user too.
    let table = admin.run(&["whoami"]);
    assert!(table.success().stdout.contains("admin"), "{}", table.stdout);
}

fn domains(admin: &Cli) {
    let created = admin.json(&["domain-create", "--name", "dom2", "--description", "second"]);
    assert_eq!(created["name"], "dom2");
    let list = admin.json(&["domain-list", "--scope", "system"]);
    assert_eq!(list["total"], 2, "{list}");
    assert!(names(&list, "domains").contains(&"default".to_string()));
    let by_name = admin.json(&["domain-show", "dom2"]);
    let by_id = admin.json(&["domain-show", created["id"].as_str().unwrap()]);
    assert_eq!(by_name, by_id);
    let updated = admin.json(&["domain-update", "dom2", "--description", "renamed", "--name", "dom3"]);
    assert_eq!((updated["name"].as_str(), updated["description"].as_str()), (Some("dom3"), Some("renamed")));
    assert_eq!(updated["id"], created["id"]);
    let updated = admin.json(&["domain-update", "dom3", "--enabled", "false"]);
    assert_eq!(updated["enabled"], false);
    admin.run(&["domain-delete", "dom3"]).success();
    admin.run(&["domain-show", "dom3"]).failure("NotFoundError");
}

fn projects_paging_filters_and_ordering(admin: &Cli) {
    for (name, description) in [("p3", "third"), ("p1", "first"), ("p5", "fifth"), ("p2", "second"), ("p4", "fourth")] {
        let created = admin.json(&["project-create", "--name", name, "--description", description]);
        assert_eq!(created["name"], name);
        assert!(created["domain_id"].is_string());
    }
    // `system` exists from the first start.
    let all = admin.json(&["project-list", "--scope", "system", "--limit", "100"]);
    assert_eq!(all["total"], 6, "{all}");
    assert_eq!(items(&all, "projects").len(), 6);

    // Paging: totals stay, pages do not overlap, in name order.
    let mut seen = Vec::new();
    for offset in ["0", "2", "4"] {
        let page = admin.json(&[
            "project-list", "--scope", "system", "--limit", "2", "--offset", offset, "--order-by", "name", "--order", "asc",
        ]);
        assert_eq!((page["total"].as_u64(), page["limit"].as_u64()), (Some(6), Some(2)), "{page}");
        assert_eq!(page["offset"].as_u64(), offset.parse().ok(), "{page}");
        seen.extend(names(&page, "projects"));
    }
    assert_eq!(seen, ["p1", "p2", "p3", "p4", "p5", "system"]);

    let desc = admin.json(&["project-list", "--scope", "system", "--order-by", "name", "--order", "desc", "--limit", "3"]);
    assert_eq!(names(&desc, "projects"), ["system", "p5", "p4"]);

    // Filters, repeated filters (AND), search.
    let filtered = admin.json(&["project-list", "--scope", "system", "--filter", "name.startswith(p)", "--order-by", "name"]);
    assert_eq!(filtered["total"], 5);
    let two = admin.json(&["project-list", "--scope", "system", "--filter", "name.in(p1,p3,nope)", "--order-by", "name"]);
    assert_eq!(names(&two, "projects"), ["p1", "p3"]);
    let both = admin.json(&[
        "project-list", "--scope", "system", "--filter", "name.startswith(p)", "--filter", "description.contains(ir)",
        "--order-by", "name",
    ]);
    assert_eq!(names(&both, "projects"), ["p1", "p3"], "first, third");
    let not = admin.json(&["project-list", "--scope", "system", "--filter", "name.notin(p1,p2,p3,p4)", "--order-by", "name"]);
    assert_eq!(names(&not, "projects"), ["p5", "system"]);
    // Search matches part of the name.
    let searched = admin.json(&["project-list", "--scope", "system", "--search", "yst"]);
    assert_eq!(names(&searched, "projects"), ["system"]);

    // Details add the domain's name; the table shows it and the total.
    let detailed = admin.json(&["project-show", "p1", "--details"]);
    assert_eq!(detailed["domain"], "default");
    let table = admin.run(&["project-list", "--scope", "system", "--details", "--order-by", "name"]);
    let text = &table.success().stdout;
    assert!(text.contains("NAME") && text.contains("DOMAIN") && text.contains("default"), "{text}");
    assert!(text.trim_end().ends_with("Total: 6"), "{text}");
    let yaml = admin.run(&["project-list", "--scope", "system", "--output", "yaml", "--limit", "1"]);
    assert!(yaml.success().stdout.contains("total: 6"), "{}", yaml.stdout);

    let updated = admin.json(&["project-update", "p1", "--description", "the first one"]);
    assert_eq!(updated["description"], "the first one");
    assert_eq!(admin.json(&["project-show", "p1"])["description"], "the first one");
    admin.run(&["project-delete", "p5"]).success();
    admin.run(&["project-show", "p5"]).failure("NotFoundError");
    assert_eq!(admin.json(&["project-list", "--scope", "system"])["total"], 5);
}

fn users_and_role_assignments(admin: &Cli) {
    let alice = admin
        .run_with_stdin(
            &["user-create", "--name", "alice", "--password-stdin", "--email", "alice@example.com", "--output", "json"],
            "a-password-Zq7xK2\n",
        )
        .json();
    assert_eq!(alice["name"], "alice");
    assert!(alice.get("password").is_none(), "password returned: {alice}");
    let users = admin.json(&["user-list", "--scope", "system", "--order-by", "name"]);
    assert_eq!(names(&users, "users"), ["admin", "alice"]);
    let updated = admin.json(&["user-update", "alice", "--display-name", "Alice A."]);
    assert_eq!(updated["display_name"], "Alice A.");

    let assignment = admin.json(&["role-assign", "--user", "alice", "--project", "p1", "--role", "member"]);
    assert_eq!(assignment["role"], "member");
    assert!(assignment["project_id"].is_string());
    let listed = admin.json(&["role-assignment-list", "--scope", "system", "--details", "--filter", "role.equals(member)"]);
    assert_eq!(listed["total"], 1, "{listed}");
    assert_eq!(items(&listed, "role_assignments")[0]["user"], "alice");

    // Alice logs in with the password she was given and sees her project.
    let alice_cli = Cli { config: admin.config.with_file_name("alice.json"), ..admin.clone() };
    alice_cli.login("alice", "a-password-Zq7xK2").success();
    let mine = alice_cli.json(&["project-list"]);
    assert_eq!(names(&mine, "projects"), ["p1"]);

    let id = assignment["id"].as_str().unwrap();
    admin.run(&["role-assignment-delete", id]).success();
    admin.run(&["role-assignment-show", id]).failure("NotFoundError");
    assert_eq!(alice_cli.json(&["project-list"])["total"], 0);

    // A disabled user cannot log in.
    admin.json(&["user-update", "alice", "--enabled", "false"]);
    alice_cli.login("alice", "a-password-Zq7xK2").failure("UnauthorizedError");
    admin.run(&["user-delete", "alice"]).success();
    admin.run(&["user-show", "alice"]).failure("NotFoundError");
}

fn api_tokens(server: &TestServer, admin: &Cli) {
    let run = admin.run(&["token-create", "--name", "ci", "--output", "json"]);
    let created = run.json();
    let secret = created["token"].as_str().expect("token-create prints the secret once").to_string();
    assert!(run.stderr.contains("only this once"), "{}", run.stderr);
    // Never again: not in list or show.
    let list = admin.json(&["token-list"]);
    assert_eq!(names(&list, "tokens"), ["ci"]);
    assert!(!serde_json::to_string(&list).unwrap().contains(&secret));
    assert!(!serde_json::to_string(&admin.json(&["token-show", "ci"])).unwrap().contains(&secret));

    // The API token works in place of the login token.
    let nobody = server.cli("nobody");
    let me = nobody.run_env(&["whoami", "--output", "json"], &[("STRATO_TOKEN", &secret)]).json();
    assert_eq!(me["user"]["name"], "admin");
    assert_eq!(server.http().get("/auth/whoami", &secret).status, 200);

    // Revoked: refused at once, by the CLI and over HTTP.
    admin.run(&["token-delete", "ci"]).success();
    nobody.run_env(&["whoami"], &[("STRATO_TOKEN", &secret)]).failure("UnauthorizedError");
    assert_eq!(server.http().get("/auth/whoami", &secret).error_class(401), "UnauthorizedError");

    // An expiring API token stops working after its lifetime.
    let short = admin.json(&["token-create", "--name", "short", "--expires-in", "1"]);
    let short_secret = short["token"].as_str().unwrap().to_string();
    assert!(short["expires_at"].is_string(), "{short}");
    std::thread::sleep(std::time::Duration::from_millis(2100));
    nobody.run_env(&["whoami"], &[("STRATO_TOKEN", &short_secret)]).failure("UnauthorizedError");
}

fn cloudaccounts(admin: &Cli) {
    let secret = "fake-secret-value-0123456789";
    let run = admin.run_with_stdin(
        &[
            "cloudaccount-create", "--name", "acct1", "--provider", "fake", "--project", "p1", "--access-key",
            "AKFAKE", "--secret-stdin", "--regions", "fake-region-1,fake-region-2", "--endpoint", "http://127.0.0.1:9", "--output", "json",
        ],
        &format!("{secret}\n"),
    );
    let created = run.json();
    assert!(!run.stdout.contains(secret) && !run.stderr.contains(secret));
    assert!(created.get("credentials").is_none(), "{created}");
    assert_eq!(created["provider"], "fake");
    assert_eq!(created["regions"], serde_json::json!(["fake-region-1", "fake-region-2"]));
    admin.json(&["cloudaccount-create", "--name", "acct2", "--provider", "fake", "--project", "p2", "--secret", "x2"]);

    let list = admin.json(&["cloudaccount-list", "--scope", "system", "--details", "--order-by", "name"]);
    assert_eq!(names(&list, "cloudaccounts"), ["acct1", "acct2"]);
    assert_eq!(items(&list, "cloudaccounts")[0]["project"], "p1");
    let filtered = admin.json(&["cloudaccount-list", "--scope", "system", "--filter", "name.equals(acct2)"]);
    assert_eq!(names(&filtered, "cloudaccounts"), ["acct2"]);
    let table = admin.run(&["cloudaccount-list", "--scope", "system"]);
    let text = &table.success().stdout;
    assert!(text.contains("PROVIDER") && text.contains("fake-region-1,fake-region-2") && text.contains("Total: 2"), "{text}");
    assert!(!text.contains(secret));

    let updated = admin.run_with_stdin(
        &["cloudaccount-update", "acct1", "--enabled", "false", "--regions", "fake-region-2", "--secret-stdin", "--output", "json"],
        "new-secret-value\n",
    );
    let updated = updated.json();
    assert_eq!((updated["enabled"].clone(), updated["regions"].clone()), (Value::Bool(false), serde_json::json!(["fake-region-2"])));
    admin.run(&["cloudaccount-update", "acct1"]).failure("InvalidInputError");
    admin.run(&["cloudaccount-delete", "acct1"]).success();
    admin.run(&["cloudaccount-show", "acct1"]).failure("NotFoundError");
    assert_eq!(admin.json(&["cloudaccount-list", "--scope", "system"])["total"], 1);
}

fn read_only_kinds(admin: &Cli) {
    // acct2 (fake) synced on creation: its two regions and their zones are listed, read-only.
    let mut regions = Value::Null;
    for _ in 0..100 {
        regions = admin.json(&["cloudregion-list", "--scope", "system", "--filter", "cloudaccount.equals(acct2)"]);
        if regions["total"] == 2 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(regions["total"], 2, "{regions}");
    let region_id = items(&regions, "cloudregions")[0]["id"].as_str().unwrap().to_string();
    let zones = admin.json(&["zone-list", "--scope", "system", "--filter", &format!("cloudregion_id.equals({region_id})")]);
    assert!(zones["total"].as_u64().is_some_and(|n| n > 0), "{zones}");
    assert!(admin.run(&["cloudregion-list", "--scope", "system"]).success().stdout.contains("Total: 2"));
    admin.run(&["cloudregion-show", &region_id]).success();
    // The synced kinds are listed and shown too, with their change history.
    let servers = admin.json(&["server-list", "--scope", "system", "--filter", "cloudaccount.equals(acct2)", "--details"]);
    let server = items(&servers, "servers").first().expect("acct2 synced servers").clone();
    assert_eq!(server["cloudaccount"], "acct2", "{server}");
    let id = server["id"].as_str().unwrap();
    assert!(admin.run(&["server-show", id]).success().stdout.contains("instance_type"));
    assert!(admin.run(&["server-changes", id]).success().stdout.contains("Total: 0"));
    let history = admin.json(&["cloudaccount-sync-history", "acct2"]);
    assert!(history["total"].as_u64().is_some_and(|n| n > 0), "{history}");
    admin.run(&["cloudregion-show", "nowhere"]).failure("NotFoundError");
    admin.run(&["zone-show", "nowhere"]).failure("NotFoundError");
}
