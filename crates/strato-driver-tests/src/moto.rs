//! A `moto_server` (the AWS API emulator) for one test: started on a free loopback port with
//! AMI and instance-type validation on, killed by pid when dropped.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const MOTO_ENV: &str = "STRATO_TEST_MOTO_SERVER";

pub struct MotoServer {
    child: Child,
    addr: SocketAddr,
}

impl MotoServer {
    /// Start moto from `$STRATO_TEST_MOTO_SERVER`; the error says to run `scripts/test` when unset.
    pub fn start() -> Result<Self, String> {
        Self::start_with_env(&[])
    }

    /// Start moto with extra environment, e.g. `INITIAL_NO_AUTH_ACTION_COUNT=3` to turn on
    /// IAM authentication after the first three calls (which then create a real user and key).
    pub fn start_with_env(env: &[(&str, &str)]) -> Result<Self, String> {
        let bin = std::env::var(MOTO_ENV).map_err(|_| format!("{MOTO_ENV} is not set: run the tests through `scripts/test` (it installs moto and sets it)"))?;
        let port = {
            let probe = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
            probe.local_addr().map_err(|e| e.to_string())?.port()
        };
        let child = Command::new(&bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env("MOTO_ENABLE_AMI_VALIDATION", "1")
            .env("MOTO_EC2_ENABLE_INSTANCE_TYPE_VALIDATION", "1")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {bin}: {e}"))?;
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let mut server = Self { child, addr };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!("moto_server exited early: {status}"));
            }
            if Instant::now() > deadline {
                return Err("moto_server did not start listening within 30s".into());
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

    /// Forget every resource (`POST /moto-api/reset`), for reuse between tests.
    pub async fn reset(&self) -> Result<(), String> {
        let resp = reqwest::Client::new().post(format!("{}/moto-api/reset", self.url())).send().await.map_err(|e| e.to_string())?;
        if !resp.status().is_success() {
            return Err(format!("moto reset answered {}", resp.status()));
        }
        Ok(())
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        // Kill by pid: the child we started, nothing else.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
