//! The kvm provider end to end, through the real binary and real qemu: `strato serve` registers
//! this host as cloud account `local` on its first start; VMs and disks are created, attached,
//! detached, stopped and deleted with the CLI; bad input is a 4xx that leaves nothing behind;
//! VMs outlive `strato serve` and are found again (or seen stopped) after a restart.
//!
//! Skips, saying so, only when qemu is not installed (scripts/test installs it). Every VM a
//! test starts is killed by pid when the test ends, passing or failing.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::{items, names, Backend, Cli, Server, ServeOptions};
use serde_json::{json, Value};

const MARKER: &str = "STRATO-GUEST-READY";
/// One TCG boot of the tiny guest takes ~7-15 s on the 2-core CI machine.
const BOOT: Duration = Duration::from_secs(150);

fn qemu_installed() -> bool {
    ["qemu-system-x86_64", "qemu-img"].iter().all(|binary| {
        Command::new(binary).arg("--version").output().map(|o| o.status.success()).unwrap_or(false)
    })
}

/// Whether the test should run; prints why not.
fn require_qemu() -> bool {
    if qemu_installed() {
        true
    } else {
        eprintln!("SKIPPED: qemu-system-x86_64 or qemu-img is not installed (scripts/test installs them)");
        false
    }
}

/// The tiny guest built by scripts/build-test-image.
fn image_dir() -> PathBuf {
    let dir = match std::env::var_os("STRATO_TEST_KVM_IMAGE") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.test-deps/images/tiny"),
    };
    assert!(
        dir.join("vmlinuz").is_file() && dir.join("initrd.img").is_file(),
        "the tiny test image is missing at {}: run scripts/build-test-image (scripts/test does)",
        dir.display()
    );
    dir
}

/// Live qemu processes of a data dir, by their pid files (checked against /proc).
fn qemu_pids(data_dir: &Path) -> Vec<i32> {
    let mut pids = Vec::new();
    let Ok(entries) = std::fs::read_dir(data_dir.join("kvm/servers")) else { return pids };
    for entry in entries.flatten() {
        let Ok(text) = std::fs::read_to_string(entry.path().join("qemu.pid")) else { continue };
        let Ok(pid) = text.trim().parse::<i32>() else { continue };
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let zombie = stat.rsplit(')').next().is_some_and(|rest| rest.trim_start().starts_with('Z'));
        if !zombie && String::from_utf8_lossy(&cmdline).contains(&*entry.path().to_string_lossy()) {
            pids.push(pid);
        }
    }
    pids
}

fn kill(pid: i32) {
    let _ = Command::new("kill").arg("-KILL").arg(pid.to_string()).status();
}

/// Kills every VM under a data dir, by pid, when dropped (after the servers are stopped).
struct KillVms(PathBuf);

impl Drop for KillVms {
    fn drop(&mut self) {
        for pid in qemu_pids(&self.0) {
            kill(pid);
        }
    }
}

fn count_dirs(dir: &Path) -> usize {
    std::fs::read_dir(dir).map(|entries| entries.flatten().filter(|e| e.path().is_dir()).count()).unwrap_or(0)
}

