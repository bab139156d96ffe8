//! The conformance suite against the in-memory `fake` provider, plus its fault injection.

use std::sync::Arc;

use strato_cloud::*;
use strato_driver_tests::{conformance_tests, Fixture};
use strato_provider_fake::{FakeCloud, FakeDriver, Population};

const REGION: &str = "fake-region-1";
const PAGE: u32 = 5;

fn missing_id(kind: ResourceKind) -> String {
    let prefix = match kind {
        ResourceKind::Server => "i",
        ResourceKind::Disk => "vol",
        ResourceKind::Vpc => "vpc",
        ResourceKind::Network => "subnet",
        ResourceKind::Secgroup => "sg",
        // kinds kept as records have their keyword as prefix
        other => other.as_str(),
    };
    format!("{prefix}-ffffffffffff")
}

fn cloud() -> Arc<FakeCloud> {
    let cloud = FakeCloud::new(42, 2);
    let p = Population { vpcs: 2, networks_per_vpc: 2, secgroups_per_vpc: 1, ..Default::default() };
    cloud.populate(REGION, p).expect("populate");
    Arc::new(cloud)
}

fn driver(cloud: Arc<FakeCloud>, layer: Arc<RequestLayer>) -> Arc<FakeDriver> {
    let mut config = DriverConfig::new("conformance", Credentials::new(), layer);
    config.page_size = Some(PAGE);
    Arc::new(FakeDriver::new(cloud, &config))
}

async fn fixture() -> (Fixture, ()) {
    let (layer, calls) = Fixture::recording_layer();
    let cloud = cloud();
    let seed_cloud = cloud.clone();
    let fixture = Fixture {
        driver: driver(cloud, layer),
        region: REGION.into(),
        zone: format!("{REGION}a"),
        image_id: "fake-img-debian-12".into(),
        instance_type: "fake.small".into(),
        other_instance_type: "fake.large".into(),
        page_size: PAGE as usize,
        server_list_api: "DescribeInstances",
        missing_id,
        calls,
        seed: Box::new(move |kind, name| {
            let cloud = seed_cloud.clone();
            Box::pin(async move { if kind == ResourceKind::Elasticsearch { cloud.insert_elasticsearch(REGION, &name).map(Some) } else { Ok(None) } })
        }),
    };
    (fixture, ())
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
async fn failing_listing_is_an_error_for_that_kind_and_region_only() {
    let cloud = cloud();
    let d = driver(cloud.clone(), Arc::new(RequestLayer::default()));
    cloud.fail_listing(ResourceKind::Vpc, REGION);
    let err = strato_cloud::facet::<Vpc>(d.as_ref()).expect("facet").list(REGION).await.expect_err("injected failure");
    assert_eq!(err.kind, CloudErrorKind::Other);
    assert!(strato_cloud::facet::<Vpc>(d.as_ref()).expect("facet").list("fake-region-2").await.is_ok());
    assert!(strato_cloud::facet::<Network>(d.as_ref()).expect("facet").list(REGION).await.is_ok());
    cloud.clear_faults();
    assert_eq!(strato_cloud::facet::<Vpc>(d.as_ref()).expect("facet").list(REGION).await.expect("after clearing").len(), 2);
}

#[tokio::test]
async fn throttled_calls_are_retried_by_the_request_layer() {
    let cloud = cloud();
    let layer = Arc::new(RequestLayer::new(RetryPolicy { max_attempts: 5, base_delay: std::time::Duration::from_millis(5), max_delay: std::time::Duration::from_millis(20) }));
    let d = driver(cloud.clone(), layer.clone());
    cloud.throttle_next(3);
    let vpcs = strato_cloud::facet::<Vpc>(d.as_ref()).expect("facet").list(REGION).await.expect("retried past throttling");
    assert_eq!(vpcs.len(), 2);
    let c = layer.counters(&RequestKey { provider: "fake", account: "conformance".into(), region: REGION.into(), class: ApiClass::Describe });
    assert_eq!((c.throttles, c.retries, c.failures), (3, 3, 0));

    cloud.throttle_next(10);
    let err = strato_cloud::facet::<Vpc>(d.as_ref()).expect("facet").list(REGION).await.expect_err("more throttling than attempts");
    assert_eq!(err.kind, CloudErrorKind::Throttled);
}

#[tokio::test]
async fn same_seed_same_world() {
    let (a, b) = (FakeCloud::new(9, 1), FakeCloud::new(9, 1));
    let p = Population { vpcs: 1, networks_per_vpc: 2, secgroups_per_vpc: 1, servers: 50, disks: 20, elasticsearches: 2 };
    a.populate(REGION, p).expect("populate");
    b.populate(REGION, p).expect("populate");
    let layer = Arc::new(RequestLayer::default());
    let (da, db) = (driver(Arc::new(a), layer.clone()), driver(Arc::new(b), layer));
    assert_eq!(strato_cloud::facet::<Server>(da.as_ref()).expect("facet").list(REGION).await.expect("a"), strato_cloud::facet::<Server>(db.as_ref()).expect("facet").list(REGION).await.expect("b"));
    assert_eq!(strato_cloud::facet::<Disk>(da.as_ref()).expect("facet").list(REGION).await.expect("a"), strato_cloud::facet::<Disk>(db.as_ref()).expect("facet").list(REGION).await.expect("b"));
}

/// Every kind the fake can hold in bulk lists completely across many pages.
#[tokio::test]
async fn every_kind_lists_beyond_one_page() {
    let cloud = FakeCloud::new(3, 1);
    let p = Population { vpcs: 7, networks_per_vpc: 3, secgroups_per_vpc: 2, servers: 23, disks: 17, elasticsearches: 11 };
    cloud.populate(REGION, p).expect("populate");
    let (layer, calls) = Fixture::recording_layer();
    let d = driver(Arc::new(cloud), layer);
    assert_eq!(strato_cloud::facet::<Vpc>(d.as_ref()).expect("facet").list(REGION).await.expect("vpcs").len(), 7);
    assert_eq!(strato_cloud::facet::<Network>(d.as_ref()).expect("facet").list(REGION).await.expect("networks").len(), 21);
    assert_eq!(strato_cloud::facet::<Secgroup>(d.as_ref()).expect("facet").list(REGION).await.expect("secgroups").len(), 14);
    assert_eq!(strato_cloud::facet::<Server>(d.as_ref()).expect("facet").list(REGION).await.expect("servers").len(), 23);
    assert_eq!(strato_cloud::facet::<Disk>(d.as_ref()).expect("facet").list(REGION).await.expect("disks").len(), 17);
    assert_eq!(strato_cloud::facet::<Elasticsearch>(d.as_ref()).expect("facet").list(REGION).await.expect("es").len(), 11);
    let pages = |api: &str| calls.lock().unwrap_or_else(|p| p.into_inner()).iter().filter(|c| c.api == api).count();
    // ceil(n / 5) pages each.
    assert_eq!((pages("DescribeVpcs"), pages("DescribeSubnets"), pages("DescribeInstances"), pages("DescribeVolumes")), (2, 5, 5, 4));
}
