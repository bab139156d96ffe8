//! The `qingcloud` driver's read side against the QingCloud replay server
//! (crates/providers/qingcloud/tests/python/replay_server.py: answers in QingCloud's documented
//! shapes and checks every signature with the official qingcloud-sdk code), one server per test.
//! A Strato region is a QingCloud region: `pek3` holds zones `pek3a` and `pek3b`, and each
//! listing asks both zones, page by page.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use strato_cloud::*;
use strato_driver_tests::qingcloud_replay::QingCloudReplay;
use strato_provider_qingcloud::QingCloudDriver;

const REGION: &str = "pek3";
const PAGE: u32 = 2;

fn fast_layer() -> Arc<RequestLayer> {
    Arc::new(RequestLayer::new(RetryPolicy { max_attempts: 4, base_delay: Duration::from_millis(5), max_delay: Duration::from_millis(20) }))
}

fn connect_with(replay: &QingCloudReplay, secret: &str, layer: Arc<RequestLayer>) -> QingCloudDriver {
    let creds = Credentials::new().with("access_key_id", &replay.access_key_id).with("secret_access_key", secret);
    let mut config = DriverConfig::new("replay", creds, layer);
    config.endpoint = Some(replay.url());
    config.default_region = Some(REGION.into());
    config.page_size = Some(PAGE);
    QingCloudDriver::connect(&config).expect("connect")
}

fn start() -> QingCloudReplay {
    QingCloudReplay::start().unwrap_or_else(|e| panic!("{e}"))
}

fn ids<T: ExtResource>(items: &[T]) -> BTreeSet<String> {
    items.iter().map(|i| i.base().external_id.clone()).collect()
}

/// Objects of every kind: `n` in each zone of pek3, one in gd2a (another region) and one gone
/// (terminated / deleted) in pek3a, which listings must leave out. The ids expected in pek3.
struct Seeded {
    routers: BTreeSet<String>,
    vxnets: BTreeSet<String>,
    groups: BTreeSet<String>,
    volumes: BTreeSet<String>,
    instances: BTreeSet<String>,
}

async fn seed(replay: &QingCloudReplay, n: usize) -> Seeded {
    let mut s = Seeded { routers: BTreeSet::new(), vxnets: BTreeSet::new(), groups: BTreeSet::new(), volumes: BTreeSet::new(), instances: BTreeSet::new() };
    let put = |kind: &'static str, zone: &'static str, object: serde_json::Value| async move { replay.seed(kind, zone, object).await.expect("seed") };
    for zone in ["pek3a", "pek3b"] {
        for i in 0..n {
            let router = put("router", zone, json!({"router_name": format!("r{i}"), "status": "active", "vpc_network": "192.168.0.0/16"})).await;
            let vxnet = put("vxnet", zone, json!({"vxnet_name": format!("v{i}"), "vxnet_type": 1, "router": {"router_id": router, "ip_network": format!("192.168.{i}.0/24")}})).await;
            let group = put("security_group", zone, json!({"security_group_name": format!("g{i}")})).await;
            for port in [22, 80, 443] {
                put("security_group_rule", zone, json!({"security_group_id": group, "protocol": "tcp", "direction": 0, "action": "accept", "val1": port.to_string(), "val2": "", "val3": "", "disabled": 0})).await;
            }
            let instance = put("instance", zone, json!({"instance_name": format!("s{i}"), "instance_type": "c2m4", "vcpus_current": 2, "memory_current": 4096, "status": "running", "vxnets": [{"vxnet_id": vxnet, "private_ip": "192.168.0.2"}]})).await;
            let volume = put("volume", zone, json!({"volume_name": format!("d{i}"), "size": 20, "volume_type": 3, "status": "in-use", "instance": {"instance_id": instance, "device": "/dev/sdb"}})).await;
            s.routers.insert(router);
            s.vxnets.insert(vxnet);
            s.groups.insert(group);
            s.instances.insert(instance);
            s.volumes.insert(volume);
        }
    }
    put("instance", "gd2a", json!({"status": "running"})).await;
    put("volume", "gd2a", json!({"status": "available", "size": 10})).await;
    put("instance", "pek3a", json!({"status": "terminated"})).await;
    put("volume", "pek3a", json!({"status": "deleted", "size": 10})).await;
    put("router", "pek3a", json!({"status": "ceased"})).await;
    s
}

