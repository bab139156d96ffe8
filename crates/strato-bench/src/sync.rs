//! Sync benchmark: the fake cloud with ~100,000 resources across kinds, on SQLite and (when
//! `STRATO_BENCH_DATABASE_URL` or `STRATO_TEST_DATABASE_URL` is set) PostgreSQL. Prints: full
//! first sync, no-change re-sync, 1%-changed re-sync, and the raw bulk-upsert rate of the same
//! rows straight into the store; then peak RSS (VmHWM).
//!
//! `strato-bench sync [sqlite|postgres]` (both when neither is named). In-process: the fake
//! driver and the store are linked in, so the figures are the sync engine's own.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use async_trait::async_trait;
use sqlx::{Connection, Executor};
use strato_cloud::*;
use strato_provider_fake::{FakeCloud, FakeDriver, Population};
use strato_store::synced::{Scope, SyncRow};
use strato_store::{CloudAccount, NewCloudAccount, NewCloudRegion, SecretString, Store, StoreOptions};
use strato_cloud::kinds::Facet;
use strato_sync::kinds::{region_kinds, Resolver};
use strato_sync::{ConnectedDriver, DriverSource, Reconciler, RunStatus, SyncConfig, SyncError};
use strato_types::Provider;

const REGIONS: [&str; 2] = ["fake-region-1", "fake-region-2"];
/// Per region: 100 + 500 + 500 + 26,800 + 22,000 + 100 = 50,000 (plus zones and skus).
const POPULATION: Population =
    Population { vpcs: 100, networks_per_vpc: 5, secgroups_per_vpc: 5, servers: 26_800, disks: 22_000, elasticsearches: 100 };

struct Source {
    cloud: Arc<FakeCloud>,
    requests: Arc<RequestLayer>,
}

#[async_trait]
impl DriverSource for Source {
    async fn connect(&self, _store: &Store, account: &CloudAccount) -> Result<ConnectedDriver, SyncError> {
        let config = DriverConfig::new(account.id.to_string(), Credentials::new(), self.requests.clone());
        Ok(ConnectedDriver {
            driver: Arc::new(FakeDriver::new(self.cloud.clone(), &config)),
            requests: self.requests.clone(),
            account_key: account.id.to_string(),
        })
    }
}

async fn account(store: &Store, name: &str) -> Result<CloudAccount> {
    let scope = store.system_scope().await?;
    Ok(store
        .cloudaccounts()
        .create(NewCloudAccount {
            name: name.into(),
            provider: Provider::Fake,
            project_id: scope.project_id,
            endpoint: None,
            regions: vec![],
            description: String::new(),
            credentials: SecretString::new("{}"),
            sync_interval_secs: strato_store::cloudaccounts::DEFAULT_SYNC_INTERVAL_SECS,
            project_rules: vec![],
            connected: None,
        })
        .await?)
}

fn rate(n: u64, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64().max(1e-9)
}

/// Raw upsert of the same rows (mapped exactly as sync maps them) into another account.
async fn raw_upsert(store: &Store, cloud: &Arc<FakeCloud>) -> Result<(u64, Duration)> {
    let acc = account(store, "raw").await?;
    let driver = FakeDriver::new(cloud.clone(), &DriverConfig::new("raw", Credentials::new(), Arc::new(RequestLayer::default())));
    let mut elapsed = Duration::ZERO;
    let mut rows_total = 0u64;
    for region in REGIONS {
        let r = store
            .cloudregions()
            .create(NewCloudRegion {
                cloudaccount_id: acc.id,
                name: region.into(),
                external_id: region.into(),
                status: strato_types::RegionStatus::Available,
                attrs: Default::default(),
            })
            .await?;
        let scope = Scope { cloudaccount_id: acc.id, domain_id: acc.domain_id, project_id: acc.project_id, cloudregion_id: Some(r.id) };
        let mut cx = Resolver::for_provider(driver.provider());
        for kind in region_kinds() {
            let desired = strato_cloud::kinds::lookup(*kind).list(&driver, region, &cx).await?;
            let rows: Vec<SyncRow> = desired
                .into_iter()
                .map(|d| {
                    let mut values = vec![strato_store::synced::Value::text(d.cloud_name.clone())];
                    values.extend(d.values);
                    SyncRow { id: strato_store::synced::ResourceId::new(), external_id: d.external_id, cloud_name: d.cloud_name, values, children: d.children, project_id: None }
                })
                .collect();
            cx.ids.insert(*kind, rows.iter().map(|r| (r.external_id.clone(), r.id)).collect());
            rows_total += rows.len() as u64;
            let t = Instant::now();
            store.synced().bulk_upsert(kind.meta(), &scope, &rows).await?;
            elapsed += t.elapsed();
            if std::env::var_os("BENCH_VERBOSE").is_some() {
                eprintln!("raw {region} {kind}: {} rows in {:?}", rows.len(), t.elapsed());
            }
        }
    }
    Ok((rows_total, elapsed))
}

