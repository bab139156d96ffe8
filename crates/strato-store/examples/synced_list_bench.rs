//! Read side of the synced kinds at scale: fills 1,000,000 servers (20 accounts, one project
//! each; every server has a zone, vpc, network, sku and a secgroup link) through
//! `Synced::bulk_upsert`, then times pages of 20 and shows by id, printing p50/p99 and
//! requests/s (serial, and with concurrent callers). Usage:
//!   cargo run --release -p strato-store --example synced_list_bench -- [DATABASE_URL] [ROWS]
//! Without a URL it uses SQLite in a temp dir (STRATO_BENCH_DIR keeps it).

use std::time::{Duration, Instant};

use strato_store::synced::{KindDef, ResourceId, Scope, SyncRow, Value};
use strato_store::{NewCloudAccount, NewCloudRegion, NewProject, NewZone, SecretString, Store, StoreOptions, Visibility};
use strato_types::{ListQuery, Provider, RegionStatus};

const VPCS: &KindDef = <strato_cloud::Vpc as strato_cloud::Kind>::META;
const NETWORKS: &KindDef = <strato_cloud::Network as strato_cloud::Kind>::META;
const SECGROUPS: &KindDef = <strato_cloud::Secgroup as strato_cloud::Kind>::META;
const SKUS: &KindDef = <strato_cloud::Sku as strato_cloud::Kind>::META;
const SERVERS: &KindDef = <strato_cloud::Server as strato_cloud::Kind>::META;

/// (label, list parameters, visibility)
type Scenario = (&'static str, Vec<(&'static str, String)>, Visibility);

const ACCOUNTS: usize = 20;
const BATCH: usize = 10_000;
const STATUSES: [&str; 10] = ["running", "running", "running", "running", "running", "running", "running", "stopped", "stopped", "error"];

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn report(label: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let total: Duration = samples.iter().sum();
    println!(
        "{label:<64} n={:<5} p50={:>7.3} ms  p99={:>7.3} ms  max={:>7.3} ms  ({:.0} req/s serial)",
        samples.len(),
        percentile(&samples, 0.50).as_secs_f64() * 1e3,
        percentile(&samples, 0.99).as_secs_f64() * 1e3,
        percentile(&samples, 1.0).as_secs_f64() * 1e3,
        samples.len() as f64 / total.as_secs_f64()
    );
}

fn text(s: &str) -> Value {
    Value::text(s)
}

/// A row with the common synced values (name, status, zone, tags, billing) and typed ones.
fn row(external_id: String, name: String, status: &str, zone: &str, tags: &str, typed: Vec<Value>, children: Vec<Vec<Vec<Value>>>) -> SyncRow {
    let mut values = vec![text(&name), text(status), text(zone), text(tags), text("postpaid"), Value::Int(None), Value::Bool(false)];
    values.extend(typed);
    SyncRow { id: ResourceId::new(), external_id, cloud_name: name, values, children, project_id: None }
}

/// Local ids a server of one account refers to.
struct Refs {
    zone: String,
    vpc: String,
    sg: String,
    sku: String,
    net: String,
}

async fn upsert(store: &Store, def: &KindDef, scope: &Scope, rows: &[SyncRow]) -> Result<(), Box<dyn std::error::Error>> {
    store.synced().bulk_upsert(def, scope, rows).await?;
    Ok(())
}

