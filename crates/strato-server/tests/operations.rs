//! Operations: health, readiness, metrics, request ids, the served OpenAPI document, graceful
//! shutdown with a request in flight, start-up with a wrong master key, key rotation.

mod common;

use std::sync::Arc;
use std::time::Duration;

use axum::http::Method;
use common::{Backend, TestApp};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn health_and_readiness(backend: Backend) {
    let t = TestApp::start(backend).await;
    let answer = t.call(Method::GET, "/healthz", None, None).await;
    assert_eq!(answer.assert_status(200)["status"], "ok");
    let answer = t.call(Method::GET, "/readyz", None, None).await;
    assert_eq!(answer.assert_status(200)["status"], "ok");
    // Once the store is closed, readiness fails with the JSON error body.
    t.app.close().await;
    t.call(Method::GET, "/readyz", None, None).await.assert_error(503, "UnavailableError");
}

async fn metrics_by_route_template(backend: Backend) {
    let t = TestApp::start(backend).await;
    t.post("/projects", &t.admin_token, json!({"name": "m1"})).await.assert_status(201);
    t.get("/projects/m1", &t.admin_token).await.assert_status(200);
    t.get("/projects/nope", &t.admin_token).await.assert_status(404);
    t.get("/no/such/route", &t.admin_token).await.assert_status(404);
    let answer = t.call(Method::GET, "/metrics", None, None).await;
    assert_eq!(answer.status.as_u16(), 200);
    let text = &answer.text;
    for needle in [
        r#"strato_http_requests_total{method="GET",route="/projects/{id}",status="200"} 1"#,
        r#"strato_http_requests_total{method="GET",route="/projects/{id}",status="404"} 1"#,
        r#"strato_http_requests_total{method="POST",route="/projects",status="201"} 1"#,
        r#"strato_http_requests_total{method="GET",route="unmatched",status="404"} 1"#,
        r#"strato_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/projects/{id}"} 2"#,
        "strato_store_pool_connections ",
        "strato_store_pool_idle ",
    ] {
        assert!(text.contains(needle), "metrics lack {needle:?}:\n{text}");
    }
    assert!(!text.contains("/projects/m1"), "raw paths must not become labels");
}

async fn request_ids_are_echoed(backend: Backend) {
    let t = TestApp::start(backend).await;
    let answer = t.call(Method::GET, "/healthz", None, None).await;
    let generated = answer.headers.get("x-request-id").expect("a request id is generated");
    assert!(!generated.is_empty());
    let request = axum::http::Request::builder()
        .uri("/projects/none")
        .header("x-request-id", "my-trace-123")
        .header("authorization", format!("Bearer {}", t.admin_token))
        .body(axum::body::Body::empty())
        .unwrap();
    let answer = t.raw(request).await;
    assert_eq!(answer.status.as_u16(), 404);
    assert_eq!(answer.headers.get("x-request-id").map(|v| v.as_bytes()), Some(&b"my-trace-123"[..]));
}

async fn openapi_is_served(backend: Backend) {
    let t = TestApp::start(backend).await;
    let answer = t.call(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(answer.status.as_u16(), 200);
    assert_eq!(answer.text, strato_server::openapi::document_json());
}

async fn graceful_shutdown_finishes_in_flight_requests(backend: Backend) {
    let t = TestApp::start(backend).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(strato_server::run(listener, t.app.clone(), async move {
        let _ = stopped.await;
    }));
    // Start a request and send only half of its body.
    let body = json!({"name": "inflight"}).to_string();
    let (head, tail) = body.as_bytes().split_at(body.len() / 2);
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!(
        "POST /projects HTTP/1.1\r\nhost: {address}\r\nauthorization: Bearer {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        t.admin_token,
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    stream.write_all(head).await.unwrap();
    stream.flush().await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    // Ask the server to stop while the request is in flight, then finish the request.
    stop.send(()).unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!server.is_finished(), "the server must wait for the in-flight request");
    stream.write_all(tail).await.unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        let mut buf = [0u8; 4096];
        loop {
            let n = stream.read(&mut buf).await.unwrap_or(0);
            if n == 0 {
                break;
            }
            answer.extend_from_slice(&buf[..n]);
            if String::from_utf8_lossy(&answer).contains("\"inflight\"") {
                break;
            }
        }
    })
    .await;
    assert!(read.is_ok(), "no answer to the in-flight request");
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 201"), "{text}");
    drop(stream);
    let finished = tokio::time::timeout(Duration::from_secs(10), server).await;
    assert!(matches!(finished, Ok(Ok(Ok(())))), "server did not shut down cleanly: {finished:?}");
}

both_backends!(
    health_and_readiness,
    metrics_by_route_template,
    request_ids_are_echoed,
    openapi_is_served,
    graceful_shutdown_finishes_in_flight_requests,
);

