//! The Aliyun driver end to end: `strato serve` with an `aliyun` account pointed at the replay
//! server (crates/providers/aliyun/tests/python), which checks every request's signature with
//! Aliyun's official code. The first sync mirrors everything the replay server holds; the
//! lifecycle operations are checked both in Strato and in the replay server's own state. The same
//! scenario runs on SQLite and on a fresh PostgreSQL database (`strato serve --database-url`).

mod common;

use std::collections::BTreeSet;
use std::process::Command;

use common::{backend, items, serve_with, Cli};
use serde_json::Value;
use strato_driver_tests::aliyun_replay::AliyunReplay;

const REGION: &str = "cn-hangzhou";
const ZONE: &str = "cn-hangzhou-h";
const IMAGE: &str = "ubuntu_22_04_x64_20G_alibase_20230907.vhd";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime")
}

/// Every resource the replay server holds, in its own shape.
fn replay_objects(replay: &AliyunReplay) -> Vec<Value> {
    runtime().block_on(replay.objects()).unwrap_or_else(|e| panic!("replay objects: {e}"))
}

/// The replay server's ids of one kind (its own names: instance, disk, vswitch, ...).
fn replay_ids(replay: &AliyunReplay, kind: &str) -> BTreeSet<String> {
    replay_objects(replay).iter().filter(|o| o["kind"] == kind).filter_map(|o| o["id"].as_str().map(str::to_string)).collect()
}

fn replay_object(replay: &AliyunReplay, id: &str) -> Value {
    replay_objects(replay).into_iter().find(|o| o["id"] == id).unwrap_or(Value::Null)
}

/// `strato cloudcli aliyun ...` against the replay server, credentials from the environment.
fn cloudcli(replay: &AliyunReplay, args: &[&str]) -> Value {
    let out = Command::new(common::BIN)
        .args(["cloudcli", "aliyun", "--endpoint", &replay.url(), "--region", REGION, "--output", "json"])
        .args(args)
        .env("ALIYUN_ACCESS_KEY_ID", &replay.access_key_id)
        .env("ALIYUN_ACCESS_KEY_SECRET", &replay.access_key_secret)
        .output()
        .expect("run strato cloudcli");
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "cloudcli {args:?} failed:\n{stderr}");
    assert!(!stdout.contains(&replay.access_key_secret) && !stderr.contains(&replay.access_key_secret), "secret echoed");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("cloudcli {args:?} printed no JSON ({e}): {stdout}"))
}

/// External ids of every `<plural>` row Strato lists.
fn strato_ids(cli: &Cli, keyword: &str, plural: &str) -> BTreeSet<String> {
    let list = cli.json(&[&format!("{keyword}-list"), "--limit", "2000"]);
    items(&list, plural).iter().filter_map(|o| o["external_id"].as_str().map(str::to_string)).collect()
}

fn show(cli: &Cli, keyword: &str, key: &str) -> Value {
    cli.json(&[&format!("{keyword}-show"), key])
}

#[test]
fn aliyun_account_syncs_and_operates_on_sqlite() {
    aliyun_account_syncs_and_operates_through_strato_serve(false);
}

#[test]
fn aliyun_account_syncs_and_operates_on_postgres() {
    aliyun_account_syncs_and_operates_through_strato_serve(true);
}