/// Accounts with a region, zone, vpc, secgroup, sku and network each, then `rows` servers.
async fn fill(store: &Store, rows: usize) -> Result<(), Box<dyn std::error::Error>> {
    let system = store.system_scope().await?;
    let mut scopes = Vec::new();
    for a in 0..ACCOUNTS {
        let p = store.projects().create(NewProject { name: format!("bench-{a}"), domain_id: system.domain_id, description: String::new() }).await?;
        let acc = store.cloudaccounts().create(NewCloudAccount::new(format!("acct-{a}"), Provider::Fake, p.id, SecretString::new("{}"))).await?;
        let region = store
            .cloudregions()
            .create(NewCloudRegion { cloudaccount_id: acc.id, name: format!("region-{a}"), external_id: format!("region-{a}"), status: RegionStatus::Available, attrs: Default::default() })
            .await?;
        let zone = store
            .zones()
            .create(NewZone { cloudregion_id: region.id, name: format!("zone-{a}a"), external_id: format!("zone-{a}a"), status: RegionStatus::Available, attrs: Default::default() })
            .await?;
        let scope = Scope { cloudaccount_id: acc.id, domain_id: acc.domain_id, project_id: p.id, cloudregion_id: Some(region.id) };
        let zone_id = zone.id.to_string();
        let vpc = row(format!("vpc-{a}"), format!("vpc-{a}"), "available", &zone_id, "{}", vec![text("10.0.0.0/16"), Value::Bool(true)], vec![]);
        upsert(store, VPCS, &scope, std::slice::from_ref(&vpc)).await?;
        let sg = row(format!("sg-{a}"), format!("sg-{a}"), "available", &zone_id, "{}", vec![text(&vpc.id.to_string()), text("default")], vec![vec![]]);
        upsert(store, SECGROUPS, &scope, std::slice::from_ref(&sg)).await?;
        let sku = row(format!("sku-{a}"), "t3.small".into(), "available", &zone_id, "{}", vec![Value::Int(Some(2)), Value::Int(Some(2048)), text("x86_64")], vec![]);
        upsert(store, SKUS, &scope, std::slice::from_ref(&sku)).await?;
        let net = row(format!("net-{a}"), format!("net-{a}"), "available", &zone_id, "{}", vec![text(&vpc.id.to_string()), text("10.0.0.0/20"), Value::Int(Some(4000))], vec![]);
        upsert(store, NETWORKS, &scope, std::slice::from_ref(&net)).await?;
        let refs = Refs { zone: zone_id, vpc: vpc.id.to_string(), sg: sg.id.to_string(), sku: sku.id.to_string(), net: net.id.to_string() };
        scopes.push((scope, refs));
    }

    let started = Instant::now();
    for start in (0..rows).step_by(BATCH) {
        let a = (start / BATCH) % ACCOUNTS;
        let (scope, refs) = &scopes[a];
        let batch: Vec<SyncRow> = (start..(start + BATCH).min(rows))
            .map(|i| {
                let status = STATUSES[i % STATUSES.len()];
                // names not in creation order, so order_by=name is a real sort
                let name = format!("srv-{:08x}", (i as u64).wrapping_mul(2_654_435_761) % (1 << 32));
                let tags = format!(r#"{{"env":"{}","team":"t{}"}}"#, if i % 4 == 0 { "prod" } else { "dev" }, i % 16);
                let typed = vec![
                    text(if status == "running" { "on" } else { "off" }),
                    text("t3.small"),
                    text(&refs.sku),
                    Value::Int(Some(2)),
                    Value::Int(Some(2048)),
                    text("ami-12345678"),
                    text(&refs.vpc),
                    text(&refs.net),
                    text(&format!(r#"["10.{}.{}.{}"]"#, a, (i >> 8) & 255, i & 255)),
                    text("[]"),
                    Value::Text(None),
                ];
                row(format!("i-{i:08}"), name, status, &refs.zone, &tags, typed, vec![vec![], vec![vec![text(&refs.sg)]]])
            })
            .collect();
        upsert(store, SERVERS, scope, &batch).await?;
    }
    let fill = started.elapsed();
    println!("filled {rows} servers in {:.1} s ({:.0} rows/s)", fill.as_secs_f64(), rows as f64 / fill.as_secs_f64());
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let url = args.next().filter(|u| !u.is_empty() && u != "sqlite");
    let rows: usize = args.next().map(|r| r.parse()).transpose()?.unwrap_or(1_000_000);
    let dir = tempfile::tempdir()?;
    let data_dir = std::env::var("STRATO_BENCH_DIR").map(std::path::PathBuf::from).unwrap_or_else(|_| dir.path().to_path_buf());
    let mut options = StoreOptions::new(data_dir);
    options.database_url = url;
    options.admin_password = Some(SecretString::new("bench-password"));
    let (store, _) = Store::open(options).await?;
    println!("backend: {:?}, servers: {rows}", store.backend());

    // A kept STRATO_BENCH_DIR that already holds the servers is reused (timings only).
    let existing = store.synced().list(SERVERS, &ListQuery { limit: 1, ..ListQuery::default() }, &Visibility::All).await?.total;
    if existing < rows as u64 {
        fill(&store, rows).await?;
    } else {
        println!("reusing {existing} servers");
    }
    let t = Instant::now();
    store.analyze().await?;
    println!("analyze: {:.1} s", t.elapsed().as_secs_f64());

    // names are hashed, so the first names spread over every account and project
    let sample = store.synced().list(SERVERS, &ListQuery::from_pairs([("order_by", "name"), ("limit", "2000")])?, &Visibility::All).await?;
    let sample_ids: Vec<ResourceId> = sample.items.iter().map(|r| r.id).collect();
    let project = sample.items[0].common.project_id;
    let account = sample.items[1].common.cloudaccount_id.to_string();
    let iterations = 500;
    let scenarios: Vec<Scenario> = vec![
        ("limit=20 details (system)", vec![("details", "true".into())], Visibility::All),
        ("status=running order_by=name details", vec![("filter", "status.equals(running)".into()), ("order_by", "name".into()), ("details", "true".into())], Visibility::All),
        ("project visibility, details", vec![("details", "true".into())], Visibility::Projects(vec![project])),
        ("cloudaccount_id filter, details", vec![("filter", format!("cloudaccount_id.equals({account})")), ("details", "true".into())], Visibility::All),
        ("status=error (10%), project visibility, order desc", vec![("filter", "status.equals(error)".into()), ("order", "desc".into())], Visibility::Projects(vec![project])),
        ("order_by=name desc offset=10000", vec![("order_by", "name".into()), ("order", "desc".into()), ("offset", "10000".into())], Visibility::All),
        ("cpu.ge(2) (every row)", vec![("filter", "cpu.ge(2)".into())], Visibility::All),
        ("tags.equals(env=prod) (25%)", vec![("filter", "tags.equals(env=prod)".into())], Visibility::All),
    ];
    for (label, pairs, visibility) in &scenarios {
        let query = ListQuery::from_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())))?;
        // full-scan filters (tags, cpu) are slow by nature: fewer rounds
        let n = if label.contains("tags") || label.contains("cpu") { 20 } else { iterations };
        // warm the page cache first: the figures are for a running server
        for _ in 0..(if n < iterations { 2 } else { 20 }) {
            store.synced().list(SERVERS, &query, visibility).await?;
        }
        let mut samples = Vec::with_capacity(n);
        let mut total = 0;
        for _ in 0..n {
            let t = Instant::now();
            let page = store.synced().list(SERVERS, &query, visibility).await?;
            samples.push(t.elapsed());
            total = page.total;
            assert_eq!(page.items.len(), 20, "{label}");
        }
        report(&format!("list 20: {label} [total {total}]"), samples);
    }

    for id in sample_ids.iter().take(100) {
        store.synced().get(SERVERS, *id).await?;
    }
    let mut samples = Vec::with_capacity(iterations * 4);
    for i in 0..iterations * 4 {
        let id = sample_ids[i % sample_ids.len()];
        let t = Instant::now();
        store.synced().get(SERVERS, id).await?;
        samples.push(t.elapsed());
    }
    report("show by id (details, children)", samples);

    // Throughput with concurrent callers (one pool, as the server uses it).
    let query = ListQuery::from_pairs([("details", "true")])?;
    for clients in [4usize, 8] {
        let t = Instant::now();
        let per_client = 250;
        let mut handles = Vec::new();
        for _ in 0..clients {
            let store = store.clone();
            let query = query.clone();
            handles.push(tokio::spawn(async move {
                let mut samples = Vec::with_capacity(per_client);
                for _ in 0..per_client {
                    let t = Instant::now();
                    store.synced().list(SERVERS, &query, &Visibility::All).await?;
                    samples.push(t.elapsed());
                }
                Ok::<_, strato_store::StoreError>(samples)
            }));
        }
        let mut all = Vec::new();
        for h in handles {
            all.extend(h.await??);
        }
        let elapsed = t.elapsed();
        all.sort();
        println!(
            "list 20 details, {clients} concurrent callers: {:.0} req/s, p50={:.3} ms p99={:.3} ms",
            all.len() as f64 / elapsed.as_secs_f64(),
            percentile(&all, 0.5).as_secs_f64() * 1e3,
            percentile(&all, 0.99).as_secs_f64() * 1e3
        );
    }
    store.close().await;
    Ok(())
}
