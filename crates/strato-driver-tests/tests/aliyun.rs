//! The conformance suite against the `aliyun` driver and the Aliyun replay server (no Aliyun
//! emulator exists: crates/providers/aliyun/tests/python/replay_server.py answers from Aliyun's
//! published examples and checks every signature with Aliyun's official Python code), one
//! server per test.

use std::sync::Arc;

use strato_cloud::*;
use strato_driver_tests::aliyun_replay::AliyunReplay;
use strato_driver_tests::{conformance_tests, Fixture};
use strato_provider_aliyun::AliyunDriver;

const REGION: &str = "cn-hangzhou";
const PAGE: u32 = 5;
const IMAGE: &str = "ubuntu_22_04_x64_20G_alibase_20230907.vhd";

fn missing_id(kind: ResourceKind) -> String {
    match kind {
        ResourceKind::Server => "i-bp1234567890abcdefgh".into(),
        ResourceKind::Disk => "d-bp1234567890abcdefgh".into(),
        ResourceKind::Vpc => "vpc-bp1234567890abcdefgh".into(),
        ResourceKind::Network => "vsw-bp1234567890abcdefgh".into(),
        ResourceKind::Secgroup => "sg-bp1234567890abcdefgh".into(),
        ResourceKind::Elasticsearch => "es-cn-0000000000000000".into(),
        _ => "x-bp1234567890abcdefgh".into(),
    }
}

fn credentials(replay: &AliyunReplay) -> Credentials {
    Credentials::new().with("access_key_id", &replay.access_key_id).with("access_key_secret", &replay.access_key_secret)
}

fn connect(replay: &AliyunReplay, layer: Arc<RequestLayer>) -> AliyunDriver {
    let mut config = DriverConfig::new("conformance", credentials(replay), layer);
    config.endpoint = Some(replay.url());
    config.default_region = Some(REGION.into());
    config.page_size = Some(PAGE);
    AliyunDriver::connect(&config).expect("connect")
}

async fn fixture() -> (Fixture, Arc<AliyunReplay>) {
    let replay = Arc::new(AliyunReplay::start().unwrap_or_else(|e| panic!("{e}")));
    let (layer, calls) = Fixture::recording_layer();
    let driver = Arc::new(connect(&replay, layer));
    let seeder = replay.clone();
    let fixture = Fixture {
        driver,
        region: REGION.into(),
        zone: format!("{REGION}-h"),
        image_id: IMAGE.into(),
        instance_type: "ecs.g6.large".into(),
        other_instance_type: "ecs.c6.xlarge".into(),
        page_size: PAGE as usize,
        server_list_api: "DescribeInstances",
        missing_id,
        calls,
        seed: Box::new(move |kind, name| {
            let replay = seeder.clone();
            Box::pin(async move {
                if kind != ResourceKind::Elasticsearch {
                    return Ok(None);
                }
                replay.seed_elasticsearch(REGION, &name).await.map(Some).map_err(CloudError::other)
            })
        }),
    };
    (fixture, replay)
}

conformance_tests!(fixture;
    lists_the_catalogue,
    lists_servers_beyond_one_page,
    lists_disks_beyond_one_page,
    server_round_trip,
    server_create_is_idempotent,
    disk_round_trip,
    elasticsearch_round_trip,
    every_kind_round_trips,
    missing_ids_are_not_found,
    deleting_missing_is_not_found,
    tags_round_trip,
    bad_create_input_is_invalid_input,
);

// --- what the suite cannot say about Aliyun: signatures refused, throttling retried, paging
// --- failures, Elasticsearch statuses and billing, ACS3 against the official verifier.

fn fast_layer() -> Arc<RequestLayer> {
    Arc::new(RequestLayer::new(RetryPolicy { max_attempts: 4, base_delay: std::time::Duration::from_millis(5), max_delay: std::time::Duration::from_millis(20) }))
}

fn key(class: ApiClass) -> RequestKey {
    RequestKey { provider: "aliyun", account: "conformance".into(), region: REGION.into(), class }
}

#[tokio::test]
async fn a_wrong_secret_is_refused_as_aliyun_refuses_it() {
    let replay = AliyunReplay::start().unwrap_or_else(|e| panic!("{e}"));
    let wrong = "not-the-replay-secret";
    let creds = Credentials::new().with("access_key_id", &replay.access_key_id).with("access_key_secret", wrong);
    let mut config = DriverConfig::new("conformance", creds, fast_layer());
    config.endpoint = Some(replay.url());
    let d = AliyunDriver::connect(&config).expect("connect");
    let err = strato_cloud::Facet::<Vpc>::list(&d, REGION).await.expect_err("a bad signature");
    assert_eq!((err.kind, err.code.as_deref()), (CloudErrorKind::Unauthorized, Some("SignatureDoesNotMatch")), "{err}");
    let shown = format!("{err:?} {err}");
    assert!(!shown.contains(wrong) && !shown.contains(&replay.access_key_secret), "an error shows a secret");
    assert_eq!(replay.calls().await.expect("calls"), Vec::<String>::new(), "a refused request reached an action");
}

