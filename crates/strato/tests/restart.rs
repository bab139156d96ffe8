//! Restart: data and the master key survive; a wrong master key stops start-up with a clear
//! message instead of serving garbage.

mod common;

use common::{backend, names, Server, ServeOptions};

/// base64 of 32 bytes of 7: a valid key, just not the one the data was written with.
const WRONG_KEY: &str = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=";

#[test]
fn restart_on_sqlite() {
    data_and_key_survive_a_restart(false);
}

#[test]
fn restart_on_postgres() {
    data_and_key_survive_a_restart(true);
}

fn data_and_key_survive_a_restart(postgres: bool) {
    let dir = tempfile::tempdir().expect("temp dir");
    let options = ServeOptions::new(backend(postgres, "restart"), dir.path().join("data"));
    let server = Server::start(options);
    let key_path = server.options.data_dir.join("master.key");
    assert_eq!(common::file_mode(&key_path), 0o600, "master.key must be private");
    let key = std::fs::read(&key_path).expect("master.key written on first start");
    let admin = server.admin_cli();
    admin.run(&["project-create", "--name", "kept", "--description", "survives"]).success();
    admin
        .run_with_stdin(
            &["cloudaccount-create", "--name", "acct", "--provider", "fake", "--project", "kept", "--secret-stdin"],
            "restart-secret\n",
        )
        .success();
    let options = server.stop();

    let server = Server::start(options);
    assert_eq!(std::fs::read(&key_path).expect("master.key"), key, "the master key changed on restart");
    // The old login token is still valid (tokens live in the store), and so is the data.
    let old_token = admin.saved_token();
    assert_eq!(server.http().get("/auth/whoami", &old_token).status, 200);
    // A restart picks a new port; the saved token is only ever sent to the URL it came from.
    let admin = server.admin_cli();
    let project = admin.json(&["project-show", "kept"]);
    assert_eq!(project["description"], "survives");
    let accounts = admin.json(&["cloudaccount-list", "--scope", "system"]);
    assert_eq!(names(&accounts, "cloudaccounts"), ["acct"]);
    // Credentials can still be written under the same key.
    admin.run_with_stdin(&["cloudaccount-update", "acct", "--secret-stdin"], "rotated-secret\n").success();
    let mut options = server.stop();

    options.master_key = Some(WRONG_KEY.to_string());
    let failed = Server::start_expecting_failure(options);
    assert!(!failed.status.success());
    let said = format!("{}{}", failed.stdout, failed.stderr).to_lowercase();
    assert!(said.contains("master key"), "start-up with a wrong key must say so; it said:\n{said}");
    assert!(!said.contains("restart-secret") && !said.contains("rotated-secret"));
}
