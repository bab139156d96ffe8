//! Bad input through the CLI: one line `error: <class>: <message>` on stderr, exit code 1,
//! never a panic and never a secret. Plus the documented error bodies over raw HTTP.

mod common;

use common::{serve, Backend};

#[test]
fn bad_input_is_one_line_and_exit_1() {
    let server = serve(Backend::Sqlite);
    let admin = server.admin_cli();
    admin.run(&["project-create", "--name", "p1"]).success();

    // Rejected by the server.
    let line = admin.run(&["project-create", "--name", "bad name!"]).failure("InvalidInputError");
    assert!(line.contains("name"), "{line}");
    admin.run(&["project-create", "--name", "p1"]).failure("ConflictError");
    admin.run(&["project-list", "--filter", "name.bogus(x)"]).failure("InvalidInputError");
    admin.run(&["project-list", "--filter", "no parentheses"]).failure("InvalidInputError");
    admin.run(&["project-list", "--order-by", "no_such_field"]).failure("InvalidInputError");
    admin.run(&["project-show", "nope"]).failure("NotFoundError");
    admin.run(&["role-assign", "--user", "admin", "--project", "p1", "--role", "emperor"]).failure("InvalidInputError");
    let secret = "do-not-print-this-secret";
    let bad_provider = admin.run(&["cloudaccount-create", "--name", "a1", "--provider", "nosuch", "--secret", secret]);
    bad_provider.failure("InvalidInputError");
    assert!(!bad_provider.stderr.contains(secret) && !bad_provider.stdout.contains(secret));

    // Rejected by the CLI before any request.
    let line = admin.run(&["project-create"]).failure("InvalidInputError");
    assert!(line.contains("--name"), "{line}");
    admin.run(&["project-list", "--limit", "many"]).failure("InvalidInputError");
    admin.run(&["project-list", "--scope", "galaxy"]).failure("InvalidInputError");
    admin.run(&["no-such-command"]).failure("InvalidInputError");
    admin.run(&["project-update", "p1"]).failure("InvalidInputError");
    admin.run(&["user-create", "--name", "bob", "--password-stdin"]).failure("InvalidInputError"); // empty stdin
    admin.run(&["login", "--user", "admin"]).failure("InvalidInputError"); // no --password-stdin

    // Authentication problems.
    admin.login("admin", "wrong-password").failure("UnauthorizedError");
    let stranger = server.cli("stranger");
    stranger.run(&["project-list"]).failure("UnauthorizedError");
    stranger.run_env(&["project-list"], &[("STRATO_TOKEN", "not-a-token")]).failure("UnauthorizedError");

    // No server there.
    let dead = common::Cli { url: "http://127.0.0.1:9".into(), ..stranger.clone() };
    dead.run_env(&["project-list"], &[("STRATO_TOKEN", "x")]).failure("ConnectionError");
    let bad_url = common::Cli { url: "not a url".into(), ..stranger };
    bad_url.run_env(&["project-list"], &[("STRATO_TOKEN", "x")]).failure("InvalidInputError");
}

#[test]
fn raw_http_errors_have_the_documented_body() {
    let server = serve(Backend::Sqlite);
    let http = server.http();
    let token = http.login("admin", common::ADMIN_PASSWORD);
    let post = |path: &str, body: &str| {
        let response = http
            .client
            .post(format!("{}{path}", http.url))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .expect("request");
        let status = response.status().as_u16();
        let body: serde_json::Value = response.json().unwrap_or(serde_json::Value::Null);
        common::Reply { status, body }
    };
    assert_eq!(post("/projects", "{not json").error_class(400), "InvalidInputError");
    assert_eq!(post("/projects", r#"{"name": "p1", "colour": "red"}"#).error_class(400), "InvalidInputError");
    assert_eq!(post("/projects", r#"{"name": "9lives"}"#).error_class(400), "InvalidInputError");
    // The server answers 413 as soon as it sees the length and closes the connection. The body is
    // just over the 1 MiB limit so it is already in the socket buffers by then (a much larger
    // one can fail with a broken pipe before the answer is read), and it goes on a connection of
    // its own so the pooled one stays usable.
    let huge = format!(r#"{{"name": "p1", "description": "{}"}}"#, "x".repeat((1 << 20) + 1024));
    let response = reqwest::blocking::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("client")
        .post(format!("{}/projects", http.url))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .expect("request");
    let status = response.status().as_u16();
    let body = response.json().unwrap_or(serde_json::Value::Null);
    assert_eq!(common::Reply { status, body }.error_class(413), "PayloadTooLargeError");
    assert_eq!(http.get("/projects?filter=name.wat(1)", &token).error_class(400), "InvalidInputError");
    assert_eq!(http.get("/projects?limit=-1", &token).error_class(400), "InvalidInputError");
    assert_eq!(http.call("GET", "/projects", None, None).error_class(401), "UnauthorizedError");
    assert_eq!(http.get("/projects/nope", &token).error_class(404), "NotFoundError");
    let first = post("/projects", r#"{"name": "dup"}"#);
    assert!((200..300).contains(&first.status), "{first:?}");
    assert_eq!(post("/projects", r#"{"name": "dup"}"#).error_class(409), "ConflictError");
}

#[test]
fn a_closed_stdout_is_not_a_panic() {
    let server = serve(Backend::Sqlite);
    let admin = server.admin_cli();
    // `true` exits without reading, so the list is written into a closed pipe.
    let output = std::process::Command::new("bash")
        .args(["-c", r#""$0" project-list --scope system --limit 2000 | true; exit "${PIPESTATUS[0]}""#, common::BIN])
        .env("STRATO_CONFIG", &admin.config)
        .env("STRATO_URL", &admin.url)
        .output()
        .expect("run bash");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "exit {:?}, stderr: {stderr}", output.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
}
