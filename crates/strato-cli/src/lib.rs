//! The `strato` command line (see ../../shared/DESIGN.md, "CLI"): `login`, `whoami`, the
//! climc-style `<keyword>-<verb>` resource commands, and `cloudcli`.

mod actions;
mod auth;
pub mod cloudcli;
mod config;
mod kinds;
mod operations;
mod output;
mod resource;

use anyhow::Result;
use clap::{Arg, ArgAction, Command};
use output::Format;
use std::ffi::OsString;
use std::fmt;
use std::io::Write;
use std::process::ExitCode;
use strato_client::{Client, ClientError};

/// A mistake in what the user typed; shown as `error: InvalidInputError: ...`.
#[derive(Debug)]
pub(crate) struct UsageError(String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

pub(crate) fn usage_error(message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(UsageError(message.into()))
}

/// A problem with the client config file; shown as `error: ConfigError: ...`.
#[derive(Debug)]
pub(crate) struct ConfigError(String);

impl ConfigError {
    pub fn new(message: String) -> Self {
        ConfigError(message)
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What every server command needs: the client and the output format.
pub(crate) struct Session {
    pub client: Client,
    pub format: Format,
}

fn cli() -> Command {
    let mut cmd = Command::new("strato")
        .about("Strato, a multi-cloud control plane: `strato serve` runs it, every other command is its client")
        .version(env!("CARGO_PKG_VERSION"))
        .subcommand_required(true)
        .arg_required_else_help(true)
        .arg(
            Arg::new("output")
                .long("output")
                .short('o')
                .global(true)
                .value_parser(Format::NAMES)
                .default_value("table")
                .help("Output format"),
        )
        .subcommand(passthrough("serve", "Run the control plane (see `strato serve --help`)"))
        .subcommand(passthrough("cloudcli", "Call a cloud driver directly, without the server"))
        .subcommand(auth::login_command())
        .subcommand(auth::logout_command())
        .subcommand(auth::password_change_command())
        .subcommand(auth::whoami_command());
    for action in actions::commands() {
        cmd = cmd.subcommand(action);
    }
    for operation in operations::commands() {
        cmd = cmd.subcommand(operation);
    }
    for kind in kinds::KINDS.iter() {
        for verb in kind.verbs {
            cmd = cmd.subcommand(resource::command(kind, *verb));
        }
    }
    cmd
}

/// A command parsed elsewhere; listed here so `--help` shows it.
fn passthrough(name: &'static str, about: &'static str) -> Command {
    Command::new(name).about(about).disable_help_flag(true).arg(
        Arg::new("args").num_args(0..).trailing_var_arg(true).allow_hyphen_values(true).action(ArgAction::Append),
    )
}

/// Entry point of every client subcommand; `args[0]` is the program name.
pub fn main_from_args(args: Vec<OsString>) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => return report(&anyhow::Error::new(e).context("cannot start the async runtime")),
    };
    match runtime.block_on(run(args)) {
        Ok(code) => code,
        Err(e) => report(&e),
    }
}

async fn run(args: Vec<OsString>) -> Result<ExitCode> {
    let matches = match cli().try_get_matches_from(&args) {
        Ok(matches) => matches,
        Err(e) => return Ok(clap_failure(e)),
    };
    let format = Format::parse(matches.get_one::<String>("output").map(String::as_str).unwrap_or("table"));
    let Some((name, sub)) = matches.subcommand() else {
        return Ok(ExitCode::FAILURE);
    };
    match name {
        "cloudcli" => run_cloudcli(&args).await,
        "serve" => Err(usage_error("`strato serve` is handled by the server; this build routed it to the client")),
        "login" => auth::login(sub, format).await.map(|()| ExitCode::SUCCESS),
        "whoami" => {
            auth::whoami(&session(format)?).await?;
            Ok(ExitCode::SUCCESS)
        }
        "logout" => {
            auth::logout(&session(format)?).await?;
            Ok(ExitCode::SUCCESS)
        }
        "password-change" => {
            auth::password_change(&session(format)?, sub).await?;
            Ok(ExitCode::SUCCESS)
        }
        other if operations::is_operation(other) => {
            operations::run(&session(format)?, other, sub).await?;
            Ok(ExitCode::SUCCESS)
        }
        other if actions::is_action(other) => {
            actions::run(&session(format)?, other, sub).await?;
            Ok(ExitCode::SUCCESS)
        }
        other => {
            let (kind, verb) =
                kinds::find_command(other).ok_or_else(|| usage_error(format!("unknown command {other}")))?;
            resource::run(&session(format)?, kind, verb, sub).await?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn session(format: Format) -> Result<Session> {
    let saved = config::load(&config::config_path()?)?;
    let connection = config::resolve(&saved);
    Ok(Session { client: Client::new(&connection.url, connection.token)?, format })
}

/// `strato cloudcli ...`: the driver CLI parses its own arguments, from `cloudcli` on.
async fn run_cloudcli(args: &[OsString]) -> Result<ExitCode> {
    cloudcli::run(args.iter().skip(1).cloned().collect()).await
}

/// Prints clap's help or version as is; a usage mistake as one line, exit code 1.
fn clap_failure(err: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match err.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = err.print();
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = err.print();
            ExitCode::FAILURE
        }
        _ => {
            let rendered = err.render().to_string();
            // The first paragraph says what is wrong; the usage and tips that follow take lines.
            let first: Vec<&str> =
                rendered.lines().map(str::trim).take_while(|l| !l.is_empty()).collect();
            let message = first.join(" ");
            let message = message.strip_prefix("error: ").unwrap_or(&message);
            let _ = writeln!(std::io::stderr(), "error: InvalidInputError: {message} (see --help)");
            ExitCode::FAILURE
        }
    }
}

/// Prints an error as exactly one line: `error: <class>: <message>`.
fn report(err: &anyhow::Error) -> ExitCode {
    let (class, message) = if let Some(client) = err.downcast_ref::<ClientError>() {
        (client.class().to_string(), client.message())
    } else if let Some(usage) = err.downcast_ref::<UsageError>() {
        ("InvalidInputError".to_string(), usage.0.clone())
    } else if err.downcast_ref::<ConfigError>().is_some() {
        ("ConfigError".to_string(), format!("{err:#}"))
    } else {
        ("Error".to_string(), format!("{err:#}"))
    };
    let one_line = message.split_whitespace().collect::<Vec<_>>().join(" ");
    let one_line = output::printable(&one_line);
    let _ = writeln!(std::io::stderr(), "error: {class}: {one_line}");
    ExitCode::FAILURE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_tree_is_valid() {
        cli().debug_assert();
    }

    #[test]
    fn every_documented_command_exists() {
        let cmd = cli();
        for name in [
            "login", "logout", "password-change", "whoami", "cloudcli", "domain-list", "domain-show", "domain-create", "domain-update",
            "domain-delete", "project-create", "user-create", "role-assign", "role-assignment-list",
            "role-assignment-delete", "token-create", "token-list", "token-delete", "cloudaccount-create",
            "cloudaccount-update", "cloudregion-list", "cloudregion-show", "zone-list", "zone-show",
        ] {
            assert!(cmd.find_subcommand(name).is_some(), "missing {name}");
        }
    }

    #[test]
    fn output_flag_is_accepted_after_the_command() {
        let m = cli().try_get_matches_from(["strato", "project-list", "--output", "json"]).unwrap();
        assert_eq!(m.get_one::<String>("output").map(String::as_str), Some("json"));
    }
}
