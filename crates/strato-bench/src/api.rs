//! Issue 2's benchmark: `GET /cloudaccounts/<id>` and a filtered, ordered page of 20 over a table
//! of N cloud accounts on the embedded SQLite store, through `strato serve` (auth, scope checks,
//! JSON included). The rows are written straight into the store before the server starts: through
//! the API each create would check its credentials with the cloud and start a first sync.

use crate::load::{run_get_load, PathFn};
use crate::served::{ServedStrato, ADMIN_PASSWORD};
use anyhow::{bail, Context};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use sqlx::{Connection, Executor};
use std::path::Path;
use strato_store::cloudaccounts::DEFAULT_SYNC_INTERVAL_SECS;
use strato_store::{NewCloudAccount, SecretString, Store, StoreOptions};
use strato_types::Provider;
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

const PROVIDERS: [Provider; 4] = [Provider::Aws, Provider::Aliyun, Provider::Qingcloud, Provider::Fake];

pub async fn run(strato: &Path, args: ApiArgs) -> anyhow::Result<()> {
    let data_dir = tempfile::tempdir()?;
    let t0 = Instant::now();
    let ids = seed_cloudaccounts(data_dir.path(), args.rows).await?;
    let seeded = t0.elapsed();
    println!("seeded {} cloud accounts into the store in {:.1}s ({:.0}/s)", ids.len(), seeded.as_secs_f64(), ids.len() as f64 / seeded.as_secs_f64());

    // Only the seeded accounts: no `local` (kvm) account.
    let server = ServedStrato::start_in(strato, data_dir, &["--no-local-account"])?;
    println!("strato serve pid {} on {}", server.pid(), server.addr);
    let mut conn = Conn::open(&server.addr).await?;
    let login = conn
        .call(Method::POST, "/auth/login", None, Some(json!({"username": "admin", "password": ADMIN_PASSWORD, "domain": "default"})))
        .await?;
    let token = login["token"].as_str().context("login answered no token")?.to_string();

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

/// Writes `rows` cloud accounts into a new store in `data_dir` (8 writers); returns their ids.
/// They are disabled afterwards, so the server's scheduler syncs none of them while it is
/// measured (a sync of these made-up accounts would also try to reach the clouds).
async fn seed_cloudaccounts(data_dir: &Path, rows: usize) -> anyhow::Result<Vec<String>> {
    const WRITERS: usize = 8;
    let mut options = StoreOptions::new(data_dir);
    options.admin_password = Some(SecretString::new(ADMIN_PASSWORD));
    let (store, _) = Store::open(options).await?;
    let project = store.system_scope().await?.project_id;
    let mut tasks = Vec::new();
    for w in 0..WRITERS {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for i in (w..rows).step_by(WRITERS) {
                let credentials = json!({"access_key_id": format!("AKIA{i:012}"), "secret_access_key": "bench-secret"});
                let account = store
                    .cloudaccounts()
                    .create(NewCloudAccount {
                        name: format!("acct-{i:06}"),
                        provider: PROVIDERS[i % PROVIDERS.len()],
                        project_id: project,
                        endpoint: None,
                        regions: Vec::new(),
                        description: String::new(),
                        credentials: SecretString::new(credentials.to_string()),
                        sync_interval_secs: DEFAULT_SYNC_INTERVAL_SECS,
                        project_rules: Vec::new(),
                        connected: None,
                    })
                    .await?;
                ids.push(account.id.to_string());
            }
            anyhow::Ok(ids)
        }));
    }
    let mut ids = Vec::with_capacity(rows);
    for t in tasks {
        ids.extend(t.await??);
    }
    store.close().await;
    let mut db = sqlx::SqliteConnection::connect(&format!("sqlite://{}", data_dir.join("strato.db").display())).await?;
    db.execute("UPDATE cloudaccounts SET enabled = FALSE").await?;
    db.close().await?;
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
