//! Sync against the fake cloud, on SQLite and PostgreSQL.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use common::{cloud, driver, reconciler, Env, SMALL};
use strato_cloud::kinds;
use strato_cloud::*;
use strato_provider_fake::FakeCloud;
use strato_store::synced::ChangeSource;
use strato_sync::kinds::region_kinds;
use strato_sync::{ChangeOrigin, RefreshOutcome, RunStatus, ScopeStatus};
use strato_types::{CloudAccountId, CloudRegionId};

const REGIONS: [&str; 2] = ["fake-region-1", "fake-region-2"];

async fn cloud_ids(d: &dyn CloudDriver, kind: ResourceKind, region: &str) -> BTreeSet<String> {
    let cx = strato_sync::kinds::Resolver::for_provider(d.provider());
    kinds::lookup(kind).list(d, region, &cx).await.expect("list").into_iter().map(|x| x.external_id).collect()
}

async fn region_id(env: &Env, account: CloudAccountId, region: &str) -> CloudRegionId {
    env.store.cloudregions().get_by_external_id(account, region).await.expect("region").id
}

async fn store_ids(env: &Env, account: CloudAccountId, kind: ResourceKind, region: &str) -> BTreeSet<String> {
    let rid = region_id(env, account, region).await;
    env.store.synced().scan(kind.meta(), account, Some(rid)).await.expect("scan").into_iter().map(|r| r.external_id).collect()
}

/// The store holds exactly what the cloud lists, kind by kind, region by region.
async fn assert_mirrors(env: &Env, account: CloudAccountId, cloud: &Arc<FakeCloud>) {
    let d = driver(cloud);
    for region in REGIONS {
        for kind in region_kinds() {
            assert_eq!(store_ids(env, account, *kind, region).await, cloud_ids(&d, *kind, region).await, "{kind} in {region}");
        }
    }
}

/// Sum of updated_at over every synced table: unchanged iff no row was written.
async fn fingerprint(env: &Env, account: CloudAccountId) -> Vec<(i64, String)> {
    let mut out = Vec::new();
    for kind in std::iter::once(&ResourceKind::CloudRegion).chain(region_kinds()) {
        let d = kind.meta();
        let rows = env.store.synced().scan(d, account, None).await;
        let rows = match rows {
            Ok(r) => r,
            Err(_) => {
                let mut all = Vec::new();
                for region in REGIONS {
                    let rid = region_id(env, account, region).await;
                    all.extend(env.store.synced().scan(d, account, Some(rid)).await.expect("scan"));
                }
                all
            }
        };
        let ids: Vec<_> = rows.iter().map(|r| r.id).collect();
        for row in env.store.synced().load(d, &ids).await.expect("load") {
            out.push((0, format!("{}:{:?}:{:?}", row.external_id, row.values, row.children)));
        }
        out.push((env.store.synced().count(d, account).await.expect("count"), d.plural.to_string()));
    }
    out.sort();
    out
}