fn wait_for(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "timed out after {timeout:?} waiting for {what}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

fn serve_local(dir: &Path) -> Server {
    let mut options = ServeOptions::new(Backend::Sqlite, dir.join("data"));
    options.local_account = true;
    Server::start(options)
}

/// `strato cloudcli kvm --data-dir <data> <args>`.
fn cloudcli(data_dir: &Path, args: &[&str]) -> common::Run {
    let cli = Cli { url: String::new(), config: data_dir.join("unused-client.json"), url_in_env: false };
    let mut all = vec!["cloudcli", "kvm", "--data-dir", data_dir.to_str().expect("utf-8 path")];
    all.extend_from_slice(args);
    cli.run(&all)
}

fn register_tiny(data_dir: &Path, name: &str) {
    let images = image_dir();
    let cmdline = std::fs::read_to_string(images.join("cmdline")).expect("cmdline of the tiny image");
    let (kernel, initrd) = (images.join("vmlinuz"), images.join("initrd.img"));
    cloudcli(
        data_dir,
        &["image-register", "--name", name, "--kernel", kernel.to_str().unwrap(), "--initrd", initrd.to_str().unwrap(), "--cmdline", cmdline.trim()],
    )
    .success();
}

/// Waits for the first sync of `local` to have put its region in the inventory.
fn wait_for_local_synced(admin: &Cli) {
    wait_for("the first sync of local", Duration::from_secs(60), || {
        admin.json(&["zone-list", "--scope", "system", "--filter", "cloudaccount.equals(local)"])["total"] == 1
    });
}

fn show(cli: &Cli, keyword: &str, key: &str) -> Value {
    cli.json(&[&format!("{keyword}-show"), key])
}

fn serial_log(data_dir: &Path, server_external_id: &str) -> String {
    let path = data_dir.join("kvm/servers").join(server_external_id).join("serial.log");
    String::from_utf8_lossy(&std::fs::read(path).unwrap_or_default()).into_owned()
}

/// Creates vm1 (1 vcpu, 256 MiB, 1 GiB disk, image tiny), waits for running and the guest
/// marker; answers its external id.
fn create_vm(admin: &Cli, data_dir: &Path, name: &str) -> String {
    let created = admin.json(&[
        "server-create", "--account", "local", "--name", name, "--vcpus", "1", "--memory", "256", "--disk-size", "1", "--image", "tiny", "--wait",
    ]);
    assert_eq!(created["status"], "running", "{created}");
    let external_id = created["external_id"].as_str().expect("external id").to_string();
    wait_for("the guest's ready marker on its serial console", BOOT, || serial_log(data_dir, &external_id).contains(MARKER));
    external_id
}

/// What must not change when a request is refused: VMs, disk dirs, server, disk and task rows.
#[derive(Debug, PartialEq)]
struct Footprint {
    vms: usize,
    disk_dirs: usize,
    servers: Value,
    disks: Value,
    tasks: Value,
}

fn footprint(admin: &Cli, data_dir: &Path) -> Footprint {
    Footprint {
        vms: qemu_pids(data_dir).len(),
        disk_dirs: count_dirs(&data_dir.join("kvm/disks")),
        servers: admin.json(&["server-list", "--scope", "system"])["total"].clone(),
        disks: admin.json(&["disk-list", "--scope", "system"])["total"].clone(),
        tasks: admin.json(&["task-list", "--scope", "system"])["total"].clone(),
    }
}

/// The server under test as an admin sees it, for refused requests.
struct Admin<'a> {
    server: &'a Server,
    cli: &'a Cli,
    token: &'a str,
    data_dir: &'a Path,
}

impl Admin<'_> {
    /// Posts `body` to `path`, expects `status` with a message containing `needle`, and
    /// checks that nothing was made.
    #[track_caller]
    fn refused(&self, path: &str, body: Value, status: u16, needle: &str) {
        let before = footprint(self.cli, self.data_dir);
        let reply = self.server.http().call("POST", path, Some(self.token), Some(&body));
        reply.error_class(status);
        let message = reply.body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(needle), "POST {path} {body}: expected {needle:?} in {message:?}");
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(footprint(self.cli, self.data_dir), before, "POST {path} {body} left something behind");
    }
}

