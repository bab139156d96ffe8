//! Hostile clients over real loopback TCP against `strato_server::run`: timeouts, the
//! connection cap, the shutdown deadline, JSON answers to requests hyper cannot parse, login
//! throttling and its action-log entries, and the `/metrics` token setting.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::http::Method;
use common::{Backend, TestApp, ADMIN_PASSWORD};
use serde_json::{json, Value};
use strato_server::limits::{Limits, ServerLimits};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

struct Served {
    address: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    server: JoinHandle<Result<(), strato_server::ServeError>>,
}

impl Served {
    async fn start(t: &TestApp) -> Served {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(strato_server::run(listener, t.app.clone(), async move {
            let _ = stopped.await;
        }));
        Served { address, stop: Some(stop), server }
    }

    /// Signals shutdown and answers how long `run` took to return.
    async fn stop(mut self) -> Duration {
        let started = Instant::now();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let finished = tokio::time::timeout(Duration::from_secs(30), &mut self.server).await;
        assert!(matches!(finished, Ok(Ok(Ok(())))), "server did not stop cleanly: {finished:?}");
        started.elapsed()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// An HTTP answer read off a socket.
#[derive(Debug)]
struct Raw {
    status: u16,
    head: String,
    body: Value,
    text: String,
}

impl Raw {
    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim().eq_ignore_ascii_case(name).then(|| value.trim().to_string())
        })
    }

    #[track_caller]
    fn assert_json_error(&self, status: u16, class: &str) {
        assert_eq!(self.status, status, "{self:?}");
        assert_eq!(self.header("content-type").as_deref(), Some("application/json"), "{self:?}");
        assert_eq!(self.body["error"]["code"], status, "{self:?}");
        assert_eq!(self.body["error"]["class"], class, "{self:?}");
        assert!(self.body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{self:?}");
    }
}

/// Reads until the peer closes (requests say `connection: close`) or 10 s pass.
async fn read_answer(stream: &mut TcpStream) -> Option<Raw> {
    let mut bytes = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), async {
        let mut buf = [0u8; 8192];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => bytes.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let (head, body) = text.split_once("\r\n\r\n")?;
    let status = head.split(' ').nth(1)?.parse().ok()?;
    Some(Raw {
        status,
        head: head.to_string(),
        body: serde_json::from_str(body).unwrap_or(Value::Null),
        text: body.to_string(),
    })
}

async fn send(address: SocketAddr, request: &[u8]) -> Option<Raw> {
    let mut stream = TcpStream::connect(address).await.expect("connect");
    stream.write_all(request).await.expect("write");
    read_answer(&mut stream).await
}

/// A connection from `source` (another loopback address, as a second client).
async fn connect_from(source: &str, address: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().expect("socket");
    socket.bind(format!("{source}:0").parse().expect("source address")).expect("bind source");
    socket.connect(address).await.expect("connect")
}