both!(first_sync_mirrors_the_cloud, |env: Env| async move {
    let cloud = cloud(SMALL);
    let d = driver(&cloud);
    // some attachments, so server_disks has rows
    let servers = Facet::<Server>::list(&d, "fake-region-1").await.expect("servers");
    let disks = Facet::<Disk>::list(&d, "fake-region-1").await.expect("disks");
    let mut free: Vec<_> = disks.iter().filter(|x| x.server_id.is_none()).collect();
    let mut attached_now = 0;
    for s in &servers {
        if let Some(i) = free.iter().position(|x| x.zone == s.zone) {
            let disk = free.remove(i);
            d.attach_disk("fake-region-1", &disk.base.external_id, &s.base.external_id, None).await.expect("attach");
            attached_now += 1;
        }
    }
    assert!(attached_now >= 5);
    let servers = Facet::<Server>::list(&d, "fake-region-1").await.expect("servers");
    let account = env.account("a1").await;
    let rec = reconciler(&env.store, &cloud, None);
    let outcome = rec.sync_account(account).await.expect("sync");
    assert_eq!(outcome.status, RunStatus::Succeeded, "{:?}", outcome.scopes);
    assert_mirrors(&env, account, &cloud).await;
    assert_eq!(env.store.synced().count(ResourceKind::CloudRegion.meta(), account).await.unwrap(), 2);
    let attached: i64 = env
        .store
        .synced()
        .count_children(ResourceKind::Server.meta(), &ResourceKind::Server.meta().children[0], account)
        .await
        .unwrap();
    let cloud_attached: usize = servers.iter().map(|s| s.disks.len()).sum::<usize>();
    assert_eq!(attached as usize, cloud_attached, "attachments");
    let links = env.store.synced().count_children(ResourceKind::Server.meta(), &ResourceKind::Server.meta().children[1], account).await.unwrap();
    assert_eq!(links, 60, "every fake server is in one security group");
    let rules = env
        .store
        .synced()
        .count_children(ResourceKind::Secgroup.meta(), &ResourceKind::Secgroup.meta().children[0], account)
        .await
        .unwrap();
    assert!(rules > 0);
    // history: one row per (region, kind) plus the regions row
    let history = env.store.synced().history(account, 100).await.unwrap();
    assert_eq!(history.len(), 1 + 2 * region_kinds().len());
    assert!(history.iter().any(|h| h.kind == "server" && h.added == 30 && h.cloud_requests > 0));
    // tags and project: the account's default project
    let acc = env.store.cloudaccounts().get(account).await.unwrap();
    let zone = env.store.zones().get_by_external_id(account, "fake-region-1a").await.unwrap();
    assert_eq!(zone.common.project_id, acc.project_id);
});

both!(no_change_resync_writes_nothing, |env: Env| async move {
    let cloud = cloud(SMALL);
    let account = env.account("a1").await;
    let rec = reconciler(&env.store, &cloud, None);
    rec.sync_account(account).await.expect("sync");
    let before = fingerprint(&env, account).await;
    let changes_before = env.store.synced().count_changes(account).await.unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let again = rec.sync_account(account).await.expect("resync");
    assert_eq!(again.status, RunStatus::Succeeded);
    assert_eq!(again.totals(), (0, 0, 0));
    assert_eq!(fingerprint(&env, account).await, before);
    assert_eq!(env.store.synced().count_changes(account).await.unwrap(), changes_before);
});

