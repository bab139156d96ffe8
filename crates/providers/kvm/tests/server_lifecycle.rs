//! Real qemu: boot the tiny guest, user-data, hot-plug, resize, ACPI stop, start again, delete.

mod common;

use std::time::{Duration, Instant};

use common::{block_nodes, wait_for_serial, TestHost, BOOT, IMAGE};
use strato_provider_kvm::{qemu, CreateDisk, CreateServer, KvmError, ServerStatus, GIB};

#[tokio::test]
async fn boot_user_data_hotplug_resize_stop_start_delete() {
    let test = TestHost::new().await;
    let host = &test.host;
    let server = host
        .create_server(CreateServer {
            name: "vm1".into(),
            vcpus: 1,
            memory_mib: 128,
            image: IMAGE.into(),
            boot_disk_gib: 1,
            data_disk_gib: vec![],
            user_data: Some(b"hello from strato\nsecond line".to_vec()),
            ..Default::default()
        })
        .await
        .expect("create");
    let id = server.spec.id.clone();
    assert!(server.pid.is_some());
    let log = wait_for_serial(host, &id, "STRATO-GUEST-READY", BOOT).await;
    let user_data = log
        .split("STRATO-USER-DATA-BEGIN")
        .nth(1)
        .and_then(|rest| rest.split("STRATO-USER-DATA-END").next())
        .expect("user-data markers on the serial log");
    assert_eq!(user_data.trim().replace('\r', ""), "hello from strato\nsecond line");
    assert_eq!(host.get_server(&id).await.expect("get").status, ServerStatus::Running);
    let user_data_file = host.layout().server(&id).user_data();
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&user_data_file).expect("user-data").permissions());
    assert_eq!(mode & 0o777, 0o600, "user-data must be private");

    // Hot attach: the disk shows up in query-block.
    let disk = host.create_disk(CreateDisk { name: "d1".into(), size_gib: 1, ..Default::default() }).await.expect("create disk");
    assert_eq!(disk.size_bytes, GIB);
    let attached = host.attach_disk(&disk.spec.id, &id).await.expect("attach");
    assert_eq!(attached.server_id.as_deref(), Some(id.as_str()));
    let node = qemu::node_name(&disk.spec.id);
    assert!(block_nodes(host, &id).await.contains(&(node.clone(), GIB)));

    // Attaching it again, detaching the boot disk, deleting it while attached: refused.
    assert!(matches!(host.attach_disk(&disk.spec.id, &id).await, Err(KvmError::Conflict(_))));
    assert!(matches!(host.detach_disk(&server.spec.boot_disk).await, Err(KvmError::InvalidInput(_))));
    assert!(matches!(host.delete_disk(&disk.spec.id).await, Err(KvmError::Conflict(_))));

    // Online resize.
    let resized = host.resize_disk(&disk.spec.id, 2).await.expect("resize");
    assert_eq!(resized.size_bytes, 2 * GIB);
    assert!(block_nodes(host, &id).await.contains(&(node.clone(), 2 * GIB)));
    assert!(matches!(host.resize_disk(&disk.spec.id, 1).await, Err(KvmError::InvalidInput(_))));

    // Hot detach: gone from query-block, then deletable.
    let detached = host.detach_disk(&disk.spec.id).await.expect("detach");
    assert_eq!(detached.server_id, None);
    assert!(!block_nodes(host, &id).await.iter().any(|(name, _)| *name == node));
    host.delete_disk(&disk.spec.id).await.expect("delete disk");

    // Config changes need a stopped server.
    assert!(matches!(host.change_server_config(&id, Some(1), Some(192)).await, Err(KvmError::Conflict(_))));

    // ACPI stop: the guest powers itself off (it says so), well before the hard-stop timeout.
    let started = Instant::now();
    let stopped = host.stop_server(&id).await.expect("stop");
    assert_eq!(stopped.status, ServerStatus::Stopped);
    assert!(started.elapsed() < Duration::from_secs(20), "stop took {:?}", started.elapsed());
    let log = std::fs::read_to_string(host.serial_log_path(&id)).expect("serial log");
    assert!(log.contains("STRATO-GUEST-POWEROFF"), "guest did not see the power button:\n{log}");

    // Offline: change config, resize the boot disk with qemu-img, start again.
    let changed = host.change_server_config(&id, None, Some(192)).await.expect("change config");
    assert_eq!(changed.spec.memory_mib, 192);
    host.resize_disk(&server.spec.boot_disk, 2).await.expect("offline resize");
    let restarted = host.start_server(&id).await.expect("start");
    assert_eq!(restarted.status, ServerStatus::Running);
    wait_for_serial(host, &id, "STRATO-GUEST-READY", BOOT).await;
    assert!(block_nodes(host, &id).await.contains(&(qemu::node_name(&server.spec.boot_disk), 2 * GIB)));

    host.delete_server(&id).await.expect("delete");
    assert!(matches!(host.get_server(&id).await, Err(KvmError::NotFound { .. })));
    assert!(host.list_disks().await.expect("disks").is_empty());
    assert!(common::qemu_pids(test.dir.path()).is_empty());
}