#[test]
fn vm_and_disk_lifecycle_and_bad_input_through_the_binary() {
    if !require_qemu() {
        return;
    }
    // Dropped in reverse: the server stops, then its VMs are killed, then the dir goes.
    let dir = tempfile::Builder::new().prefix("kvm-e2e").tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let _vms = KillVms(data.clone());
    let server = serve_local(dir.path());
    let admin = server.admin_cli();
    let token = admin.saved_token();
    let api = Admin { server: &server, cli: &admin, token: &token, data_dir: &data };

    // The first start registered this host as `local`, owned by the system project, and synced it.
    let accounts = admin.json(&["cloudaccount-list", "--scope", "system", "--details"]);
    assert_eq!(names(&accounts, "cloudaccounts"), ["local"], "{accounts}");
    assert_eq!(items(&accounts, "cloudaccounts")[0]["provider"], "kvm");
    assert_eq!(items(&accounts, "cloudaccounts")[0]["project"], "system");
    wait_for_local_synced(&admin);
    register_tiny(&data, "tiny");
    let listed = cloudcli(&data, &["image-list", "-o", "json"]).json();
    assert_eq!(listed[0]["spec"]["name"], "tiny", "{listed}");

    // A VM with vcpus/memory/disk/image, to running and the guest's marker.
    let vm = create_vm(&admin, &data, "vm1");
    assert_eq!(qemu_pids(&data).len(), 1);
    let shown = show(&admin, "server", "vm1");
    assert_eq!((shown["status"].clone(), shown["instance_type"].clone()), (json!("running"), json!("1c256m")), "{shown}");
    assert!(admin.run(&["server-list", "--scope", "system"]).success().stdout.contains("vm1"));
    // cloudcli next to the server sees the same VM.
    assert!(cloudcli(&data, &["server-list"]).success().stdout.contains(&vm));

    // Disks: create, attach (hot-plug), detach.
    let disk = admin.json(&["disk-create", "--name", "d1", "--account", "local", "--size", "1", "--wait"]);
    assert_eq!(disk["status"], "available", "{disk}");
    assert_eq!(admin.json(&["disk-attach", "d1", "--server", "vm1", "--wait"])["status"], "in_use");
    let on_server = show(&admin, "server", "vm1");
    let attached: Vec<&str> = on_server["disks"].as_array().into_iter().flatten().filter_map(|d| d["disk_id"].as_str()).collect();
    assert!(attached.contains(&disk["id"].as_str().unwrap_or("?")), "{on_server}");
    // grown online (block_resize) while attached to the running VM
    assert_eq!(admin.json(&["disk-resize", "d1", "--size", "2", "--wait"])["size_gb"], 2);

    // Bad input: a clear 4xx before any task runs, and nothing left behind.
    api.refused("/servers",
        json!({"name": "big", "cloudaccount": "local", "vcpus": 4096, "memory_mb": 256, "image": "tiny"}), 400, "vcpus");
    api.refused("/servers",
        json!({"name": "fat", "cloudaccount": "local", "vcpus": 1, "memory_mb": 1u64 << 30, "image": "tiny"}), 400, "memory");
    api.refused("/servers",
        json!({"name": "noimg", "cloudaccount": "local", "vcpus": 1, "memory_mb": 128, "image": "no-such-image"}), 400, "no-such-image");
    api.refused("/servers",
        json!({"name": "hugedisk", "cloudaccount": "local", "vcpus": 1, "memory_mb": 128, "image": "tiny", "root_disk_size": 65536}), 400, "free");
    api.refused("/disks", json!({"name": "huge", "cloudaccount": "local", "size": 65536}), 400, "free");
    api.refused("/disks/d1/attach", json!({"server": "vm1"}), 409, "attached");
    api.refused("/disks/d1/resize", json!({"size": 65536}), 400, "free");
    // the boot disk's row comes with a sync (the create re-reads the server only)
    admin.run(&["cloudaccount-sync", "local", "--wait"]).success();
    let boot = admin.json(&["disk-list", "--scope", "system", "--filter", "name.equals(vm1-boot)"]);
    let boot_id = items(&boot, "disks").first().and_then(|d| d["id"].as_str()).unwrap_or_else(|| panic!("no boot disk row: {boot}")).to_string();
    api.refused(&format!("/disks/{boot_id}/detach"), json!({}), 400, "boot disk");
    // With two images and none named, the answer names the choices.
    register_tiny(&data, "tiny2");
    api.refused("/servers",
        json!({"name": "which", "cloudaccount": "local", "vcpus": 1, "memory_mb": 128}), 400, "tiny, tiny2");
    // cloudcli says the same in one line.
    let cli_refusal = cloudcli(&data, &["server-create", "--name", "big", "--instance-type", "4096c256m", "--image", "tiny"]);
    assert!(!cli_refusal.status.success() && cli_refusal.stderr.lines().count() == 1 && cli_refusal.stderr.contains("vcpus"), "{cli_refusal:?}");
    let boot_external = items(&boot, "disks")[0]["external_id"].as_str().unwrap_or_default().to_string();
    for (args, needle) in [
        (vec!["server-create", "--name", "x", "--instance-type", "1c128m", "--image", "no-such-image"], "no-such-image"),
        (vec!["disk-create", "--name", "x", "--zone", "", "--size-gb", "65536"], "free"),
        (vec!["disk-detach", boot_external.as_str(), "--server", vm.as_str()], "boot disk"),
    ] {
        let run = cloudcli(&data, &args);
        let lines: Vec<&str> = run.stderr.lines().collect();
        assert!(!run.status.success() && lines.len() == 1 && lines[0].starts_with("error: ") && lines[0].contains(needle), "{args:?}: {run:?}");
    }
    assert_eq!(qemu_pids(&data).len(), 1, "a refused cloudcli call left a VM");

    assert_eq!(admin.json(&["disk-detach", "d1", "--wait"])["status"], "available");
    assert_eq!(show(&admin, "server", "vm1")["status"], "running");

    // Stop (ACPI power-down honoured by the guest), delete: gone from the list and the host.
    assert_eq!(admin.json(&["server-stop", "vm1", "--wait"])["status"], "stopped");
    assert!(qemu_pids(&data).is_empty(), "the VM's qemu still runs after stop");
    assert!(serial_log(&data, &vm).contains("STRATO-GUEST-POWEROFF"), "the guest did not power itself off");

    // Change config while stopped (more than the host has is refused first), start, restart.
    api.refused("/servers/vm1/change_config", json!({"vcpus": 4096, "memory_mb": 256}), 400, "vcpus");
    let changed = admin.json(&["server-change-config", "vm1", "--vcpus", "1", "--memory", "192", "--wait"]);
    assert_eq!((changed["status"].clone(), changed["instance_type"].clone()), (json!("stopped"), json!("1c192m")), "{changed}");
    assert_eq!(admin.json(&["server-start", "vm1", "--wait"])["status"], "running");
    wait_for("the guest's marker after start", BOOT, || serial_log(&data, &vm).contains(MARKER));
    assert_eq!(admin.json(&["server-restart", "vm1", "--wait"])["status"], "running");
    wait_for("the guest's marker after restart", BOOT, || serial_log(&data, &vm).contains(MARKER));
    assert_eq!(admin.json(&["server-stop", "vm1", "--wait"])["status"], "stopped");
    admin.run(&["server-delete", "vm1", "--wait"]).success();
    assert!(!admin.run(&["server-list", "--scope", "system"]).success().stdout.contains("vm1"));
    assert!(!cloudcli(&data, &["server-list"]).success().stdout.contains(&vm));
    assert!(!data.join("kvm/servers").join(&vm).exists());
    admin.run(&["disk-delete", "d1", "--wait"]).success();
    // the boot disk went with its server; a sync drops its row
    admin.run(&["cloudaccount-sync", "local", "--wait"]).success();
    assert_eq!(admin.json(&["disk-list", "--scope", "system"])["total"], 0);
    assert_eq!(count_dirs(&data.join("kvm/disks")), 0);
}