async fn login_from(source: &str, address: SocketAddr, user: &str, password: &str) -> Raw {
    let body = json!({"username": user, "password": password}).to_string();
    let request = format!(
        "POST /auth/login HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = connect_from(source, address).await;
    stream.write_all(request.as_bytes()).await.expect("write");
    read_answer(&mut stream).await.expect("an answer to a login")
}

fn get(path: &str, token: Option<&str>) -> Vec<u8> {
    let auth = token.map(|t| format!("authorization: Bearer {t}\r\n")).unwrap_or_default();
    format!("GET {path} HTTP/1.1\r\nhost: x\r\n{auth}connection: close\r\n\r\n").into_bytes()
}

fn server_limits(server: ServerLimits) -> Limits {
    Limits { server, ..Limits::default() }
}

/// Whether the server closed `stream` (EOF or reset) within `within`.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 1024];
    matches!(tokio::time::timeout(within, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await, Ok(()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_open_requests_are_closed_after_the_header_timeout() {
    let limits = ServerLimits { header_timeout: Duration::from_secs(1), ..ServerLimits::default() };
    let t = TestApp::start_with_limits(Backend::Sqlite, server_limits(limits)).await;
    let served = Served::start(&t).await;
    let mut half_open = TcpStream::connect(served.address).await.expect("connect");
    half_open.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n").await.expect("write");
    let started = Instant::now();
    assert!(closed_within(&mut half_open, Duration::from_secs(5)).await, "a half-open request was kept open");
    assert!(started.elapsed() >= Duration::from_millis(800), "closed before the timeout: {:?}", started.elapsed());
    // a client that sends nothing at all is closed too
    let mut silent = TcpStream::connect(served.address).await.expect("connect");
    assert!(closed_within(&mut silent, Duration::from_secs(5)).await, "a silent connection was kept open");
    let ok = send(served.address, &get("/healthz", None)).await.expect("answer");
    assert_eq!(ok.status, 200, "{ok:?}");
    served.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_over_the_cap_are_refused_at_once() {
    let limits = ServerLimits { max_connections: 3, header_timeout: Duration::from_secs(30), ..ServerLimits::default() };
    let t = TestApp::start_with_limits(Backend::Sqlite, server_limits(limits)).await;
    let served = Served::start(&t).await;
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut stream = TcpStream::connect(served.address).await.expect("connect");
        stream.write_all(b"GET /healthz HTTP/1.1\r\n").await.expect("write");
        held.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    let mut extra = TcpStream::connect(served.address).await.expect("connect");
    let refused = read_answer(&mut extra).await;
    assert!(started.elapsed() < Duration::from_secs(3), "the extra connection was not refused quickly");
    if let Some(refused) = refused {
        refused.assert_json_error(503, "UnavailableError");
    }
    drop(held);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let ok = send(served.address, &get("/healthz", None)).await.expect("answer after the held connections went");
    assert_eq!(ok.status, 200, "{ok:?}");
    served.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_with_a_stuck_connection_ends_within_the_deadline() {
    let limits = ServerLimits {
        header_timeout: Duration::from_secs(120),
        shutdown_timeout: Duration::from_secs(1),
        ..ServerLimits::default()
    };
    let t = TestApp::start_with_limits(Backend::Sqlite, server_limits(limits)).await;
    let served = Served::start(&t).await;
    let mut stuck = TcpStream::connect(served.address).await.expect("connect");
    stuck.write_all(b"POST /projects HTTP/1.1\r\nhost: x\r\n").await.expect("write");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let took = served.stop().await;
    assert!(took < Duration::from_secs(4), "shutdown took {took:?} with a 1 s deadline");
    assert!(closed_within(&mut stuck, Duration::from_secs(2)).await, "the stuck connection survived shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_never_finishes_is_answered_408() {
    let limits = ServerLimits { body_timeout: Duration::from_secs(1), ..ServerLimits::default() };
    let t = TestApp::start_with_limits(Backend::Sqlite, server_limits(limits)).await;
    let served = Served::start(&t).await;
    for path in ["/projects", "/auth/login"] {
        let request = format!(
            "POST {path} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {}\r\ncontent-type: application/json\r\ncontent-length: 100\r\nconnection: close\r\n\r\n{{\"name\"",
            t.admin_token
        );
        let started = Instant::now();
        let answer = send(served.address, request.as_bytes()).await.expect("an answer");
        answer.assert_json_error(408, "RequestTimeoutError");
        assert!(started.elapsed() < Duration::from_secs(5), "{path}: took {:?}", started.elapsed());
    }
    served.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unparsable_requests_get_json_errors() {
    let t = TestApp::start(Backend::Sqlite).await;
    let served = Served::start(&t).await;
    let long_uri = format!("GET /projects?search={} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n", "a".repeat(70_000));
    send(served.address, long_uri.as_bytes()).await.expect("answer").assert_json_error(414, "UriTooLongError");
    let many_headers: String = (0..200).map(|i| format!("x-h{i}: v\r\n")).collect();
    let request = format!("GET /healthz HTTP/1.1\r\nhost: x\r\n{many_headers}connection: close\r\n\r\n");
    send(served.address, request.as_bytes()).await.expect("answer").assert_json_error(431, "HeadersTooLargeError");
    let garbage = send(served.address, b"GET / HTTP/1.1\r\nbad header\r\n\r\n").await.expect("answer");
    garbage.assert_json_error(400, "InvalidInputError");
    // a normal request on the same server is unaffected
    let ok = send(served.address, &get("/healthz", None)).await.expect("answer");
    assert_eq!(ok.status, 200, "{ok:?}");
    served.stop().await;
}

fn login_limits() -> Limits {
    let mut limits = Limits::default();
    limits.login.user_source_failures = 3;
    limits.login.lockout = Duration::from_secs(30);
    limits
}

async fn failed_login_entries(t: &TestApp, user: &str) -> Vec<Value> {
    let answer = t.get("/actionlogs?scope=system&limit=2000&filter=action.equals(login)", &t.admin_token).await;
    let entries = answer.assert_status(200)["actionlogs"].as_array().cloned().unwrap_or_default();
    entries.into_iter().filter(|e| e["user_name"] == user && e["outcome"] == "failure").collect()
}

async fn logins_are_throttled_per_user_and_source(backend: Backend) {
    let t = TestApp::start_with_limits(backend, login_limits()).await;
    t.user_in_project("alice", "p1", "member").await;
    let served = Served::start(&t).await;
    for _ in 0..3 {
        login_from("127.0.0.1", served.address, "alice", "wrong-password-1").await.assert_json_error(401, "UnauthorizedError");
    }
    // locked: even the right password answers 429 from this source, without a password check
    let right = common::user_password("alice");
    for password in ["wrong-password-1", right.as_str()] {
        let refused = login_from("127.0.0.1", served.address, "alice", password).await;
        refused.assert_json_error(429, "TooManyRequestsError");
        let retry: u64 = refused.header("retry-after").and_then(|v| v.parse().ok()).expect("Retry-After");
        assert!((1..=30).contains(&retry), "{refused:?}");
    }
    // the user under attack still logs in from another source
    let ok = login_from("127.0.0.2", served.address, "alice", &right).await;
    assert_eq!(ok.status, 200, "{ok:?}");
    // throttled attempts leave no action-log rows: only the three 401s
    for _ in 0..20 {
        login_from("127.0.0.1", served.address, "alice", "wrong-password-2").await.assert_json_error(429, "TooManyRequestsError");
    }
    let logged = failed_login_entries(&t, "alice").await;
    assert_eq!(logged.len(), 3, "{logged:#?}");
    assert!(logged[2]["error"].as_str().is_some_and(|e| e.contains("refused for 30s")), "{logged:#?}");
    let metrics = send(served.address, &get("/metrics", None)).await.expect("metrics");
    assert!(metrics.text.contains("strato_login_throttled_total 22"), "{}", metrics.text);
    served.stop().await;
}

async fn unknown_users_cost_as_much_as_wrong_passwords(backend: Backend) {
    let t = TestApp::start(backend).await;
    let attempt = |user: &'static str, domain: &'static str| {
        let t = &t;
        async move {
            let started = Instant::now();
            let body = json!({"username": user, "password": "not-it-123", "domain": domain});
            t.call(Method::POST, "/auth/login", None, Some(body)).await.assert_error(401, "UnauthorizedError");
            started.elapsed()
        }
    };
    attempt("nobody", "default").await;
    // interleaved, so load from other tests weighs on each kind alike; medians compared
    let (mut wrong_password, mut unknown_user, mut unknown_domain) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..7 {
        wrong_password.push(attempt("admin", "default").await);
        unknown_user.push(attempt("nobody-at-all", "default").await);
        unknown_domain.push(attempt("admin", "nowhere").await);
    }
    let median = |mut v: Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let (wrong_password, unknown_user, unknown_domain) = (median(wrong_password), median(unknown_user), median(unknown_domain));
    // before the dummy check, an unknown user answered ~11x faster
    assert!(unknown_user * 2 >= wrong_password, "unknown user {unknown_user:?} vs wrong password {wrong_password:?}");
    assert!(unknown_domain * 2 >= wrong_password, "unknown domain {unknown_domain:?} vs wrong password {wrong_password:?}");
}

async fn password_checks_are_bounded(backend: Backend) {
    let mut limits = Limits::default();
    limits.login.hash_concurrency = 1;
    limits.login.hash_wait = Duration::from_millis(1);
    let t = TestApp::start_with_limits(backend, limits).await;
    let attempts = (0..8).map(|_| {
        t.call(Method::POST, "/auth/login", None, Some(json!({"username": "admin", "password": ADMIN_PASSWORD})))
    });
    let answers = futures::future::join_all(attempts).await;
    let busy = answers.iter().filter(|a| a.status.as_u16() == 429).count();
    assert!(answers.iter().all(|a| matches!(a.status.as_u16(), 200 | 429)), "{answers:?}");
    assert!(busy >= 1, "eight logins at once with one password check allowed: {answers:?}");
    for answer in answers.iter().filter(|a| a.status.as_u16() == 429) {
        answer.assert_error(429, "TooManyRequestsError");
        assert_eq!(answer.headers.get("retry-after").and_then(|v| v.to_str().ok()), Some("1"));
    }
}

async fn old_action_log_entries_are_purged(backend: Backend) {
    let limits = Limits { action_log_retention: Some(Duration::from_secs(1)), ..Limits::default() };
    let t = TestApp::start_with_limits(backend, limits).await;
    t.call(Method::POST, "/auth/login", None, Some(json!({"username": "old", "password": "wrong-password"}))).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    t.call(Method::POST, "/auth/login", None, Some(json!({"username": "new", "password": "wrong-password"}))).await;
    let purged = t.app.purge_old_actionlogs().await.expect("purge");
    assert!(purged >= 2, "the old failure and the harness's admin login: {purged}");
    assert!(failed_login_entries(&t, "old").await.is_empty());
    assert_eq!(failed_login_entries(&t, "new").await.len(), 1);
}

async fn metrics_can_require_a_token(backend: Backend) {
    let open = TestApp::start(backend).await;
    let answer = open.call(Method::GET, "/metrics", None, None).await;
    assert_eq!(answer.status.as_u16(), 200, "metrics are open by default");
    let limits = Limits { metrics_token_required: true, ..Limits::default() };
    let t = TestApp::start_with_limits(backend, limits).await;
    t.call(Method::GET, "/metrics", None, None).await.assert_error(401, "UnauthorizedError");
    t.get("/metrics", "not-a-token").await.assert_error(401, "UnauthorizedError");
    let answer = t.get("/metrics", &t.admin_token).await;
    assert_eq!(answer.status.as_u16(), 200, "{answer:?}");
    assert!(answer.text.contains("strato_http_requests_total"), "{}", answer.text);
}

both_backends!(
    logins_are_throttled_per_user_and_source,
    unknown_users_cost_as_much_as_wrong_passwords,
    password_checks_are_bounded,
    old_action_log_entries_are_purged,
    metrics_can_require_a_token,
);

#[cfg(unix)]
#[tokio::test]
async fn the_data_dir_and_its_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let root = tempfile::tempdir().expect("temp dir");
    let data_dir = root.path().join("data");
    std::fs::create_dir(&data_dir).expect("data dir");
    std::fs::set_permissions(&data_dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let config = strato_server::app::AppConfig {
        data_dir: data_dir.clone(),
        database_url: None,
        token_ttl: Duration::from_secs(60),
        rotate_master_key: false,
        token_cache_ttl: Duration::from_secs(5),
        master_key: None,
        admin_password: Some(strato_store::SecretString::new(ADMIN_PASSWORD)),
        providers: common::test_providers(),
        sync_region_parallelism: 4,
        sync_tick: None,
        task_workers: 2,
        password_min_length: strato_server::app::validate::PASSWORD_MIN_LENGTH,
        limits: Limits::default(),
        allowed_endpoints: Default::default(),
    };
    let mode = |name: &str| std::fs::metadata(data_dir.join(name)).map(|m| m.permissions().mode() & 0o777).ok();
    let (app, _) = strato_server::app::App::open(config.clone()).await.expect("open");
    app.store().projects().get_by_name(app_domain(&app).await, "system").await.expect("a read");
    assert_eq!(mode(""), Some(0o700), "data dir");
    for file in ["strato.db", "strato.db-wal", "strato.db-shm", "master.key"] {
        assert_eq!(mode(file), Some(0o600), "{file}");
    }
    app.close().await;
    drop(app);
    // an existing, too open data dir and database are tightened at the next start
    std::fs::set_permissions(&data_dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::fs::set_permissions(data_dir.join("strato.db"), std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let (app, _) = strato_server::app::App::open(config).await.expect("reopen");
    assert_eq!((mode(""), mode("strato.db")), (Some(0o700), Some(0o600)));
    app.close().await;
}

async fn app_domain(app: &strato_server::app::App) -> strato_types::DomainId {
    app.store().domains().get_by_name("default").await.expect("default domain").id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_is_dropped_after_the_idle_timeout() {
    let limits = ServerLimits {
        idle_timeout: Duration::from_secs(1),
        header_timeout: Duration::from_secs(120),
        ..ServerLimits::default()
    };
    let t = TestApp::start_with_limits(Backend::Sqlite, server_limits(limits)).await;
    let served = Served::start(&t).await;
    // far more answer bytes than the socket buffers hold, and never read while they are sent
    let requests: Vec<u8> = (0..300).flat_map(|_| get_keep_alive("/openapi.json")).collect();
    let mut stream = TcpStream::connect(served.address).await.expect("connect");
    stream.write_all(&requests).await.expect("write");
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut answers = 0usize;
    let mut buf = vec![0u8; 1 << 16];
    let ended = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => answers += buf[..n].windows(9).filter(|w| w == b"HTTP/1.1 ").count(),
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the stalled connection was kept open");
    assert!(answers < 300, "every answer was sent: the connection was never closed for idleness");
    served.stop().await;
}

fn get_keep_alive(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nhost: x\r\n\r\n").into_bytes()
}