both!(out_of_band_changes_are_followed_and_logged, |env: Env| async move {
    let cloud = cloud(SMALL);
    let d = driver(&cloud);
    let account = env.account("a1").await;
    let rec = reconciler(&env.store, &cloud, None);
    rec.sync_account(account).await.expect("sync");
    let r1 = "fake-region-1";
    let servers = Facet::<Server>::list(&d, r1).await.unwrap();
    let running = servers.iter().find(|s| s.status == ServerStatus::Running).unwrap().base.external_id.clone();
    let doomed = servers.iter().rev().find(|s| s.base.external_id != running).unwrap().base.external_id.clone();
    Facet::<Server>::act(&d, r1, &running, "stop").await.unwrap();
    Facet::<Server>::act(&d, r1, &doomed, "delete").await.unwrap();
    let mut tags = Tags::new();
    tags.insert("env".into(), "prod".into());
    d.set_tags(r1, ResourceKind::Server, &running, &tags, false).await.unwrap();
    let disk = Facet::<Disk>::list(&d, r1).await.unwrap().into_iter().find(|x| x.server_id.is_none()).unwrap();
    d.resize_disk(r1, &disk.base.external_id, disk.size_gb + 10).await.unwrap();
    let created = d
        .create_server(r1, &ServerCreate { name: "new-vm".into(), instance_type: "fake.small".into(), image_id: "fake-img-debian-12".into(), ..Default::default() })
        .await
        .unwrap();

    let outcome = rec.sync_account(account).await.expect("resync");
    assert_eq!(outcome.status, RunStatus::Succeeded, "{:?}", outcome.scopes);
    assert_mirrors(&env, account, &cloud).await;
    let servers_scope = outcome.scope(r1, ResourceKind::Server).unwrap();
    assert_eq!((servers_scope.added, servers_scope.updated, servers_scope.removed), (1, 1, 1));
    assert!(store_ids(&env, account, ResourceKind::Server, r1).await.contains(&created.base.external_id));

    let rid = region_id(&env, account, r1).await;
    let rows = env.store.synced().scan(ResourceKind::Server.meta(), account, Some(rid)).await.unwrap();
    let stopped = rows.iter().find(|r| r.external_id == running).unwrap();
    let log = env.store.synced().changes("server", stopped.id).await.unwrap();
    assert!(log.iter().all(|c| c.source == ChangeSource::Sync));
    assert!(log.iter().any(|c| c.field == "status" && c.old_value.as_deref() == Some("running") && c.new_value.as_deref() == Some("stopped")), "{log:?}");
    assert!(log.iter().any(|c| c.field == "power_state"));
    assert!(log.iter().any(|c| c.field == "tags" && c.new_value.as_deref().is_some_and(|v| v.contains("prod"))));
    let drows = env.store.synced().scan(ResourceKind::Disk.meta(), account, Some(rid)).await.unwrap();
    let resized = drows.iter().find(|r| r.external_id == disk.base.external_id).unwrap();
    let dlog = env.store.synced().changes("disk", resized.id).await.unwrap();
    assert!(dlog.iter().any(|c| c.field == "size_gb" && c.new_value == Some((disk.size_gb + 10).to_string())), "{dlog:?}");
    assert!(env.store.synced().count_changes(account).await.unwrap() >= 5);

    // targeted re-read
    Facet::<Server>::act(&d, r1, &running, "start").await.unwrap();
    assert_eq!(rec.refresh_one(account, r1, ResourceKind::Server, &running, ChangeOrigin::user("tester")).await.unwrap(), RefreshOutcome::Updated);
    assert_eq!(rec.refresh_one(account, r1, ResourceKind::Server, &running, ChangeOrigin::user("tester")).await.unwrap(), RefreshOutcome::Unchanged);
    Facet::<Server>::act(&d, r1, &running, "delete").await.unwrap();
    assert_eq!(rec.refresh_one(account, r1, ResourceKind::Server, &running, ChangeOrigin::user("tester")).await.unwrap(), RefreshOutcome::Removed);
    assert!(!store_ids(&env, account, ResourceKind::Server, r1).await.contains(&running));
    assert_mirrors(&env, account, &cloud).await;
});

