//! Sessions, roles and passwords (issue 13, items 8, 9, 10 and 13): roles grant only within
//! their scope, grants cross no domain, password changes end the old sessions, login sessions
//! can be listed and ended, passwords meet a policy, and role assignments can be searched.

mod common;

use axum::http::Method;
use common::{fake_account, user_password, Backend, TestApp, ADMIN_PASSWORD};
use serde_json::{json, Value};


/// Logs in without the harness's status assertion; answers the raw answer.
async fn try_login(t: &TestApp, user: &str, password: &str, domain: &str) -> common::Answer {
    t.call(Method::POST, "/auth/login", None, Some(json!({"username": user, "password": password, "domain": domain})))
        .await
}

/// As admin: a user of domain `default` with the given password.
async fn create_user(t: &TestApp, name: &str) -> String {
    let answer = t.post("/users", &t.admin_token, json!({"name": name, "password": user_password(name)})).await;
    answer.assert_status(201)["id"].as_str().unwrap().to_string()
}

async fn grant(t: &TestApp, body: Value) -> String {
    t.post("/role_assignments", &t.admin_token, body).await.assert_status(201)["id"].as_str().unwrap().to_string()
}

// Item 8: a domain admin of `default` can neither make itself system admin nor change users
// who hold a wider role; the system project answers to system admins only.
async fn domain_admin_cannot_reach_the_system_admin(backend: Backend) {
    let t = TestApp::start(backend).await;
    create_user(&t, "dan").await;
    grant(&t, json!({"user": "dan", "domain": "default", "role": "admin"})).await;
    let dan = t.login("dan", &user_password("dan")).await;

    t.post("/role_assignments", &dan, json!({"user": "dan", "project": "system", "role": "admin"}))
        .await
        .assert_error(403, "ForbiddenError");
    t.post("/role_assignments", &dan, json!({"user": "dan", "project": "system", "role": "member"}))
        .await
        .assert_error(403, "ForbiddenError");
    for change in [json!({"password": "taken-over-Zq7xK2mN9"}), json!({"enabled": false}), json!({"name": "root2"})] {
        t.put("/users/admin", &dan, change).await.assert_error(403, "ForbiddenError");
    }
    t.delete("/users/admin", &dan).await.assert_error(403, "ForbiddenError");
    t.put("/projects/system", &dan, json!({"description": "mine"})).await.assert_error(403, "ForbiddenError");
    // Nothing changed: the admin still logs in, dan is still no system admin.
    t.login("admin", ADMIN_PASSWORD).await;
    assert_eq!(t.get("/auth/whoami", &dan).await.assert_status(200)["system_admin"], false);
    // A second system admin is out of dan's reach too.
    create_user(&t, "sam").await;
    grant(&t, json!({"user": "sam", "project": "system", "role": "admin"})).await;
    t.put("/users/sam", &dan, json!({"password": "taken-over-Zq7xK2mN9"})).await.assert_error(403, "ForbiddenError");
    // Within his domain dan still manages ordinary users.
    create_user(&t, "pat").await;
    t.put("/users/pat", &dan, json!({"password": "reset-by-dan-Zq7xK2"})).await.assert_status(200);
    t.delete("/users/pat", &dan).await.assert_status(200);
}

// Item 8: the bootstrap domain cannot be disabled or renamed, and the last system admin cannot
// be removed, disabled or deleted (any one of several can).
async fn bootstrap_domain_and_last_system_admin_stay(backend: Backend) {
    let t = TestApp::start(backend).await;
    let admin = t.admin_token.clone();
    t.put("/domains/default", &admin, json!({"enabled": false})).await.assert_error(409, "ConflictError");
    t.put("/domains/default", &admin, json!({"name": "renamed"})).await.assert_error(409, "ConflictError");
    t.put("/domains/default", &admin, json!({"description": "still fine"})).await.assert_status(200);
    t.login("admin", ADMIN_PASSWORD).await;

    create_user(&t, "sam").await;
    grant(&t, json!({"user": "sam", "project": "system", "role": "admin"})).await;
    let sam = t.login("sam", &user_password("sam")).await;
    let who = t.get("/auth/whoami", &admin).await.assert_status(200).clone();
    let admins_role = who["roles"][0]["id"].as_str().unwrap().to_string();
    // With sam there, the admin user's system role can go.
    t.delete(&format!("/role_assignments/{admins_role}"), &sam).await.assert_status(200);
    assert_eq!(t.get("/auth/whoami", &admin).await.assert_status(200)["system_admin"], false);
    // Sam is now the last one.
    let sams_role = t.get("/auth/whoami", &sam).await.assert_status(200)["roles"][0]["id"].as_str().unwrap().to_string();
    t.delete(&format!("/role_assignments/{sams_role}"), &sam).await.assert_error(409, "ConflictError");
    t.put("/users/sam", &sam, json!({"enabled": false})).await.assert_error(409, "ConflictError");
    t.delete("/users/sam", &sam).await.assert_error(409, "ConflictError");
    assert_eq!(t.get("/auth/whoami", &sam).await.assert_status(200)["system_admin"], true);
    // The admin user itself stays (the server finds it by name at start-up).
    t.delete("/users/admin", &sam).await.assert_error(409, "ConflictError");
    t.put("/users/admin", &sam, json!({"name": "root"})).await.assert_error(409, "ConflictError");
}

