//! A minimal HTTP/1.1 load generator: one keep-alive connection per worker, requests sent back to
//! back for a fixed time, latencies in an HDR histogram. Kept lean so that on a 2-core machine the
//! generator takes as little CPU from the server as possible.

use anyhow::{bail, Context};
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::Request;
use hyper_util::rt::TokioIo;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

pub struct Figures {
    pub requests: u64,
    pub errors: u64,
    pub elapsed: Duration,
    pub latency: Histogram<u64>,
}

impl Figures {
    pub fn print(&self, label: &str) {
        let rps = self.requests as f64 / self.elapsed.as_secs_f64();
        let ms = |q: f64| self.latency.value_at_quantile(q) as f64 / 1000.0;
        println!(
            "{label:<40} {rps:>10.0} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms  max {:>7.2} ms  ({} requests, {} errors)",
            ms(0.50),
            ms(0.99),
            self.latency.max() as f64 / 1000.0,
            self.requests,
            self.errors
        );
    }
}

pub type PathFn = Arc<dyn Fn(u64) -> String + Send + Sync>;

/// Runs `connections` workers for `duration`, each GETting `path(n)` for its n-th request.
pub async fn run_get_load(
    addr: &str,
    token: &str,
    connections: usize,
    duration: Duration,
    path: PathFn,
) -> anyhow::Result<Figures> {
    let started = Instant::now();
    let deadline = started + duration;
    let mut workers = Vec::new();
    for worker in 0..connections {
        let addr = addr.to_string();
        let auth = format!("Bearer {token}");
        let path = path.clone();
        workers.push(tokio::spawn(async move {
            let stream = TcpStream::connect(&addr).await.context("connect")?;
            stream.set_nodelay(true)?;
            let (mut sender, conn) =
                hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
            tokio::spawn(conn);
            let mut hist = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
            let (mut requests, mut errors) = (0u64, 0u64);
            let mut n = worker as u64;
            while Instant::now() < deadline {
                let req = Request::get(path(n))
                    .header("host", &addr)
                    .header("authorization", &auth)
                    .body(Full::new(Bytes::new()))?;
                let t0 = Instant::now();
                let resp = sender.send_request(req).await?;
                let ok = resp.status().is_success();
                resp.into_body().collect().await?;
                hist.record(t0.elapsed().as_micros().max(1) as u64)?;
                requests += 1;
                if !ok {
                    errors += 1;
                }
                n += connections as u64;
            }
            anyhow::Ok((requests, errors, hist))
        }));
    }
    let mut figures = Figures {
        requests: 0,
        errors: 0,
        elapsed: Duration::ZERO,
        latency: Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?,
    };
    for w in workers {
        let (requests, errors, hist) = w.await??;
        figures.requests += requests;
        figures.errors += errors;
        figures.latency.add(hist)?;
    }
    figures.elapsed = started.elapsed();
    if figures.requests == 0 {
        bail!("no request completed");
    }
    Ok(figures)
}
