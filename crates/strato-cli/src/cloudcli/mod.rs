//! `strato cloudcli <provider> [options] <kind>-<action> [args]`: call a cloud driver directly,
//! without the server, to debug a driver against a live cloud or an emulator (as Cloudpods'
//! aliyuncli does). Every error is one line naming what was wrong; secrets are never echoed.

mod commands;
mod kinds;
pub mod kvm;
mod render;
mod trace;

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use clap::{Arg, ArgAction, ArgMatches, Command};
use strato_cloud::{CallRecord, CloudError, CloudErrorKind, Credentials, DriverConfig, Provider, ProviderRegistry, RequestLayer};

/// Every provider this build knows, registered explicitly: the one list. `data_dir` is
/// strato's data dir: kvm accounts without an endpoint keep their VMs under `<data_dir>/kvm`.
pub fn provider_registry(data_dir: &Path) -> Result<ProviderRegistry, CloudError> {
    let mut registry = ProviderRegistry::new();
    strato_provider_aliyun::register(&mut registry)?;
    strato_provider_aws::register(&mut registry)?;
    strato_provider_fake::register(&mut registry)?;
    strato_provider_kvm::register(&mut registry, data_dir)?;
    Ok(registry)
}

/// Looks up an environment variable.
pub type EnvLookup = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Where output goes; tests capture it.
pub struct Io {
    pub out: Box<dyn Write + Send>,
    pub err: Arc<Mutex<Box<dyn Write + Send>>>,
    /// Environment lookup (the process environment outside tests).
    pub env: EnvLookup,
}

impl Io {
    pub fn process() -> Self {
        Self {
            out: Box::new(std::io::stdout()),
            err: Arc::new(Mutex::new(Box::new(std::io::stderr()))),
            env: Box::new(|k| std::env::var(k).ok().filter(|v| !v.is_empty())),
        }
    }

    fn eprintln(&self, line: &str) {
        let mut err = self.err.lock().unwrap_or_else(|p| p.into_inner());
        let _ = writeln!(err, "{}", crate::output::printable(line));
    }
}

/// A failure worth one line: bad input (exit 2) or a cloud error (exit 1).
#[derive(Debug)]
pub(crate) enum Failure {
    Usage(String),
    Cloud(CloudError),
}

impl From<CloudError> for Failure {
    fn from(e: CloudError) -> Self {
        Failure::Cloud(e)
    }
}

pub(crate) fn usage(msg: impl Into<String>) -> Failure {
    Failure::Usage(msg.into())
}

/// Entry point; `args[0]` is `cloudcli`.
pub async fn run(args: Vec<OsString>) -> anyhow::Result<ExitCode> {
    let mut io = Io::process();
    Ok(ExitCode::from(run_with(args, &mut io).await))
}

/// Runs cloudcli with the given io; returns the exit code (0 ok, 1 cloud error, 2 bad input).
pub async fn run_with(args: Vec<OsString>, io: &mut Io) -> u8 {
    match execute(args, io).await {
        Ok(()) => 0,
        Err(Failure::Usage(msg)) => {
            io.eprintln(&format!("error: {}", one_line(&msg)));
            2
        }
        Err(Failure::Cloud(e)) => {
            io.eprintln(&format!("error: {}", one_line(&e.to_string())));
            if e.kind == CloudErrorKind::InvalidInput {
                2
            } else {
                1
            }
        }
    }
}

fn one_line(s: &str) -> String {
    s.split('\n').map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("; ")
}

const USAGE: &str = "usage: strato cloudcli <provider> [--region R] [--endpoint URL] [--debug] [--output table|json] <kind>-<action> [args]";

