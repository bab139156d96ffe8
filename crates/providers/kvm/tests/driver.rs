//! The `kvm` driver through the contract (registry, request layer, Ext* snapshots), on real qemu.

mod common;

use std::sync::Arc;

use common::{wait_for_serial, KillVmsOnDrop, IMAGE};
use strato_cloud::kinds::{act, get, list};
use strato_cloud::*;

#[tokio::test]
async fn driver_lists_the_host_and_runs_a_server_and_a_disk() {
    let images = common::require_qemu_and_image().await;
    let dir = tempfile::Builder::new().prefix("kvm").tempdir().expect("tempdir");
    let _kill = KillVmsOnDrop(dir.path().to_path_buf());

    let mut registry = ProviderRegistry::new();
    strato_provider_kvm::register(&mut registry, dir.path()).expect("register");
    let provider = registry.get("kvm").expect("kvm registered");
    assert!(provider.credential_fields().is_empty());
    let layer = Arc::new(RequestLayer::default());
    let driver = provider.connect(DriverConfig::new("local", Credentials::new(), layer.clone())).await.expect("connect");

    // The host: one region, one zone, a default vpc and network, capacity and accel on show.
    let regions = list::<CloudRegion>(driver.as_ref(), "").await.expect("regions");
    assert_eq!(regions.len(), 1);
    let region = regions[0].base.external_id.clone();
    let tags = &regions[0].base.tags;
    assert!(matches!(tags.get("kvm.accel").map(String::as_str), Some("kvm" | "tcg")));
    assert!(tags.get("kvm.cpus").and_then(|c| c.parse::<u32>().ok()).is_some_and(|c| c >= 1));
    let zones = list::<Zone>(driver.as_ref(), &region).await.expect("zones");
    assert_eq!(zones.len(), 1);
    let zone = zones[0].base.external_id.clone();
    let vpcs = list::<Vpc>(driver.as_ref(), &region).await.expect("vpcs");
    let networks = list::<Network>(driver.as_ref(), &region).await.expect("networks");
    assert!(vpcs.len() == 1 && vpcs[0].is_default);
    assert_eq!(networks[0].vpc_id, vpcs[0].base.external_id);
    assert!(list::<Sku>(driver.as_ref(), &region).await.expect("skus").iter().any(|sku| sku.base.external_id == "1c128m"));
    assert!(list::<Server>(driver.as_ref(), &region).await.expect("servers").is_empty());
    assert!(list::<Secgroup>(driver.as_ref(), &region).await.expect_err("no secgroups").is_not_implemented());
    assert!(list::<Server>(driver.as_ref(), "elsewhere").await.expect_err("wrong region").is_not_found());

    // The image is registered on the host the driver uses.
    let registered = provider.connect(DriverConfig::new("local", Credentials::new(), layer.clone())).await.expect("connect");
    assert_eq!(list::<CloudRegion>(registered.as_ref(), "").await.expect("regions")[0].base.external_id, region);
    let host = strato_provider_kvm::KvmHost::open(strato_provider_kvm::KvmConfig::new(dir.path()).expect("config"))
        .await
        .expect("open");
    let cmdline = std::fs::read_to_string(images.join("cmdline")).expect("cmdline");
    host.register_kernel_image(IMAGE, &images.join("vmlinuz"), &images.join("initrd.img"), cmdline.trim())
        .await
        .expect("register image");

    // Bad input: typed errors.
    let input = |instance_type: &str, image: &str| ServerCreate {
        name: "vm1".into(),
        instance_type: instance_type.into(),
        image_id: image.into(),
        zone: Some(zone.clone()),
        root_disk_gb: Some(1),
        user_data: Some("driver user-data".into()),
        idempotency_token: Some("token-1".into()),
        tags: [("suite".to_string(), "kvm".to_string())].into(),
        ..Default::default()
    };
    let kind = |r: CloudResult<ExtServer>| r.expect_err("must fail").kind;
    assert_eq!(kind(driver.create_server(&region, &input("4096c128m", IMAGE)).await), CloudErrorKind::QuotaExceeded);
    assert_eq!(kind(driver.create_server(&region, &input("1c128m", "missing")).await), CloudErrorKind::InvalidInput);
    assert_eq!(kind(driver.create_server(&region, &input("one-cpu", IMAGE)).await), CloudErrorKind::InvalidInput);
    assert!(list::<Server>(driver.as_ref(), &region).await.expect("servers").is_empty());

    // Create; the same token again is the same server.
    let server = driver.create_server(&region, &input("1c128m", IMAGE)).await.expect("create");
    assert_eq!(server.status, ServerStatus::Running);
    assert_eq!(server.instance_type, "1c128m");
    assert_eq!(server.network_id.as_deref(), Some(networks[0].base.external_id.as_str()));
    let again = driver.create_server(&region, &input("1c128m", IMAGE)).await.expect("retried create");
    assert_eq!(again.base.external_id, server.base.external_id);
    let id = server.base.external_id.clone();
    assert_eq!(server.base.tags.get("suite").map(String::as_str), Some("kvm"));
    let more: Tags = [("env".to_string(), "test".to_string())].into();
    driver.set_tags(&region, ResourceKind::Server, &id, &more, false).await.expect("merge tags");
    let tags = get::<Server>(driver.as_ref(), &region, &id).await.expect("get").base.tags;
    assert_eq!(tags.len(), 2, "{tags:?}");
    assert!(driver.set_tags(&region, ResourceKind::Server, "ffff", &more, true).await.expect_err("missing").is_not_found());
    let log = wait_for_serial(&host, &id, "STRATO-GUEST-READY", common::BOOT).await;
    assert!(log.contains("driver user-data"));

    // Disks through the driver.
    let disk = driver
        .create_disk(&region, &DiskCreate { name: "d1".into(), zone: zone.clone(), size_gb: 1, ..Default::default() })
        .await
        .expect("create disk");
    assert_eq!((disk.status, disk.size_gb), (DiskStatus::Available, 1));
    let device = driver.attach_disk(&region, &disk.base.external_id, &id, None).await.expect("attach");
    let attached = get::<Disk>(driver.as_ref(), &region, &disk.base.external_id).await.expect("get disk");
    assert_eq!((attached.status, attached.server_id.as_deref(), attached.device.as_deref()), (DiskStatus::InUse, Some(id.as_str()), Some(device.as_str())));
    assert_eq!(
        driver.detach_disk(&region, &disk.base.external_id, "another").await.expect_err("wrong server").kind,
        CloudErrorKind::Conflict
    );
    driver.resize_disk(&region, &disk.base.external_id, 2).await.expect("resize");
    driver.detach_disk(&region, &disk.base.external_id, &id).await.expect("detach");
    act::<Disk>(driver.as_ref(), &region, &disk.base.external_id, "delete").await.expect("delete disk");
    assert!(get::<Disk>(driver.as_ref(), &region, &disk.base.external_id).await.expect_err("gone").is_not_found());
    let root = get::<Server>(driver.as_ref(), &region, &id).await.expect("get").disks[0].disk_id.clone();
    assert_eq!(driver.detach_disk(&region, &root, &id).await.expect_err("boot disk").kind, CloudErrorKind::InvalidInput);

    // Stop, change config, delete.
    assert_eq!(driver.change_server_config(&region, &id, "1c192m").await.expect_err("running").kind, CloudErrorKind::Conflict);
    act::<Server>(driver.as_ref(), &region, &id, "stop").await.expect("stop");
    assert_eq!(get::<Server>(driver.as_ref(), &region, &id).await.expect("get").status, ServerStatus::Stopped);
    driver.change_server_config(&region, &id, "1c192m").await.expect("change config");
    assert_eq!(get::<Server>(driver.as_ref(), &region, &id).await.expect("get").memory_mb, Some(192));
    act::<Server>(driver.as_ref(), &region, &id, "delete").await.expect("delete");
    assert!(get::<Server>(driver.as_ref(), &region, &id).await.expect_err("gone").is_not_found());
    assert!(list::<Disk>(driver.as_ref(), &region).await.expect("disks").is_empty());

    // Every call went through the request layer.
    let key = RequestKey { provider: "kvm", account: "local".into(), region: region.clone(), class: ApiClass::Mutate };
    assert!(layer.counters(&key).requests >= 8);
}