#[tokio::test]
async fn an_unknown_access_key_is_unauthorized_not_not_found() {
    let replay = AliyunReplay::start().unwrap_or_else(|e| panic!("{e}"));
    let creds = Credentials::new().with("access_key_id", "LTAI5tUnknownKey000000").with("access_key_secret", &replay.access_key_secret);
    let mut config = DriverConfig::new("conformance", creds, fast_layer());
    config.endpoint = Some(replay.url());
    let d = AliyunDriver::connect(&config).expect("connect");
    let err = strato_cloud::Facet::<Server>::get(&d, REGION, "i-bp1234567890abcdefgh").await.expect_err("unknown key");
    assert_eq!((err.kind, err.code.as_deref()), (CloudErrorKind::Unauthorized, Some("InvalidAccessKeyId.NotFound")), "{err}");
}

#[tokio::test]
async fn throttling_is_retried_by_the_request_layer_each_attempt_signed_afresh() {
    let replay = AliyunReplay::start().unwrap_or_else(|e| panic!("{e}"));
    let layer = fast_layer();
    let d = connect(&replay, layer.clone());
    replay.inject("DescribeVpcs", 400, "Throttling.User", 2).await.expect("inject");
    replay.inject("DescribeVpcs", 503, "ServiceUnavailable", 1).await.expect("inject");
    let vpcs = strato_cloud::Facet::<Vpc>::list(&d, REGION).await.expect("listed after retries");
    assert!(!vpcs.is_empty());
    let c = layer.counters(&key(ApiClass::Describe));
    assert_eq!((c.retries, c.throttles, c.failures), (3, 3, 0), "{c:?}");
    // Four signed attempts reached the action: a retry reusing its nonce would be refused.
    let calls = replay.calls().await.expect("calls");
    assert_eq!(calls.iter().filter(|c| *c == "DescribeVpcs").count(), 4, "{calls:?}");
}

#[tokio::test]
async fn forbidden_is_not_retried() {
    let replay = AliyunReplay::start().unwrap_or_else(|e| panic!("{e}"));
    let d = connect(&replay, fast_layer());
    replay.inject("DescribeInstances", 403, "Forbidden.RAM", 5).await.expect("inject");
    let err = strato_cloud::Facet::<Server>::list(&d, REGION).await.expect_err("forbidden");
    assert_eq!((err.kind, err.code.as_deref()), (CloudErrorKind::Forbidden, Some("Forbidden.RAM")), "{err}");
    assert_eq!(replay.calls().await.expect("calls"), vec!["DescribeInstances".to_string()]);
}

#[tokio::test]
async fn a_failed_page_fails_the_whole_listing() {
    let replay = AliyunReplay::start().unwrap_or_else(|e| panic!("{e}"));
    let d = connect(&replay, fast_layer());
    for i in 0..(PAGE + 1) {
        let input = DiskCreate { name: format!("d{i}"), zone: format!("{REGION}-h"), size_gb: 20, ..Default::default() };
        d.create_disk(REGION, &input).await.expect("create disk");
    }
    replay.inject_after("DescribeDisks", 1, 400, "InvalidParameter", 1).await.expect("inject");
    let err = strato_cloud::Facet::<Disk>::list(&d, REGION).await.expect_err("the second page failed: no partial list");
    assert_eq!(err.kind, CloudErrorKind::InvalidInput, "{err}");
    assert_eq!(strato_cloud::Facet::<Disk>::list(&d, REGION).await.expect("list").len(), PAGE as usize + 1);
}

#[tokio::test]
async fn elasticsearch_statuses_and_billing_map() {
    let replay = AliyunReplay::start().unwrap_or_else(|e| panic!("{e}"));
    let d = connect(&replay, fast_layer());
    let frozen = replay.seed_elasticsearch_with(REGION, "frozen", "inactive", "prepaid").await.expect("seed");
    let growing = replay.seed_elasticsearch_with(REGION, "growing", "activating", "postpaid").await.expect("seed");
    let es = strato_cloud::Facet::<Elasticsearch>::get(&d, REGION, &frozen).await.expect("get");
    assert_eq!(es.status, ElasticsearchStatus::Unknown);
    assert_eq!(es.base.billing.billing_type, BillingType::Prepaid);
    assert!(es.base.billing.expires_at.is_some(), "{:?}", es.base.billing);
    assert!(es.vpc_id.is_some() && es.network_ids.len() == 1 && es.endpoint.is_some(), "{es:?}");
    let es = strato_cloud::Facet::<Elasticsearch>::get(&d, REGION, &growing).await.expect("get");
    assert_eq!((es.status, es.base.billing.billing_type, es.base.billing.expires_at), (ElasticsearchStatus::Creating, BillingType::Postpaid, None));
    // Another region's instance is not this region's.
    let err = strato_cloud::Facet::<Elasticsearch>::get(&d, "cn-shanghai", &frozen).await.expect_err("other region");
    assert!(err.is_not_found(), "{err}");
}

