//! Shared test harness: an in-process app on a fresh SQLite file or a fresh PostgreSQL database,
//! driven through the real router with `tower::ServiceExt::oneshot`.
#![allow(dead_code)]

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

pub const ADMIN_PASSWORD: &str = "root-test-password-123";

/// The password `user_in_project` gives its users (it meets the default password policy).
pub fn user_password(user: &str) -> String {
    format!("{}-Zq7xK2mN9vR4", user.len())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub router: Router,
    pub app: Arc<strato_server::app::App>,
    pub admin_token: String,
    _dir: tempfile::TempDir,
    _database: Option<pg::Database>,
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl std::fmt::Debug for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.text)
    }
}

impl Answer {
    /// Asserts the documented error body: `{"error": {"code", "class", "message", "details"}}`.
    #[track_caller]
    pub fn assert_error(&self, status: u16, class: &str) {
        assert_eq!(self.status.as_u16(), status, "unexpected status: {self:?}");
        let error = &self.body["error"];
        assert_eq!(error["code"], status, "code in body: {self:?}");
        assert_eq!(error["class"], class, "class in body: {self:?}");
        assert!(error["message"].as_str().map(|m| !m.is_empty()).unwrap_or(false), "message: {self:?}");
        assert!(error.get("details").is_some(), "details key missing: {self:?}");
        assert_eq!(
            self.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()),
            Some("application/json"),
            "content type: {self:?}"
        );
    }

    #[track_caller]
    pub fn assert_status(&self, status: u16) -> &Value {
        assert_eq!(self.status.as_u16(), status, "unexpected answer: {self:?}");
        &self.body
    }
}

/// The providers the in-process tests use: `fake` (in memory). Real drivers are tested
/// through the binary (crates/strato/tests) against moto and qemu.
pub fn test_providers() -> strato_cloud::ProviderRegistry {
    let mut registry = strato_cloud::ProviderRegistry::new();
    strato_provider_fake::register(&mut registry).expect("registering fake");
    registry
}

/// The body of a `fake` account in `project` with credentials of the AWS shape (the fake cloud
/// is in memory: neither they nor the endpoint are ever contacted).
pub fn fake_account(name: &str, project: &str) -> Value {
    serde_json::json!({
        "name": name,
        "provider": "fake",
        "project": project,
        "credentials": {"access_key_id": "AKIDEXAMPLE", "secret_access_key": "very-secret-key"},
        "endpoint": "http://127.0.0.1:1"
    })
}

