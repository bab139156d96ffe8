//! The client on the wire: requests sent to a loopback server that records them and answers
//! scripted JSON. Each recorded request's signature is recomputed by QingCloud's official SDK
//! (tests/python/sign_oracle.py) from the parameters as received, so the test fails if the
//! client signs one thing and sends another (method, encoding, parameter placement).

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use strato_cloud::{ApiClass, CloudErrorKind, Credentials, DriverConfig, RequestLayer};
use strato_provider_qingcloud::QingCloudClient;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const AK: &str = "QYWIRETESTKEY0000001";
/// A test-only secret; never printed.
const SECRET: &str = "wire-secret/with+odd=chars&";

/// One request as received: method, the query string, the body.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    query: String,
    body: String,
}

/// Serves `answers` in order, one per connection (each answer closes its connection).
async fn serve(answers: Vec<Value>) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let addr = listener.local_addr().expect("address");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    tokio::spawn(async move {
        for answer in answers {
            let Ok((mut socket, _)) = listener.accept().await else { return };
            let mut raw = Vec::new();
            let mut buf = [0u8; 4096];
            // Read the head, then as much body as Content-Length says.
            let (head, body_start) = loop {
                let n = socket.read(&mut buf).await.expect("read");
                assert!(n > 0, "connection closed before the request ended");
                raw.extend_from_slice(&buf[..n]);
                if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                    break (String::from_utf8_lossy(&raw[..end]).to_string(), end + 4);
                }
            };
            let length = head
                .lines()
                .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse::<usize>().expect("length")))
                .unwrap_or(0);
            while raw.len() < body_start + length {
                let n = socket.read(&mut buf).await.expect("read body");
                assert!(n > 0, "connection closed inside the body");
                raw.extend_from_slice(&buf[..n]);
            }
            let mut request_line = head.lines().next().expect("request line").split(' ');
            let method = request_line.next().expect("method").to_string();
            let target = request_line.next().expect("target");
            assert!(target.starts_with("/iaas/"), "sent to {target}");
            let query = target.split_once('?').map(|(_, q)| q.to_string()).unwrap_or_default();
            let body = String::from_utf8_lossy(&raw[body_start..body_start + length]).to_string();
            record.lock().expect("lock").push(Seen { method, query, body });
            let text = answer.to_string();
            let response = format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}", text.len());
            socket.write_all(response.as_bytes()).await.expect("answer");
        }
    });
    (format!("http://{addr}"), seen)
}

fn client(endpoint: &str, page_size: u32) -> QingCloudClient {
    let mut config = DriverConfig::new("wire", Credentials::new().with("access_key_id", AK).with("secret_access_key", SECRET), Arc::new(RequestLayer::default()));
    config.endpoint = Some(endpoint.to_string());
    config.page_size = Some(page_size);
    QingCloudClient::connect(&config).expect("connect")
}

/// The parameters of a recorded request, decoded, and the signature sent with them.
fn decoded(seen: &Seen) -> (Vec<(String, String)>, String) {
    let wire = if seen.method == "GET" { &seen.query } else { &seen.body };
    let mut params: Vec<(String, String)> = url::form_urlencoded::parse(wire.as_bytes()).into_owned().collect();
    let at = params.iter().position(|(k, _)| k == "signature").expect("a signature parameter");
    assert_eq!(at, params.len() - 1, "the signature comes last");
    let (_, signature) = params.remove(at);
    (params, signature)
}

/// Asks the official SDK to sign each recorded request and compares with what was sent.
fn assert_signed_as_the_sdk_would(seen: &[Seen]) {
    let cases: Vec<Value> = seen.iter().map(|s| json!({"method": s.method, "params": decoded(s).0})).collect();
    let python = std::env::var("STRATO_TEST_PYTHON").unwrap_or_else(|_| panic!("STRATO_TEST_PYTHON is not set: run the tests through `scripts/test`"));
    let mut child = Command::new(python)
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/sign_oracle.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run the Python oracle: {e}"));
    let input = json!({"access_key_id": AK, "secret": SECRET, "cases": cases}).to_string();
    child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write to the oracle");
    let out = child.wait_with_output().expect("oracle output");
    assert!(out.status.success(), "the Python oracle failed ({}); run it by hand to see why", out.status);
    let answers: Vec<Value> = serde_json::from_slice(&out.stdout).expect("oracle answers are JSON");
    assert_eq!(answers.len(), seen.len());
    for (s, answer) in seen.iter().zip(&answers) {
        assert_eq!(Some(decoded(s).1.as_str()), answer["signature"].as_str(), "{} request: the SDK signs it differently", s.method);
    }
}

