//! Store-level benchmark: inserts 100,000 cloud accounts, then times filtered, ordered pages
//! of 20 and gets by id, printing p50/p99. Usage:
//!   cargo run -p strato-store --release --example list_bench -- [DATABASE_URL] [ROWS]
//! Without a URL it uses SQLite in a temp dir.

use std::time::{Duration, Instant};

use strato_store::{NewCloudAccount, NewProject, SecretString, Store, StoreOptions, Visibility};
use strato_types::{ListQuery, Provider};

/// (label, list parameters, visibility)
type Scenario = (&'static str, Vec<(&'static str, String)>, Visibility);

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn report(label: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let total: Duration = samples.iter().sum();
    println!(
        "{label:<58} n={:<5} p50={:>8.3} ms  p99={:>8.3} ms  max={:>8.3} ms  ({:.0} ops/s serial)",
        samples.len(),
        percentile(&samples, 0.50).as_secs_f64() * 1e3,
        percentile(&samples, 0.99).as_secs_f64() * 1e3,
        percentile(&samples, 1.0).as_secs_f64() * 1e3,
        samples.len() as f64 / total.as_secs_f64()
    );
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let url = args.next().filter(|u| !u.is_empty() && u != "sqlite");
    let rows: usize = args.next().map(|r| r.parse()).transpose()?.unwrap_or(100_000);
    let dir = tempfile::tempdir()?;
    // STRATO_BENCH_DIR keeps the database for inspection
    let data_dir = std::env::var("STRATO_BENCH_DIR").map(std::path::PathBuf::from).unwrap_or_else(|_| dir.path().to_path_buf());
    let mut options = StoreOptions::new(data_dir);
    options.database_url = url;
    options.admin_password = Some(SecretString::new("bench-password"));
    let (store, _) = Store::open(options).await?;
    println!("backend: {:?}, rows: {rows}", store.backend());

    let scope = store.system_scope().await?;
    let mut projects = Vec::new();
    for i in 0..20 {
        let p = store.projects().create(NewProject { name: format!("bench-{i}"), domain_id: scope.domain_id, description: String::new() }).await?;
        projects.push(p.id);
    }
    let providers = Provider::ALL;
    let started = Instant::now();
    let batch = 5_000;
    let mut first_ids = Vec::new();
    for chunk_start in (0..rows).step_by(batch) {
        let accounts = (chunk_start..(chunk_start + batch).min(rows))
            .map(|i| NewCloudAccount {
                name: format!("acct-{i:06}"),
                provider: providers[i % providers.len()],
                project_id: projects[i % projects.len()],
                endpoint: None,
                regions: vec![],
                description: String::new(),
                credentials: SecretString::new(format!("{{\"access_key_id\":\"AKIA{i}\",\"secret_access_key\":\"s{i}\"}}")),
                sync_interval_secs: strato_store::cloudaccounts::DEFAULT_SYNC_INTERVAL_SECS,
                project_rules: vec![],
                connected: None,
            })
            .collect();
        let ids = store.cloudaccounts().create_many(accounts).await?;
        if first_ids.len() < 1000 {
            first_ids.extend(ids.into_iter().take(1000));
        }
    }
    println!("inserted {rows} cloud accounts in {:.1} s", started.elapsed().as_secs_f64());
    store.analyze().await?;

    let iterations = 500;
    let scenarios: Vec<Scenario> = vec![
        ("provider=aws order_by=name (system)", vec![("filter", "provider.equals(aws)".into()), ("order_by", "name".into())], Visibility::All),
        ("provider=aws order_by=created_at desc (system)", vec![("filter", "provider.equals(aws)".into()), ("order", "desc".into())], Visibility::All),
        ("name.startswith(acct-05) order_by=name (system)", vec![("filter", "name.startswith(acct-05)".into()), ("order_by", "name".into())], Visibility::All),
        ("provider in (aws,kvm), 3 projects, details", vec![("filter", "provider.in(aws,kvm)".into()), ("details", "true".into())],
            Visibility::Projects(projects[..3].to_vec())),
        ("domain scope, order_by=name desc, offset 1000", vec![("order_by", "name".into()), ("order", "desc".into()), ("offset", "1000".into())],
            Visibility::Domain(scope.domain_id)),
    ];
    for (label, pairs, visibility) in scenarios {
        let query = ListQuery::from_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())))?;
        let mut samples = Vec::with_capacity(iterations);
        let mut total = 0;
        for _ in 0..iterations {
            let t = Instant::now();
            let page = store.cloudaccounts().list(&query, &visibility).await?;
            samples.push(t.elapsed());
            total = page.total;
            assert_eq!(page.items.len(), 20);
        }
        report(&format!("list 20: {label} [total {total}]"), samples);
    }

    let mut samples = Vec::with_capacity(iterations * 4);
    for i in 0..iterations * 4 {
        let id = first_ids[i % first_ids.len()];
        let t = Instant::now();
        store.cloudaccounts().get(id).await?;
        samples.push(t.elapsed());
    }
    report("get by id", samples);
    store.close().await;
    Ok(())
}