#[test]
fn vms_outlive_serve_and_are_found_again() {
    if !require_qemu() {
        return;
    }
    let dir = tempfile::Builder::new().prefix("kvm-restart").tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let _vms = KillVms(data.clone());
    let server = serve_local(dir.path());
    let admin = server.admin_cli();
    wait_for_local_synced(&admin);
    register_tiny(&data, "tiny");
    create_vm(&admin, &data, "vm1");
    let pid = *qemu_pids(&data).first().expect("the VM's pid");

    // serve stops: the VM keeps running; serve starts again on the same data dir: found running.
    let options = server.stop();
    assert_eq!(qemu_pids(&data), [pid], "the VM died with strato serve");
    let server = Server::start(options);
    let admin = server.admin_cli();
    admin.run(&["cloudaccount-sync", "local", "--wait"]).success();
    assert_eq!(show(&admin, "server", "vm1")["status"], "running");

    // The VM dies while serve is down: after a sync it shows as stopped.
    let options = server.stop();
    kill(pid);
    wait_for("the killed VM to be gone", Duration::from_secs(10), || qemu_pids(&data).is_empty());
    let server = Server::start(options);
    let admin = server.admin_cli();
    admin.run(&["cloudaccount-sync", "local", "--wait"]).success();
    assert_eq!(show(&admin, "server", "vm1")["status"], "stopped");

    // An operator who deletes `local` does not get it back on the next start.
    admin.run(&["cloudaccount-delete", "local"]).success();
    let server = Server::start(server.stop());
    let admin = server.admin_cli();
    assert_eq!(admin.json(&["cloudaccount-list", "--scope", "system"])["total"], 0);
}

