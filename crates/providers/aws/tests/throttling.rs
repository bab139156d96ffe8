//! The AWS driver behind a local server that throttles the first calls like EC2 does: the
//! SDK must not retry on its own (exactly one request per attempt of the shared layer), and
//! RequestLimitExceeded must come back as `throttled` and be retried by the layer.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use axum::routing::post;
use strato_cloud::*;
use strato_provider_aws::AwsDriver;

const THROTTLED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>req-1</RequestID></Response>"#;

const VPCS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<DescribeVpcsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>req-2</requestId>
<vpcSet><item><vpcId>vpc-0a1b2c3d</vpcId><state>available</state><cidrBlock>10.0.0.0/16</cidrBlock><isDefault>true</isDefault><ownerId>123456789012</ownerId></item></vpcSet></DescribeVpcsResponse>"#;

async fn throttling_ec2(throttle_first: u32) -> (String, Arc<AtomicU32>, tokio::task::JoinHandle<()>) {
    let hits = Arc::new(AtomicU32::new(0));
    let counter = hits.clone();
    let app = axum::Router::new().route(
        "/",
        post(move || {
            let counter = counter.clone();
            async move {
                if counter.fetch_add(1, Ordering::SeqCst) < throttle_first {
                    (StatusCode::SERVICE_UNAVAILABLE, THROTTLED)
                } else {
                    (StatusCode::OK, VPCS)
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let addr = listener.local_addr().expect("addr");
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), hits, server)
}

fn config(endpoint: String, layer: Arc<RequestLayer>) -> DriverConfig {
    let creds = Credentials::new().with("access_key_id", "AKIAIOSFODNN7EXAMPLE").with("secret_access_key", "throttle-test-secret");
    let mut config = DriverConfig::new("throttle", creds, layer);
    config.endpoint = Some(endpoint);
    config
}

#[tokio::test]
async fn request_limit_exceeded_is_retried_by_the_shared_layer_only() {
    let (url, hits, server) = throttling_ec2(3).await;
    let layer = Arc::new(RequestLayer::new(RetryPolicy { max_attempts: 5, base_delay: Duration::from_millis(10), max_delay: Duration::from_millis(50) }));
    let driver = AwsDriver::connect(&config(url, layer.clone())).await.expect("connect");
    let vpcs = strato_cloud::Facet::<strato_cloud::Vpc>::list(&driver, "us-east-1").await.expect("list after throttling");
    assert_eq!(vpcs.len(), 1);
    assert_eq!(vpcs[0].base.external_id, "vpc-0a1b2c3d");
    assert_eq!(vpcs[0].base.project_id.as_deref(), Some("123456789012"));
    // 3 throttled + 1 good: the SDK added no attempts of its own.
    assert_eq!(hits.load(Ordering::SeqCst), 4);
    let c = layer.counters(&RequestKey { provider: "aws", account: "throttle".into(), region: "us-east-1".into(), class: ApiClass::Describe });
    assert_eq!((c.requests, c.retries, c.throttles, c.failures), (4, 3, 3, 0));
    server.abort();
}

#[tokio::test]
async fn persistent_throttling_ends_as_throttled_error() {
    let (url, hits, server) = throttling_ec2(100).await;
    let layer = Arc::new(RequestLayer::new(RetryPolicy { max_attempts: 3, base_delay: Duration::from_millis(5), max_delay: Duration::from_millis(10) }));
    let driver = AwsDriver::connect(&config(url, layer)).await.expect("connect");
    let err = strato_cloud::Facet::<strato_cloud::Vpc>::list(&driver, "us-east-1").await.expect_err("always throttled");
    assert_eq!(err.kind, CloudErrorKind::Throttled, "{err}");
    assert_eq!(err.code.as_deref(), Some("RequestLimitExceeded"));
    assert!(!err.to_string().contains("throttle-test-secret"));
    assert_eq!(hits.load(Ordering::SeqCst), 3);
    server.abort();
}