// Item 9: an admin of another domain cannot grant a role to a user of this one, even by id.
async fn grants_cross_no_domain_boundary(backend: Backend) {
    let t = TestApp::start(backend).await;
    let admin = t.admin_token.clone();
    let vic = t.user_in_project("vic", "pv", "member").await;
    t.post("/cloudaccounts", &vic, fake_account("vic1", "pv")).await.assert_status(201);
    let vic_id = t.get("/auth/whoami", &vic).await.assert_status(200)["user"]["id"].as_str().unwrap().to_string();
    t.post("/domains", &admin, json!({"name": "d2"})).await.assert_status(201);
    t.post("/projects", &admin, json!({"name": "p2", "domain": "d2"})).await.assert_status(201);
    t.post("/users", &admin, json!({"name": "dora", "password": "d2-Zq7xK2mN9-pw", "domain": "d2"}))
        .await
        .assert_status(201);
    grant(&t, json!({"user": "dora", "domain": "d2", "role": "admin"})).await;
    let dora = try_login(&t, "dora", "d2-Zq7xK2mN9-pw", "d2").await.assert_status(200)["token"].as_str().unwrap().to_string();

    for body in [
        json!({"user": vic_id, "domain": "d2", "role": "admin"}),
        json!({"user": vic_id, "project": "p2", "role": "member"}),
    ] {
        t.post("/role_assignments", &dora, body.clone()).await.assert_error(404, "NotFoundError");
        // Not even the system admin grants across domains.
        t.post("/role_assignments", &admin, body).await.assert_error(404, "NotFoundError");
    }
    let roles = t.get(&format!("/role_assignments?filter=user_id.equals({vic_id})"), &admin).await;
    assert_eq!(roles.assert_status(200)["total"], 1, "{roles:?}");
    let listed = t.get("/cloudaccounts", &vic).await;
    assert_eq!(listed.assert_status(200)["total"], 1, "{listed:?}");
}

// Item 9: a user's default lists keep showing their own projects' objects even when they hold
// an admin role in another domain (a grant made before grants were confined to a domain).
async fn a_foreign_admin_role_keeps_own_objects_visible(backend: Backend) {
    let t = TestApp::start(backend).await;
    let admin = t.admin_token.clone();
    let vic = t.user_in_project("vic", "pv", "member").await;
    t.post("/cloudaccounts", &vic, fake_account("vic1", "pv")).await.assert_status(201);
    let vic_id = t.get("/auth/whoami", &vic).await.assert_status(200)["user"]["id"].as_str().unwrap().to_string();
    let d2 = t.post("/domains", &admin, json!({"name": "d2"})).await.assert_status(201)["id"].as_str().unwrap().to_string();
    // Only the store can still write such a row.
    t.app
        .store()
        .role_assignments()
        .create(strato_store::NewRoleAssignment {
            user_id: vic_id.parse().unwrap(),
            target: strato_store::role_assignments::RoleTarget::Domain(d2.parse().unwrap()),
            role: strato_types::Role::Admin,
        })
        .await
        .unwrap();
    let vic = t.login("vic", &user_password("vic")).await;
    let listed = t.get("/cloudaccounts", &vic).await;
    let body = listed.assert_status(200);
    assert_eq!(body["total"], 1, "{listed:?}");
    assert_eq!(body["cloudaccounts"][0]["name"], "vic1");
    t.get("/cloudaccounts/vic1", &vic).await.assert_status(200);
    // The foreign domain is there when asked for.
    assert_eq!(t.get("/cloudaccounts?scope=domain", &vic).await.assert_status(200)["total"], 0);
}