#[tokio::test]
async fn servers_are_pay_as_you_go_and_show_their_disks() {
    let replay = AliyunReplay::start().unwrap_or_else(|e| panic!("{e}"));
    let d = connect(&replay, fast_layer());
    // 24 KiB of user data (32 KiB once base64'd, Aliyun's limit): too long for a URL, fine in a form body.
    let user_data = format!("#cloud-config\n# {}\n", "x".repeat(24 * 1024 - 20));
    let input = ServerCreate {
        name: "billing".into(),
        instance_type: "ecs.g6.large".into(),
        image_id: IMAGE.into(),
        data_disks_gb: vec![20, 30],
        user_data: Some(user_data),
        ..Default::default()
    };
    let s = d.create_server(REGION, &input).await.expect("create");
    assert_eq!(s.base.billing, Billing::default());
    assert_eq!((s.cpu, s.memory_mb), (Some(2), Some(8192)));
    let devices: Vec<&str> = s.disks.iter().map(|a| a.device.as_str()).collect();
    assert_eq!(devices, vec!["/dev/xvda", "/dev/xvdb", "/dev/xvdc"]);
    assert!(s.network_id.is_some() && s.vpc_id.is_some() && !s.secgroup_ids.is_empty() && !s.private_ips.is_empty(), "{s:?}");
    let disks = strato_cloud::Facet::<Disk>::list(&d, REGION).await.expect("disks");
    assert_eq!(disks.iter().filter(|x| x.server_id.as_deref() == Some(s.base.external_id.as_str()) && x.is_root).count(), 1);
}

#[tokio::test]
async fn the_replay_keeps_state_until_reset() {
    let replay = AliyunReplay::start().unwrap_or_else(|e| panic!("{e}"));
    let d = connect(&replay, fast_layer());
    let input = ServerCreate { name: "before-reset".into(), instance_type: "ecs.g6.large".into(), image_id: IMAGE.into(), ..Default::default() };
    let s = d.create_server(REGION, &input).await.expect("create");
    assert!(strato_cloud::Facet::<Server>::get(&d, REGION, &s.base.external_id).await.is_ok());
    replay.reset().await.expect("reset");
    let err = strato_cloud::Facet::<Server>::get(&d, REGION, &s.base.external_id).await.expect_err("gone after reset");
    assert!(err.is_not_found(), "{err}");
}

/// ACS3 (signature v3), which the driver does not send yet, against the replay server's
/// official verifier: a signed RPC call is answered; a tampered one or one leaving a header
/// unsigned is refused as Aliyun refuses it.
#[tokio::test]
async fn acs3_signed_requests_pass_the_official_verifier() {
    use strato_provider_aliyun::sign::{self, Acs3Request};
    let replay = AliyunReplay::start().unwrap_or_else(|e| panic!("{e}"));
    let host = replay.url().trim_start_matches("http://").to_string();
    let send = |secret: String, skip_header: Option<&'static str>, nonce: &'static str| {
        let (url, host, ak) = (replay.url(), host.clone(), replay.access_key_id.clone());
        async move {
            let query = vec![("RegionId".to_string(), REGION.to_string())];
            let payload = sign::sha256_hex(b"");
            let mut headers: Vec<(String, String)> = [
                ("host", host.as_str()),
                ("x-acs-action", "DescribeZones"),
                ("x-acs-version", "2014-05-26"),
                ("x-acs-date", &sign::timestamp(std::time::SystemTime::now())),
                ("x-acs-signature-nonce", nonce),
                ("x-acs-content-sha256", &payload),
            ]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
            let sent = headers.clone();
            headers.retain(|(k, _)| Some(k.as_str()) != skip_header);
            let auth = sign::acs3_authorization(&Acs3Request { method: "POST", path: "/", query: &query, headers: &headers, payload_sha256: &payload }, &ak, &secret);
            let mut req = reqwest::Client::new().post(format!("{url}/?RegionId={REGION}")).header("Authorization", auth);
            for (k, v) in sent.iter().filter(|(k, _)| k != "host") {
                req = req.header(k.as_str(), v.as_str());
            }
            let resp = req.send().await.expect("send");
            let status = resp.status().as_u16();
            let body: serde_json::Value = resp.json().await.expect("json");
            (status, body)
        }
    };
    let (status, body) = send(replay.access_key_secret.clone(), None, "acs3-nonce-1").await;
    assert_eq!(status, 200, "{body}");
    assert!(body["Zones"]["Zone"].as_array().is_some_and(|z| !z.is_empty()), "{body}");
    let (status, body) = send("wrong-secret".into(), None, "acs3-nonce-2").await;
    assert_eq!((status, body["Code"].as_str()), (400, Some("SignatureDoesNotMatch")));
    let (status, body) = send(replay.access_key_secret.clone(), Some("x-acs-date"), "acs3-nonce-3").await;
    assert_eq!((status, body["Code"].as_str()), (400, Some("IncompleteSignature")));
    // The same nonce twice is a replayed request.
    let (status, body) = send(replay.access_key_secret.clone(), None, "acs3-nonce-1").await;
    assert_eq!((status, body["Code"].as_str()), (400, Some("SignatureNonceUsed")));
}

