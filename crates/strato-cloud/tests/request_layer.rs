//! The request layer against a real HTTP server on loopback that fails the first N calls.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use strato_cloud::*;

/// Answers `failure` for the first `fail_first` calls, then 200.
async fn flaky_server(fail_first: u32, failure: StatusCode, retry_after_secs: Option<u32>) -> (String, Arc<AtomicU32>, tokio::task::JoinHandle<()>) {
    let calls = Arc::new(AtomicU32::new(0));
    let counter = calls.clone();
    let app = axum::Router::new().route(
        "/",
        get(move || {
            let counter = counter.clone();
            async move {
                let n = counter.fetch_add(1, Ordering::SeqCst);
                let mut headers = HeaderMap::new();
                if n < fail_first {
                    if let Some(s) = retry_after_secs {
                        headers.insert("retry-after", s.to_string().parse().unwrap());
                    }
                    (failure, headers, "try later")
                } else {
                    (StatusCode::OK, headers, "ok")
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (format!("http://{addr}/"), calls, handle)
}

/// A minimal "driver call": classifies HTTP answers into CloudError like a driver would.
async fn fetch(client: &reqwest::Client, url: &str) -> CloudResult<String> {
    let resp = client.get(url).send().await.map_err(|e| CloudError::transient(e.to_string()))?;
    let status = resp.status();
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .map(Duration::from_secs);
    let body = resp.text().await.map_err(|e| CloudError::transient(e.to_string()))?;
    let err = match status.as_u16() {
        200 => return Ok(body),
        429 => CloudError::throttled("throttled"),
        503 => CloudError::transient("service unavailable"),
        404 => CloudError::not_found("missing"),
        _ => CloudError::other(format!("http {status}")),
    };
    Err(match retry_after {
        Some(d) => err.with_retry_after(d),
        None => err,
    })
}

fn fast_policy() -> RetryPolicy {
    RetryPolicy { max_attempts: 6, base_delay: Duration::from_millis(10), max_delay: Duration::from_millis(100) }
}

const LIMITS: ProviderLimits = ProviderLimits { describe: RateLimit { burst: 100, per_second: 20 }, mutate: RateLimit { burst: 10, per_second: 5 } };

#[tokio::test]
async fn retries_503_until_success_and_counts() {
    let (url, calls, server) = flaky_server(3, StatusCode::SERVICE_UNAVAILABLE, None).await;
    let layer = Arc::new(RequestLayer::new(fast_policy()));
    let records = Arc::new(Mutex::new(Vec::new()));
    let sink = records.clone();
    layer.set_observer(Arc::new(move |r: &CallRecord| sink.lock().unwrap().push(r.clone())));
    let requests = layer.scope("test", "acct-1", LIMITS);
    let client = reqwest::Client::new();

    let body = requests.call("r1", ApiClass::Describe, "Get", || fetch(&client, &url)).await.unwrap();
    assert_eq!(body, "ok");
    assert_eq!(calls.load(Ordering::SeqCst), 4);
    let c = layer.counters(&requests.key("r1", ApiClass::Describe));
    assert_eq!(c, RequestCounters { requests: 4, retries: 3, throttles: 0, failures: 0 });
    let records = records.lock().unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].retries, 3);
    assert_eq!(records[0].status, "ok");
    assert_eq!(records[0].api, "Get");
    server.abort();
}

#[tokio::test]
async fn honours_retry_after_on_throttling() {
    let (url, calls, server) = flaky_server(1, StatusCode::TOO_MANY_REQUESTS, Some(1)).await;
    let layer = Arc::new(RequestLayer::new(fast_policy()));
    let requests = layer.scope("test", "acct-1", LIMITS);
    let client = reqwest::Client::new();
    let started = Instant::now();
    requests.call("r1", ApiClass::Describe, "Get", || fetch(&client, &url)).await.unwrap();
    // The backoff alone would wait at most 100ms; Retry-After asked for a second.
    assert!(started.elapsed() >= Duration::from_millis(950), "{:?}", started.elapsed());
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    let c = layer.counters(&requests.key("r1", ApiClass::Describe));
    assert_eq!((c.requests, c.retries, c.throttles), (2, 1, 1));
    server.abort();
}

#[tokio::test]
async fn gives_up_after_max_attempts_and_never_retries_non_retryable() {
    let (url, calls, server) = flaky_server(100, StatusCode::SERVICE_UNAVAILABLE, None).await;
    let layer = Arc::new(RequestLayer::new(fast_policy()));
    let requests = layer.scope("test", "acct-1", LIMITS);
    let client = reqwest::Client::new();
    let err = requests.call("r1", ApiClass::Mutate, "Put", || fetch(&client, &url)).await.unwrap_err();
    assert_eq!(err.kind, CloudErrorKind::Transient);
    assert_eq!(calls.load(Ordering::SeqCst), 6);
    assert_eq!(layer.counters(&requests.key("r1", ApiClass::Mutate)).failures, 1);
    server.abort();

    let (url, calls, server) = flaky_server(100, StatusCode::NOT_FOUND, None).await;
    let err = requests.call("r2", ApiClass::Describe, "Get", || fetch(&client, &url)).await.unwrap_err();
    assert_eq!(err.kind, CloudErrorKind::NotFound);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let c = layer.counters(&requests.key("r2", ApiClass::Describe));
    assert_eq!((c.requests, c.retries), (1, 0));
    server.abort();
}

#[tokio::test]
async fn token_bucket_limits_rate_per_key() {
    let layer = Arc::new(RequestLayer::new(fast_policy()));
    let limits = ProviderLimits { describe: RateLimit { burst: 5, per_second: 10 }, mutate: RateLimit { burst: 1, per_second: 1 } };
    let requests = layer.scope("test", "acct-1", limits);
    let started = Instant::now();
    for _ in 0..15 {
        requests.call("r1", ApiClass::Describe, "Get", || async { Ok::<_, CloudError>(()) }).await.unwrap();
    }
    // 5 from the burst, 10 more at 10/s: about one second.
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(900), "{elapsed:?}");
    // Another region has its own bucket: its burst is immediate.
    let started = Instant::now();
    for _ in 0..5 {
        requests.call("r2", ApiClass::Describe, "Get", || async { Ok::<_, CloudError>(()) }).await.unwrap();
    }
    assert!(started.elapsed() < Duration::from_millis(300));
}