// Item 10: changing one's own password needs the current one and ends every other session and
// API token; an admin reset needs no current password and ends all of them.
async fn password_changes_need_the_current_one_and_end_sessions(backend: Backend) {
    let t = TestApp::start(backend).await;
    let alice = t.user_in_project("alice", "pa", "member").await;
    let other_session = t.login("alice", &user_password("alice")).await;
    let api = t.post("/tokens", &alice, json!({"name": "ci"})).await.assert_status(201)["token"].as_str().unwrap().to_string();
    let new_password = "fresh-Zq7xK2mN9-pw";

    t.put("/users/alice", &alice, json!({"password": new_password})).await.assert_error(400, "InvalidInputError");
    t.put("/users/alice", &alice, json!({"password": new_password, "current_password": "not-the-password"}))
        .await
        .assert_error(403, "ForbiddenError");
    try_login(&t, "alice", new_password, "default").await.assert_error(401, "UnauthorizedError");
    t.get("/auth/whoami", &other_session).await.assert_status(200);

    t.put("/users/alice", &alice, json!({"password": new_password, "current_password": user_password("alice")}))
        .await
        .assert_status(200);
    // The session that made the change goes on; every other token of hers is revoked.
    t.get("/auth/whoami", &alice).await.assert_status(200);
    t.get("/auth/whoami", &other_session).await.assert_error(401, "UnauthorizedError");
    t.get("/auth/whoami", &api).await.assert_error(401, "UnauthorizedError");
    try_login(&t, "alice", &user_password("alice"), "default").await.assert_error(401, "UnauthorizedError");
    let fresh = t.login("alice", new_password).await;

    // An admin reset needs no current password and revokes all of her tokens.
    t.put("/users/alice", &t.admin_token, json!({"password": "reset-Zq7xK2mN9-pw"})).await.assert_status(200);
    for token in [&alice, &fresh] {
        t.get("/auth/whoami", token).await.assert_error(401, "UnauthorizedError");
    }
    t.login("alice", "reset-Zq7xK2mN9-pw").await;
    // current_password alone is no change.
    t.put("/users/alice", &t.admin_token, json!({"current_password": "x"})).await.assert_error(400, "InvalidInputError");
}

// Item 10: a minimum password policy on create and change.
async fn weak_passwords_are_refused(backend: Backend) {
    let t = TestApp::start(backend).await;
    let long_blank = " ".repeat(20);
    for password in ["a", " ", long_blank.as_str(), "short-pw", "weakling", "my-WEAKLING-password"] {
        let answer = t.post("/users", &t.admin_token, json!({"name": "weakling", "password": password})).await;
        answer.assert_error(400, "InvalidInputError");
        assert_eq!(answer.body["error"]["details"]["field"], "password", "{answer:?}");
        assert!(password.len() < 6 || !answer.text.contains(password), "the password was quoted: {answer:?}");
    }
    t.get("/users/weakling", &t.admin_token).await.assert_error(404, "NotFoundError");
    create_user(&t, "weakling").await;
    for password in ["a", "weakling", "xx-weakling-xx"] {
        t.put("/users/weakling", &t.admin_token, json!({"password": password})).await.assert_error(400, "InvalidInputError");
    }
    t.login("weakling", &user_password("weakling")).await;
}

