//! `strato cloudcli ...` reaches the driver CLI (no server involved).

mod common;

use std::process::Command;

fn cloudcli(args: &[&str]) -> std::process::Output {
    Command::new(common::BIN).arg("cloudcli").args(args).output().expect("run strato cloudcli")
}

#[test]
fn cloudcli_is_dispatched_to_the_drivers() {
    let listed = cloudcli(&["fake", "--output", "json", "region-list"]);
    let stdout = String::from_utf8_lossy(&listed.stdout);
    assert!(listed.status.success(), "stderr: {}", String::from_utf8_lossy(&listed.stderr));
    let regions: serde_json::Value = serde_json::from_str(&stdout).expect("JSON from cloudcli");
    assert!(regions.as_array().is_some_and(|r| !r.is_empty()), "{stdout}");

    let unknown = cloudcli(&["no-such-provider", "region-list"]);
    assert!(!unknown.status.success());
    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert!(stderr.contains("no-such-provider") && !stderr.contains("panicked"), "{stderr}");
}
