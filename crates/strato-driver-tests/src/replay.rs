//! A replay server process for one test (the clouds without an emulator: Aliyun, QingCloud):
//! a Python script from the test venv on a free loopback port, given its key pair through the
//! environment, driven through its `/_replay/*` control endpoints, killed by pid when dropped.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub const PYTHON_ENV: &str = "STRATO_TEST_PYTHON";

pub(crate) struct ReplayProcess {
    child: Child,
    addr: SocketAddr,
}

impl ReplayProcess {
    /// Starts `script` from `$STRATO_TEST_PYTHON` with `env` (the key pair: the environment,
    /// not argv, which `ps` shows to everyone) and waits until it listens. `cloud` names it in
    /// errors; the error says to run `scripts/test` when the variable is unset.
    pub(crate) fn start(cloud: &str, script: &str, env: &[(&str, &str)]) -> Result<Self, String> {
        let python = std::env::var(PYTHON_ENV).map_err(|_| format!("{PYTHON_ENV} is not set: run the tests through `scripts/test` (it builds the venv and sets it)"))?;
        let port = {
            let probe = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
            probe.local_addr().map_err(|e| e.to_string())?.port()
        };
        let child = Command::new(&python)
            .arg(script)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start {python} {script}: {e}"))?;
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let mut server = Self { child, addr };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!("the {cloud} replay server exited early: {status}"));
            }
            if Instant::now() > deadline {
                return Err(format!("the {cloud} replay server did not start listening within 30s"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(server)
    }

    pub(crate) fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// POSTs `body` to `/_replay/<path>`; its answer, or an error naming a refusal.
    pub(crate) async fn control(&self, path: &str, body: Value) -> Result<Value, String> {
        let resp = reqwest::Client::new().post(format!("{}/_replay/{path}", self.url())).json(&body).send().await.map_err(|e| e.to_string())?;
        let status = resp.status();
        let answer: Value = resp.json().await.map_err(|e| e.to_string())?;
        if !status.is_success() {
            return Err(format!("replay {path} answered {status}: {answer}"));
        }
        Ok(answer)
    }

    /// The array `GET /_replay/<path>` answers under the key `path`.
    pub(crate) async fn read(&self, path: &str) -> Result<Vec<Value>, String> {
        let resp = reqwest::get(format!("{}/_replay/{path}", self.url())).await.map_err(|e| e.to_string())?;
        let answer: Value = resp.json().await.map_err(|e| e.to_string())?;
        answer.get(path).and_then(Value::as_array).cloned().ok_or_else(|| format!("no {path} in {answer}"))
    }
}

impl Drop for ReplayProcess {
    fn drop(&mut self) {
        // Kill by pid: the child we started, nothing else.
        let _ = self.child.kill();
        let _ = self.child.wait();
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