// Item 10: login sessions can be listed and revoked, `POST /auth/logout` ends the calling one,
// and API tokens expire by default.
async fn login_sessions_are_listed_and_revoked(backend: Backend) {
    let t = TestApp::start(backend).await;
    let alice = t.user_in_project("alice", "pa", "member").await;
    let bob = t.user_in_project("bob", "pb", "member").await;
    let second = t.login("alice", &user_password("alice")).await;

    let sessions = t.get("/tokens?filter=kind.equals(login)", &alice).await;
    let listed = sessions.assert_status(200)["tokens"].as_array().unwrap().clone();
    assert_eq!(listed.len(), 2, "{sessions:?}");
    assert!(listed.iter().all(|s| s["kind"] == "login" && s["expires_at"].is_string()), "{sessions:?}");
    assert!(!sessions.text.contains(&alice) && !sessions.text.contains(&second), "a secret was listed");
    // API tokens stay the default listing.
    let created = t.post("/tokens", &alice, json!({"name": "ci"})).await.assert_status(201).clone();
    assert_eq!(created["kind"], "api");
    assert!(created["expires_at"].is_string(), "API tokens expire by default: {created}");
    let default_list = t.get("/tokens", &alice).await;
    assert_eq!(default_list.assert_status(200)["total"], 1, "{default_list:?}");

    // Revoke one session by id; others cannot.
    let me = t.get("/auth/whoami", &alice).await.assert_status(200)["user"]["id"].as_str().unwrap().to_string();
    let ids: Vec<String> = listed.iter().map(|s| s["id"].as_str().unwrap().to_string()).collect();
    assert!(listed.iter().all(|s| s["user_id"] == me.as_str()));
    for id in &ids {
        t.delete(&format!("/tokens/{id}"), &bob).await.assert_error(404, "NotFoundError");
    }
    // Her sessions in order: the first login (`alice`), then `second`; she ends the second.
    let ordered = t.get("/tokens?filter=kind.equals(login)&order_by=created_at&order=asc", &alice).await;
    let second_id = ordered.assert_status(200)["tokens"][1]["id"].as_str().unwrap().to_string();
    assert!(ids.contains(&second_id));
    t.delete(&format!("/tokens/{second_id}"), &alice).await.assert_status(200);
    t.get("/auth/whoami", &second).await.assert_error(401, "UnauthorizedError");
    t.get("/auth/whoami", &alice).await.assert_status(200);

    // Logout ends the calling token only.
    let third = t.login("alice", &user_password("alice")).await;
    let out = t.call(Method::POST, "/auth/logout", Some(&third), None).await;
    assert_eq!(out.assert_status(200)["kind"], "login");
    t.get("/auth/whoami", &third).await.assert_error(401, "UnauthorizedError");
    t.get("/auth/whoami", &bob).await.assert_status(200);
    t.call(Method::POST, "/auth/logout", Some(&third), None).await.assert_error(401, "UnauthorizedError");
    t.call(Method::POST, "/auth/logout", None, None).await.assert_error(401, "UnauthorizedError");
}

// Item 13: `search` on role assignments looks in the user and project names.
async fn role_assignments_can_be_searched(backend: Backend) {
    let t = TestApp::start(backend).await;
    let alice = t.user_in_project("alice", "pa", "member").await;
    t.user_in_project("bob", "pb", "viewer").await;
    let admin = t.admin_token.clone();
    let names = |answer: &common::Answer| -> Vec<String> {
        let body = answer.assert_status(200);
        body["role_assignments"].as_array().unwrap().iter().map(|r| r["user"].as_str().unwrap_or("").to_string()).collect()
    };
    let by_user = t.get("/role_assignments?search=lic&details=true", &admin).await;
    assert_eq!(names(&by_user), ["alice"], "{by_user:?}");
    let by_project = t.get("/role_assignments?search=pb&details=true", &admin).await;
    assert_eq!(names(&by_project), ["bob"], "{by_project:?}");
    let nothing = t.get("/role_assignments?search=zzz", &admin).await;
    assert_eq!(nothing.assert_status(200)["total"], 0);
    // Any user, at their own scope.
    let own = t.get("/role_assignments?search=a&details=true", &alice).await;
    assert_eq!(names(&own), ["alice"], "{own:?}");
}

both_backends!(
    domain_admin_cannot_reach_the_system_admin,
    bootstrap_domain_and_last_system_admin_stay,
    grants_cross_no_domain_boundary,
    a_foreign_admin_role_keeps_own_objects_visible,
    password_changes_need_the_current_one_and_end_sessions,
    weak_passwords_are_refused,
    login_sessions_are_listed_and_revoked,
    role_assignments_can_be_searched,
);

// Item 10: STRATO_ADMIN_PASSWORD meets the password policy; a weak one stops the start clearly,
// without quoting it.
#[tokio::test]
async fn a_weak_bootstrap_admin_password_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let config = |password: &str| strato_server::app::AppConfig {
        data_dir: dir.path().to_path_buf(),
        database_url: None,
        token_ttl: std::time::Duration::from_secs(60),
        rotate_master_key: false,
        token_cache_ttl: std::time::Duration::from_secs(5),
        master_key: Some(strato_store::MasterKey::generate()),
        admin_password: Some(strato_store::SecretString::new(password)),
        providers: common::test_providers(),
        sync_region_parallelism: 1,
        sync_tick: None,
        task_workers: 1,
        password_min_length: strato_server::app::validate::PASSWORD_MIN_LENGTH,
        limits: Default::default(),
        allowed_endpoints: Default::default(),
    };
    for weak in ["short-pw", "my-admin-password"] {
        let Err(error) = strato_server::app::App::open(config(weak)).await else {
            panic!("{weak:?} was accepted as the admin password");
        };
        let text = error.to_string();
        assert!(text.contains("STRATO_ADMIN_PASSWORD") && !text.contains(weak), "{text}");
    }
    let (app, _) = strato_server::app::App::open(config("a-strong-root-password")).await.expect("a strong one is fine");
    app.close().await;
}
