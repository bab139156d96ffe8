//! The `qingcloud` driver's write side against the QingCloud replay server, which accepts each
//! write with a job and ends it after a short delay. The driver returns once QingCloud accepted
//! a write (the object shows its transition); these tests then poll, as the operations layer
//! does, until the end status.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use strato_cloud::*;
use strato_driver_tests::qingcloud_replay::QingCloudReplay;
use strato_provider_qingcloud::QingCloudDriver;

const REGION: &str = "pek3";

async fn start() -> (QingCloudReplay, QingCloudDriver) {
    let replay = QingCloudReplay::start().unwrap_or_else(|e| panic!("{e}"));
    // Long enough for a create's several calls to answer before its job ends.
    replay.set_job_delay(Duration::from_millis(1500)).await.expect("job delay");
    let creds = Credentials::new().with("access_key_id", &replay.access_key_id).with("secret_access_key", &replay.secret_access_key);
    let layer = Arc::new(RequestLayer::new(RetryPolicy { max_attempts: 2, base_delay: Duration::from_millis(5), max_delay: Duration::from_millis(10) }));
    let mut config = DriverConfig::new("replay", creds, layer);
    config.endpoint = Some(replay.url());
    config.default_region = Some(REGION.into());
    let driver = QingCloudDriver::connect(&config).expect("connect");
    (replay, driver)
}

async fn server(d: &QingCloudDriver, id: &str) -> CloudResult<ExtServer> {
    Facet::<Server>::get(d, REGION, id).await
}

async fn disk(d: &QingCloudDriver, id: &str) -> ExtDisk {
    Facet::<Disk>::get(d, REGION, id).await.expect("get disk")
}