#[test]
fn without_qemu_serve_starts_without_local_and_says_why() {
    let dir = tempfile::tempdir().expect("temp dir");
    let empty_path = dir.path().join("no-binaries");
    std::fs::create_dir_all(&empty_path).expect("dir");
    let mut options = ServeOptions::new(Backend::Sqlite, dir.path().join("data"));
    options.local_account = true;
    options.env.push(("PATH".into(), empty_path.to_string_lossy().into_owned()));
    let server = Server::start(options);
    let admin = server.admin_cli();
    assert_eq!(admin.json(&["cloudaccount-list", "--scope", "system"])["total"], 0);
    let log = server.stderr_log();
    let lines: Vec<&str> = log.lines().filter(|l| l.contains("no local cloud account")).collect();
    assert_eq!(lines.len(), 1, "expected one line saying why there is no local account:\n{log}");
    assert!(lines[0].contains("qemu"), "{}", lines[0]);
}

/// The README's "Your first VM" block (after `<!-- first-vm -->`), run verbatim by bash from a
/// scratch directory that stands for the repository root. Its one stand-in:
/// `scripts/build-test-image` there links the image `scripts/test` already built instead of
/// downloading Debian packages again.
#[test]
fn readme_first_vm_works_verbatim() {
    if !require_qemu() {
        return;
    }
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).expect("README.md");
    let (_, after) = readme.split_once("<!-- first-vm -->").expect("README.md has a `<!-- first-vm -->` marker");
    let mut lines = after.lines().skip_while(|l| l.trim() != "```sh").skip(1);
    let script = lines.by_ref().take_while(|l| l.trim() != "```").collect::<Vec<_>>().join("\n") + "\n";
    assert!(script.contains("server-create"), "no first-VM block:\n{script}");

    let work = tempfile::Builder::new().prefix("kvm-readme").tempdir().expect("temp dir");
    let root = work.path();
    let data = root.join("strato-data");
    let _vms = KillVms(data.clone());
    std::fs::create_dir_all(root.join("scripts")).expect("scripts dir");
    let stand_in = root.join("scripts/build-test-image");
    std::fs::write(
        &stand_in,
        format!("#!/bin/sh\nset -e\nmkdir -p .test-deps/images\nln -sfn '{}' .test-deps/images/tiny\n", image_dir().display()),
    )
    .expect("stand-in script");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&stand_in, std::fs::Permissions::from_mode(0o755)).expect("chmod");

    let mut options = ServeOptions::new(Backend::Sqlite, data.clone());
    options.local_account = true;
    let server = Server::start(options);
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_strato")).parent().expect("bin dir").to_path_buf();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
    let mut child = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .current_dir(root)
        .env_remove("STRATO_DATA_DIR")
        .env_remove("STRATO_TOKEN")
        .env("PATH", path)
        .env("HOME", root)
        .env("STRATO_URL", &server.url)
        .env("STRATO_CONFIG", root.join("client.json"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("bash");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        writeln!(stdin, "{}", common::ADMIN_PASSWORD).expect("password");
    }
    let output = child.wait_with_output().expect("wait for bash");
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "the README block failed ({})\nstdout:\n{stdout}\nstderr:\n{stderr}", output.status);
    for seen in ["tiny", "vm1", "running", "stopped"] {
        assert!(stdout.contains(seen), "no {seen:?} in the block's output:\n{stdout}");
    }
    assert!(qemu_pids(&data).is_empty(), "the README's VM still runs");
}