#[tokio::test]
async fn regions_zones_and_skus_come_from_describe_zones() {
    let replay = start();
    let d = connect_with(&replay, &replay.secret_access_key, fast_layer());
    let regions = Facet::<CloudRegion>::list(&d, REGION).await.expect("regions");
    let shown: Vec<_> = regions.iter().map(|r| (r.base.external_id.as_str(), r.status)).collect();
    assert_eq!(shown, vec![("gd1", ResourceStatus::Unavailable), ("gd2", ResourceStatus::Available), ("pek3", ResourceStatus::Available), ("sh1", ResourceStatus::Unavailable)]);
    let zones = Facet::<Zone>::list(&d, REGION).await.expect("zones");
    assert_eq!(zones.iter().map(|z| (z.base.external_id.as_str(), z.region.as_str())).collect::<Vec<_>>(), vec![("pek3a", REGION), ("pek3b", REGION)]);
    let skus = Facet::<Sku>::list(&d, REGION).await.expect("skus");
    let shown: Vec<_> = skus.iter().map(|s| (s.base.external_id.as_str(), s.cpu, s.memory_mb)).collect();
    assert_eq!(shown, vec![("c1m1", 1, 1024), ("c2m4", 2, 4096), ("c4m8", 4, 8192)]);
    let err = Facet::<Server>::list(&d, "nowhere").await.expect_err("an unknown region");
    assert_eq!(err.kind, CloudErrorKind::InvalidInput, "{err}");
    // A faulty zone is still asked (skipping it would make its servers look deleted); a
    // defunct one is not.
    replay.reset_calls().await.expect("reset calls");
    assert!(Facet::<Server>::list(&d, "sh1").await.expect("sh1").is_empty());
    assert!(Facet::<Server>::list(&d, "gd1").await.expect("gd1").is_empty());
    let asked: Vec<_> = replay.calls().await.expect("calls").into_iter().filter(|c| c.action == "DescribeInstances").map(|c| c.zone).collect();
    assert_eq!(asked, vec!["sh1a".to_string()]);
}

#[tokio::test]
async fn every_kind_lists_completely_across_pages_and_zones() {
    let replay = start();
    let d = connect_with(&replay, &replay.secret_access_key, fast_layer());
    let seeded = seed(&replay, 5).await;
    replay.reset_calls().await.expect("reset calls");
    let servers = Facet::<Server>::list(&d, REGION).await.expect("servers");
    assert_eq!(ids(&servers), seeded.instances);
    let disks = Facet::<Disk>::list(&d, REGION).await.expect("disks");
    assert_eq!(ids(&disks), seeded.volumes);
    assert_eq!(ids(&Facet::<Vpc>::list(&d, REGION).await.expect("vpcs")), seeded.routers);
    let networks = Facet::<Network>::list(&d, REGION).await.expect("networks");
    assert_eq!(ids(&networks), seeded.vxnets);
    let groups = Facet::<Secgroup>::list(&d, REGION).await.expect("secgroups");
    assert_eq!(ids(&groups), seeded.groups);
    // Three rules a group, over two pages each.
    assert!(groups.iter().all(|g| g.rules.iter().filter_map(|r| r.from_port).collect::<BTreeSet<_>>() == BTreeSet::from([22, 80, 443])), "{groups:?}");
    // Each snapshot carries the zone it was listed in; servers their VPC through their vxnet.
    let zones: BTreeSet<_> = servers.iter().map(|s| s.zone.as_str()).collect();
    assert_eq!(zones, BTreeSet::from(["pek3a", "pek3b"]));
    let routers: BTreeSet<_> = servers.iter().filter_map(|s| s.vpc_id.clone()).collect();
    assert_eq!(routers, seeded.routers, "every server's VPC is its vxnet's router");
    assert!(disks.iter().all(|d| d.status == DiskStatus::InUse && d.server_id.as_ref().is_some_and(|s| seeded.instances.contains(s))));
    assert!(networks.iter().all(|n| seeded.routers.contains(&n.vpc_id) && n.cidr_block.starts_with("192.168.")));
    // Five instances a zone at two a page: offsets 0, 2 and 4 in each zone, and nothing else.
    let calls = replay.calls().await.expect("calls");
    for zone in ["pek3a", "pek3b"] {
        let offsets: Vec<u64> = calls.iter().filter(|c| c.action == "DescribeInstances" && c.zone == zone).map(|c| c.offset).collect();
        assert_eq!(offsets, vec![0, 2, 4], "{zone}: {calls:?}");
    }
    assert!(!calls.iter().any(|c| c.zone == "gd2a"), "a pek3 listing asked another region's zone: {calls:?}");
}