both!(failed_listing_keeps_rows_and_other_region_syncs, |env: Env| async move {
    let cloud = cloud(SMALL);
    let d = driver(&cloud);
    let account = env.account("a1").await;
    let rec = reconciler(&env.store, &cloud, None);
    rec.sync_account(account).await.expect("sync");
    let (r1, r2) = ("fake-region-1", "fake-region-2");
    let kept = store_ids(&env, account, ResourceKind::Server, r1).await;
    for s in Facet::<Server>::list(&d, r1).await.unwrap().iter().take(10) {
        Facet::<Server>::act(&d, r1, &s.base.external_id, "delete").await.unwrap();
    }
    for s in Facet::<Server>::list(&d, r2).await.unwrap().iter().take(3) {
        Facet::<Server>::act(&d, r2, &s.base.external_id, "delete").await.unwrap();
    }
    cloud.fail_listing(ResourceKind::Server, r1);
    let outcome = rec.sync_account(account).await.expect("sync");
    assert_eq!(outcome.status, RunStatus::Partial);
    let failed = outcome.scope(r1, ResourceKind::Server).unwrap();
    assert_eq!(failed.status, ScopeStatus::Failed);
    assert!(failed.error.as_deref().is_some_and(|e| e.contains("injected")), "{failed:?}");
    assert_eq!(store_ids(&env, account, ResourceKind::Server, r1).await, kept, "region 1 servers all survive");
    assert_eq!(store_ids(&env, account, ResourceKind::Server, r2).await, cloud_ids(&d, ResourceKind::Server, r2).await);
    assert_eq!(outcome.scope(r2, ResourceKind::Server).unwrap().removed, 3);
    // the kinds after servers in region 1 that do not depend on them still ran
    assert_eq!(outcome.scope(r1, ResourceKind::Elasticsearch).unwrap().status, ScopeStatus::Succeeded);
    let history = env.store.synced().history(account, 100).await.unwrap();
    assert!(history.iter().any(|h| h.region == r1 && h.kind == "server" && h.errors == 1 && h.error.is_some()));

    // a failed dependency skips its dependents (not purged)
    cloud.clear_faults();
    cloud.fail_listing(ResourceKind::Vpc, r2);
    let networks = store_ids(&env, account, ResourceKind::Network, r2).await;
    let outcome = rec.sync_account(account).await.expect("sync");
    assert_eq!(outcome.scope(r2, ResourceKind::Network).unwrap().status, ScopeStatus::Skipped);
    assert_eq!(outcome.scope(r2, ResourceKind::Server).unwrap().status, ScopeStatus::Skipped);
    assert_eq!(store_ids(&env, account, ResourceKind::Network, r2).await, networks);
    assert_eq!(store_ids(&env, account, ResourceKind::Server, r1).await, cloud_ids(&d, ResourceKind::Server, r1).await);
});

/// Lists every vpc twice; every other kind is the wrapped driver's.
struct Doubling(Arc<dyn CloudDriver>);

#[async_trait]
impl CloudDriver for Doubling {
    fn provider(&self) -> &'static str {
        self.0.provider()
    }
    fn capabilities(&self) -> CapabilitySet {
        self.0.capabilities()
    }
    fn facet(&self, kind: ResourceKind) -> Option<Box<dyn ErasedFacet + '_>> {
        if kind == ResourceKind::Vpc {
            return Some(Box::new(kinds::Typed::<Vpc, _>::new(self)));
        }
        self.0.facet(kind)
    }
}

#[async_trait]
impl Facet<Vpc> for Doubling {
    async fn list(&self, r: &str) -> CloudResult<Vec<ExtVpc>> {
        let mut v = facet::<Vpc>(self.0.as_ref())?.list(r).await?;
        let copy = v.clone();
        v.extend(copy);
        Ok(v)
    }
}

both!(duplicate_external_ids_are_reported_not_deleted, |env: Env| async move {
    let cloud = cloud(SMALL);
    let account = env.account("a1").await;
    let wrap: common::Wrap = Arc::new(|d| Arc::new(Doubling(d)) as Arc<dyn CloudDriver>);
    let rec = reconciler(&env.store, &cloud, Some(wrap));
    let outcome = rec.sync_account(account).await.expect("sync");
    let vpcs = outcome.scope("fake-region-1", ResourceKind::Vpc).unwrap();
    assert_eq!(vpcs.duplicates.len(), 2, "{vpcs:?}");
    assert_eq!(vpcs.added, 2);
    assert_mirrors(&env, account, &cloud).await;
    let again = rec.sync_account(account).await.expect("sync");
    assert_eq!(again.totals(), (0, 0, 0));
    assert_eq!(again.scope("fake-region-1", ResourceKind::Vpc).unwrap().duplicates.len(), 2);
    let history = env.store.synced().history(account, 100).await.unwrap();
    assert!(history.iter().any(|h| h.kind == "vpc" && h.duplicates == 2 && h.error.as_deref().is_some_and(|e| e.contains("duplicate"))));
});

