//! Runs docs/cli-tour.md verbatim: the first ```sh block, as one bash script, against a freshly
//! served binary whose admin password was generated and printed, as on a user's first start.

mod common;

use common::{serve_with, Backend};
use std::io::Write;
use std::process::{Command, Stdio};

const TOUR: &str = include_str!("../../../docs/cli-tour.md");

/// The body of the first fenced ```sh block.
fn tour_script(doc: &str) -> String {
    let mut lines = doc.lines().skip_while(|l| l.trim() != "```sh").skip(1);
    let body: Vec<&str> = lines.by_ref().take_while(|l| l.trim() != "```").collect();
    assert!(!body.is_empty(), "docs/cli-tour.md has no ```sh block");
    body.join("\n") + "\n"
}

/// The password `strato serve` printed on its first start: the last word of the stdout line
/// that mentions the admin password.
fn printed_admin_password(startup: &str) -> String {
    let line = startup
        .lines()
        .find(|l| l.to_lowercase().contains("password"))
        .unwrap_or_else(|| panic!("strato serve printed no admin password on first start:\n{startup}"));
    line.split_whitespace().last().unwrap_or_default().trim_matches(|c| c == '"' || c == '\'').to_string()
}

/// The README shows the same tour (after its `<!-- cli-tour -->` marker); it must be the very
/// block this test runs, so the README's copy cannot rot either.
#[test]
fn readme_tour_is_the_tested_tour() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md");
    let readme = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read README.md: {e}"));
    let (_, after_marker) = readme
        .split_once("<!-- cli-tour -->")
        .unwrap_or_else(|| panic!("README.md has no `<!-- cli-tour -->` marker before its CLI tour"));
    assert_eq!(tour_script(after_marker), tour_script(TOUR), "README.md's CLI tour differs from docs/cli-tour.md");
}

#[test]
fn cli_tour_works_verbatim() {
    let server = serve_with(Backend::Sqlite, |o| o.admin_password = None);
    let password = printed_admin_password(&server.startup_output);
    let home = server.dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let bin_dir = std::path::Path::new(common::BIN).parent().unwrap();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());

    let script = tour_script(TOUR);
    let mut child = Command::new("bash")
        .args(["-euo", "pipefail", "-x", "-c", &script])
        .env_clear()
        .env("PATH", path)
        .env("HOME", &home)
        .env("STRATO_URL", &server.url)
        .current_dir(&home)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn bash");
    // What the user pastes at the prompt.
    child.stdin.take().unwrap().write_all(format!("{password}\n").as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the tour failed ({}):\nstdout:\n{stdout}\nstderr:\n{stderr}", output.status);

    // It did what it says.
    for expected in ["demo", "alice", "fake1", "Total:", "\"provider\": \"fake\"", "staging", "production"] {
        assert!(stdout.contains(expected), "tour output lacks {expected:?}:\n{stdout}");
    }
    for secret in ["fake-secret-key", "wonderland-tour-password", password.as_str()] {
        assert!(!stdout.contains(secret), "the tour printed a secret:\n{stdout}");
    }
    // The access key is part of the credentials too: never returned.
    assert!(!stdout.contains("FAKEKEY"), "credentials are never returned:\n{stdout}");
    // Alice's final list shows her one project.
    let last_table = stdout.rsplit("Total:").next().unwrap_or_default();
    assert!(last_table.trim().starts_with('1'), "alice should see exactly one project:\n{stdout}");
    // Config files are private.
    assert_eq!(common::file_mode(&home.join(".config/strato/config.json")), 0o600);
    assert_eq!(common::file_mode(&home.join(".config/strato/alice.json")), 0o600);
}
