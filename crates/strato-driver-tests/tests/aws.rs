//! The conformance suite against the `aws` driver and a real AWS API emulator (moto), one
//! moto_server per test.

use std::sync::Arc;

use strato_cloud::*;
use strato_driver_tests::moto::MotoServer;
use strato_driver_tests::{conformance_tests, Fixture};
use strato_provider_aws::AwsDriver;

const REGION: &str = "us-east-1";
const PAGE: u32 = 5;

fn missing_id(kind: ResourceKind) -> String {
    match kind {
        ResourceKind::Server => "i-0123456789abcdef0".into(),
        ResourceKind::Disk => "vol-0123456789abcdef0".into(),
        ResourceKind::Vpc => "vpc-0123456789abcdef0".into(),
        ResourceKind::Network => "subnet-0123456789abcdef0".into(),
        ResourceKind::Secgroup => "sg-0123456789abcdef0".into(),
        ResourceKind::Elasticsearch => format!("arn:aws:es:{REGION}:123456789012:domain/no-such-domain"),
        _ => "x-0123456789abcdef0".into(),
    }
}

pub fn moto_credentials() -> Credentials {
    Credentials::new().with("access_key_id", "AKIAIOSFODNN7EXAMPLE").with("secret_access_key", "moto-test-secret")
}

async fn fixture() -> (Fixture, MotoServer) {
    let moto = MotoServer::start().unwrap_or_else(|e| panic!("{e}"));
    let (layer, calls) = Fixture::recording_layer();
    let mut config = DriverConfig::new("conformance", moto_credentials(), layer);
    config.endpoint = Some(moto.url());
    config.default_region = Some(REGION.into());
    config.page_size = Some(PAGE);
    let driver = Arc::new(AwsDriver::connect(&config).await.expect("connect"));
    // Ask moto which images it knows rather than inventing one.
    let images = driver.list_images(REGION, "amazon").await.expect("describe images");
    let image = images.iter().find(|i| i.architecture.as_deref() == Some("x86_64")).or(images.first()).expect("moto knows no image");
    let seeder = driver.clone();
    let fixture = Fixture {
        driver: driver.clone(),
        region: REGION.into(),
        zone: format!("{REGION}a"),
        image_id: image.image_id.clone(),
        instance_type: "t2.micro".into(),
        other_instance_type: "t3.small".into(),
        page_size: PAGE as usize,
        server_list_api: "DescribeInstances",
        missing_id,
        calls,
        seed: Box::new(move |kind, name| {
            let d = seeder.clone();
            Box::pin(async move {
                if kind != ResourceKind::Elasticsearch {
                    return Ok(None);
                }
                d.create_elasticsearch(REGION, &name).await.map(|e| Some(e.base.external_id))
            })
        }),
    };
    (fixture, moto)
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

#[tokio::test]
async fn moto_reset_forgets_resources() {
    let (f, moto) = fixture().await;
    let s = f.driver.create_server(&f.region, &ServerCreate {
        name: "before-reset".into(),
        instance_type: f.instance_type.clone(),
        image_id: f.image_id.clone(),
        ..Default::default()
    }).await.expect("create");
    moto.reset().await.expect("reset");
    let err = strato_cloud::facet::<Server>(f.driver.as_ref()).expect("facet").get(&f.region, &s.base.external_id).await.expect_err("gone after reset");
    assert!(err.is_not_found(), "{err}");
}

#[tokio::test]
async fn wrong_endpoint_is_a_transient_error_not_a_panic() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let layer = Arc::new(RequestLayer::new(RetryPolicy { max_attempts: 2, base_delay: std::time::Duration::from_millis(5), max_delay: std::time::Duration::from_millis(10) }));
    let mut config = DriverConfig::new("nowhere", moto_credentials(), layer.clone());
    config.endpoint = Some(format!("http://127.0.0.1:{port}"));
    let d = AwsDriver::connect(&config).await.expect("connect");
    let err = strato_cloud::Facet::<Vpc>::list(&d, REGION).await.expect_err("nothing listens there");
    assert_eq!(err.kind, CloudErrorKind::Transient, "{err}");
    assert!(!format!("{err:?}").contains("moto-test-secret"));
    let c = layer.counters(&RequestKey { provider: "aws", account: "nowhere".into(), region: REGION.into(), class: ApiClass::Describe });
    assert_eq!((c.requests, c.retries, c.failures), (2, 1, 1));
}

#[tokio::test]
async fn malformed_credentials_are_rejected_without_echo() {
    let layer = Arc::new(RequestLayer::default());
    let creds = Credentials::new().with("access_key_id", "lower-case key").with("secret_access_key", "x");
    let err = AwsDriver::connect(&DriverConfig::new("bad", creds, layer.clone())).await.err().expect("malformed key");
    assert_eq!(err.kind, CloudErrorKind::InvalidInput);
    assert!(err.to_string().contains("access_key_id") && !err.to_string().contains("lower-case key"), "{err}");
    let creds = Credentials::new().with("access_key_id", "AKIAIOSFODNN7EXAMPLE");
    let err = AwsDriver::connect(&DriverConfig::new("bad", creds, layer)).await.err().expect("missing secret");
    assert!(err.to_string().contains("secret_access_key"), "{err}");
}
