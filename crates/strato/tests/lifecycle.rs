//! Lifecycle operations end to end: `strato serve` with the AWS driver against moto, driven by
//! the CLI, each result checked both in Strato and in moto's own view (boto3). Also the
//! crash-and-resume of a server create, and the unwinding of a create that fails at step 3.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{serve_with, Backend, Cli};
use serde_json::Value;
use strato_driver_tests::moto::MotoServer;

const REGION: &str = "us-east-1";
const ZONE: &str = "us-east-1a";

/// Runs a boto3 script against moto; the script prints one JSON value.
fn boto(moto: &MotoServer, body: &str) -> Value {
    let python = std::env::var("STRATO_TEST_PYTHON").expect("STRATO_TEST_PYTHON is not set: run the tests through `scripts/test`");
    let script = format!(
        "import boto3, json\nec2 = boto3.client('ec2', endpoint_url={url:?}, region_name={REGION:?}, aws_access_key_id='test', aws_secret_access_key='test')\nos_ = boto3.client('opensearch', endpoint_url={url:?}, region_name={REGION:?}, aws_access_key_id='test', aws_secret_access_key='test')\n{body}\n",
        url = moto.url()
    );
    let out = Command::new(python).arg("-c").arg(&script).output().expect("run python");
    assert!(out.status.success(), "boto3 script failed:\n{script}\n{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("boto3 script printed no JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

/// Instances moto holds that are not terminated, by id -> (state, type, name tag).
fn live_instances(moto: &MotoServer) -> Vec<Value> {
    let listed = boto(
        moto,
        "out = []\nfor r in ec2.describe_instances()['Reservations']:\n  for i in r['Instances']:\n    if i['State']['Name'] != 'terminated':\n      name = [t['Value'] for t in i.get('Tags', []) if t['Key'] == 'Name']\n      out.append({'id': i['InstanceId'], 'state': i['State']['Name'], 'type': i['InstanceType'], 'name': name[0] if name else ''})\nprint(json.dumps(out))",
    );
    listed.as_array().cloned().unwrap_or_default()
}

fn instance(moto: &MotoServer, id: &str) -> Value {
    live_instances(moto).into_iter().find(|i| i["id"] == id).unwrap_or(Value::Null)
}

fn volume(moto: &MotoServer, id: &str) -> Value {
    boto(
        moto,
        &format!(
            "vs = [v for v in ec2.describe_volumes()['Volumes'] if v['VolumeId'] == {id:?}]\nprint(json.dumps([{{'size': v['Size'], 'state': v['State'], 'attached': [a['InstanceId'] for a in v['Attachments']]}} for v in vs][0] if vs else None))"
        ),
    )
}

struct Estate {
    image: String,
    subnet: String,
}

/// An AMI moto knows and the default subnet of the test zone.
fn estate(moto: &MotoServer) -> Estate {
    let found = boto(
        moto,
        &format!("img = ec2.describe_images()['Images'][0]['ImageId']\nsub = [s['SubnetId'] for s in ec2.describe_subnets()['Subnets'] if s['AvailabilityZone'] == {ZONE:?}][0]\nprint(json.dumps({{'image': img, 'subnet': sub}}))"),
    );
    Estate { image: found["image"].as_str().expect("an AMI").into(), subnet: found["subnet"].as_str().expect("a subnet").into() }
}

fn add_account(cli: &Cli, moto: &MotoServer) {
    cli.run(&[
        "cloudaccount-create",
        "--provider",
        "aws",
        "--name",
        "moto",
        "--access-key",
        "AKIAMOTOTEST0001",
        "--secret",
        "moto-secret-key",
        "--endpoint",
        &moto.url(),
        "--regions",
        REGION,
    ])
    .success();
    cli.run(&["cloudaccount-sync", "moto", "--wait"]).success();
}

fn show(cli: &Cli, keyword: &str, key: &str) -> Value {
    cli.json(&[&format!("{keyword}-show"), key])
}

fn status(cli: &Cli, keyword: &str, key: &str) -> String {
    show(cli, keyword, key)["status"].as_str().unwrap_or_default().to_string()
}

fn wait_for(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn server_disk_and_elasticsearch_operations_against_moto() {
    let moto = MotoServer::start().expect("moto");
    let s = serve_with(Backend::Sqlite, |_| {});
    let cli = s.admin_cli();
    add_account(&cli, &moto);
    let e = estate(&moto);

    // create: 202 with the task; --wait follows it to the end and shows the server running
    let created = cli.json(&[
        "server-create", "--name", "vm1", "--account", "moto", "--region", REGION, "--zone", ZONE, "--sku", "t3.micro",
        "--image", &e.image, "--network", &e.subnet, "--disk-size", "20", "--wait",
    ]);
    assert_eq!(created["status"], "running", "{created}");
    let vm = created["external_id"].as_str().expect("external id").to_string();
    assert!(vm.starts_with("i-"), "{created}");
    let live = live_instances(&moto);
    assert_eq!(live.len(), 1, "{live:?}");
    assert_eq!(live[0]["id"], vm.as_str());
    assert_eq!(live[0]["name"], "vm1");

    // a name already taken, an unknown sku, an unknown network: 4xx, nothing made
    cli.run(&["server-create", "--name", "vm1", "--account", "moto", "--sku", "t3.micro", "--image", &e.image]).failure("ConflictError");
    cli.run(&["server-create", "--name", "vm2", "--account", "moto", "--sku", "t9.nope", "--image", &e.image]).failure("InvalidInputError");
    cli.run(&["server-create", "--name", "vm2", "--account", "moto", "--sku", "t3.micro", "--image", &e.image, "--network", "nope"])
        .failure("InvalidInputError");
    // a shape no instance type has, a shape and a sku at once, no image (AWS names no default)
    let line = cli.run(&["server-create", "--name", "vm2", "--account", "moto", "--vcpus", "3", "--memory", "7", "--image", &e.image])
        .failure("InvalidInputError");
    assert!(line.contains("no instance type") && line.contains("3 vcpus"), "{line}");
    cli.run(&["server-create", "--name", "vm2", "--account", "moto", "--sku", "t3.micro", "--vcpus", "2", "--memory", "1024", "--image", &e.image])
        .failure("InvalidInputError");
    let line = cli.run(&["server-create", "--name", "vm2", "--account", "moto", "--sku", "t3.micro"]).failure("InvalidInputError");
    assert!(line.contains("image"), "{line}");
    assert_eq!(live_instances(&moto).len(), 1);

    // stop; a second stop is refused from `stopped` and changes nothing
    assert_eq!(cli.json(&["server-stop", "vm1", "--wait"])["status"], "stopped");
    assert_eq!(instance(&moto, &vm)["state"], "stopped");
    let refused = cli.run(&["server-stop", "vm1"]).failure("ConflictError");
    assert!(refused.contains("stopped"), "{refused}");
    cli.run(&["server-restart", "vm1"]).failure("ConflictError");
    assert_eq!(status(&cli, "server", "vm1"), "stopped");

    // change the instance type while stopped, then start and restart
    let changed = cli.json(&["server-change-config", "vm1", "--sku", "t3.small", "--wait"]);
    assert_eq!(changed["instance_type"], "t3.small", "{changed}");
    assert_eq!(instance(&moto, &vm)["type"], "t3.small");
    cli.run(&["server-change-config", "vm1", "--sku", "t3.small"]).failure("InvalidInputError");
    assert_eq!(cli.json(&["server-start", "vm1", "--wait"])["status"], "running");
    assert_eq!(instance(&moto, &vm)["state"], "running");
    cli.run(&["server-change-config", "vm1", "--sku", "t3.medium"]).failure("ConflictError");
    assert_eq!(cli.json(&["server-restart", "vm1", "--wait"])["status"], "running");

    // disks: create, attach, resize, (delete refused while attached), detach, delete
    let disk = cli.json(&["disk-create", "--name", "d1", "--account", "moto", "--zone", ZONE, "--size", "2", "--wait"]);
    assert_eq!(disk["status"], "available", "{disk}");
    let vol = disk["external_id"].as_str().expect("volume id").to_string();
    assert_eq!(volume(&moto, &vol)["size"], 2);
    cli.run(&["disk-create", "--name", "d2", "--account", "moto", "--zone", "nowhere-1z", "--size", "2"]).failure("InvalidInputError");
    cli.run(&["disk-create", "--name", "d2", "--account", "moto", "--zone", ZONE, "--size", "0"]).failure("InvalidInputError");
    assert_eq!(cli.json(&["disk-attach", "d1", "--server", "vm1", "--device", "/dev/sdf", "--wait"])["status"], "in_use");
    assert_eq!(volume(&moto, &vol)["attached"][0], vm.as_str());
    let server = show(&cli, "server", "vm1");
    assert!(server["disks"].to_string().contains(disk["id"].as_str().unwrap_or("?")), "server lists the disk: {server}");
    cli.run(&["disk-attach", "d1", "--server", "vm1"]).failure("ConflictError");
    assert_eq!(cli.json(&["disk-resize", "d1", "--size", "3", "--wait"])["size_gb"], 3);
    assert_eq!(volume(&moto, &vol)["size"], 3);
    cli.run(&["disk-resize", "d1", "--size", "1"]).failure("InvalidInputError");
    cli.run(&["disk-delete", "d1"]).failure("ConflictError");
    assert_eq!(cli.json(&["disk-detach", "d1", "--wait"])["status"], "available");
    assert_eq!(volume(&moto, &vol)["attached"], serde_json::json!([]));
    cli.run(&["disk-delete", "d1", "--wait"]).success();
    cli.run(&["disk-show", "d1"]).failure("NotFoundError");
    assert_eq!(volume(&moto, &vol), Value::Null);

    // the change history credits the user for what the operations changed
    let changes = cli.json(&["server-changes", "vm1"]);
    let by_user: Vec<&Value> = changes["changes"].as_array().expect("changes").iter().filter(|c| c["source"] == "user").collect();
    assert!(by_user.iter().any(|c| c["field"] == "status" && c["new_value"] == "stopping"), "{changes}");
    assert!(by_user.iter().any(|c| c["field"] == "instance_type" && c["new_value"] == "t3.small"), "{changes}");
    assert!(by_user.iter().all(|c| c["actor"] == "admin"), "{changes}");

    // delete protection: refused until lifted; then the delete removes the row and the instance
    assert_eq!(cli.json(&["server-update", "vm1", "--disable-delete"])["disable_delete"], true);
    let protected = cli.run(&["server-delete", "vm1"]).failure("ConflictError");
    assert!(protected.contains("delete protection"), "{protected}");
    assert_eq!(status(&cli, "server", "vm1"), "running");
    cli.run(&["server-update", "vm1", "--enable-delete"]).success();
    cli.run(&["server-delete", "vm1", "--wait"]).success();
    cli.run(&["server-show", "vm1"]).failure("NotFoundError");
    assert!(live_instances(&moto).is_empty());

    // Elasticsearch: made out of band, synced, deleted through Strato
    boto(&moto, "os_.create_domain(DomainName='es1', EngineVersion='OpenSearch_2.5')\nprint('null')");
    cli.run(&["cloudaccount-sync", "moto", "--kind", "elasticsearch", "--region", REGION, "--wait"]).success();
    assert_eq!(show(&cli, "elasticsearch", "es1")["name"], "es1");
    cli.run(&["elasticsearch-delete", "es1", "--wait"]).success();
    cli.run(&["elasticsearch-show", "es1"]).failure("NotFoundError");
    assert_eq!(boto(&moto, "print(json.dumps(os_.list_domain_names()['DomainNames']))"), serde_json::json!([]));

    // every operation left its tasks, and the action log has their ends
    let tasks = cli.json(&["task-list", "--limit", "100"]);
    assert!(tasks["total"].as_u64().unwrap_or(0) >= 12, "{tasks}");
    drop(s);
    drop(moto);
}

/// The create task of the server named `name`.
fn create_task(cli: &Cli, task_id: &str) -> Value {
    cli.json(&["task-show", task_id])
}

#[test]
fn server_create_resumes_after_a_crash() {
    let moto = MotoServer::start().expect("moto");
    let database = Backend::fresh_postgres("lifecycle_crash");
    let s = serve_with(database, |o| {
        o.env.push(("STRATO_TEST_TASK_PAUSE_AFTER".into(), "server.create:2".into()));
        o.env.push(("STRATO_TEST_TASK_LEASE_SECS".into(), "3".into()));
    });
    let cli = s.admin_cli();
    add_account(&cli, &moto);
    let e = estate(&moto);
    let task = cli.json(&["server-create", "--name", "vmc", "--account", "moto", "--zone", ZONE, "--sku", "t3.micro", "--image", &e.image]);
    let task_id = task["id"].as_str().expect("task id").to_string();
    // step 2 (the cloud create) committed: the instance exists and the task holds there
    wait_for("step 2 to commit", Duration::from_secs(60), || {
        create_task(&cli, &task_id)["steps"].get(1).is_some_and(|s| !s["ended_at"].is_null())
    });
    assert_eq!(live_instances(&moto).len(), 1);

    // kill -9 and start again without the hook: the task resumes at step 3 and completes
    let TestServerParts { options, dir } = TestServerParts::kill(s);
    let mut options = options;
    options.env.clear();
    options.env.push(("STRATO_TEST_TASK_LEASE_SECS".into(), "3".into()));
    let server = common::Server::start(options);
    let cli = server.admin_cli();
    wait_for("the resumed task to finish", Duration::from_secs(90), || {
        matches!(create_task(&cli, &task_id)["status"].as_str(), Some("succeeded" | "failed" | "cancelled"))
    });
    let finished = create_task(&cli, &task_id);
    assert_eq!(finished["status"], "succeeded", "{finished}");
    let live = live_instances(&moto);
    assert_eq!(live.len(), 1, "exactly one instance in the cloud: {live:?}");
    let row = show(&cli, "server", "vmc");
    assert_eq!(row["status"], "running", "{row}");
    assert_eq!(row["external_id"], live[0]["id"]);
    let servers = cli.json(&["server-list"]);
    assert_eq!(common::names(&servers, "servers"), vec!["vmc".to_string()]);
    drop(server);
    drop(dir);
    drop(moto);
}

#[test]
fn a_create_failing_at_step_3_unwinds_and_leaves_the_cloud_as_before() {
    let moto = MotoServer::start().expect("moto");
    let s = serve_with(Backend::Sqlite, |o| {
        o.env.push(("STRATO_TEST_TASK_FAIL_AT".into(), "server.create:3".into()));
    });
    let cli = s.admin_cli();
    add_account(&cli, &moto);
    let e = estate(&moto);
    let run = cli.run(&["server-create", "--name", "vmf", "--account", "moto", "--zone", ZONE, "--sku", "t3.micro", "--image", &e.image, "--wait", "--output", "json"]);
    assert!(!run.status.success(), "a failed create exits non-zero: {run:?}");
    assert!(run.stderr.contains("injected failure"), "{}", run.stderr);
    // steps 2 and 1 were undone: no instance left running, the row says create_failed
    assert!(live_instances(&moto).is_empty(), "{:?}", live_instances(&moto));
    let row = show(&cli, "server", "vmf");
    assert_eq!(row["status"], "create_failed", "{row}");
    let tasks = cli.json(&["task-list", "--filter", "kind.equals(server.create)"]);
    let task = &common::items(&tasks, "tasks")[0];
    let full = cli.json(&["task-show", task["id"].as_str().unwrap_or_default()]);
    let steps = full["steps"].as_array().expect("steps");
    assert!(!steps[0]["undone_at"].is_null() && !steps[1]["undone_at"].is_null(), "{full}");
    // the failed row is Strato's own record: a delete removes it, with no cloud call
    cli.run(&["server-delete", "vmf", "--wait"]).success();
    cli.run(&["server-show", "vmf"]).failure("NotFoundError");
    drop(s);
    drop(moto);
}

/// Instances made outside Strato: a spot instance is synced, listed and shown with billing
/// type `spot` (it once made server list and show answer 500), and a name carrying terminal
/// control sequences is printed escaped by the CLI's tables, never raw.
#[test]
fn synced_spot_instances_and_hostile_names_are_listed_safely() {
    let moto = MotoServer::start().expect("moto");
    let s = serve_with(Backend::Sqlite, |_| {});
    let cli = s.admin_cli();
    let e = estate(&moto);
    let launch = |name: &str, market: &str| {
        boto(
            &moto,
            &format!(
                "r = ec2.run_instances(ImageId={image:?}, MinCount=1, MaxCount=1, InstanceType='t3.micro', {market}\
                 TagSpecifications=[{{'ResourceType': 'instance', 'Tags': [{{'Key': 'Name', 'Value': {name}}}]}}])\n\
                 print(json.dumps(r['Instances'][0]['InstanceId']))",
                image = e.image,
                // JSON's string escapes are Python's too
                name = serde_json::to_string(name).unwrap_or_default(),
            ),
        )
    };
    let spot = launch("spotty", "InstanceMarketOptions={'MarketType': 'spot'}, ");
    // EC2 speaks XML, which cannot carry ESC or BEL; C1 controls (CSI), DEL and bidi
    // overrides it can.
    launch("evil\u{9b}2J\u{7f}\u{202e}", "");
    add_account(&cli, &moto);
    let listed = cli.json(&["server-list", "--filter", "billing_type.equals(spot)"]);
    let servers = common::items(&listed, "servers");
    assert_eq!(servers.len(), 1, "{listed}");
    assert_eq!(servers[0]["external_id"], spot, "{listed}");
    assert_eq!(show(&cli, "server", "spotty")["billing_type"], "spot");

    let table = cli.run(&["server-list"]);
    let out = &table.success().stdout;
    assert!(out.contains("evil\\u009b2J\\u007f\\u202e"), "the name is shown escaped: {out}");
    assert!(!out.chars().any(|c| (c.is_control() && c != '\n') || c == '\u{202e}'), "raw control characters in: {out:?}");
    drop(s);
    drop(moto);
}

/// A killed test server's options and its temp dir (kept so the restart finds its data).
struct TestServerParts {
    options: common::ServeOptions,
    dir: tempfile::TempDir,
}

impl TestServerParts {
    fn kill(test: common::TestServer) -> TestServerParts {
        let common::TestServer { server, dir } = test;
        TestServerParts { options: server.kill(), dir }
    }
}