both!(names_stay_unique_with_a_suffix, |env: Env| async move {
    let cloud = cloud(SMALL);
    let d = driver(&cloud);
    let account = env.account("a1").await;
    let r1 = "fake-region-1";
    for _ in 0..2 {
        d.create_server(r1, &ServerCreate { name: "twin".into(), instance_type: "fake.small".into(), image_id: "fake-img-debian-12".into(), ..Default::default() })
            .await
            .unwrap();
    }
    let rec = reconciler(&env.store, &cloud, None);
    rec.sync_account(account).await.expect("sync");
    let rid = region_id(&env, account, r1).await;
    let names: BTreeSet<String> =
        env.store.synced().scan(ResourceKind::Server.meta(), account, Some(rid)).await.unwrap().into_iter().map(|r| r.name).collect();
    assert!(names.contains("twin") && names.contains("twin-1"), "{names:?}");
    assert_eq!(rec.sync_account(account).await.unwrap().totals(), (0, 0, 0), "suffixed names are stable");
});

both!(concurrent_syncs_one_runs_no_duplicates, |env: Env| async move {
    let cloud = cloud(SMALL);
    let account = env.account("a1").await;
    let other = env.replica().await;
    let a = reconciler(&env.store, &cloud, None);
    let b = reconciler(&other, &cloud, None);
    let (x, y) = tokio::join!(a.sync_account(account), b.sync_account(account));
    let (x, y) = (x.expect("a"), y.expect("b"));
    for o in [&x, &y] {
        assert!(o.scopes.iter().all(|s| matches!(s.status, ScopeStatus::Succeeded | ScopeStatus::Busy)), "{:?}", o.scopes);
    }
    assert_mirrors(&env, account, &cloud).await;
    for region in REGIONS {
        let ran = [&x, &y].iter().filter(|o| o.scope(region, ResourceKind::Server).is_some_and(|s| s.added > 0)).count();
        assert_eq!(ran, 1, "exactly one sync added {region}'s servers");
    }

    // a live lease held elsewhere: that region is left to its holder
    let leases = env.store.sync_leases();
    assert!(leases.acquire(account, "fake-region-1", "replica-c", Duration::from_secs(600)).await.unwrap());
    let o = a.sync_account(account).await.unwrap();
    assert_eq!(o.scope("fake-region-1", ResourceKind::Zone).unwrap().status, ScopeStatus::Busy);
    assert_eq!(o.scope("fake-region-2", ResourceKind::Server).unwrap().status, ScopeStatus::Succeeded);
    assert_eq!(o.status, RunStatus::Partial);
    assert_eq!(leases.holder(account, "fake-region-1").await.unwrap().unwrap().owner, "replica-c");
});