fn config(dir: &std::path::Path, key: Option<strato_store::MasterKey>) -> strato_server::app::AppConfig {
    strato_server::app::AppConfig {
        data_dir: dir.to_path_buf(),
        database_url: None,
        token_ttl: Duration::from_secs(60),
        rotate_master_key: false,
        token_cache_ttl: Duration::from_secs(5),
        master_key: key,
        admin_password: Some(strato_store::SecretString::new(common::ADMIN_PASSWORD)),
        providers: common::test_providers(),
        sync_region_parallelism: 4,
        sync_tick: None,
        task_workers: 8,
        password_min_length: strato_server::app::validate::PASSWORD_MIN_LENGTH,
        limits: Default::default(),
        allowed_endpoints: strato_cloud::EndpointAllowList::default(),
    }
}

#[tokio::test]
async fn wrong_master_key_fails_start_up_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let (app, report) = strato_server::app::App::open(config(dir.path(), Some(strato_store::MasterKey::generate())))
        .await
        .unwrap();
    assert!(report.generated_admin_password.is_none(), "a given admin password is not generated");
    app.close().await;
    let error = match strato_server::app::App::open(config(dir.path(), Some(strato_store::MasterKey::generate()))).await {
        Ok(_) => panic!("a wrong master key must not open the store"),
        Err(error) => error.to_string(),
    };
    assert!(error.contains("master key"), "unclear message: {error}");
}

#[test]
fn serve_exits_non_zero_on_a_wrong_master_key() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let (app, _) = strato_server::app::App::open(config(dir.path(), None)).await.unwrap();
        app.close().await;
    });
    // Replace the key file with another key: start-up must fail, not serve garbage.
    let key_file = dir.path().join("master.key");
    std::fs::remove_file(&key_file).unwrap();
    std::fs::write(&key_file, strato_store::MasterKey::generate().to_base64().expose()).unwrap();
    let code = strato_server::main_from_args(
        ["serve", "--data-dir", dir.path().to_str().unwrap(), "--listen", "127.0.0.1:0"].map(Into::into).to_vec(),
        |_| Ok(common::test_providers()),
    );
    assert_eq!(code, std::process::ExitCode::FAILURE);
}

#[tokio::test]
async fn rotating_the_master_key_keeps_credentials_usable() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _) = strato_server::app::App::open(config(dir.path(), None)).await.unwrap();
    let account = app
        .store()
        .cloudaccounts()
        .create(strato_store::cloudaccounts::NewCloudAccount {
            name: "a1".into(),
            provider: strato_types::Provider::Fake,
            project_id: app.store().projects().get_by_name(app.store().domains().get_by_name("default").await.unwrap().id, "system").await.unwrap().id,
            endpoint: None,
            regions: vec![],
            description: String::new(),
            credentials: strato_store::SecretString::new("{\"k\":\"v\"}"),
            sync_interval_secs: strato_store::cloudaccounts::DEFAULT_SYNC_INTERVAL_SECS,
            project_rules: vec![],
            connected: None,
        })
        .await
        .unwrap();
    let before = app.store().master_key_id();
    app.close().await;
    let mut rotate = config(dir.path(), None);
    rotate.rotate_master_key = true;
    let (app, _) = strato_server::app::App::open(rotate).await.unwrap();
    assert_ne!(app.store().master_key_id(), before);
    assert_eq!(app.store().cloudaccounts().credentials(account.id).await.unwrap().expose(), "{\"k\":\"v\"}");
    let app = Arc::new(app);
    // And it keeps serving.
    let router = strato_server::build_router(app.clone());
    let response = tower::ServiceExt::oneshot(
        router,
        axum::http::Request::builder().uri("/readyz").body(axum::body::Body::empty()).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(response.status().as_u16(), 200);
}

/// Collects log output in memory.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().map_err(|_| std::io::Error::other("poisoned"))?.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn every_request_log_line_has_the_request_id() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let t = TestApp::start(Backend::Sqlite).await;
    let request = axum::http::Request::builder()
        .method(Method::POST)
        .uri("/auth/login")
        .header("x-request-id", "req-login-42")
        .header("content-type", "application/json")
        .body(axum::body::Body::from(json!({"username": "admin", "password": common::ADMIN_PASSWORD}).to_string()))
        .unwrap();
    t.raw(request).await.assert_status(200);
    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let request_lines: Vec<&str> = text.lines().filter(|l| l.contains("req-login-42")).collect();
    // The app layer's "login" line and the layer's "request finished" line both carry it.
    assert!(request_lines.iter().any(|l| l.contains("\"login\"")), "{text}");
    assert!(request_lines.iter().any(|l| l.contains("request finished")), "{text}");
    for line in text.lines().filter(|l| l.contains("\"login\"") || l.contains("request finished")) {
        assert!(line.contains("\"request_id\""), "log line without request id: {line}");
    }
    assert!(!text.contains(common::ADMIN_PASSWORD), "the password was logged");
}
