//! The example packages' service commands run for real in a shell: busybox's (as in the kvm
//! tiny guest) when one is found — `STRATO_BUSYBOX`, `busybox` on PATH, or the busybox-static
//! package scripts/build-test-image keeps in .test-deps — else the host's /bin/sh with a
//! stand-in `httpd`. The data directory is a temporary one (the `data_dir` parameter).

mod common;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::json;
use strato_apps::{AppPackage, ClusterSpec, ServiceCommand};

struct Shell {
    program: PathBuf,
    bin: tempfile::TempDir,
    real_busybox: bool,
}

impl Shell {
    fn find() -> Shell {
        let bin = tempfile::tempdir().unwrap();
        if let Some(busybox) = find_busybox(bin.path()) {
            for applet in ["httpd", "sleep", "date", "cat", "kill", "mkdir", "rm"] {
                std::os::unix::fs::symlink(&busybox, bin.path().join(applet)).unwrap();
            }
            println!("running the commands with {}", busybox.display());
            return Shell { program: busybox, bin, real_busybox: true };
        }
        // A stand-in that stays up like `httpd -f` does, so start/stop have a process to manage.
        let fake = bin.path().join("httpd");
        std::fs::write(&fake, "#!/bin/sh\nexec sleep 600\n").unwrap();
        std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        println!("no busybox found: running the commands with /bin/sh and a stand-in httpd");
        Shell { program: PathBuf::from("/bin/sh"), bin, real_busybox: false }
    }

    /// Runs `script`; its exit status must be 0. Returns its standard output.
    fn run(&self, script: &str) -> String {
        let mut command = if self.real_busybox {
            let mut command = Command::new(&self.program);
            command.arg("sh");
            command
        } else {
            Command::new(&self.program)
        };
        let path = format!("{}:/usr/bin:/bin", self.bin.path().display());
        let output = command.arg("-c").arg(script).env("PATH", path).output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(output.status.success(), "script failed: {script}\nstdout: {stdout}\nstderr: {}", String::from_utf8_lossy(&output.stderr));
        stdout
    }
}

fn find_busybox(scratch: &Path) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("STRATO_BUSYBOX") {
        return Some(PathBuf::from(path));
    }
    if let Some(found) =
        std::env::var_os("PATH").and_then(|paths| std::env::split_paths(&paths).map(|dir| dir.join("busybox")).find(|p| p.is_file()))
    {
        return Some(found);
    }
    let debs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.test-deps/images/tiny/.debs");
    let deb = std::fs::read_dir(debs)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("busybox-static_") && n.ends_with(".deb")))?;
    let status = Command::new("sh")
        .arg("-c")
        .arg("dpkg-deb --fsys-tarfile \"$1\" | tar -x -C \"$2\" ./bin/busybox")
        .args(["extract", deb.to_str()?, scratch.to_str()?])
        .status()
        .ok()?;
    let busybox = scratch.join("bin/busybox");
    (status.success() && busybox.is_file()).then_some(busybox)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn render(package: &str, version: &str, given: &[(&str, serde_json::Value)]) -> ClusterSpec {
    let mut package = AppPackage::load(&common::example(package)).unwrap();
    package.meta.version = version.into();
    let given: BTreeMap<String, serde_json::Value> = given.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    package.render(&given).unwrap().1
}

fn alive(pid: &str) -> bool {
    Command::new("kill").args(["-0", pid]).stderr(std::process::Stdio::null()).status().is_ok_and(|s| s.success())
}

/// Kills whatever a failed test left running.
struct Reaper(PathBuf);
impl Drop for Reaper {
    fn drop(&mut self) {
        if let Ok(pids) = std::fs::read_to_string(&self.0) {
            for pid in pids.split_whitespace() {
                let _ = Command::new("kill").arg(pid).stderr(std::process::Stdio::null()).status();
            }
        }
    }
}

