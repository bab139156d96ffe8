//! The Aliyun replay server (crates/providers/aliyun/tests/python/replay_server.py) for one
//! test: started from the test venv's Python on a free loopback port, with a fresh AccessKey
//! pair it checks every signature against; killed by pid when dropped.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

pub const PYTHON_ENV: &str = "STRATO_TEST_PYTHON";
const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../providers/aliyun/tests/python/replay_server.py");

pub struct AliyunReplay {
    child: Child,
    addr: SocketAddr,
    pub access_key_id: String,
    /// The secret the server checks signatures with; tests hand it to the driver, never print it.
    pub access_key_secret: String,
}

impl AliyunReplay {
    /// Start the server from `$STRATO_TEST_PYTHON`; the error says to run `scripts/test` when unset.
    pub fn start() -> Result<Self, String> {
        let python = std::env::var(PYTHON_ENV).map_err(|_| format!("{PYTHON_ENV} is not set: run the tests through `scripts/test` (it builds the venv and sets it)"))?;
        let port = {
            let probe = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
            probe.local_addr().map_err(|e| e.to_string())?.port()
        };
        let nonce = format!("{:032x}", rand_u128());
        let access_key_id = format!("LTAI{}", &nonce[..20]);
        let access_key_secret = format!("replay-{}", &nonce[8..]);
        let child = Command::new(&python)
            .arg(SCRIPT)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            // The secret goes by environment, not argv (which `ps` shows to everyone).
            .env("ALIYUN_REPLAY_ACCESS_KEY_ID", &access_key_id)
            .env("ALIYUN_REPLAY_ACCESS_KEY_SECRET", &access_key_secret)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start {python} {SCRIPT}: {e}"))?;
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let mut server = Self { child, addr, access_key_id, access_key_secret };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!("the Aliyun replay server exited early: {status}"));
            }
            if Instant::now() > deadline {
                return Err("the Aliyun replay server did not start listening within 30s".into());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(server)
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    async fn control(&self, path: &str, body: Value) -> Result<Value, String> {
        let resp = reqwest::Client::new().post(format!("{}/_replay/{path}", self.url())).json(&body).send().await.map_err(|e| e.to_string())?;
        let status = resp.status();
        let answer: Value = resp.json().await.map_err(|e| e.to_string())?;
        if !status.is_success() {
            return Err(format!("replay {path} answered {status}: {answer}"));
        }
        Ok(answer)
    }

    /// Forget every resource and injected error; the default networks come back.
    pub async fn reset(&self) -> Result<(), String> {
        self.control("reset", json!({})).await.map(|_| ())
    }

    /// Fail the next `count` calls of `action` (`*` for any) with `code` and HTTP `status`.
    pub async fn inject(&self, action: &str, status: u16, code: &str, count: u32) -> Result<(), String> {
        self.inject_after(action, 0, status, code, count).await
    }

    /// As `inject`, after letting the next `after` calls of `action` through.
    pub async fn inject_after(&self, action: &str, after: u32, status: u16, code: &str, count: u32) -> Result<(), String> {
        self.control("inject", json!({"action": action, "after": after, "status": status, "code": code, "count": count})).await.map(|_| ())
    }

    /// Make an active, pay-as-you-go Elasticsearch instance out of band (the driver cannot
    /// create them); its id.
    pub async fn seed_elasticsearch(&self, region: &str, name: &str) -> Result<String, String> {
        self.seed_elasticsearch_with(region, name, "active", "postpaid").await
    }

    /// An Elasticsearch instance in Aliyun's `status` (active, activating, inactive, invalid)
    /// billed by `payment` (postpaid, prepaid); its id.
    pub async fn seed_elasticsearch_with(&self, region: &str, name: &str, status: &str, payment: &str) -> Result<String, String> {
        let answer = self.control("elasticsearch", json!({"region": region, "name": name, "status": status, "payment": payment})).await?;
        answer.get("instanceId").and_then(Value::as_str).map(str::to_string).ok_or_else(|| format!("no instanceId in {answer}"))
    }

    async fn read(&self, path: &str) -> Result<Vec<Value>, String> {
        let resp = reqwest::get(format!("{}/_replay/{path}", self.url())).await.map_err(|e| e.to_string())?;
        let answer: Value = resp.json().await.map_err(|e| e.to_string())?;
        answer.get(path).and_then(Value::as_array).cloned().ok_or_else(|| format!("no {path} in {answer}"))
    }

    /// The actions the server answered (or refused after checking the signature), in order.
    pub async fn calls(&self) -> Result<Vec<String>, String> {
        Ok(self.read("calls").await?.iter().filter_map(|c| c.as_str().map(str::to_string)).collect())
    }

    /// Every resource the server holds, in its own shape (`kind`: instance, disk, vpc,
    /// vswitch, securitygroup, elasticsearch; `region`; `id`; Aliyun's fields such as `Status`).
    pub async fn objects(&self) -> Result<Vec<Value>, String> {
        self.read("objects").await
    }

    /// Every signature the server received (RPC `Signature`, ROA and ACS3 `Authorization`),
    /// so a test can check that none reached a log.
    pub async fn signatures(&self) -> Result<Vec<String>, String> {
        Ok(self.read("signatures").await?.iter().filter_map(|c| c.as_str().map(str::to_string)).collect())
    }
}

/// Randomness for a per-test key pair without another dependency: the standard library's
/// randomly seeded hasher.
pub(crate) fn rand_u128() -> u128 {
    use std::hash::{BuildHasher, Hasher};
    let half = || {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0));
        h.finish()
    };
    (u128::from(half()) << 64) | u128::from(half())
}

impl Drop for AliyunReplay {
    fn drop(&mut self) {
        // Kill by pid: the child we started, nothing else.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
