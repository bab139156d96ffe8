//! The Aliyun replay server (crates/providers/aliyun/tests/python/replay_server.py) for one
//! test: started from the test venv's Python on a free loopback port, with a fresh AccessKey
//! pair it checks every signature against; killed by pid when dropped.

use serde_json::{json, Value};

use crate::replay::{rand_u128, ReplayProcess};
pub use crate::replay::PYTHON_ENV;
const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../providers/aliyun/tests/python/replay_server.py");

pub struct AliyunReplay {
    process: ReplayProcess,
    pub access_key_id: String,
    /// The secret the server checks signatures with; tests hand it to the driver, never print it.
    pub access_key_secret: String,
}

impl AliyunReplay {
    /// Start the server from `$STRATO_TEST_PYTHON`; the error says to run `scripts/test` when unset.
    pub fn start() -> Result<Self, String> {
        let nonce = format!("{:032x}", rand_u128());
        let access_key_id = format!("LTAI{}", &nonce[..20]);
        let access_key_secret = format!("replay-{}", &nonce[8..]);
        let env = [("ALIYUN_REPLAY_ACCESS_KEY_ID", access_key_id.as_str()), ("ALIYUN_REPLAY_ACCESS_KEY_SECRET", access_key_secret.as_str())];
        let process = ReplayProcess::start("Aliyun", SCRIPT, &env)?;
        Ok(Self { process, access_key_id, access_key_secret })
    }

    pub fn url(&self) -> String {
        self.process.url()
    }

    pub fn pid(&self) -> u32 {
        self.process.pid()
    }

    async fn control(&self, path: &str, body: Value) -> Result<Value, String> {
        self.process.control(path, body).await
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
        self.process.read(path).await
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
