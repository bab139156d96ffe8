//! See ../../shared/DESIGN.md for what this crate is for.

use std::ffi::OsString;
use std::process::ExitCode;

/// Entry point of every client subcommand; `args[0]` is the program name.
pub fn main_from_args(_args: Vec<OsString>) -> ExitCode {
    eprintln!("strato: the client is not built yet");
    ExitCode::FAILURE
}