/// Changes 1% of the resources out of band: servers stopped/started, disks retagged.
async fn change_one_percent(cloud: &Arc<FakeCloud>, total: u64) -> Result<u64> {
    let d = FakeDriver::new(cloud.clone(), &DriverConfig::new("oob", Credentials::new(), Arc::new(RequestLayer::default())));
    let want = total / 100;
    let mut changed = 0u64;
    let mut tags = Tags::new();
    tags.insert("bench".into(), "changed".into());
    for region in REGIONS {
        let servers = Facet::<strato_cloud::Server>::list(&d, region).await?;
        let disks = Facet::<strato_cloud::Disk>::list(&d, region).await?;
        for s in servers.iter().step_by(50).take((want / 4) as usize) {
            match s.status {
                ServerStatus::Running => Facet::<strato_cloud::Server>::act(&d, region, &s.base.external_id, "stop").await?,
                _ => Facet::<strato_cloud::Server>::act(&d, region, &s.base.external_id, "start").await?,
            }
            changed += 1;
        }
        for x in disks.iter().step_by(40).take((want / 4) as usize) {
            d.set_tags(region, ResourceKind::Disk, &x.base.external_id, &tags, false).await?;
            changed += 1;
        }
    }
    Ok(changed)
}

async fn bench(label: &str, options: StoreOptions) -> Result<()> {
    let (store, _) = Store::open(options).await?;
    let cloud = FakeCloud::new(42, 2);
    for r in REGIONS {
        cloud.populate(r, POPULATION)?;
    }
    let cloud = Arc::new(cloud);
    let requests = Arc::new(RequestLayer::default());

    let acc = account(&store, "bench").await?;
    let source = Source { cloud: cloud.clone(), requests };
    let rec = Reconciler::new(store.clone(), Arc::new(source), SyncConfig { region_parallelism: 2, ..SyncConfig::default() });

    // The syncs run first, so their peak is not the raw upsert's freed-but-kept heap (the
    // figure still counts what stays resident: the fake cloud, the pool).
    let peak_reset = reset_peak_rss();
    let t = Instant::now();
    let first = rec.sync_account(acc.id).await?;
    let first_time = t.elapsed();
    if first.status != RunStatus::Succeeded {
        bail!("first sync: {:?}", first.scopes.iter().filter(|s| s.error.is_some()).collect::<Vec<_>>());
    }
    let (added, _, _) = first.totals();
    let resources = added;

    let changes_before = store.synced().count_changes(acc.id).await?;
    let t = Instant::now();
    let again = rec.sync_account(acc.id).await?;
    let again_time = t.elapsed();
    let changes_after = store.synced().count_changes(acc.id).await?;

    let changed = change_one_percent(&cloud, resources).await?;
    let t = Instant::now();
    let third = rec.sync_account(acc.id).await?;
    let third_time = t.elapsed();
    let sync_peak = peak_rss_mb();

    // The physical limit, measured in the same run: the same rows straight into the store
    // (another account, so it competes with as many stored rows as the first sync did not).
    let (raw_rows, raw_time) = raw_upsert(&store, &cloud).await?;
    let raw_rate = rate(raw_rows, raw_time);

    println!("== {label}: {resources} resources ({} regions)", REGIONS.len());
    println!("raw bulk upsert      {raw_rows:>7} rows in {:>8.3} s = {:>9.0} rows/s", raw_time.as_secs_f64(), raw_rate);
    println!(
        "first sync           {resources:>7} added in {:>8.3} s = {:>9.0} resources/s ({:.0}% of raw upsert)",
        first_time.as_secs_f64(),
        rate(resources, first_time),
        100.0 * rate(resources, first_time) / raw_rate
    );
    println!(
        "no-change re-sync    {:?} (added, updated, removed), change-log rows written {}, {:>8.3} s = {:>9.0} resources/s",
        again.totals(),
        changes_after - changes_before,
        again_time.as_secs_f64(),
        rate(resources, again_time)
    );
    println!(
        "1% changed re-sync   {changed} changed out of band -> {:?}, {:>8.3} s = {:>9.0} resources/s",
        third.totals(),
        third_time.as_secs_f64(),
        rate(resources, third_time)
    );
    if peak_reset {
        println!("peak RSS of the syncs {:>6.0} MB (VmHWM reset before the first sync)", sync_peak.unwrap_or(-1.0));
    }
    store.close().await;
    Ok(())
}

