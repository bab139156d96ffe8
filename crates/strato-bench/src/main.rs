//! `strato-bench`: benchmarks that print figures. Each scenario starts the real `strato serve`
//! as a child process and drives it over loopback from this (second) process.
//!
//!     cargo build --release -p strato -p strato-bench
//!     $CARGO_TARGET_DIR/release/strato-bench api --rows 100000

mod api;
mod kvm;
mod load;
mod served;

use clap::{Parser, Subcommand};
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
        }
    })
}
