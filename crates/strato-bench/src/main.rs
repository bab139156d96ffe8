//! `strato-bench`: benchmarks that print figures. The API and kvm scenarios start the real
//! `strato serve` as a child process and drive it over loopback from this (second) process;
//! `sync` runs the sync engine in process.
//!
//!     cargo build --release -p strato -p strato-bench
//!     $CARGO_TARGET_DIR/release/strato-bench api --rows 100000

mod api;
mod kvm;
mod load;
mod served;
mod sync;

use clap::{Parser, Subcommand};

// The allocator the `strato` binary uses, so in-process figures (`sync`) match it.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "strato-bench", about = "Strato benchmarks (print figures; not tests)")]
struct Cli {
    /// The `strato` binary to benchmark; defaults to the one next to this binary.
    #[arg(long, global = true)]
    strato: Option<PathBuf>,
    #[command(subcommand)]
    scenario: Scenario,
}

#[derive(Subcommand)]
enum Scenario {
    /// GET /cloudaccounts/<id> and a filtered, ordered list of 20 over N cloud accounts (SQLite).
    Api(api::ApiArgs),
    /// VMs on this host through the server: POST /servers to the guest's marker, stop to stopped, RSS.
    Kvm(kvm::KvmArgs),
    /// The sync engine in process: 100,000 resources of the fake cloud, first / no-change /
    /// 1%-changed syncs beside the raw bulk upsert, and peak RSS (SQLite, then PostgreSQL).
    Sync(sync::SyncArgs),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let strato = match cli.strato {
        Some(p) => p,
        None => std::env::current_exe()?.with_file_name("strato"),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        match cli.scenario {
            Scenario::Api(args) => api::run(&strato, args).await,
            Scenario::Kvm(args) => kvm::run(&strato, args).await,
            Scenario::Sync(args) => sync::run(args).await,
        }
    })
}
