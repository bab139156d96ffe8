//! Real qemu: VMs outlive the manager and are found again; a killed VM reads as stopped;
//! bad input is refused with typed errors and leaves nothing behind.

mod common;

use std::time::Duration;

use common::{wait_for_serial, TestHost, IMAGE};
use strato_provider_kvm::{qemu, CreateDisk, CreateServer, KvmError, ServerStatus};

fn tiny(name: &str) -> CreateServer {
    CreateServer {
        name: name.into(),
        vcpus: 1,
        memory_mib: 128,
        image: IMAGE.into(),
        boot_disk_gib: 1,
        data_disk_gib: vec![1],
        user_data: None,
        ..Default::default()
    }
}

#[tokio::test]
async fn vm_survives_manager_restart_and_a_killed_vm_is_stopped() {
    let test = TestHost::new().await;
    let server = test.host.create_server(tiny("survivor")).await.expect("create");
    let id = server.spec.id.clone();
    let pid = server.pid.expect("pid");
    let log = wait_for_serial(&test.host, &id, "STRATO-GUEST-READY", common::BOOT).await;
    assert!(log.contains("STRATO-USER-DATA-NONE"));

    // A new manager over the same data dir (strato restarted) finds the same running VM.
    let reopened = TestHost::open(test.dir.path()).await;
    let servers = reopened.list_servers().await.expect("list");
    assert_eq!(servers.len(), 1);
    assert_eq!(servers[0].spec.id, id);
    assert_eq!(servers[0].status, ServerStatus::Running);
    assert_eq!(servers[0].pid, Some(pid));
    assert_eq!(servers[0].qemu_status.as_deref(), Some("running"));
    let disks = reopened.list_disks().await.expect("disks");
    assert_eq!(disks.len(), 2);
    assert!(disks.iter().all(|disk| disk.server_id.as_deref() == Some(id.as_str())));
    assert_eq!(disks.iter().filter(|disk| disk.boot).count(), 1);

    // The VM dies behind our back: it reads as stopped, not running.
    qemu::kill(pid);
    assert!(qemu::wait_exit(pid, Duration::from_secs(10)).await);
    let after = TestHost::open(test.dir.path()).await;
    let dead = after.get_server(&id).await.expect("get");
    assert_eq!(dead.status, ServerStatus::Stopped);
    assert_eq!(dead.pid, None);

    // And it can be started again (the stale socket and pid file do not get in the way).
    let started = after.start_server(&id).await.expect("start");
    assert_eq!(started.status, ServerStatus::Running);

    // Stopped at once, while the guest still boots: the power button is pressed again until
    // the guest listens, so it powers itself off instead of being killed at the timeout.
    let stopped = after.stop_server(&id).await.expect("stop");
    assert_eq!(stopped.status, ServerStatus::Stopped);
    let log = std::fs::read_to_string(after.serial_log_path(&id)).expect("serial log");
    assert!(log.contains("STRATO-GUEST-POWEROFF"), "guest was not powered off by ACPI:\n{log}");
    after.delete_server(&id).await.expect("delete");
    assert!(common::qemu_pids(test.dir.path()).is_empty());

    // qemu runs from "/", so a relative data dir is made absolute (nextest runs each test in
    // its own process, so changing the working directory here touches no other test).
    std::env::set_current_dir(test.dir.path()).expect("chdir");
    let relative = TestHost::open(std::path::Path::new("relative-data")).await;
    assert_eq!(relative.data_dir(), test.dir.path().join("relative-data"));
}

#[tokio::test]
async fn bad_input_is_refused_and_leaves_nothing_behind() {
    let test = TestHost::new().await;
    let host = &test.host;
    let capacity = host.capacity().expect("capacity");

    let too_many_cpus = CreateServer { vcpus: capacity.cpus + 1, ..tiny("cpus") };
    assert!(matches!(host.create_server(too_many_cpus).await, Err(KvmError::CapacityExceeded(_))));
    let too_much_memory = CreateServer { memory_mib: capacity.memory_total_mib + 1, ..tiny("mem") };
    assert!(matches!(host.create_server(too_much_memory).await, Err(KvmError::CapacityExceeded(_))));
    let no_image = CreateServer { image: "no-such-image".into(), ..tiny("img") };
    assert!(matches!(host.create_server(no_image).await, Err(KvmError::InvalidInput(_))));
    let huge = capacity.disk_free_bytes / strato_provider_kvm::GIB + 1;
    let big_disk = CreateServer { data_disk_gib: vec![huge], ..tiny("disk") };
    assert!(matches!(host.create_server(big_disk).await, Err(KvmError::CapacityExceeded(_))));
    assert!(matches!(host.create_disk(CreateDisk { name: "huge".into(), size_gib: huge, ..Default::default() }).await, Err(KvmError::CapacityExceeded(_))));
    assert!(matches!(host.create_disk(CreateDisk { name: "zero".into(), size_gib: 0, ..Default::default() }).await, Err(KvmError::InvalidInput(_))));
    assert!(matches!(host.create_server(CreateServer { name: " ".into(), ..tiny("x") }).await, Err(KvmError::InvalidInput(_))));

    // qemu itself refuses (memory below what q35 firmware can use is fine for qemu, so use a
    // broken kernel path instead): the half-made server and its disks are removed.
    let images = common::image_dir();
    let broken = test.dir.path().join("broken-kernel");
    std::fs::write(&broken, b"not a kernel").expect("write");
    host.register_kernel_image("broken", &broken, &images.join("initrd.img"), "console=ttyS0")
        .await
        .expect("register");
    std::fs::remove_file(host.layout().image_dir("broken").join("vmlinuz")).expect("remove kernel");
    let failed = host.create_server(CreateServer { image: "broken".into(), ..tiny("broken") }).await;
    assert!(failed.is_err(), "qemu started without a kernel: {failed:?}");

    assert!(matches!(host.get_disk("nope").await, Err(KvmError::NotFound { .. })));
    assert!(matches!(host.get_server("../etc").await, Err(KvmError::NotFound { .. })));
    assert!(host.list_servers().await.expect("servers").is_empty());
    assert!(host.list_disks().await.expect("disks").is_empty());
    assert_eq!(std::fs::read_dir(host.layout().servers_dir()).expect("servers dir").count(), 0);
    assert_eq!(std::fs::read_dir(host.layout().disks_dir()).expect("disks dir").count(), 0);
    assert!(common::qemu_pids(test.dir.path()).is_empty());
}