#[tokio::test]
async fn get_finds_ids_in_any_zone_and_unknown_ids_are_not_found() {
    let replay = start();
    let d = connect_with(&replay, &replay.secret_access_key, fast_layer());
    let seeded = seed(&replay, 1).await;
    let last = |set: &BTreeSet<String>| set.iter().next_back().cloned().expect("seeded");
    let server = Facet::<Server>::get(&d, REGION, &last(&seeded.instances)).await.expect("server");
    assert_eq!((server.status, server.power_state, server.instance_type.as_str()), (ServerStatus::Running, PowerState::On, "c2m4"));
    assert_eq!(Facet::<Disk>::get(&d, REGION, &last(&seeded.volumes)).await.expect("disk").size_gb, 20);
    assert_eq!(Facet::<Vpc>::get(&d, REGION, &last(&seeded.routers)).await.expect("vpc").cidr_block, "192.168.0.0/16");
    Facet::<Network>::get(&d, REGION, &last(&seeded.vxnets)).await.expect("network");
    assert_eq!(Facet::<Secgroup>::get(&d, REGION, &last(&seeded.groups)).await.expect("secgroup").rules.len(), 3);
    for (kind, err) in [
        ("server", Facet::<Server>::get(&d, REGION, "i-00000000").await.map(|_| ()).expect_err("server")),
        ("disk", Facet::<Disk>::get(&d, REGION, "vol-00000000").await.map(|_| ()).expect_err("disk")),
        ("vpc", Facet::<Vpc>::get(&d, REGION, "rtr-00000000").await.map(|_| ()).expect_err("vpc")),
        ("network", Facet::<Network>::get(&d, REGION, "vxnet-00000000").await.map(|_| ()).expect_err("network")),
        ("secgroup", Facet::<Secgroup>::get(&d, REGION, "sg-00000000").await.map(|_| ()).expect_err("secgroup")),
    ] {
        assert_eq!(err.kind, CloudErrorKind::NotFound, "{kind}: {err}");
    }
    // Terminated instances are not found either, though QingCloud still lists them for a while.
    let terminated = replay.seed("instance", "pek3b", json!({"status": "terminated"})).await.expect("seed");
    assert_eq!(Facet::<Server>::get(&d, REGION, &terminated).await.expect_err("terminated").kind, CloudErrorKind::NotFound);
}

#[tokio::test]
async fn a_wrong_secret_is_refused_without_showing_it() {
    let replay = start();
    let wrong = "not-the-replay-secret";
    let d = connect_with(&replay, wrong, fast_layer());
    let err = Facet::<Zone>::list(&d, REGION).await.expect_err("a bad signature");
    assert_eq!((err.kind, err.code.as_deref()), (CloudErrorKind::Unauthorized, Some("1200")), "{err}");
    let shown = format!("{err:?} {err}");
    assert!(!shown.contains(wrong) && !shown.contains(&replay.secret_access_key), "an error shows a secret");
}

#[tokio::test]
async fn throttling_is_retried_by_the_request_layer() {
    let replay = start();
    let layer = fast_layer();
    let d = connect_with(&replay, &replay.secret_access_key, layer.clone());
    let seeded = seed(&replay, 3).await;
    replay.inject("DescribeVolumes", 5100, 2).await.expect("inject");
    let disks = Facet::<Disk>::list(&d, REGION).await.expect("listed after retries");
    assert_eq!(ids(&disks), seeded.volumes);
    let key = RequestKey { provider: "qingcloud", account: "replay".into(), region: "pek3a".into(), class: ApiClass::Describe };
    let c = layer.counters(&key);
    assert_eq!((c.retries, c.throttles, c.failures), (2, 2, 0), "{c:?}");
}

#[tokio::test]
async fn a_failing_page_fails_the_listing() {
    let replay = start();
    let d = connect_with(&replay, &replay.secret_access_key, fast_layer());
    let seeded = seed(&replay, 3).await;
    // The second page of pek3a fails with an error that is not retried: no partial list.
    replay.inject_after("DescribeInstances", 1, 1400, 1).await.expect("inject");
    let err = Facet::<Server>::list(&d, REGION).await.expect_err("the second page failed");
    assert_eq!((err.kind, err.code.as_deref()), (CloudErrorKind::Forbidden, Some("1400")), "{err}");
    // So does a failing zone after a complete one.
    let pek3a_pages = 2;
    replay.inject_after("DescribeInstances", pek3a_pages, 2100, 1).await.expect("inject");
    let err = Facet::<Server>::list(&d, REGION).await.expect_err("pek3b failed");
    assert_eq!(err.kind, CloudErrorKind::NotFound, "{err}");
    assert_eq!(ids(&Facet::<Server>::list(&d, REGION).await.expect("list")), seeded.instances);
}