/// Resets VmHWM to the current RSS (Linux: `5` into /proc/self/clear_refs); false if refused.
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

async fn fresh_postgres(base: &str) -> Result<String> {
    let name = format!("strato_sync_bench_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(base).await.context("connect to PostgreSQL")?;
    conn.execute(format!("CREATE DATABASE {name}").as_str()).await?;
    conn.close().await.ok();
    let (without_query, query) = match base.split_once('?') {
        Some((a, q)) => (a, format!("?{q}")),
        None => (base, String::new()),
    };
    let slash = without_query.rfind('/').filter(|i| *i > "postgres://".len()).context("database URL has no path")?;
    Ok(format!("{}/{name}{query}", &without_query[..slash]))
}

async fn drop_postgres(base: &str, database: &str) -> Result<()> {
    let name = database.rsplit('/').next().unwrap_or_default().split('?').next().unwrap_or_default();
    let mut conn = sqlx::PgConnection::connect(base).await.context("connect to PostgreSQL")?;
    conn.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str()).await?;
    conn.close().await.ok();
    Ok(())
}

#[derive(clap::Args)]
pub struct SyncArgs {
    /// Run one backend only (default: SQLite, then PostgreSQL when a URL is set).
    #[arg(value_parser = ["sqlite", "postgres"])]
    backend: Option<String>,
}

pub async fn run(args: SyncArgs) -> Result<()> {
    let only = args.backend;
    let dir = tempfile::tempdir()?;
    if only.as_deref().is_none_or(|o| o == "sqlite") {
        let mut options = StoreOptions::new(dir.path().join("sqlite"));
        // SQLite keeps a 32 MB page cache per connection; a sync needs few connections
        options.max_connections = Some(2);
        options.admin_password = Some(SecretString::new("bench-password-1"));
        bench("SQLite", options).await?;
        println!("peak RSS so far      {:.0} MB", peak_rss_mb().unwrap_or(-1.0));
    }
    let url = std::env::var("STRATO_BENCH_DATABASE_URL").or_else(|_| std::env::var("STRATO_TEST_DATABASE_URL")).unwrap_or_default();
    if only.as_deref().is_none_or(|o| o == "postgres") {
        if url.is_empty() {
            println!("PostgreSQL skipped: set STRATO_BENCH_DATABASE_URL (or run under scripts/test)");
        } else {
            let mut options = StoreOptions::new(dir.path().join("pg"));
            let database = fresh_postgres(&url).await?;
            options.database_url = Some(database.clone());
            options.max_connections = Some(4);
            options.admin_password = Some(SecretString::new("bench-password-1"));
            let result = bench("PostgreSQL", options).await;
            // a left-over database keeps autovacuum busy through the next run's figures
            drop_postgres(&url, &database).await?;
            result?;
        }
    }
    println!("peak RSS (VmHWM)     {:.0} MB", peak_rss_mb().unwrap_or(-1.0));
    Ok(())
}
