//! See ../../shared/DESIGN.md for what this crate is for.

use std::ffi::OsString;
use std::process::ExitCode;

/// Entry point of `strato serve`; `args[0]` is "serve".
pub fn main_from_args(_args: Vec<OsString>) -> ExitCode {
    eprintln!("strato serve: not built yet");
    ExitCode::FAILURE
}