#[tokio::test]
async fn preflight_refuses_what_aliyun_would_refuse_and_changes_nothing() {
    let replay = AliyunReplay::start().unwrap_or_else(|e| panic!("{e}"));
    let d = connect(&replay, fast_layer());
    let zone = format!("{REGION}-h");
    let good = ServerCreate { name: "pre".into(), instance_type: "ecs.g6.large".into(), image_id: IMAGE.into(), zone: Some(zone.clone()), ..Default::default() };
    d.preflight(REGION, Preflight::CreateServer(&good)).await.expect("a good create passes");
    let bad_type = ServerCreate { instance_type: "ecs.nope.large".into(), ..good.clone() };
    assert_eq!(d.preflight(REGION, Preflight::CreateServer(&bad_type)).await.expect_err("unknown type").kind, CloudErrorKind::InvalidInput);
    let bad_zone = ServerCreate { zone: Some("cn-hangzhou-z".into()), ..good.clone() };
    assert_eq!(d.preflight(REGION, Preflight::CreateServer(&bad_zone)).await.expect_err("no vswitch").kind, CloudErrorKind::InvalidInput);
    let disk_input = DiskCreate { name: "pre".into(), zone: "cn-hangzhou-z".into(), size_gb: 20, ..Default::default() };
    assert_eq!(d.preflight(REGION, Preflight::CreateDisk(&disk_input)).await.expect_err("zone").kind, CloudErrorKind::InvalidInput);

    let server = d.create_server(REGION, &good).await.expect("create");
    let sid = server.base.external_id.as_str();
    let change = Preflight::ChangeServerConfig { server_id: sid, instance_type: "ecs.c6.xlarge" };
    assert_eq!(d.preflight(REGION, change).await.expect_err("running").kind, CloudErrorKind::Conflict);
    let disk = d.create_disk(REGION, &DiskCreate { zone: zone.clone(), ..disk_input }).await.expect("disk");
    let did = disk.base.external_id.as_str();
    assert_eq!(d.preflight(REGION, Preflight::DetachDisk { disk_id: did, server_id: sid }).await.expect_err("not attached").kind, CloudErrorKind::Conflict);
    assert_eq!(d.preflight(REGION, Preflight::ResizeDisk { disk_id: did, size_gb: 20 }).await.expect_err("not larger").kind, CloudErrorKind::InvalidInput);
    d.preflight(REGION, Preflight::ResizeDisk { disk_id: did, size_gb: 40 }).await.expect("larger");
    d.preflight(REGION, Preflight::AttachDisk { disk_id: did, server_id: sid }).await.expect("attachable");
    let root = server.disks.iter().find(|a| a.device == "/dev/xvda").expect("system disk");
    assert_eq!(d.preflight(REGION, Preflight::AttachDisk { disk_id: &root.disk_id, server_id: sid }).await.expect_err("in use").kind, CloudErrorKind::Conflict);
    assert_eq!(d.preflight(REGION, Preflight::DetachDisk { disk_id: &root.disk_id, server_id: sid }).await.expect_err("system disk").kind, CloudErrorKind::InvalidInput);
    // Nothing changed: the disk is still detached and 20 GB, the server still running.
    let after = strato_cloud::Facet::<Disk>::get(&d, REGION, did).await.expect("disk");
    assert_eq!((after.size_gb, after.status), (20, DiskStatus::Available));
    assert_eq!(strato_cloud::Facet::<Server>::get(&d, REGION, sid).await.expect("server").status, ServerStatus::Running);
    let calls = replay.calls().await.expect("calls");
    let mutating = ["RunInstances", "CreateDisk"];
    assert_eq!(calls.iter().filter(|c| !c.starts_with("Describe") && !mutating.contains(&c.as_str())).count(), 0, "{calls:?}");
}