async fn server_until(d: &QingCloudDriver, id: &str, want: ServerStatus) -> ExtServer {
    for _ in 0..200 {
        let s = server(d, id).await.expect("get server");
        if s.status == want {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    panic!("server {id} never became {want:?}");
}

async fn disk_until(d: &QingCloudDriver, id: &str, want: DiskStatus) -> ExtDisk {
    for _ in 0..200 {
        let v = disk(d, id).await;
        if v.status == want {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    panic!("disk {id} never became {want:?}");
}

/// Polls until `get` answers not found (what a deleted object's listing answers).
async fn until_gone<T: std::fmt::Debug>(mut get: impl AsyncFnMut() -> CloudResult<T>) {
    for _ in 0..200 {
        match get().await {
            Err(e) if e.kind == CloudErrorKind::NotFound => return,
            Err(e) => panic!("{e}"),
            Ok(_) => tokio::time::sleep(Duration::from_millis(30)).await,
        }
    }
    panic!("never gone");
}

fn create_input(token: &str) -> ServerCreate {
    ServerCreate {
        name: "web-1".into(),
        instance_type: "c1m1".into(),
        image_id: "centos7x64".into(),
        zone: Some("pek3b".into()),
        keypair: Some("kp-1".into()),
        tags: BTreeMap::from([("env".to_string(), "prod".to_string())]),
        idempotency_token: Some(token.into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_server_is_created_once_per_token_and_goes_through_its_actions() {
    let (replay, d) = start().await;
    let made = d.create_server(REGION, &create_input("tok-1")).await.expect("create");
    assert_eq!((made.status, made.zone.as_str(), made.base.name.as_str()), (ServerStatus::Pending, "pek3b", "web-1"), "returned before the job ended");
    assert_eq!(made.base.tags.get("env").map(String::as_str), Some("prod"));
    let again = d.create_server(REGION, &create_input("tok-1")).await.expect("retried create");
    assert_eq!(again.base.external_id, made.base.external_id, "the same token made a second instance");
    let other = d.create_server(REGION, &create_input("tok-2")).await.expect("other token");
    assert_ne!(other.base.external_id, made.base.external_id);
    let runs = replay.calls().await.expect("calls").iter().filter(|c| c.action == "RunInstances").count();
    assert_eq!(runs, 2);

    let id = made.base.external_id.clone();
    server_until(&d, &id, ServerStatus::Running).await;
    Facet::<Server>::act(&d, REGION, &id, "stop").await.expect("stop");
    assert_eq!(server(&d, &id).await.expect("get").status, ServerStatus::Stopping);
    server_until(&d, &id, ServerStatus::Stopped).await;
    d.change_server_config(REGION, &id, "c2m4").await.expect("resize");
    assert_eq!(server(&d, &id).await.expect("get").status, ServerStatus::ChangingConfig);
    let resized = server_until(&d, &id, ServerStatus::Stopped).await;
    assert_eq!((resized.cpu, resized.memory_mb, resized.instance_type.as_str()), (Some(2), Some(4096), "c2m4"));
    Facet::<Server>::act(&d, REGION, &id, "start").await.expect("start");
    assert_eq!(server(&d, &id).await.expect("get").status, ServerStatus::Starting);
    server_until(&d, &id, ServerStatus::Running).await;
    Facet::<Server>::act(&d, REGION, &id, "restart").await.expect("restart");
    assert_eq!(server(&d, &id).await.expect("get").status, ServerStatus::Rebooting);
    server_until(&d, &id, ServerStatus::Running).await;
    Facet::<Server>::act(&d, REGION, &id, "delete").await.expect("delete");
    assert_eq!(server(&d, &id).await.expect("get").status, ServerStatus::Deleting);
    until_gone(async || server(&d, &id).await).await;
    // The token's instance is gone: a create with it makes a new one.
    let fresh = d.create_server(REGION, &create_input("tok-1")).await.expect("create after delete");
    assert_ne!(fresh.base.external_id, id);
    let err = Facet::<Server>::act(&d, REGION, "i-missing", "stop").await.expect_err("unknown instance");
    assert_eq!(err.kind, CloudErrorKind::NotFound);
}

#[tokio::test]
async fn a_server_create_without_a_keypair_or_in_a_foreign_zone_is_refused() {
    let (replay, d) = start().await;
    let no_keypair = ServerCreate { keypair: None, ..create_input("t") };
    assert_eq!(d.create_server(REGION, &no_keypair).await.expect_err("no keypair").kind, CloudErrorKind::InvalidInput);
    let foreign = ServerCreate { zone: Some("gd2a".into()), ..create_input("t") };
    assert_eq!(d.create_server(REGION, &foreign).await.expect_err("foreign zone").kind, CloudErrorKind::InvalidInput);
    assert!(!replay.calls().await.expect("calls").iter().any(|c| c.action == "RunInstances"));
}

#[tokio::test]
async fn a_disk_is_created_attached_detached_resized_and_deleted() {
    let (replay, d) = start().await;
    let instance = replay.seed("instance", "pek3a", json!({"status": "running"})).await.expect("seed");
    let input = DiskCreate { name: "data".into(), zone: "pek3a".into(), size_gb: 20, disk_type: Some("3".into()), tags: Tags::new(), idempotency_token: Some("d-1".into()) };
    let made = d.create_disk(REGION, &input).await.expect("create disk");
    assert_eq!((made.status, made.size_gb, made.disk_type.as_str()), (DiskStatus::Creating, 20, "3"));
    assert_eq!(d.create_disk(REGION, &input).await.expect("retried").base.external_id, made.base.external_id);
    let id = made.base.external_id.clone();
    disk_until(&d, &id, DiskStatus::Available).await;
    d.attach_disk(REGION, &id, &instance, None).await.expect("attach");
    assert_eq!(disk(&d, &id).await.status, DiskStatus::Attaching);
    let attached = disk_until(&d, &id, DiskStatus::InUse).await;
    assert_eq!((attached.server_id.as_deref(), attached.device.as_deref()), (Some(instance.as_str()), Some("/dev/sdb")));
    d.detach_disk(REGION, &id, &instance).await.expect("detach");
    assert_eq!(disk(&d, &id).await.status, DiskStatus::Detaching);
    disk_until(&d, &id, DiskStatus::Available).await;
    d.resize_disk(REGION, &id, 40).await.expect("resize");
    assert_eq!(disk(&d, &id).await.status, DiskStatus::Resizing);
    assert_eq!(disk_until(&d, &id, DiskStatus::Available).await.size_gb, 40);
    Facet::<Disk>::act(&d, REGION, &id, "delete").await.expect("delete");
    assert_eq!(disk(&d, &id).await.status, DiskStatus::Deleting);
    until_gone(async || Facet::<Disk>::get(&d, REGION, &id).await).await;
    let bad_type = DiskCreate { disk_type: Some("ssd".into()), idempotency_token: None, ..input };
    assert_eq!(d.create_disk(REGION, &bad_type).await.expect_err("bad type").kind, CloudErrorKind::InvalidInput);
}

#[tokio::test]
async fn tags_merge_or_replace_and_keep_the_idempotency_tag() {
    let (replay, d) = start().await;
    let made = d.create_server(REGION, &create_input("tok-9")).await.expect("create");
    let id = made.base.external_id.clone();
    let tags = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Tags>();
    d.set_tags(REGION, ResourceKind::Server, &id, &tags(&[("env", "dev"), ("web", "")]), false).await.expect("merge");
    let now = server(&d, &id).await.expect("get").base.tags;
    assert_eq!(now, tags(&[("env", "dev"), ("web", ""), ("strato-idempotency", "tok-9")]));
    d.set_tags(REGION, ResourceKind::Server, &id, &tags(&[("team", "a")]), true).await.expect("replace");
    let now = server(&d, &id).await.expect("get").base.tags;
    assert_eq!(now, tags(&[("team", "a"), ("strato-idempotency", "tok-9")]));
    // The tag objects are shared: a second resource reuses "team:a" rather than making another.
    let vol = replay.seed("volume", "pek3a", json!({"status": "available", "size": 10})).await.expect("seed");
    d.set_tags(REGION, ResourceKind::Disk, &vol, &tags(&[("team", "a")]), false).await.expect("tag disk");
    assert_eq!(disk(&d, &vol).await.base.tags, tags(&[("team", "a")]));
    let creates = replay.calls().await.expect("calls").iter().filter(|c| c.action == "CreateTag").count();
    assert_eq!(creates, 5, "env:prod, the token, env:dev, web, team:a");
    let err = d.set_tags(REGION, ResourceKind::Vpc, "rtr-1", &tags(&[("a", "")]), false).await.expect_err("vpc tags");
    assert_eq!(err.kind, CloudErrorKind::NotImplemented);
}