async fn execute(args: Vec<OsString>, io: &mut Io) -> Result<(), Failure> {
    let args: Vec<String> = args
        .into_iter()
        .map(|a| a.into_string().map_err(|_| usage("arguments must be valid UTF-8")))
        .collect::<Result<_, _>>()?;
    let registry = provider_registry(&kvm::default_data_dir(&io.env))?;
    let provider_name = match args.get(1).map(String::as_str) {
        None => return Err(usage(format!("missing provider; {USAGE}"))),
        Some("-h" | "--help" | "help") => {
            let names: Vec<_> = registry.names().collect();
            let _ = writeln!(io.out, "{USAGE}\nproviders: {}\nrun `strato cloudcli <provider> --help` for its commands", names.join(", "));
            return Ok(());
        }
        Some(name) => name.to_string(),
    };
    let mut provider = registry.get(&provider_name).map_err(|e| usage(e.message))?;
    let cmd = command(provider.as_ref());
    let matches = match cmd.try_get_matches_from(args.iter().skip(1)) {
        Ok(m) => m,
        Err(e) => return clap_error(e, &provider_name, io),
    };
    let Some((action, sub)) = matches.subcommand() else {
        return Err(usage(format!("missing command; {USAGE}")));
    };
    let output = render::Output::parse(matches.get_one::<String>("output").map(String::as_str).unwrap_or("table"));
    let debug = matches.get_flag("debug");

    // kvm: `--data-dir` is the provider's data dir (an endpoint may only name a directory
    // under it, as for an account).
    if provider_name == strato_provider_kvm::PROVIDER {
        let data_dir = kvm::data_dir_flag(&matches).map(PathBuf::from).unwrap_or_else(|| kvm::default_data_dir(&io.env));
        if kvm::is_image_command(action) {
            let endpoint = matches.get_one::<String>("endpoint").map(String::as_str);
            let dir = strato_provider_kvm::data_dir_of(endpoint, &data_dir).map_err(|e| usage(e.message))?;
            return kvm::images(&dir, action, sub, output, io).await;
        }
        provider = Arc::new(strato_provider_kvm::KvmProvider::new(data_dir));
    }
    let credentials = credentials(provider.as_ref(), &matches, io)?;
    let layer = Arc::new(RequestLayer::default());
    if debug {
        let err = io.err.clone();
        layer.set_observer(Arc::new(move |r: &CallRecord| {
            let mut err = err.lock().unwrap_or_else(|p| p.into_inner());
            let _ = writeln!(
                err,
                "[debug] {} {} api={} class={} duration={}ms retries={} status={}",
                r.provider,
                r.region,
                r.api,
                r.class.as_str(),
                r.duration.as_millis(),
                r.retries,
                r.status
            );
        }));
    }
    let region = matches
        .get_one::<String>("region")
        .cloned()
        .or_else(|| provider.region_env().iter().find_map(|k| (io.env)(k)));
    let mut config = DriverConfig::new(matches.get_one::<String>("account").cloned().unwrap_or_else(|| "cloudcli".into()), credentials, layer);
    config.endpoint = matches.get_one::<String>("endpoint").cloned();
    // Account-wide calls (region listing) go to the provider's default region, so an unknown
    // --region is reported as such instead of failing the listing that checks it.
    let driver = provider.connect(config).await.map_err(|e| match e.kind {
        CloudErrorKind::InvalidInput | CloudErrorKind::Unauthorized => usage(e.message),
        _ => Failure::Cloud(e),
    })?;
    if debug {
        use tracing::instrument::WithSubscriber;
        let subscriber = trace::debug_subscriber(io.err.clone());
        commands::dispatch(driver.as_ref(), region.as_deref(), &provider_name, action, sub, output, io).with_subscriber(subscriber).await
    } else {
        commands::dispatch(driver.as_ref(), region.as_deref(), &provider_name, action, sub, output, io).await
    }
}

/// Clap's own help/version go to stdout as is; usage mistakes become one line.
fn clap_error(e: clap::Error, provider: &str, io: &mut Io) -> Result<(), Failure> {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = write!(io.out, "{}", e.render());
            Ok(())
        }
        ErrorKind::InvalidSubcommand => {
            let what = e.get(clap::error::ContextKind::InvalidSubcommand).map(|v| v.to_string()).unwrap_or_default();
            Err(usage(format!("unknown command '{what}' for provider {provider} (see `strato cloudcli {provider} --help`)")))
        }
        _ => {
            let text = e.render().to_string();
            // Clap's first paragraph, e.g. "required arguments were not provided: <ID>".
            let first: Vec<&str> = text.lines().map(str::trim).take_while(|l| !l.is_empty()).collect();
            Err(usage(first.join(" ").trim_start_matches("error: ").to_string()))
        }
    }
}

/// The provider's credential fields, from `--<field>` flags or the provider's env vars.
fn credentials(provider: &dyn Provider, matches: &ArgMatches, io: &Io) -> Result<Credentials, Failure> {
    let mut creds = Credentials::new();
    for field in provider.credential_fields() {
        let value = matches.get_one::<String>(field.name).cloned().or_else(|| field.env.and_then(|k| (io.env)(k)));
        match value {
            Some(v) if !v.is_empty() => creds.set(field.name, v),
            _ if field.required => {
                let flag = field.name.replace('_', "-");
                let env = field.env.map(|e| format!(" or set {e}")).unwrap_or_default();
                return Err(usage(format!("missing credential {}: pass --{flag}{env}", field.name)));
            }
            _ => {}
        }
    }
    Ok(creds)
}

fn command(provider: &dyn Provider) -> Command {
    let mut cmd = Command::new(format!("strato cloudcli {}", provider.name()))
        .no_binary_name(true)
        .about("Call a cloud driver directly, without the server")
        .subcommand_required(true)
        .arg_required_else_help(true)
        .arg(Arg::new("provider").required(true).hide(true))
        .arg(Arg::new("region").long("region").global(true).value_name("R").help("Region to act in"))
        .arg(Arg::new("endpoint").long("endpoint").global(true).value_name("URL").help("API endpoint override (emulators, private endpoints)"))
        .arg(Arg::new("account").long("account").global(true).value_name("NAME").help("Name of the account in logs and rate-limit keys"))
        .arg(Arg::new("debug").long("debug").global(true).action(ArgAction::SetTrue).help("Print each cloud request (api, region, duration, retries, status; the driver's request lines, signatures and secrets redacted)"))
        .arg(
            Arg::new("output")
                .long("output")
                .short('o')
                .global(true)
                .value_parser(["table", "json"])
                .default_value("table")
                .help("Output format"),
        );
    for field in provider.credential_fields() {
        let env = field.env.map(|e| format!(" [env: {e}]")).unwrap_or_default();
        cmd = cmd.arg(
            Arg::new(field.name)
                .long(field.name.replace('_', "-"))
                .global(true)
                .value_name("VALUE")
                .help(format!("{}{env}", field.help)),
        );
    }
    let cmd = commands::subcommands(cmd);
    if provider.name() == strato_provider_kvm::PROVIDER {
        kvm::arguments(cmd)
    } else {
        cmd
    }
}

#[cfg(test)]
mod tests;