fn http_get(port: u16, path: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            write!(stream, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").unwrap();
            let mut response = String::new();
            let _ = stream.read_to_string(&mut response);
            return response;
        }
        assert!(Instant::now() < deadline, "nothing listens on 127.0.0.1:{port}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn kvstore_commands_init_start_stop_and_upgrade() {
    let shell = Shell::find();
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().to_str().unwrap().to_string();
    let port = free_port();
    let given = [("data_dir", json!(dir)), ("port", json!(port)), ("greeting", json!("it's here"))];
    let spec = render("kvstore", "1.0.0", &given);
    let store = &spec.roles[0];
    let command = |which| store.command(which).unwrap();
    let _reaper = Reaper(data.path().join("pids"));

    assert!(shell.run(command(ServiceCommand::Init)).contains("kvstore init 1.0.0"));
    assert_eq!(std::fs::read_to_string(data.path().join("version")).unwrap(), "1.0.0\n");
    assert_eq!(std::fs::read_to_string(data.path().join("data/hello")).unwrap(), "it's here");

    let out = shell.run(command(ServiceCommand::Start));
    assert!(out.contains(&format!("kvstore 1.0.0 started on port {port}")), "{out}");
    let pids = std::fs::read_to_string(data.path().join("pids")).unwrap();
    let pids: Vec<&str> = pids.split_whitespace().collect();
    assert_eq!(pids.len(), 2, "httpd and the heartbeat loop");
    assert!(pids.iter().all(|pid| alive(pid)));
    assert!(shell.run(command(ServiceCommand::Start)).contains("already running"));
    if shell.real_busybox {
        let response = http_get(port, "/hello");
        assert!(response.starts_with("HTTP/1.") && response.ends_with("it's here"), "{response}");
    }

    shell.run(command(ServiceCommand::ScaleOut));
    assert!(std::fs::read_to_string(data.path().join("events")).unwrap().contains("scale_out"));

    assert!(shell.run(command(ServiceCommand::Stop)).contains("kvstore stopped"));
    assert!(!data.path().join("pids").exists());
    let deadline = Instant::now() + Duration::from_secs(10);
    while pids.iter().any(|pid| alive(pid)) {
        assert!(Instant::now() < deadline, "stop left {pids:?} running");
        std::thread::sleep(Duration::from_millis(50));
    }

    let newer = render("kvstore", "1.1.0", &given);
    assert!(shell.run(newer.roles[0].command(ServiceCommand::Upgrade).unwrap()).contains("upgraded to 1.1.0"));
    assert_eq!(std::fs::read_to_string(data.path().join("version")).unwrap(), "1.1.0\n");
}

#[test]
fn webapp_commands_serve_the_page_with_the_version() {
    let shell = Shell::find();
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().to_str().unwrap().to_string();
    let (web_port, db_port) = (free_port(), free_port());
    let given = [("data_dir", json!(dir)), ("web_port", json!(web_port)), ("db_port", json!(db_port)), ("title", json!("Tea & 'cake'"))];
    let spec = render("webapp", "1.0.0", &given);
    let (db, web) = (spec.role("db").unwrap(), spec.role("web").unwrap());
    let _reapers = (Reaper(data.path().join("db.pid")), Reaper(data.path().join("web.pid")));

    // Role order: db first.
    for role in [db, web] {
        shell.run(role.command(ServiceCommand::Init).unwrap());
    }
    assert_eq!(
        std::fs::read_to_string(data.path().join("db/1.json")).unwrap(),
        "{\"id\": 1, \"title\": \"Tea \\u0026 \\u0027cake\\u0027\"}\n"
    );
    for role in [db, web] {
        assert!(shell.run(role.command(ServiceCommand::Start).unwrap()).contains("started on port"));
    }
    assert_eq!(std::fs::read_to_string(data.path().join("www/index.html")).unwrap(), "<h1>Tea & 'cake'</h1><p>version 1.0.0</p>\n");
    if shell.real_busybox {
        assert!(http_get(web_port, "/index.html").contains("<p>version 1.0.0</p>"));
        assert!(http_get(db_port, "/1.json").contains("\"id\": 1"));
    }
    for role in [web, db] {
        assert!(shell.run(role.command(ServiceCommand::Stop).unwrap()).contains("stopped"));
    }
    assert!(!data.path().join("web.pid").exists() && !data.path().join("db.pid").exists());
}
