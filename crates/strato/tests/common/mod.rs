//! Shared harness of the end-to-end tests: boots the real `strato serve` (SQLite or a fresh
//! PostgreSQL database), drives it with the real `strato` client binary and raw HTTP, and stops
//! every process it started, by pid, when dropped.
#![allow(dead_code)] // each test binary uses a different part of the harness

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_strato");
pub const ADMIN_PASSWORD: &str = "root-pass-for-tests-0";

/// Environment variables that would change what a server or client under test does.
const STRATO_ENV: &[&str] = &[
    "STRATO_URL",
    "STRATO_TOKEN",
    "STRATO_CONFIG",
    "STRATO_DATA_DIR",
    "STRATO_DATABASE_URL",
    "STRATO_LISTEN",
    "STRATO_TOKEN_TTL",
    "STRATO_MASTER_KEY",
    "STRATO_ADMIN_PASSWORD",
    "STRATO_NO_LOCAL_ACCOUNT",
    "STRATO_ALLOWED_ENDPOINTS",
];

fn clean_command() -> Command {
    let mut cmd = Command::new(BIN);
    for name in STRATO_ENV {
        cmd.env_remove(name);
    }
    cmd
}

#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite,
    /// A database URL on the test PostgreSQL.
    Postgres(String),
}

impl Backend {
    /// A fresh PostgreSQL database in STRATO_TEST_DATABASE_URL.
    pub fn fresh_postgres(tag: &str) -> Backend {
        let admin_url = std::env::var("STRATO_TEST_DATABASE_URL").unwrap_or_else(|_| {
            panic!("STRATO_TEST_DATABASE_URL is not set: run the tests through `scripts/test` (it starts PostgreSQL)")
        });
        let name = format!(
            "strato_e2e_{}_{}_{}",
            tag,
            std::process::id(),
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
        );
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
        runtime.block_on(async {
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect(&admin_url)
                .await
                .unwrap_or_else(|e| panic!("cannot connect to STRATO_TEST_DATABASE_URL: {e}"));
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await
                .unwrap_or_else(|e| panic!("cannot create database {name}: {e}"));
        });
        let mut url = reqwest::Url::parse(&admin_url).expect("STRATO_TEST_DATABASE_URL is a URL");
        url.set_path(&format!("/{name}"));
        Backend::Postgres(url.to_string())
    }
}

/// Options of one `strato serve`.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub backend: Backend,
    pub data_dir: PathBuf,
    pub token_ttl: Option<u64>,
    pub master_key: Option<String>,
    /// STRATO_ADMIN_PASSWORD; `None` lets the server generate and print one.
    pub admin_password: Option<String>,
    /// Extra environment (test hooks such as STRATO_TEST_TASK_PAUSE_AFTER).
    pub env: Vec<(String, String)>,
    /// Whether the first start registers this host as cloud account `local` (kvm). Off
    /// unless a test asks: the other tests count accounts and regions.
    pub local_account: bool,
    /// `--allowed-endpoint` values: loopback by default, so accounts may point at moto and
    /// other emulators the tests start on 127.0.0.1 (a real server allows none by default).
    pub allowed_endpoints: Vec<String>,
}

impl ServeOptions {
    pub fn new(backend: Backend, data_dir: PathBuf) -> Self {
        ServeOptions {
            backend,
            data_dir,
            token_ttl: None,
            master_key: None,
            admin_password: Some(ADMIN_PASSWORD.into()),
            env: Vec::new(),
            local_account: false,
            allowed_endpoints: vec!["127.0.0.1".into()],
        }
    }
}

/// A running `strato serve`; SIGTERM (then SIGKILL) on drop.
pub struct Server {
    child: Child,
    pub url: String,
    pub options: ServeOptions,
    /// Everything it printed on stdout up to and including the listening line.
    pub startup_output: String,
    stderr_path: PathBuf,
    _stdout_drain: std::thread::JoinHandle<()>,
}

/// Result of a server start that was expected to fail.
pub struct FailedStart {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

enum Started {
    Up(Box<Server>),
    Exited(FailedStart),
}

impl Server {
    pub fn start(options: ServeOptions) -> Server {
        match Self::launch(options) {
            Started::Up(server) => *server,
            Started::Exited(failed) => panic!(
                "strato serve exited with {} before listening\nstdout:\n{}\nstderr:\n{}",
                failed.status, failed.stdout, failed.stderr
            ),
        }
    }

    /// Starts a server that must refuse to start; returns how it failed.
    pub fn start_expecting_failure(options: ServeOptions) -> FailedStart {
        match Self::launch(options) {
            Started::Exited(failed) => failed,
            Started::Up(server) => panic!("strato serve started at {} but was expected to fail", server.url),
        }
    }

