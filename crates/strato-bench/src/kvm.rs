//! Issue 6's benchmark through the server: `strato serve` registers this host as `local`; for
//! each of N tiny guests, one after another, the time from `POST /servers` to the guest's
//! `STRATO-GUEST-READY` line on its serial console, from `POST /servers/{id}/stop` to the task
//! that stops it ending (the server row `stopped`), and the VM's RSS while idle. Every VM is
//! deleted through the API, and killed by pid if anything goes wrong.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use hyper::Method;
use serde_json::json;

use crate::api::Conn;
use crate::served::{ServedStrato, ADMIN_PASSWORD};

#[derive(clap::Args)]
pub struct KvmArgs {
    /// VMs to boot, one after another.
    #[arg(long, default_value_t = 3)]
    vms: usize,
    /// Memory per VM, MiB.
    #[arg(long, default_value_t = 128)]
    memory: u64,
    /// The tiny guest built by scripts/build-test-image.
    #[arg(long, default_value = ".test-deps/images/tiny")]
    image_dir: PathBuf,
}

const MARKER: &str = "STRATO-GUEST-READY";

/// Kills every VM under the data dir, by pid, when dropped.
struct KillVms(PathBuf);

impl Drop for KillVms {
    fn drop(&mut self) {
        for pid in qemu_pids(&self.0) {
            let _ = Command::new("kill").arg("-KILL").arg(pid.to_string()).status();
        }
    }
}

fn qemu_pids(data_dir: &Path) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir(data_dir.join("kvm/servers")) else { return Vec::new() };
    entries
        .flatten()
        .filter_map(|e| std::fs::read_to_string(e.path().join("qemu.pid")).ok()?.trim().parse::<u32>().ok())
        .filter(|pid| Path::new(&format!("/proc/{pid}")).exists())
        .collect()
}

fn rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kib: f64 = status.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Fails once `deadline` has passed; the polling loops call it every round.
fn check_deadline(deadline: Instant, what: &str) -> anyhow::Result<()> {
    if Instant::now() > deadline {
        bail!("timed out waiting for {what}");
    }
    Ok(())
}

const POLL: Duration = Duration::from_millis(20);

/// Polls a task until it succeeded (error when it failed or took longer than `timeout`).
async fn await_task(conn: &mut Conn, token: &str, task: &str, timeout: Duration) -> anyhow::Result<()> {
    let deadline = Instant::now() + timeout;
    while !task_done(conn, token, task).await? {
        check_deadline(deadline, task)?;
        tokio::time::sleep(POLL).await;
    }
    Ok(())
}