/// Polls a task until it ends; answers the final task.
pub async fn wait_task(t: &TestApp, token: &str, id: &str) -> Value {
    for _ in 0..300 {
        let task = t.get(&format!("/tasks/{id}"), token).await.assert_status(200).clone();
        if matches!(task["status"].as_str(), Some("succeeded" | "failed" | "cancelled")) {
            return task;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("task {id} did not end");
}

/// Waits for the account's first (automatic) sync to have run.
pub async fn wait_synced(t: &TestApp, token: &str, account: &str) -> Value {
    for _ in 0..300 {
        let shown = t.get(&format!("/cloudaccounts/{account}"), token).await.assert_status(200).clone();
        if shown["last_sync_at"].is_string() {
            return shown;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("cloud account {account} never synced");
}

impl TestApp {
    pub async fn start(backend: Backend) -> TestApp {
        Self::start_with_ttl(backend, 3600).await
    }

    pub async fn start_with_ttl(backend: Backend, token_ttl_secs: u64) -> TestApp {
        Self::start_configured(backend, |config| config.token_ttl = std::time::Duration::from_secs(token_ttl_secs)).await
    }

    pub async fn start_with_limits(backend: Backend, limits: strato_server::limits::Limits) -> TestApp {
        Self::start_configured(backend, |config| config.limits = limits).await
    }

    /// Starts with the test defaults changed by `configure` (providers, allowed endpoints, ...).
    pub async fn start_configured(backend: Backend, configure: impl FnOnce(&mut strato_server::app::AppConfig)) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let (database_url, database) = match backend {
            Backend::Sqlite => (None, None),
            Backend::Postgres => {
                let database = pg::Database::create().await;
                (Some(database.url.clone()), Some(database))
            }
        };
        let mut config = strato_server::app::AppConfig {
            data_dir: dir.path().to_path_buf(),
            database_url,
            token_ttl: std::time::Duration::from_secs(3600),
            rotate_master_key: false,
            token_cache_ttl: std::time::Duration::from_secs(5),
            master_key: Some(strato_store::secrets::MasterKey::generate()),
            admin_password: Some(strato_store::SecretString::new(ADMIN_PASSWORD)),
            providers: test_providers(),
            sync_region_parallelism: 4,
            sync_tick: None,
            task_workers: 8,
            password_min_length: strato_server::app::validate::PASSWORD_MIN_LENGTH,
            limits: strato_server::limits::Limits::default(),
            // Loopback opted in, as `strato serve --allowed-endpoint 127.0.0.1` would.
            allowed_endpoints: strato_cloud::EndpointAllowList::parse(&["127.0.0.1"]).expect("allow-list"),
        };
        configure(&mut config);
        let (app, _report) = strato_server::app::App::open(config).await.expect("opening the app");
        let app = Arc::new(app);
        let router = strato_server::build_router(app.clone());
        let mut test = TestApp { router, app, admin_token: String::new(), _dir: dir, _database: database };
        test.admin_token = test.login("admin", ADMIN_PASSWORD).await;
        test
    }

    pub async fn login(&self, user: &str, password: &str) -> String {
        let answer = self
            .call(Method::POST, "/auth/login", None, Some(serde_json::json!({"username": user, "password": password})))
            .await;
        answer.assert_status(200)["token"].as_str().expect("token in login answer").to_string()
    }

    pub async fn raw(&self, request: Request<Body>) -> Answer {
        let response = self.router.clone().oneshot(request).await.expect("router is infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.expect("reading body").to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Answer { status, headers, body, text }
    }

    pub async fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Answer {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let request = match body {
            Some(body) => request
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .expect("request"),
            None => request.body(Body::empty()).expect("request"),
        };
        self.raw(request).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Answer {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Answer {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    pub async fn put(&self, path: &str, token: &str, body: Value) -> Answer {
        self.call(Method::PUT, path, Some(token), Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Answer {
        self.call(Method::DELETE, path, Some(token), None).await
    }

    /// As admin: a `fake` account `name` in the admin's project, once its first sync has run;
    /// answers its id.
    pub async fn synced_fake_account(&self, name: &str) -> String {
        let created = self.post("/cloudaccounts", &self.admin_token, serde_json::json!({"name": name, "provider": "fake"})).await;
        let id = created.assert_status(201)["id"].as_str().expect("the account's id").to_string();
        wait_synced(self, &self.admin_token, &id).await;
        id
    }

    /// As admin: a project, a user with a role on it, and that user's login token.
    pub async fn user_in_project(&self, user: &str, project: &str, role: &str) -> String {
        let admin = self.admin_token.clone();
        let exists = self.get(&format!("/projects/{project}"), &admin).await;
        if exists.status == StatusCode::NOT_FOUND {
            self.post("/projects", &admin, serde_json::json!({"name": project})).await.assert_status(201);
        }
        let password = user_password(user);
        self.post("/users", &admin, serde_json::json!({"name": user, "password": password})).await.assert_status(201);
        self.post("/role_assignments", &admin, serde_json::json!({"user": user, "project": project, "role": role}))
            .await
            .assert_status(201);
        self.login(user, &password).await
    }
}

/// Fresh PostgreSQL databases in the server `scripts/test` starts.
pub mod pg {
    use sqlx::{Connection, Executor, PgConnection};

    pub struct Database {
        pub url: String,
        admin_url: String,
        name: String,
    }

    fn admin_url() -> String {
        std::env::var("STRATO_TEST_DATABASE_URL").unwrap_or_else(|_| {
            panic!(
                "STRATO_TEST_DATABASE_URL is not set: the PostgreSQL tests need the database that \
                 `scripts/test` starts; run them with `scripts/test -p strato-server`"
            )
        })
    }

    impl Database {
        pub async fn create() -> Database {
            let admin_url = admin_url();
            let name = format!("strato_server_{}", uuid::Uuid::new_v4().simple());
            let mut conn = PgConnection::connect(&admin_url).await.expect("connecting to STRATO_TEST_DATABASE_URL");
            conn.execute(format!("CREATE DATABASE {name}").as_str()).await.expect("creating a test database");
            conn.close().await.ok();
            let base = admin_url.rsplit_once('/').map(|(base, _)| base.to_string()).unwrap_or(admin_url.clone());
            Database { url: format!("{base}/{name}"), admin_url, name }
        }
    }

    impl Drop for Database {
        fn drop(&mut self) {
            // Best effort: drop the database from a short-lived runtime on another thread.
            let admin_url = self.admin_url.clone();
            let name = self.name.clone();
            let _ = std::thread::spawn(move || {
                if let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() {
                    runtime.block_on(async move {
                        if let Ok(mut conn) = PgConnection::connect(&admin_url).await {
                            let _ = conn.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str()).await;
                            let _ = conn.close().await;
                        }
                    });
                }
            })
            .join();
        }
    }
}

/// Defines `<name>_sqlite` and `<name>_postgres` tests running `async fn <name>(Backend)`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::common::Backend::Sqlite).await
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::common::Backend::Postgres).await
                }
            )+
        }
    };
}