/// Each run has its own replay server, so the two backends never see each other's objects.
fn aliyun_account_syncs_and_operates_through_strato_serve(postgres: bool) {
    let replay = AliyunReplay::start().unwrap_or_else(|e| panic!("{e}"));
    // Out of band, before Strato knows the account: a server (with its system disk), a data
    // disk and an Elasticsearch instance.
    let seeded = cloudcli(&replay, &["server-create", "--name", "seed-vm", "--instance-type", "ecs.g6.large", "--image", IMAGE, "--zone", ZONE]);
    let vm = seeded["external_id"].as_str().expect("instance id").to_string();
    cloudcli(&replay, &["disk-create", "--name", "seed-disk", "--zone", ZONE, "--size-gb", "40"]);
    let es = runtime().block_on(replay.seed_elasticsearch(REGION, "seed-es")).unwrap_or_else(|e| panic!("{e}"));

    let s = serve_with(backend(postgres, "aliyun"), |_| {});
    let cli = s.admin_cli();
    cli.run_with_stdin(
        &["cloudaccount-create", "--provider", "aliyun", "--name", "ali", "--access-key", &replay.access_key_id, "--secret-stdin", "--endpoint", &replay.url()],
        &format!("{}\n", replay.access_key_secret),
    )
    .success();
    cli.run(&["cloudaccount-sync", "ali", "--wait"]).success();

    // The first sync mirrors every region and every resource the replay server holds.
    let regions = strato_ids(&cli, "cloudregion", "cloudregions");
    assert_eq!(regions, ["cn-beijing", "cn-hangzhou", "cn-shanghai"].map(String::from).into(), "regions");
    let zones = strato_ids(&cli, "zone", "zones");
    for zone in ["cn-hangzhou-h", "cn-hangzhou-i", "cn-shanghai-e", "cn-shanghai-f", "cn-beijing-g", "cn-beijing-h"] {
        assert!(zones.iter().any(|z| z.contains(zone)), "zone {zone} not in {zones:?}");
    }
    let skus = cli.json(&["sku-list", "--limit", "2000"]);
    let sku_names: BTreeSet<&str> = items(&skus, "skus").iter().filter_map(|o| o["name"].as_str()).collect();
    for sku in ["ecs.c6.large", "ecs.g6.large", "ecs.g6r.large", "ecs.t6-c1m1.large"] {
        assert!(sku_names.contains(sku), "sku {sku} not in {sku_names:?}");
    }
    for (keyword, plural, kind) in [
        ("vpc", "vpcs", "vpc"),
        ("network", "networks", "vswitch"),
        ("secgroup", "secgroups", "securitygroup"),
        ("disk", "disks", "disk"),
        ("server", "servers", "instance"),
        ("elasticsearch", "elasticsearches", "elasticsearch"),
    ] {
        let in_replay = replay_ids(&replay, kind);
        assert!(!in_replay.is_empty(), "the replay server holds no {kind}");
        assert_eq!(strato_ids(&cli, keyword, plural), in_replay, "{plural} mirror the replay server's {kind}s");
    }
    assert_eq!(show(&cli, "server", "seed-vm")["status"], "running");
    assert_eq!(show(&cli, "elasticsearch", "seed-es")["external_id"], es.as_str());

    // server stop and start, checked in the replay server's state
    assert_eq!(cli.json(&["server-stop", "seed-vm", "--wait"])["status"], "stopped");
    assert_eq!(replay_object(&replay, &vm)["Status"], "Stopped");
    assert_eq!(cli.json(&["server-start", "seed-vm", "--wait"])["status"], "running");
    assert_eq!(replay_object(&replay, &vm)["Status"], "Running");

    // disks: create, attach, detach, delete
    let disk = cli.json(&["disk-create", "--name", "d1", "--account", "ali", "--region", REGION, "--zone", ZONE, "--size", "20", "--wait"]);
    assert_eq!(disk["status"], "available", "{disk}");
    let disk_id = disk["external_id"].as_str().expect("disk id").to_string();
    let made = replay_object(&replay, &disk_id);
    assert_eq!((made["DiskName"].as_str(), made["Size"].as_u64(), made["Status"].as_str()), (Some("d1"), Some(20), Some("Available")), "{made}");
    assert_eq!(cli.json(&["disk-attach", "d1", "--server", "seed-vm", "--wait"])["status"], "in_use");
    let attached = replay_object(&replay, &disk_id);
    assert_eq!((attached["InstanceId"].as_str(), attached["Status"].as_str()), (Some(vm.as_str()), Some("In_use")), "{attached}");
    assert_eq!(cli.json(&["disk-detach", "d1", "--wait"])["status"], "available");
    let detached = replay_object(&replay, &disk_id);
    assert_eq!((detached["InstanceId"].as_str(), detached["Status"].as_str()), (Some(""), Some("Available")), "{detached}");
    cli.run(&["disk-delete", "d1", "--wait"]).success();
    cli.run(&["disk-show", "d1"]).failure("NotFoundError");
    assert_eq!(replay_object(&replay, &disk_id), Value::Null);

    // server delete: the instance goes from the replay server
    cli.run(&["server-delete", "seed-vm", "--wait"]).success();
    cli.run(&["server-show", "seed-vm"]).failure("NotFoundError");
    assert!(!replay_ids(&replay, "instance").contains(&vm));

    // Elasticsearch delete
    cli.run(&["elasticsearch-delete", "seed-es", "--wait"]).success();
    cli.run(&["elasticsearch-show", "seed-es"]).failure("NotFoundError");
    assert!(replay_ids(&replay, "elasticsearch").is_empty());

    // Nothing the server logged carries the secret.
    assert!(!s.stderr_log().contains(&replay.access_key_secret), "secret in the server's log");
}
