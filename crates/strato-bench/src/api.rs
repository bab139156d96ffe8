//! Issue 2's benchmark: `GET /cloudaccounts/<id>` and a filtered, ordered page of 20 over a table
//! of N cloud accounts on the embedded SQLite store. Rows are created through the REST API, so the
//! figures include everything a real client pays for (auth, scope checks, JSON).

use crate::load::{run_get_load, PathFn};
use crate::served::{ServedStrato, ADMIN_PASSWORD};
use anyhow::{bail, Context};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

#[derive(clap::Args)]
pub struct ApiArgs {
    /// Cloud accounts in the table.
    #[arg(long, default_value_t = 100_000)]
    rows: usize,
    /// Seconds of load per phase.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Concurrent keep-alive connections.
    #[arg(long, default_value_t = 32)]
    connections: usize,
}

const PROVIDERS: [&str; 4] = ["aws", "aliyun", "qingcloud", "fake"];

pub async fn run(strato: &Path, args: ApiArgs) -> anyhow::Result<()> {
    // Only the seeded accounts: no `local` (kvm) account.
    let server = ServedStrato::start(strato, &["--no-local-account"])?;
    println!("strato serve pid {} on {}", server.pid(), server.addr);
    let mut conn = Conn::open(&server.addr).await?;
    let login = conn
        .call(Method::POST, "/auth/login", None, Some(json!({"username": "admin", "password": ADMIN_PASSWORD, "domain": "default"})))
        .await?;
    let token = login["token"].as_str().context("login answered no token")?.to_string();

    let t0 = Instant::now();
    let ids = seed_cloudaccounts(&server.addr, &token, args.rows).await?;
    let seeded = t0.elapsed();
    println!("seeded {} cloud accounts through the API in {:.1}s ({:.0}/s)", ids.len(), seeded.as_secs_f64(), ids.len() as f64 / seeded.as_secs_f64());

    let duration = Duration::from_secs(args.seconds);
    let ids = Arc::new(ids);
    let show: PathFn = {
        let ids = ids.clone();
        Arc::new(move |n| format!("/cloudaccounts/{}", ids[(n.wrapping_mul(2654435761) % ids.len() as u64) as usize]))
    };
    // Warm-up, then the measured run.
    run_get_load(&server.addr, &token, args.connections, Duration::from_secs(1), show.clone()).await?;
    let figures = run_get_load(&server.addr, &token, args.connections, duration, show).await?;
    figures.print("GET /cloudaccounts/<id>");

    let list: PathFn = Arc::new(|n| {
        format!(
            "/cloudaccounts?filter=provider.in(aws,aliyun)&filter=name.startswith(acct-0)&order_by=name&order=desc&limit=20&offset={}",
            (n % 50) * 20
        )
    });
    run_get_load(&server.addr, &token, args.connections, Duration::from_secs(1), list.clone()).await?;
    let figures = run_get_load(&server.addr, &token, args.connections, duration, list).await?;
    figures.print("GET /cloudaccounts?filter..&order_by..");
    Ok(())
}

/// Creates `rows` cloud accounts with 8 concurrent connections; returns their ids.
async fn seed_cloudaccounts(addr: &str, token: &str, rows: usize) -> anyhow::Result<Vec<String>> {
    const WRITERS: usize = 8;
    let mut tasks = Vec::new();
    for w in 0..WRITERS {
        let addr = addr.to_string();
        let token = token.to_string();
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::open(&addr).await?;
            let mut ids = Vec::new();
            for i in (w..rows).step_by(WRITERS) {
                let body = json!({
                    "name": format!("acct-{i:06}"),
                    "provider": PROVIDERS[i % PROVIDERS.len()],
                    "project": "system",
                    "credentials": {"access_key_id": format!("AKIA{i:012}"), "secret_access_key": "bench-secret"},
                });
                let created = conn.call(Method::POST, "/cloudaccounts", Some(&token), Some(body)).await?;
                ids.push(created["id"].as_str().context("create answered no id")?.to_string());
            }
            anyhow::Ok(ids)
        }));
    }
    let mut ids = Vec::with_capacity(rows);
    for t in tasks {
        ids.extend(t.await??);
    }
    Ok(ids)
}

/// One keep-alive HTTP/1.1 connection for JSON calls.
pub(crate) struct Conn {
    addr: String,
    sender: SendRequest<Full<Bytes>>,
}

impl Conn {
    pub(crate) async fn open(addr: &str) -> anyhow::Result<Self> {
        let stream = TcpStream::connect(addr).await.with_context(|| format!("connect {addr}"))?;
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(conn);
        Ok(Self { addr: addr.to_string(), sender })
    }

    pub(crate) async fn call(&mut self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> anyhow::Result<Value> {
        let mut req = Request::builder().method(method.clone()).uri(path).header("host", &self.addr);
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let bytes = match body {
            Some(b) => {
                req = req.header("content-type", "application/json");
                Bytes::from(serde_json::to_vec(&b)?)
            }
            None => Bytes::new(),
        };
        // The connection may still be finishing the previous exchange.
        self.sender.ready().await?;
        let resp = self.sender.send_request(req.body(Full::new(bytes))?).await?;
        let status = resp.status();
        let body = resp.into_body().collect().await?.to_bytes();
        if !status.is_success() {
            bail!("{method} {path} answered {status}: {}", String::from_utf8_lossy(&body));
        }
        Ok(serde_json::from_slice(&body)?)
    }
}
