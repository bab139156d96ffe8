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