async fn task_done(conn: &mut Conn, token: &str, task: &str) -> anyhow::Result<bool> {
    let task = conn.call(Method::GET, &format!("/tasks/{task}"), Some(token), None).await?;
    match task["status"].as_str().unwrap_or("") {
        "succeeded" => Ok(true),
        "failed" | "cancelled" => bail!("task {} ended {}: {}", task["kind"], task["status"], task["error"]),
        _ => Ok(false),
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

pub async fn run(strato: &Path, args: KvmArgs) -> anyhow::Result<()> {
    let image_dir = std::path::absolute(&args.image_dir)?;
    if !image_dir.join("vmlinuz").is_file() {
        bail!("no tiny image at {}: run scripts/build-test-image", image_dir.display());
    }
    let server = ServedStrato::start(strato, &[])?;
    let data_dir = server.data_dir().join("");
    let _vms = KillVms(data_dir.clone());
    println!("strato serve pid {} on {}, data dir {}", server.pid(), server.addr, data_dir.display());
    let cmdline = std::fs::read_to_string(image_dir.join("cmdline"))?;
    let registered = Command::new(strato)
        .args(["cloudcli", "kvm", "--data-dir"])
        .arg(&data_dir)
        .args(["image-register", "--name", "tiny", "--kernel"])
        .arg(image_dir.join("vmlinuz"))
        .arg("--initrd")
        .arg(image_dir.join("initrd.img"))
        .args(["--cmdline", cmdline.trim()])
        .output()?;
    if !registered.status.success() {
        bail!("image-register failed: {}", String::from_utf8_lossy(&registered.stderr));
    }
    let mut conn = Conn::open(&server.addr).await?;
    let login = conn
        .call(Method::POST, "/auth/login", None, Some(json!({"username": "admin", "password": ADMIN_PASSWORD, "domain": "default"})))
        .await?;
    let token = login["token"].as_str().context("login answered no token")?.to_string();
    let t = token.as_str();
    let deadline = Instant::now() + Duration::from_secs(60);
    while conn.call(Method::GET, "/zones?scope=system&filter=cloudaccount.equals(local)", Some(t), None).await?["total"] != 1 {
        check_deadline(deadline, "the first sync of local")?;
        tokio::time::sleep(POLL).await;
    }

    let (mut ready, mut running, mut stopped, mut rss) = (vec![], vec![], vec![], vec![]);
    for i in 0..args.vms {
        let body = json!({"name": format!("bench-{i}"), "cloudaccount": "local", "vcpus": 1, "memory_mb": args.memory, "image": "tiny"});
        let start = Instant::now();
        let task = conn.call(Method::POST, "/servers", Some(t), Some(body)).await?;
        let accepted = start.elapsed().as_secs_f64();
        let task_id = task["id"].as_str().unwrap_or_default().to_string();
        let row = task["target_id"].as_str().unwrap_or_default().to_string();
        // Until the guest prints its marker: note when the create task succeeds on the way.
        let deadline = start + Duration::from_secs(300);
        let mut external_id = String::new();
        let mut running_at = None;
        loop {
            check_deadline(deadline, "the guest's ready marker")?;
            if running_at.is_none() && task_done(&mut conn, t, &task_id).await? {
                running_at = Some(start.elapsed().as_secs_f64());
            }
            if external_id.is_empty() || external_id.starts_with("pending:") {
                let server = conn.call(Method::GET, &format!("/servers/{row}"), Some(t), None).await?;
                external_id = server["external_id"].as_str().unwrap_or_default().to_string();
            } else {
                let log = std::fs::read(data_dir.join("kvm/servers").join(&external_id).join("serial.log")).unwrap_or_default();
                if String::from_utf8_lossy(&log).contains(MARKER) {
                    break;
                }
            }
            tokio::time::sleep(POLL).await;
        }
        ready.push(start.elapsed().as_secs_f64());
        await_task(&mut conn, t, &task_id, Duration::from_secs(60)).await?;
        running.push(running_at.unwrap_or_else(|| start.elapsed().as_secs_f64()));
        tokio::time::sleep(Duration::from_secs(2)).await; // idle
        if let Some(pid) = qemu_pids(&data_dir).first() {
            rss.push(rss_mib(*pid).unwrap_or(f64::NAN));
        }
        let start = Instant::now();
        let stop = conn.call(Method::POST, &format!("/servers/{row}/stop"), Some(t), Some(json!({}))).await?;
        await_task(&mut conn, t, stop["id"].as_str().unwrap_or_default(), Duration::from_secs(120)).await?;
        stopped.push(start.elapsed().as_secs_f64());
        let delete = conn.call(Method::DELETE, &format!("/servers/{row}"), Some(t), None).await?;
        await_task(&mut conn, t, delete["id"].as_str().unwrap_or_default(), Duration::from_secs(120)).await?;
        println!(
            "vm {i}: POST /servers answered {accepted:.3}s; guest marker {:.1}s; create task succeeded (running) {:.1}s; idle RSS {:.0} MiB; stop -> stopped {:.2}s",
            ready[i], running[i], rss.last().copied().unwrap_or(f64::NAN), stopped[i]
        );
    }
    println!(
        "{} VMs, 1 vcpu, {} MiB: POST /servers -> guest marker median {:.1}s (min {:.1}s, max {:.1}s); stop request -> stopped median {:.2}s; idle RSS median {:.0} MiB",
        args.vms,
        args.memory,
        median(ready.clone()),
        ready.iter().copied().fold(f64::INFINITY, f64::min),
        ready.iter().copied().fold(0.0, f64::max),
        median(stopped),
        median(rss)
    );
    Ok(())
}
