//! The QingCloud replay server (crates/providers/qingcloud/tests/python/replay_server.py) for
//! one test: started from the test venv's Python on a free loopback port, with a fresh key pair
//! it checks every signature against (with the official qingcloud-sdk code); killed by pid when
//! dropped.

use std::time::Duration;

use serde_json::{json, Value};

use crate::replay::{rand_u128, ReplayProcess};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../providers/qingcloud/tests/python/replay_server.py");

pub struct QingCloudReplay {
    process: ReplayProcess,
    pub access_key_id: String,
    /// The secret the server checks signatures with; tests hand it to the driver, never print it.
    pub secret_access_key: String,
}

/// One API call the server saw: its action, zone and paging offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayCall {
    pub action: String,
    pub zone: String,
    pub offset: u64,
}

impl QingCloudReplay {
    /// Start the server from `$STRATO_TEST_PYTHON`; the error says to run `scripts/test` when unset.
    pub fn start() -> Result<Self, String> {
        let nonce = format!("{:032x}", rand_u128());
        let access_key_id = format!("QY{}", nonce[..18].to_ascii_uppercase());
        let secret_access_key = format!("replay{}", &nonce[8..]);
        let env = [("QINGCLOUD_REPLAY_ACCESS_KEY_ID", access_key_id.as_str()), ("QINGCLOUD_REPLAY_SECRET_ACCESS_KEY", secret_access_key.as_str())];
        let process = ReplayProcess::start("QingCloud", SCRIPT, &env)?;
        Ok(Self { process, access_key_id, secret_access_key })
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

    /// Forget every object, injected error and recorded call.
    pub async fn reset(&self) -> Result<(), String> {
        self.control("reset", json!({})).await.map(|_| ())
    }

    /// Add an object of `kind` (instance, volume, vxnet, router, security_group,
    /// security_group_rule) in `zone`, in QingCloud's own shape; its id (made up unless the
    /// object names one).
    pub async fn seed(&self, kind: &str, zone: &str, object: Value) -> Result<String, String> {
        let answer = self.control("seed", json!({"kind": kind, "zone": zone, "object": object})).await?;
        answer.get("id").and_then(Value::as_str).map(str::to_string).ok_or_else(|| format!("no id in {answer}"))
    }

    /// How long an accepted job takes to end (QingCloud does writes asynchronously).
    pub async fn set_job_delay(&self, delay: Duration) -> Result<(), String> {
        self.control("config", json!({"job_delay": delay.as_secs_f64()})).await.map(|_| ())
    }

    /// Forget the calls recorded so far (seeding and earlier listings), keeping the objects.
    pub async fn reset_calls(&self) -> Result<(), String> {
        self.control("reset_calls", json!({})).await.map(|_| ())
    }

    /// Fail the next `count` calls of `action` (`*` for any) with `ret_code`.
    pub async fn inject(&self, action: &str, ret_code: i64, count: u32) -> Result<(), String> {
        self.inject_after(action, 0, ret_code, count).await
    }

    /// As `inject`, after letting the next `after` calls of `action` through.
    pub async fn inject_after(&self, action: &str, after: u32, ret_code: i64, count: u32) -> Result<(), String> {
        self.control("inject", json!({"action": action, "after": after, "ret_code": ret_code, "count": count})).await.map(|_| ())
    }

    /// The calls the server answered (or refused), in order.
    pub async fn calls(&self) -> Result<Vec<ReplayCall>, String> {
        let calls = self.process.read("calls").await?;
        Ok(calls
            .iter()
            .map(|c| ReplayCall {
                action: c.get("action").and_then(Value::as_str).unwrap_or_default().to_string(),
                zone: c.get("zone").and_then(Value::as_str).unwrap_or_default().to_string(),
                offset: c.get("offset").and_then(Value::as_u64).unwrap_or(0),
            })
            .collect())
    }
}
