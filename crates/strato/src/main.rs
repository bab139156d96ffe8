//! The one `strato` binary: `strato serve` runs the control plane, every other subcommand is the
//! client (climc-style resource commands, `login`, and `cloudcli`).

use std::process::ExitCode;

// glibc's malloc spent about a fifth of a large sync's CPU in its own bookkeeping (arenas shared
// by the runtime's threads, consolidation) and kept freed memory resident; with mimalloc the
// no-change re-sync of 100,000 resources ran ~30% faster at ~25% less peak RSS (benchmarks.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).map(|a| a == "serve").unwrap_or(false) {
        // `strato serve ...`: parse from "serve" on so clap names the command right. The
        // providers are registered once the data dir is known (kvm keeps its VMs under it).
        return strato_server::main_from_args(args[1..].to_vec(), strato_cli::cloudcli::provider_registry);
    }
    strato_cli::main_from_args(args)
}
