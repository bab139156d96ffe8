//! The sync engine against moto (the AWS API emulator) through the real aws driver: estates
//! are built and changed out of band with boto3 (tests/moto/estate.py), and the store must
//! follow what boto3 reports. Each test starts its own moto_server (killed on drop).

mod common;
mod moto;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use common::{Backend, Env};
use moto::proxy::Proxy;
use moto::*;
use serde_json::json;
use strato_cloud::ResourceKind as K;
use strato_store::synced::{ChangeSource, SyncScopeStatus};
use strato_sync::{Reconciler, RunStatus, ScopeReport, ScopeStatus, SyncConfig, SyncOutcome};
use strato_types::CloudAccountId;

fn not_ok(o: &SyncOutcome) -> Vec<&ScopeReport> {
    o.scopes.iter().filter(|s| s.status != ScopeStatus::Succeeded).collect()
}

fn counts(o: &SyncOutcome, region: &str, kind: K) -> (u64, u64, u64) {
    let s = o.scope(region, kind).unwrap_or_else(|| panic!("no {kind} scope in {region}: {:?}", o.scopes));
    (s.added, s.updated, s.removed)
}

/// Test 1: 250 instances (one reservation each) and their surroundings in two regions; with
/// `paged`, a second sync reads them again 50 per page.
async fn estate_is_mirrored(env: Env, paged: bool) {
    let cloud = Cloud::start();
    let inv = cloud.build(140, 110, 10).await;
    // the estate is what we asked for, or the comparisons below prove little
    assert_eq!((inv.ids(EAST, "servers").len(), inv.ids(WEST, "servers").len()), (140, 110));
    assert_eq!(inv.ids(EAST, "elasticsearches").len(), 1);
    let account = aws_account(&env.store, "aws-moto", &cloud.url()).await;

    let rec = reconciler(&env.store, fast_layer(3));
    let outcome = rec.sync_account(account).await.expect("sync");
    assert_eq!(outcome.status, RunStatus::Succeeded, "{:#?}", not_ok(&outcome));
    let regions: BTreeSet<String> =
        env.store.synced().scan(K::CloudRegion.meta(), account, None).await.expect("regions").into_iter().map(|r| r.external_id).collect();
    assert_eq!(regions, REGIONS.iter().map(|r| r.to_string()).collect(), "only the account's regions are kept");
    assert_mirrors(&env.store, account, &inv).await;
    assert_eq!(counts(&outcome, EAST, K::Server), (140, 0, 0));
    assert_eq!(counts(&outcome, WEST, K::Server), (110, 0, 0));

    for region in REGIONS {
        let servers = rows(&env.store, account, K::Server, region).await;
        for (id, row) in &servers {
            assert_eq!(stored_tags(K::Server, row), inv.tags(region, id), "tags of {id}");
            assert_eq!(field(K::Server, row, "name"), inv.name(region, id), "name of {id} is its Name tag");
            assert_eq!(field(K::Server, row, "status").as_deref(), Some("running"), "{id}");
            assert!(field(K::Server, row, "network_id").is_some() && field(K::Server, row, "vpc_id").is_some(), "{id}: subnet and vpc links");
            assert!(field(K::Server, row, "sku_id").is_some(), "{id} is linked to its instance type");
            let size = (field(K::Server, row, "cpu"), field(K::Server, row, "memory_mb"));
            assert_eq!(size, (Some("2".into()), Some("1024".into())), "{id} is a t3.micro");
            assert_eq!(children(K::Server, row, "secgroups").len(), 1, "{id} is linked to its security group");
        }
        let blue = servers.values().filter(|r| stored_tags(K::Server, r).get("team").map(String::as_str) == Some("blue")).count();
        assert_eq!(blue, if region == EAST { 14 } else { 11 }, "every 10th instance is tagged team=blue");

        // disks: sizes, tags, and which server each is attached to (server_disks)
        let disks = rows(&env.store, account, K::Disk, region).await;
        let disk_by_local: BTreeMap<String, String> = disks.values().map(|d| (d.id.to_string(), d.external_id.clone())).collect();
        for (id, row) in &disks {
            assert_eq!(field(K::Disk, row, "size_gb").and_then(|s| s.parse().ok()), inv.int(region, "sizes", id), "size of {id}");
            assert_eq!(stored_tags(K::Disk, row), inv.tags(region, id), "tags of {id}");
        }
        let mut attached = BTreeMap::new();
        for (server, row) in &servers {
            for link in children(K::Server, row, "disks") {
                let local = link[0].clone().expect("disk id");
                attached.insert(disk_by_local.get(&local).cloned().expect("attachment names a stored disk"), server.clone());
            }
        }
        assert_eq!(attached, inv.attached(region), "disk attachments in {region}");
        let detached: Vec<_> = disks.iter().filter(|(id, _)| !attached.contains_key(*id)).collect();
        assert_eq!(detached.len(), 5, "half the data volumes are detached");
        assert!(detached.iter().all(|(_, d)| field(K::Disk, d, "status").as_deref() == Some("available")), "{detached:?}");
        assert!(attached.keys().all(|id| field(K::Disk, &disks[id], "status").as_deref() == Some("in_use")));

        // security groups: as many rules as boto3 reports, and ours (ssh from 10/8) as written
        let ssh = ["ingress", "tcp", "22", "22", "10.0.0.0/8", "ssh"].map(|v| Some(v.to_string()));
        let mut ours = 0;
        for (id, row) in rows(&env.store, account, K::Secgroup, region).await {
            let rules = children(K::Secgroup, &row, "rules");
            assert_eq!(Some(rules.len() as i64), inv.int(region, "rules", &id), "rules of {id}");
            assert_eq!(stored_tags(K::Secgroup, &row), inv.tags(region, &id), "tags of {id}");
            if field(K::Secgroup, &row, "description").is_some_and(|d| d.starts_with("group ")) {
                ours += 1;
                assert!(rules.iter().any(|r| r[1..] == ssh), "{id}: {rules:?}");
            }
        }
        assert_eq!(ours, 2, "one group of ours in each of two VPCs");
        for kind in [K::Vpc, K::Network] {
            for (id, row) in rows(&env.store, account, kind, region).await {
                assert_eq!(stored_tags(kind, &row), inv.tags(region, &id), "tags of {id}");
            }
        }
    }
    let es = rows(&env.store, account, K::Elasticsearch, EAST).await;
    let (arn, domain) = es.iter().next().expect("the domain");
    assert_eq!(stored_tags(K::Elasticsearch, domain), inv.tags(EAST, arn));
    assert_eq!(field(K::Elasticsearch, domain, "engine_version").as_deref(), Some("OpenSearch_2.11"));

    if !paged {
        return;
    }
    // Paging: RegistryDrivers asks for 1,000 per page, so the sync above read one page per
    // region. A re-sync with 50 per page must follow every page to the same set (a truncated
    // listing would remove rows here) and read exactly ceil(n / 50) pages.
    let layer = fast_layer(3);
    let calls = count_calls(&layer);
    let small = Reconciler::new(env.store.clone(), Arc::new(SmallPages { page_size: 50, requests: layer }), SyncConfig::default());
    let again = small.sync_account(account).await.expect("paged sync");
    assert_eq!(again.status, RunStatus::Succeeded, "{:#?}", not_ok(&again));
    // (regional scopes: the region list changes on every run, see resync_without_change_writes_nothing)
    for s in again.scopes.iter().filter(|s| !s.region.is_empty()) {
        assert_eq!((s.added, s.updated, s.removed), (0, 0, 0), "{} {} changed on a paged re-read", s.region, s.kind);
    }
    let calls = calls.lock().expect("calls").clone();
    for region in REGIONS {
        assert_eq!(calls.get(&(region.to_string(), "DescribeInstances".to_string())), Some(&3), "pages of servers in {region}: {calls:?}");
    }
    assert_mirrors(&env.store, account, &inv).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn estate_is_mirrored_sqlite() {
    estate_is_mirrored(Env::new(Backend::Sqlite).await, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn estate_is_mirrored_postgres() {
    // paging is the driver's, not the store's: once is enough
    estate_is_mirrored(Env::new(Backend::Postgres).await, false).await;
}

/// Test 2: changes made behind Strato's back are followed, and logged with old and new values.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_band_changes_are_followed_and_logged() {
    let env = Env::new(Backend::Sqlite).await;
    let cloud = Cloud::start();
    let inv = cloud.build(20, 12, 6).await;
    let account = aws_account(&env.store, "aws-moto", &cloud.url()).await;
    let rec = reconciler(&env.store, fast_layer(3));
    let first = rec.sync_account(account).await.expect("first sync");
    assert_eq!(first.status, RunStatus::Succeeded, "{:#?}", not_ok(&first));

    // instances 17-19 have no data volume (0, 2 and 4 have), so only their root volumes go
    let doomed: Vec<String> = (17..20).map(|i| inv.by_name(EAST, &format!("vm-{EAST}-{i:03}"))).collect();
    let retagged = inv.by_name(EAST, &format!("vm-{EAST}-010"));
    let stopped = inv.by_name(EAST, &format!("vm-{EAST}-005"));
    let resized = inv.by_name(EAST, &format!("data-{EAST}-1"));
    let deleted = inv.by_name(EAST, &format!("data-{EAST}-3"));
    let west_doomed = inv.by_name(WEST, &format!("vm-{WEST}-011"));
    assert_eq!(inv.tags(EAST, &retagged).get("team").map(String::as_str), Some("blue"));
    assert_eq!(inv.int(EAST, "sizes", &resized), Some(9));
    let before = rows(&env.store, account, K::Server, EAST).await;
    let doomed_rows: Vec<_> = doomed.iter().map(|d| before[d].id).collect();
    let (launched, inv) = cloud
        .change(json!([
            {"op": "terminate", "region": EAST, "ids": doomed},
            {"op": "launch", "region": EAST, "count": 2},
            {"op": "retag", "region": EAST, "id": retagged, "tags": {"team": "red", "cost": "42"}},
            {"op": "stop", "region": EAST, "ids": [stopped]},
            {"op": "resize", "region": EAST, "id": resized, "size": 30},
            {"op": "delete_volume", "region": EAST, "id": deleted},
            {"op": "terminate", "region": WEST, "ids": [west_doomed]},
        ]))
        .await;

    let outcome = rec.sync_account(account).await.expect("second sync");
    assert_eq!(outcome.status, RunStatus::Succeeded, "{:#?}", not_ok(&outcome));
    assert_mirrors(&env.store, account, &inv).await;
    assert_eq!(counts(&outcome, EAST, K::Server), (2, 2, 3), "2 launched, 1 retagged, 1 stopped, 3 terminated");
    assert_eq!(counts(&outcome, EAST, K::Disk), (2, 1, 4), "2 new roots, 1 resized, 3 roots and 1 volume deleted");
    assert_eq!(counts(&outcome, WEST, K::Server), (0, 0, 1));
    let servers = rows(&env.store, account, K::Server, EAST).await;
    for id in &launched {
        assert_eq!(stored_tags(K::Server, &servers[id]).get("wave").map(String::as_str), Some("2"), "{id}");
    }
    let run = outcome.run_id.to_string();

    // the retag: the tags field, old and new, by this sync run
    let row = &servers[&retagged];
    assert_eq!(stored_tags(K::Server, row), BTreeMap::from([("cost".into(), "42".into()), ("team".into(), "red".into())]));
    let log = env.store.synced().changes("server", row.id).await.expect("server changes");
    let tags: Vec<_> = log.iter().filter(|c| c.field == "tags").collect();
    assert_eq!(tags.len(), 1, "{log:?}");
    assert_eq!(tags[0].old_value.as_deref(), Some(r#"{"team":"blue"}"#));
    assert_eq!(tags[0].new_value.as_deref(), Some(r#"{"cost":"42","team":"red"}"#));
    assert_eq!((tags[0].source, tags[0].actor.as_deref()), (ChangeSource::Sync, Some(run.as_str())));

    // the stop: status and power state follow
    let row = &servers[&stopped];
    assert_eq!((field(K::Server, row, "status"), field(K::Server, row, "power_state")), (Some("stopped".into()), Some("off".into())));
    let log = env.store.synced().changes("server", row.id).await.expect("server changes");
    assert!(log.iter().any(|c| c.field == "status" && c.old_value.as_deref() == Some("running") && c.new_value.as_deref() == Some("stopped")), "{log:?}");

    // the resize: size_gb 9 -> 30
    let disk = &rows(&env.store, account, K::Disk, EAST).await[&resized];
    assert_eq!(field(K::Disk, disk, "size_gb").as_deref(), Some("30"));
    let log = env.store.synced().changes("disk", disk.id).await.expect("disk changes");
    let size = log.iter().find(|c| c.field == "size_gb").unwrap_or_else(|| panic!("no size change: {log:?}"));
    assert_eq!((size.old_value.as_deref(), size.new_value.as_deref()), (Some("9"), Some("30")));
    assert_eq!((size.source, size.actor.as_deref()), (ChangeSource::Sync, Some(run.as_str())));

    // removals are logged against the row that went away
    for (ext, id) in doomed.iter().zip(doomed_rows) {
        let log = env.store.synced().changes("server", id).await.expect("changes");
        assert!(log.iter().any(|c| c.field == "removed" && c.old_value.as_deref() == Some(ext.as_str()) && c.actor.as_deref() == Some(run.as_str())), "{log:?}");
    }
    let history = env.store.synced().history(account, 200).await.expect("history");
    let row = history.iter().find(|h| h.run_id == outcome.run_id && h.region == EAST && h.kind == "server").expect("history of the run");
    assert_eq!((row.status, row.added, row.updated, row.removed), (SyncScopeStatus::Succeeded, 2, 2, 3));
}

/// Test 3: one region's DescribeInstances fails (503 from a proxy in front of moto).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_region_keeps_its_rows_and_the_other_syncs() {
    let env = Env::new(Backend::Sqlite).await;
    let cloud = Cloud::start();
    let inv = cloud.build(12, 10, 2).await;
    let proxy = Proxy::start(&cloud.url()).await;
    let account = aws_account(&env.store, "aws-moto", &proxy.url).await;
    let attempts = 3;
    let rec = reconciler(&env.store, fast_layer(attempts));
    let first = rec.sync_account(account).await.expect("first sync");
    assert_eq!(first.status, RunStatus::Succeeded, "{:#?}", not_ok(&first));
    assert!(proxy.hits(WEST, "DescribeInstances") >= 1, "the sync went through the proxy");
    let west_before = rows(&env.store, account, K::Server, WEST).await;

    let gone_west = inv.by_name(WEST, &format!("vm-{WEST}-009"));
    let gone_east = inv.by_name(EAST, &format!("vm-{EAST}-011"));
    let retagged = inv.by_name(EAST, &format!("vm-{EAST}-001"));
    let (_, inv) = cloud
        .change(json!([
            {"op": "terminate", "region": WEST, "ids": [gone_west]},
            {"op": "terminate", "region": EAST, "ids": [gone_east]},
            {"op": "retag", "region": EAST, "id": retagged, "tags": {"team": "green"}},
        ]))
        .await;
    proxy.fail(Some((WEST, "DescribeInstances")));
    proxy.reset_hits();
    let outcome = rec.sync_account(account).await.expect("sync with a broken region");

    assert_eq!(outcome.status, RunStatus::Partial, "{:#?}", outcome.scopes);
    let broken = outcome.scope(WEST, K::Server).expect("west servers scope");
    assert_eq!(broken.status, ScopeStatus::Failed, "{broken:?}");
    assert!(broken.error.as_deref().is_some_and(|e| e.contains("DescribeInstances") && e.contains("unavailable")), "{broken:?}");
    // 503 is retryable: the shared layer tried `attempts` times, then gave up
    assert_eq!(proxy.hits(WEST, "DescribeInstances"), attempts);
    let failed: Vec<_> = outcome.scopes.iter().filter(|s| s.status != ScopeStatus::Succeeded).map(|s| (s.region.as_str(), s.kind)).collect();
    assert_eq!(failed, vec![(WEST, K::Server)], "only that scope failed; elasticsearch does not depend on servers");

    // every west server row survives with its values; the terminated one too
    let west_after = rows(&env.store, account, K::Server, WEST).await;
    assert_eq!(west_after.keys().collect::<Vec<_>>(), west_before.keys().collect::<Vec<_>>());
    assert!(west_after.contains_key(&gone_west));
    for (id, row) in &west_after {
        assert_eq!((row.id, &row.values), (west_before[id].id, &west_before[id].values), "{id} unchanged");
        // The terminated instance's root volume is gone from moto; the (successful) disk sync
        // removed its row, and its attachment went with it (ON DELETE CASCADE).
        if *id != gone_west {
            assert_eq!(row.children, west_before[id].children, "{id}'s links unchanged");
        }
    }
    assert_eq!(counts(&outcome, WEST, K::Disk), (0, 0, 1), "the west disk listing still synced");
    // the healthy region followed the cloud
    assert_eq!(store_ids(&env.store, account, K::Server, EAST).await, inv.ids(EAST, "servers"));
    assert_eq!(counts(&outcome, EAST, K::Server), (0, 1, 1));
    let east = rows(&env.store, account, K::Server, EAST).await;
    assert_eq!(stored_tags(K::Server, &east[&retagged]).get("team").map(String::as_str), Some("green"));

    let history = env.store.synced().history(account, 200).await.expect("history");
    let of_run: Vec<_> = history.iter().filter(|h| h.run_id == outcome.run_id).collect();
    let west = of_run.iter().find(|h| h.region == WEST && h.kind == "server").expect("west server history");
    assert_eq!((west.status, west.errors, west.added, west.removed), (SyncScopeStatus::Failed, 1, 0, 0));
    assert!(west.error.as_deref().is_some_and(|e| e.contains("DescribeInstances")), "{west:?}");
    let east = of_run.iter().find(|h| h.region == EAST && h.kind == "server").expect("east server history");
    assert_eq!((east.status, east.removed), (SyncScopeStatus::Succeeded, 1));

    // repaired: the next sync catches up
    proxy.fail(None);
    let healed = rec.sync_account(account).await.expect("sync after repair");
    assert_eq!(healed.status, RunStatus::Succeeded, "{:#?}", not_ok(&healed));
    assert_eq!(counts(&healed, WEST, K::Server), (0, 0, 1));
    assert_mirrors(&env.store, account, &inv).await;
}

/// Test 4: two replicas (two stores on one PostgreSQL database) sync one account at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_sync_one_account_without_duplicates() {
    let env = Env::new(Backend::Postgres).await;
    let other = env.replica().await;
    let cloud = Cloud::start();
    let inv = cloud.build(30, 20, 4).await;
    let account = aws_account(&env.store, "aws-moto", &cloud.url()).await;
    let a = reconciler(&env.store, fast_layer(3));
    let b = reconciler(&other, fast_layer(3));

    let (x, y) = tokio::join!(a.sync_account(account), b.sync_account(account));
    let runs = [x.expect("replica a"), y.expect("replica b")];
    check_replicas(&env, account, &runs, &inv).await;
    for region in REGIONS {
        for (kind, key) in KINDS {
            assert_eq!(sum(&runs, region, kind, |s| s.added) as usize, inv.ids(region, key).len(), "{kind} rows of {region} were added once");
        }
    }

    // a change, then both again: it is applied once
    let doomed: Vec<String> = (0..3).map(|i| inv.by_name(EAST, &format!("vm-{EAST}-{i:03}"))).collect();
    let (_, inv) = cloud.change(json!([{"op": "terminate", "region": EAST, "ids": doomed}, {"op": "launch", "region": WEST, "count": 2}])).await;
    let (x, y) = tokio::join!(a.sync_account(account), b.sync_account(account));
    let runs = [x.expect("replica a"), y.expect("replica b")];
    check_replicas(&env, account, &runs, &inv).await;
    assert_eq!(sum(&runs, EAST, K::Server, |s| s.removed), 3, "the terminated servers were removed once");
    assert_eq!(sum(&runs, WEST, K::Server, |s| s.added), 2, "the launched servers were added once");
}

fn sum(runs: &[SyncOutcome], region: &str, kind: K, f: fn(&ScopeReport) -> u64) -> u64 {
    runs.iter().filter_map(|o| o.scope(region, kind)).map(f).sum()
}

/// What the leases guarantee: per region, one run does the work and the other is Busy or
/// comes after it (and finds nothing to do); rows are never doubled; leases are released.
async fn check_replicas(env: &Env, account: CloudAccountId, runs: &[SyncOutcome; 2], inv: &Inventory) {
    for o in runs {
        // BUG (region filter; see resync_without_change_writes_nothing): a replica that finds
        // the account lease busy lists the stored regions while the other has inserted every
        // region of the cloud and not yet removed those outside the account's filter. It then
        // syncs those regions too (cloud calls to regions the account excludes) and fails to
        // write their zones (foreign key to the region row removed meanwhile). So these fail
        // intermittently (1 run in 3 here) until the filter applies before the merge.
        assert!(o.scopes.iter().all(|s| matches!(s.status, ScopeStatus::Succeeded | ScopeStatus::Busy)), "{:#?}", o.scopes);
        assert!(o.scopes.iter().all(|s| s.region.is_empty() || REGIONS.contains(&s.region.as_str())), "only the account's regions: {:#?}", o.scopes);
    }
    for region in REGIONS {
        let busy: Vec<_> = runs.iter().filter(|o| o.scope(region, K::Zone).is_some_and(|s| s.status == ScopeStatus::Busy)).collect();
        let did = runs.iter().filter(|o| o.scopes.iter().any(|s| s.region == region && s.added + s.updated + s.removed > 0)).count();
        eprintln!("{region}: {} run(s) found it busy, {did} run(s) changed rows", busy.len());
        assert!(did <= 1, "both replicas changed rows of {region}");
        for o in busy {
            assert_eq!(o.scopes.iter().filter(|s| s.region == region).count(), 1, "a busy region is left alone: {:?}", o.scopes);
        }
    }
    assert_mirrors(&env.store, account, inv).await;
    for (kind, key) in KINDS {
        let cloud: usize = REGIONS.iter().map(|r| inv.ids(r, key).len()).sum();
        assert_eq!(env.store.synced().count(kind.meta(), account).await.expect("count") as usize, cloud, "{kind} rows, both regions");
    }
    for scope in ["", EAST, WEST] {
        assert_eq!(env.store.sync_leases().holder(account, scope).await.expect("lease"), None, "lease {scope:?} released");
    }
}

/// BUG (aws driver): zones are stored under their zone id (`use1-az6`), while servers, disks
/// and subnets name their zone by name (`us-east-1a`), so no zone link resolves (zone_id is
/// NULL on every aws server, disk and network).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zone_links_resolve() {
    let env = Env::new(Backend::Sqlite).await;
    let cloud = Cloud::start();
    let inv = cloud.build(1, 1, 1).await;
    let account = aws_account(&env.store, "aws-moto", &cloud.url()).await;
    let outcome = reconciler(&env.store, fast_layer(3)).sync_account(account).await.expect("sync");
    assert_eq!(outcome.status, RunStatus::Succeeded, "{:#?}", not_ok(&outcome));
    for region in REGIONS {
        // local zone id -> zone name (whichever of id and name the fix makes the external id)
        let zones: BTreeMap<String, String> = scan(&env.store, account, K::Zone, region).await.into_iter().map(|z| (z.id.to_string(), z.name)).collect();
        for (kind, key) in [(K::Network, "network_zones"), (K::Disk, "disk_zones"), (K::Server, "server_zones")] {
            for (id, row) in rows(&env.store, account, kind, region).await {
                let got = field(kind, &row, "zone_id").and_then(|z| zones.get(&z).cloned());
                assert_eq!(got, inv.text(region, key, &id), "zone of {kind} {id}");
            }
        }
    }
}

/// BUG (sync engine, region filter): a re-sync with no cloud change must write nothing, as
/// `Reconciler::sync_account` promises. With `regions` set on the account, every run inserts
/// the cloud's other regions and deletes them again, logging a "removed" change for each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resync_without_change_writes_nothing() {
    let env = Env::new(Backend::Sqlite).await;
    // moto's default VPC, subnets and security group are estate enough
    let cloud = Cloud::start();
    let account = aws_account(&env.store, "aws-moto", &cloud.url()).await;
    let rec = reconciler(&env.store, fast_layer(3));
    rec.sync_account(account).await.expect("first sync");
    let changes = env.store.synced().count_changes(account).await.expect("changes");
    let again = rec.sync_account(account).await.expect("second sync");
    assert_eq!(again.status, RunStatus::Succeeded, "{:#?}", not_ok(&again));
    let changed: Vec<_> = again.scopes.iter().filter(|s| (s.added, s.updated, s.removed) != (0, 0, 0)).collect();
    assert!(changed.is_empty(), "{changed:#?}");
    assert_eq!(env.store.synced().count_changes(account).await.expect("changes"), changes, "no change-log entries");
}