    fn launch(options: ServeOptions) -> Started {
        std::fs::create_dir_all(&options.data_dir).expect("create data dir");
        let stderr_path = options.data_dir.join(format!("serve-{}.stderr", unique()));
        let stderr = std::fs::File::create(&stderr_path).expect("create stderr log");
        let mut cmd = clean_command();
        cmd.arg("serve").arg("--listen").arg("127.0.0.1:0").arg("--data-dir").arg(&options.data_dir);
        if let Backend::Postgres(url) = &options.backend {
            cmd.arg("--database-url").arg(url);
        }
        if !options.local_account {
            cmd.arg("--no-local-account");
        }
        for endpoint in &options.allowed_endpoints {
            cmd.arg("--allowed-endpoint").arg(endpoint);
        }
        if let Some(ttl) = options.token_ttl {
            cmd.arg("--token-ttl").arg(ttl.to_string());
        }
        if let Some(key) = &options.master_key {
            cmd.env("STRATO_MASTER_KEY", key);
        }
        if let Some(password) = &options.admin_password {
            cmd.env("STRATO_ADMIN_PASSWORD", password);
        }
        cmd.envs(options.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        cmd.env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr);
        let mut child = cmd.spawn().expect("spawn strato serve");
        let stdout = child.stdout.take().expect("piped stdout");
        let (lines_tx, lines_rx) = mpsc::channel::<String>();
        // Reads stdout to its end so the server never blocks on a full pipe.
        let drain = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if lines_tx.send(line).is_err() {
                    // Nobody listens any more; keep draining.
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(90);
        let mut seen = String::new();
        loop {
            match lines_rx.recv_timeout(Duration::from_millis(100)) {
                Ok(line) => {
                    seen.push_str(&line);
                    seen.push('\n');
                    if let Some(url) = line.strip_prefix("strato: listening on ") {
                        let server = Server {
                            child,
                            url: url.trim().to_string(),
                            options,
                            startup_output: seen,
                            stderr_path,
                            _stdout_drain: drain,
                        };
                        return Started::Up(Box::new(server));
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    // stdout closed: the process is exiting.
                    let status = child.wait().expect("wait for strato serve");
                    return Started::Exited(FailedStart {
                        status,
                        stdout: seen,
                        stderr: std::fs::read_to_string(&stderr_path).unwrap_or_default(),
                    });
                }
            }
            if let Ok(Some(status)) = child.try_wait() {
                // Collect whatever it printed before exiting.
                std::thread::sleep(Duration::from_millis(100));
                while let Ok(line) = lines_rx.try_recv() {
                    seen.push_str(&line);
                    seen.push('\n');
                }
                return Started::Exited(FailedStart {
                    status,
                    stdout: seen,
                    stderr: std::fs::read_to_string(&stderr_path).unwrap_or_default(),
                });
            }
            if Instant::now() > deadline {
                stop_child(&mut child);
                panic!(
                    "strato serve did not print its listening line within 90s\nstdout:\n{seen}\nstderr:\n{}",
                    std::fs::read_to_string(&stderr_path).unwrap_or_default()
                );
            }
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Stops the server (SIGTERM, then SIGKILL) and returns its options for a restart.
    pub fn stop(mut self) -> ServeOptions {
        stop_child(&mut self.child);
        self.options.clone()
    }

    /// Kills the server at once (SIGKILL: no graceful shutdown, as in a crash) and returns
    /// its options for a restart.
    pub fn kill(mut self) -> ServeOptions {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.options.clone()
    }

    pub fn stderr_log(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }

    /// A client-side user of this server with its own config file.
    pub fn cli(&self, name: &str) -> Cli {
        Cli {
            url: self.url.clone(),
            config: self.options.data_dir.join(format!("client-{name}-{}.json", unique())),
            url_in_env: true,
        }
    }

    /// A CLI logged in as the admin.
    pub fn admin_cli(&self) -> Cli {
        let cli = self.cli("admin");
        cli.login("admin", ADMIN_PASSWORD).success();
        cli
    }

    pub fn http(&self) -> Http {
        Http { url: self.url.clone(), client: reqwest::blocking::Client::new() }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        stop_child(&mut self.child);
    }
}

fn stop_child(child: &mut Child) {
    if let Ok(Some(_)) = child.try_wait() {
        return;
    }
    // SIGTERM first so the server shuts down gracefully; SIGKILL if it does not within 10s.
    let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

fn unique() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!("{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

/// A test server in a fresh temp dir on the given backend; the dir lives as long as the value.
pub struct TestServer {
    pub server: Server,
    pub dir: tempfile::TempDir,
}

impl std::ops::Deref for TestServer {
    type Target = Server;
    fn deref(&self) -> &Server {
        &self.server
    }
}

pub fn serve(backend: Backend) -> TestServer {
    serve_with(backend, |_| {})
}

pub fn serve_with(backend: Backend, adjust: impl FnOnce(&mut ServeOptions)) -> TestServer {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut options = ServeOptions::new(backend, dir.path().join("data"));
    adjust(&mut options);
    TestServer { server: Server::start(options), dir }
}

/// What a CLI run printed.
#[derive(Debug)]
pub struct Run {
    pub args: Vec<String>,
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    #[track_caller]
    pub fn success(&self) -> &Self {
        assert!(self.status.success(), "`strato {}` failed ({})\nstdout:\n{}\nstderr:\n{}", self.args.join(" "), self.status, self.stdout, self.stderr);
        self
    }

    /// Asserts the documented failure: exit code 1 and exactly one stderr line
    /// `error: <class>: <message>`; returns that line.
    #[track_caller]
    pub fn failure(&self, class: &str) -> String {
        assert_eq!(self.status.code(), Some(1), "`strato {}`: expected exit 1\nstdout:\n{}\nstderr:\n{}", self.args.join(" "), self.stdout, self.stderr);
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "`strato {}`: expected one stderr line, got:\n{}", self.args.join(" "), self.stderr);
        let prefix = format!("error: {class}: ");
        assert!(lines[0].starts_with(&prefix), "`strato {}`: expected {prefix:?}, got {:?}", self.args.join(" "), lines[0]);
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
        lines[0].to_string()
    }

    #[track_caller]
    pub fn json(&self) -> Value {
        self.success();
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("`strato {}` did not print JSON ({e}):\n{}", self.args.join(" "), self.stdout))
    }
}

/// The `strato` client binary with its own config file, pointed at one server.
#[derive(Debug, Clone)]
pub struct Cli {
    pub url: String,
    pub config: PathBuf,
    /// Whether STRATO_URL is set to `url`; without it the client uses its config file.
    pub url_in_env: bool,
}

impl Cli {
    fn command(&self) -> Command {
        let mut cmd = clean_command();
        cmd.env("STRATO_CONFIG", &self.config);
        if self.url_in_env {
            cmd.env("STRATO_URL", &self.url);
        }
        cmd
    }

    /// Runs `strato <args>` with `stdin` as standard input.
    pub fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Run {
        self.run_command(self.command(), args, stdin)
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_stdin(args, "")
    }

    /// Runs with extra environment (e.g. STRATO_TOKEN).
    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = self.command();
        for (k, v) in env {
            cmd.env(k, v);
        }
        self.run_command(cmd, args, "")
    }

    fn run_command(&self, mut cmd: Command, args: &[&str], stdin: &str) -> Run {
        let mut child = cmd
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn strato");
        if let Some(mut input) = child.stdin.take() {
            let _ = input.write_all(stdin.as_bytes());
        }
        let output = child.wait_with_output().expect("wait for strato");
        Run {
            args: args.iter().map(|s| s.to_string()).collect(),
            status: output.status,
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// `strato <args> --output json`, which must succeed.
    #[track_caller]
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--output", "json"]);
        self.run(&all).json()
    }

    pub fn login(&self, user: &str, password: &str) -> Run {
        self.run_with_stdin(&["login", "--user", user, "--password-stdin"], &format!("{password}\n"))
    }

    /// The token `strato login` saved.
    pub fn saved_token(&self) -> String {
        let text = std::fs::read_to_string(&self.config).expect("read client config");
        let config: Value = serde_json::from_str(&text).expect("client config is JSON");
        config["token"].as_str().expect("config has a token").to_string()
    }
}

/// Raw HTTP to the server.
pub struct Http {
    pub url: String,
    pub client: reqwest::blocking::Client,
}

/// Status and parsed body of one raw HTTP call.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Reply {
    /// Asserts the documented error body and returns its class.
    #[track_caller]
    pub fn error_class(&self, status: u16) -> String {
        assert_eq!(self.status, status, "body: {}", self.body);
        let error = &self.body["error"];
        assert_eq!(error["code"].as_u64(), Some(status as u64), "body: {}", self.body);
        assert!(error["message"].is_string(), "body: {}", self.body);
        error["class"].as_str().unwrap_or_else(|| panic!("no class in {}", self.body)).to_string()
    }
}

impl Http {
    pub fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<&Value>) -> Reply {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("HTTP method");
        let mut request = self.client.request(method, format!("{}{}", self.url, path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().expect("HTTP request to the test server");
        let status = response.status().as_u16();
        let mut text = String::new();
        let _ = response.take(64 << 20).read_to_string(&mut text);
        let body = if text.trim().is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
        Reply { status, body }
    }

    pub fn get(&self, path: &str, token: &str) -> Reply {
        self.call("GET", path, Some(token), None)
    }

    pub fn login(&self, user: &str, password: &str) -> String {
        let reply = self.call(
            "POST",
            "/auth/login",
            None,
            Some(&serde_json::json!({"username": user, "password": password, "domain": "default"})),
        );
        assert_eq!(reply.status, 200, "login as {user}: {}", reply.body);
        reply.body["token"].as_str().expect("login answers a token").to_string()
    }
}

/// The `<plural>` array of a list response.
#[track_caller]
pub fn items<'a>(list: &'a Value, plural: &str) -> &'a Vec<Value> {
    list[plural].as_array().unwrap_or_else(|| panic!("no {plural} array in {list}"))
}

#[track_caller]
pub fn names(list: &Value, plural: &str) -> Vec<String> {
    items(list, plural).iter().map(|o| o["name"].as_str().unwrap_or_default().to_string()).collect()
}

/// Runs `f` against SQLite, or against a fresh PostgreSQL database.
pub fn backend(postgres: bool, tag: &str) -> Backend {
    if postgres {
        Backend::fresh_postgres(tag)
    } else {
        Backend::Sqlite
    }
}

pub fn file_mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).expect("stat").permissions().mode() & 0o777
}