both!(expired_lease_is_taken_over, |env: Env| async move {
    let cloud = cloud(SMALL);
    let account = env.account("a1").await;
    let leases = env.store.sync_leases();
    for scope in ["", "fake-region-1", "fake-region-2"] {
        assert!(leases.acquire(account, scope, "dead-replica", Duration::from_millis(1)).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(20)).await;
    let rec = reconciler(&env.store, &cloud, None);
    let o = rec.sync_account(account).await.expect("sync");
    assert_eq!(o.status, RunStatus::Succeeded, "{:?}", o.scopes);
    assert_mirrors(&env, account, &cloud).await;
    for scope in ["", "fake-region-1", "fake-region-2"] {
        assert_eq!(leases.holder(account, scope).await.unwrap(), None, "released after the run");
    }
    // a live lease is not taken over
    assert!(leases.acquire(account, "x", "one", Duration::from_secs(60)).await.unwrap());
    assert!(!leases.acquire(account, "x", "two", Duration::from_secs(60)).await.unwrap());
    assert!(leases.acquire(account, "x", "one", Duration::from_secs(60)).await.unwrap(), "the holder renews");
});

both!(rows_with_running_operations_are_left_alone, |env: Env| async move {
    let cloud = cloud(SMALL);
    let d = driver(&cloud);
    let account = env.account("a1").await;
    let rec = reconciler(&env.store, &cloud, None);
    rec.sync_account(account).await.expect("sync");
    let r1 = "fake-region-1";
    let rid = region_id(&env, account, r1).await;
    let servers = Facet::<Server>::list(&d, r1).await.unwrap();
    let (busy, doomed) = (servers[0].base.external_id.clone(), servers[1].base.external_id.clone());
    let rows = env.store.synced().scan(ResourceKind::Server.meta(), account, Some(rid)).await.unwrap();
    let busy_row = rows.iter().find(|r| r.external_id == busy).unwrap().clone();
    let doomed_row = rows.iter().find(|r| r.external_id == doomed).unwrap().clone();
    // An operation is under way on both rows (a queued task each; no engine runs it).
    for row in [&busy_row, &doomed_row] {
        let mut task = strato_store::NewTask::new("server.stop", serde_json::json!({}));
        task.target = Some(strato_store::TaskTarget { kind: "server".into(), id: row.id.to_string() });
        env.store.tasks().create(&task).await.unwrap();
    }
    let mut tags = Tags::new();
    tags.insert("env".into(), "changed".into());
    d.set_tags(r1, ResourceKind::Server, &busy, &tags, false).await.unwrap();
    Facet::<Server>::act(&d, r1, &doomed, "delete").await.unwrap();
    let outcome = rec.sync_account(account).await.expect("resync");
    assert_eq!(outcome.status, RunStatus::Succeeded, "{:?}", outcome.scopes);
    let after = env.store.synced().scan(ResourceKind::Server.meta(), account, Some(rid)).await.unwrap();
    let kept = after.iter().find(|r| r.external_id == busy).expect("busy row kept");
    assert_eq!(kept.sync_hash, busy_row.sync_hash, "sync overwrote a row whose operation is running");
    assert!(after.iter().any(|r| r.external_id == doomed), "sync removed a row whose operation is running");
});

both!(a_request_limits_regions_and_kinds, |env: Env| async move {
    let cloud = cloud(SMALL);
    let d = driver(&cloud);
    let account = env.account("a1").await;
    let rec = reconciler(&env.store, &cloud, None);
    rec.sync_account(account).await.expect("sync");
    let (r1, r2) = ("fake-region-1", "fake-region-2");
    for region in [r1, r2] {
        let s = Facet::<Server>::list(&d, region).await.unwrap()[0].base.external_id.clone();
        Facet::<Server>::act(&d, region, &s, "delete").await.unwrap();
        let disk = Facet::<Disk>::list(&d, region).await.unwrap().into_iter().find(|x| x.server_id.is_none()).unwrap();
        Facet::<Disk>::act(&d, region, &disk.base.external_id, "delete").await.unwrap();
    }
    let request = strato_sync::SyncRequest { regions: vec![r2.into()], kinds: vec![ResourceKind::Server], full: false };
    let outcome = rec.sync(account, strato_store::synced::SyncRunId::new(), request, None).await.expect("sync");
    assert_eq!(outcome.status, RunStatus::Succeeded, "{:?}", outcome.scopes);
    let scopes: Vec<(String, ResourceKind)> = outcome.scopes.iter().map(|s| (s.region.clone(), s.kind)).collect();
    assert_eq!(scopes, [(r2.to_string(), ResourceKind::Server)]);
    assert_eq!(outcome.scopes[0].removed, 1);
    // Region 1 and region 2's disks were not synced: they still hold the deleted ones.
    assert_ne!(store_ids(&env, account, ResourceKind::Server, r1).await, cloud_ids(&d, ResourceKind::Server, r1).await);
    assert_ne!(store_ids(&env, account, ResourceKind::Disk, r2).await, cloud_ids(&d, ResourceKind::Disk, r2).await);
    assert_eq!(store_ids(&env, account, ResourceKind::Server, r2).await, cloud_ids(&d, ResourceKind::Server, r2).await);
    // A full sync of everything puts every row back in line.
    let full = strato_sync::SyncRequest { full: true, ..Default::default() };
    let outcome = rec.sync(account, strato_store::synced::SyncRunId::new(), full, None).await.expect("full sync");
    assert_eq!(outcome.status, RunStatus::Succeeded);
    assert_mirrors(&env, account, &cloud).await;
});

both!(project_rules_place_new_rows_by_tag, |env: Env| async move {
    let cloud = cloud(SMALL);
    let d = driver(&cloud);
    let r1 = "fake-region-1";
    let scope = env.store.system_scope().await.unwrap();
    let new_project = |name: &str| strato_store::projects::NewProject { name: name.into(), domain_id: scope.domain_id, description: String::new() };
    let blue = env.store.projects().create(new_project("blue")).await.unwrap().id;
    let gone = env.store.projects().create(new_project("gone")).await.unwrap().id;
    let account = env.account("a1").await;
    let rule = |key: &str, value: Option<&str>, project| strato_store::cloudaccounts::ProjectRule { tag_key: key.into(), tag_value: value.map(Into::into), project_id: project };
    // The first rule names a project deleted before the sync: skipped, not a failed write.
    let rules = vec![rule("team", Some("red"), gone), rule("team", Some("blue"), blue), rule("owner", None, blue)];
    let update = strato_store::cloudaccounts::CloudAccountUpdate { project_rules: Some(rules), ..Default::default() };
    env.store.cloudaccounts().update(account, update).await.unwrap();
    env.store.projects().delete(gone).await.unwrap();

    let servers = Facet::<Server>::list(&d, r1).await.unwrap();
    let ids: Vec<String> = servers.iter().take(4).map(|s| s.base.external_id.clone()).collect();
    let tag = |k: &str, v: &str| Tags::from([(k.to_string(), v.to_string())]);
    d.set_tags(r1, ResourceKind::Server, &ids[0], &tag("team", "blue"), false).await.unwrap();
    d.set_tags(r1, ResourceKind::Server, &ids[1], &tag("team", "green"), false).await.unwrap();
    d.set_tags(r1, ResourceKind::Server, &ids[2], &tag("owner", "ann"), false).await.unwrap();
    d.set_tags(r1, ResourceKind::Server, &ids[3], &tag("team", "red"), false).await.unwrap();

    let rec = reconciler(&env.store, &cloud, None);
    let outcome = rec.sync_account(account).await.expect("sync");
    assert_eq!(outcome.status, RunStatus::Succeeded, "{:?}", outcome.scopes);
    let rid = region_id(&env, account, r1).await;
    let project_of = |external_id: String| {
        let env = &env;
        async move {
            let rows = env.store.synced().scan(ResourceKind::Server.meta(), account, Some(rid)).await.unwrap();
            let row = rows.into_iter().find(|r| r.external_id == external_id).expect("row");
            env.store.synced().get(ResourceKind::Server.meta(), row.id).await.unwrap().common.project_id
        }
    };
    assert_eq!(project_of(ids[0].clone()).await, blue, "team=blue matches the second rule");
    assert_eq!(project_of(ids[1].clone()).await, scope.project_id, "no rule matches team=green");
    assert_eq!(project_of(ids[2].clone()).await, blue, "a rule without a value matches any value");
    assert_eq!(project_of(ids[3].clone()).await, scope.project_id, "the deleted project's rule is skipped");
    assert_eq!(project_of(servers[10].base.external_id.clone()).await, scope.project_id, "untagged rows go to the account's project");

    // A row already stored keeps its project when its tags change later.
    d.set_tags(r1, ResourceKind::Server, &ids[1], &tag("team", "blue"), false).await.unwrap();
    let outcome = rec.sync_account(account).await.expect("resync");
    assert_eq!(outcome.status, RunStatus::Succeeded, "{:?}", outcome.scopes);
    assert_eq!(project_of(ids[1].clone()).await, scope.project_id);
});
