//! The one `strato` binary: `strato serve` runs the control plane, every other subcommand is the
//! client (climc-style resource commands, `login`, and `cloudcli`).

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).map(|a| a == "serve").unwrap_or(false) {
        // `strato serve ...`: parse from "serve" on so clap names the command right.
        let providers = match strato_cli::cloudcli::provider_registry() {
            Ok(providers) => providers,
            Err(error) => {
                eprintln!("strato serve: {error}");
                return ExitCode::FAILURE;
            }
        };
        return strato_server::main_from_args(args[1..].to_vec(), providers);
    }
    strato_cli::main_from_args(args)
}