fn get<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

#[tokio::test]
async fn a_listing_follows_every_page_with_signed_get_requests() {
    let (endpoint, seen) = serve(vec![
        json!({"action": "DescribeInstancesResponse", "ret_code": 0, "total_count": 3, "instance_set": [{"instance_id": "i-1"}, {"instance_id": "i-2"}]}),
        json!({"action": "DescribeInstancesResponse", "ret_code": 0, "total_count": 3, "instance_set": [{"instance_id": "i-3"}]}),
    ])
    .await;
    let c = client(&endpoint, 2);
    let items = c.list("pek3a", "DescribeInstances", &[("status.1".into(), "running".into())], "instance_set").await.expect("listed");
    let ids: Vec<&str> = items.iter().filter_map(|i| i["instance_id"].as_str()).collect();
    assert_eq!(ids, ["i-1", "i-2", "i-3"]);
    let seen = seen.lock().expect("lock").clone();
    assert_eq!(seen.len(), 2);
    for (s, offset) in seen.iter().zip(["0", "2"]) {
        assert_eq!(s.method, "GET");
        let (params, _) = decoded(s);
        assert_eq!((get(&params, "offset"), get(&params, "limit")), (Some(offset), Some("2")));
        assert_eq!((get(&params, "zone"), get(&params, "status.1")), (Some("pek3a"), Some("running")));
    }
    assert_signed_as_the_sdk_would(&seen);
}

#[tokio::test]
async fn a_change_is_a_signed_post_form() {
    let (endpoint, seen) = serve(vec![json!({"action": "RunInstancesResponse", "ret_code": 0, "instances": ["i-9"], "job_id": "j-1"})]).await;
    let c = client(&endpoint, 100);
    let params = vec![("instance_name".to_string(), "web 1 & \"双11\"".to_string()), ("userdata_value".to_string(), "IyEvYmluL3No+/=".to_string())];
    let answer = c.call("pek3a", ApiClass::Mutate, "RunInstances", &params).await.expect("ran");
    assert_eq!(answer["job_id"], "j-1");
    let seen = seen.lock().expect("lock").clone();
    assert_eq!((seen.len(), seen[0].method.as_str(), seen[0].query.as_str()), (1, "POST", ""));
    assert_eq!(get(&decoded(&seen[0]).0, "instance_name"), Some("web 1 & \"双11\""));
    assert_signed_as_the_sdk_would(&seen);
}

#[tokio::test]
async fn a_cloud_error_is_classified_and_not_retried() {
    // 2100 is not retryable: a second request would find no answer scripted and fail otherwise.
    let (endpoint, seen) = serve(vec![json!({"ret_code": 2100, "message": "ResourceNotFound, resource [i-x] not found"})]).await;
    let c = client(&endpoint, 100);
    let err = c.call("pek3a", ApiClass::Describe, "DescribeInstances", &[]).await.expect_err("not found");
    assert_eq!((err.kind, err.code.as_deref()), (CloudErrorKind::NotFound, Some("2100")));
    assert!(!err.to_string().contains(SECRET));
    assert_eq!(seen.lock().expect("lock").len(), 1);
}

#[tokio::test]
async fn server_busy_is_retried_by_the_request_layer_and_signed_afresh() {
    // 5100 (server busy) is throttled: the shared layer retries it (default backoff: ~0.1-0.4 s
    // for two retries); each attempt is a new, correctly signed request.
    let (endpoint, seen) = serve(vec![
        json!({"ret_code": 5100, "message": "ServerBusy"}),
        json!({"ret_code": 5000, "message": "InternalError"}),
        json!({"action": "DescribeZonesResponse", "ret_code": 0, "total_count": 1, "zone_set": [{"zone_id": "pek3a"}]}),
    ])
    .await;
    let c = client(&endpoint, 100);
    let answer = c.call("", ApiClass::Describe, "DescribeZones", &[]).await.expect("third attempt succeeds");
    assert_eq!(answer["zone_set"][0]["zone_id"], "pek3a");
    let seen = seen.lock().expect("lock").clone();
    assert_eq!(seen.len(), 3);
    assert!(seen.iter().all(|s| get(&decoded(s).0, "zone").is_none()), "DescribeZones is sent without a zone");
    assert_signed_as_the_sdk_would(&seen);
}
