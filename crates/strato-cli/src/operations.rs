//! Lifecycle operations on cloud resources: `server-create`, `server-stop ID`, `disk-attach ID
//! --server S`, `<keyword>-update ID --disable-delete`, ... Each starts a task on the server;
//! `--wait` follows it with a spinner naming the current step, prints the resource at the
//! end, and exits non-zero when the task did not succeed. The plain actions (`server-stop ID`,
//! `elasticsearch-delete ID`) come from the kinds' declarations; the rest are written here.

use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Arg, ArgAction, ArgMatches, Command};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{json, Map, Value};
use strato_client::Method;
use strato_cloud::kinds::{self, KindMeta, PlainDoc, Transition};

use crate::kinds::{col, Column};
use crate::output::{self, Format};
use crate::Session;

const RESOURCE_COLUMNS: &[Column] =
    &[col("id"), col("name"), col("status"), col("external_id"), col("disable_delete"), col("project_id"), col("updated_at")];

/// The synced kinds with delete protection (`<keyword>-update --disable-delete`).
fn protected_kinds() -> impl Iterator<Item = &'static KindMeta> {
    kinds::served().filter(|kind| kind.delete_protection())
}

/// Every declared plain action with its kind and command name (`server-stop`).
fn plain_actions() -> impl Iterator<Item = (&'static KindMeta, &'static Transition, PlainDoc, String)> {
    kinds::served().flat_map(|kind| {
        kind.plain_actions().map(move |(plain, doc)| (kind, plain, doc, format!("{}-{}", kind.keyword(), plain.command_suffix())))
    })
}

fn id_arg() -> Arg {
    Arg::new("id").required(true).value_name("ID_OR_NAME").help("Id or name")
}

fn wait_arg() -> Arg {
    Arg::new("wait").long("wait").action(ArgAction::SetTrue).help("Follow the task until it ends; exit non-zero if it fails")
}

fn opt(name: &'static str, value: &'static str, help: &'static str) -> Arg {
    Arg::new(name).long(name).value_name(value).help(help)
}

fn required(name: &'static str, value: &'static str, help: &'static str) -> Arg {
    opt(name, value, help).required(true)
}

fn size(name: &'static str, help: &'static str) -> Arg {
    opt(name, "GIB", help).value_parser(clap::value_parser!(u64))
}

fn vcpus_arg() -> Arg {
    opt("vcpus", "N", "Virtual CPUs, with --memory (instead of --sku)").value_parser(clap::value_parser!(u32)).requires("memory")
}

fn memory_arg() -> Arg {
    opt("memory", "MIB", "Memory in MiB, with --vcpus (instead of --sku)").value_parser(clap::value_parser!(u64)).requires("vcpus")
}

fn simple(name: &str, about: &str) -> Command {
    Command::new(name.to_string()).about(about.to_string()).arg(id_arg()).arg(wait_arg())
}

/// Every operation command, for the command tree.
pub fn commands() -> Vec<Command> {
    let mut out = vec![
        Command::new("server-create")
            .about("Create a server in a cloud account (answers the task; --wait follows it)")
            .arg(required("name", "NAME", "Name of the new server"))
            .arg(required("account", "ACCOUNT", "Cloud account (id or name)"))
            .arg(opt("region", "REGION", "Region external id; the account's only region when absent"))
            .arg(opt("zone", "ZONE", "Zone (name, id or external id)"))
            .arg(opt("sku", "INSTANCE_TYPE", "Instance type, e.g. t3.micro (or --vcpus and --memory)"))
            .arg(vcpus_arg())
            .arg(memory_arg())
            .arg(opt("image", "IMAGE", "Image id in the cloud (e.g. ami-...) or kvm image name; the cloud's only image when absent"))
            .arg(opt("network", "NETWORK", "Network (subnet): id or name"))
            .arg(opt("secgroup", "SECGROUP", "Security group: id or name (repeatable)").action(ArgAction::Append))
            .arg(size("disk-size", "Root disk size"))
            .arg(size("data-disk", "A data disk of this size (repeatable)").action(ArgAction::Append))
            .arg(opt("user-data", "TEXT", "User data for the guest"))
            .arg(opt("keypair", "NAME", "Key pair name"))
            .arg(opt("project", "PROJECT", "Project of the new server; the account's when absent"))
            .arg(wait_arg()),
        simple("server-change-config", "Change a stopped server's instance type (--sku, or --vcpus and --memory)")
            .arg(opt("sku", "INSTANCE_TYPE", "The new instance type"))
            .arg(vcpus_arg())
            .arg(memory_arg()),
        Command::new("disk-create")
            .about("Create a disk in a zone")
            .arg(required("name", "NAME", "Name of the new disk"))
            .arg(required("account", "ACCOUNT", "Cloud account (id or name)"))
            .arg(opt("region", "REGION", "Region external id; the account's only region when absent"))
            .arg(opt("zone", "ZONE", "Zone (name, id or external id); the region's only zone when absent"))
            .arg(size("size", "Size").required(true))
            .arg(opt("type", "TYPE", "The cloud's storage type, e.g. gp3"))
            .arg(opt("project", "PROJECT", "Project of the new disk; the account's when absent"))
            .arg(wait_arg()),
        simple("disk-attach", "Attach an available disk to a server")
            .arg(required("server", "SERVER", "Server (id or name)"))
            .arg(opt("device", "DEVICE", "Device name, e.g. /dev/sdf")),
        simple("disk-detach", "Detach a disk from its server"),
        simple("disk-resize", "Grow a disk").arg(size("size", "New size").required(true)),
    ];
    out.extend(plain_actions().map(|(_, _, doc, name)| simple(&name, doc.help)));
    for kind in protected_kinds() {
        let keyword = kind.keyword();
        out.push(
            Command::new(format!("{keyword}-update"))
                .about(format!("Change a {keyword}: delete protection"))
                .arg(id_arg())
                .arg(Arg::new("disable-delete").long("disable-delete").action(ArgAction::SetTrue).help("Turn delete protection on"))
                .arg(
                    Arg::new("enable-delete")
                        .long("enable-delete")
                        .action(ArgAction::SetTrue)
                        .conflicts_with("disable-delete")
                        .help("Turn delete protection off"),
                ),
        );
    }
    out
}

pub fn is_operation(name: &str) -> bool {
    commands().iter().any(|c| c.get_name() == name)
}

fn text(matches: &ArgMatches, name: &str) -> Option<String> {
    matches.get_one::<String>(name).cloned()
}

/// Inserts the flags that were given into a JSON body.
fn put(body: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(v) = value {
        body.insert(key.to_string(), v);
    }
}

pub async fn run(session: &Session, name: &str, matches: &ArgMatches) -> Result<()> {
    let id = matches.try_get_one::<String>("id").ok().flatten().map(String::as_str).unwrap_or_default();
    let (plural, task) = match name {
        "server-create" => {
            let mut body = Map::new();
            put(&mut body, "name", text(matches, "name").map(Value::from));
            put(&mut body, "cloudaccount", text(matches, "account").map(Value::from));
            put(&mut body, "region", text(matches, "region").map(Value::from));
            put(&mut body, "zone", text(matches, "zone").map(Value::from));
            put(&mut body, "sku", text(matches, "sku").map(Value::from));
            put(&mut body, "vcpus", matches.get_one::<u32>("vcpus").map(|v| json!(v)));
            put(&mut body, "memory_mb", matches.get_one::<u64>("memory").map(|v| json!(v)));
            put(&mut body, "image", text(matches, "image").map(Value::from));
            put(&mut body, "network", text(matches, "network").map(Value::from));
            let secgroups: Vec<String> = matches.get_many::<String>("secgroup").map(|v| v.cloned().collect()).unwrap_or_default();
            body.insert("secgroups".into(), json!(secgroups));
            put(&mut body, "root_disk_size", matches.get_one::<u64>("disk-size").map(|s| json!(s)));
            let data: Vec<u64> = matches.get_many::<u64>("data-disk").map(|v| v.copied().collect()).unwrap_or_default();
            body.insert("data_disk_sizes".into(), json!(data));
            put(&mut body, "user_data", text(matches, "user-data").map(Value::from));
            put(&mut body, "keypair", text(matches, "keypair").map(Value::from));
            put(&mut body, "project", text(matches, "project").map(Value::from));
            ("servers", session.client.create("servers", &Value::Object(body)).await?)
        }
        "disk-create" => {
            let mut body = Map::new();
            put(&mut body, "name", text(matches, "name").map(Value::from));
            put(&mut body, "cloudaccount", text(matches, "account").map(Value::from));
            put(&mut body, "region", text(matches, "region").map(Value::from));
            put(&mut body, "zone", text(matches, "zone").map(Value::from));
            put(&mut body, "size", matches.get_one::<u64>("size").map(|s| json!(s)));
            put(&mut body, "disk_type", text(matches, "type").map(Value::from));
            put(&mut body, "project", text(matches, "project").map(Value::from));
            ("disks", session.client.create("disks", &Value::Object(body)).await?)
        }
        "server-change-config" => {
            let mut body = Map::new();
            put(&mut body, "sku", text(matches, "sku").map(Value::from));
            put(&mut body, "vcpus", matches.get_one::<u32>("vcpus").map(|v| json!(v)));
            put(&mut body, "memory_mb", matches.get_one::<u64>("memory").map(|v| json!(v)));
            ("servers", session.client.perform("servers", id, "change_config", &Value::Object(body)).await?)
        }
        "disk-attach" => {
            let body = json!({"server": text(matches, "server"), "device": text(matches, "device")});
            ("disks", session.client.perform("disks", id, "attach", &body).await?)
        }
        "disk-detach" => ("disks", session.client.perform("disks", id, "detach", &json!({})).await?),
        "disk-resize" => ("disks", session.client.perform("disks", id, "resize", &json!({"size": matches.get_one::<u64>("size")})).await?),
        other if other.ends_with("-update") => {
            let keyword = other.strip_suffix("-update").context("unknown operation")?;
            let kind = protected_kinds().find(|kind| kind.keyword() == keyword).context("unknown operation")?;
            let mut body = json!({});
            if matches.get_flag("disable-delete") {
                body["disable_delete"] = json!(true);
            } else if matches.get_flag("enable-delete") {
                body["disable_delete"] = json!(false);
            }
            let resource = session.client.update(kind.plural, id, &body).await?;
            return print(&resource, RESOURCE_COLUMNS, session.format);
        }
        other => {
            let (kind, plain, _, _) = plain_actions().find(|(_, _, _, name)| name == other).context("unknown operation")?;
            let task = if plain.is_delete() {
                session.client.delete(kind.plural, id).await?
            } else {
                session.client.perform(kind.plural, id, plain.verb, &json!({})).await?
            };
            (kind.plural, task)
        }
    };
    if !matches.get_flag("wait") {
        return crate::actions::print_task(&task, session.format);
    }
    let task = follow(session, &task).await?;
    let status = task.get("status").and_then(Value::as_str).unwrap_or("");
    if status != "succeeded" {
        crate::actions::print_task(&task, session.format)?;
        let error = task.get("error").and_then(Value::as_str).unwrap_or("no error recorded");
        anyhow::bail!("{} {status}: {error}", task.get("kind").and_then(Value::as_str).unwrap_or("task"));
    }
    // the resource as the operation left it (a deleted one is gone: show the task)
    let target = task.get("target_id").and_then(Value::as_str).unwrap_or_default();
    match session.client.show(plural, target, false).await {
        Ok(resource) => print(&resource, RESOURCE_COLUMNS, session.format),
        Err(_) => crate::actions::print_task(&task, session.format),
    }
}

/// Polls the task until it ends, with a spinner naming its step.
async fn follow(session: &Session, task: &Value) -> Result<Value> {
    let task_id = task.get("id").and_then(Value::as_str).context("the server's task has no id")?.to_string();
    let spinner = ProgressBar::new_spinner();
    spinner.set_style(ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}").unwrap_or_else(|_| ProgressStyle::default_spinner()));
    spinner.enable_steady_tick(Duration::from_millis(120));
    let kind = task.get("kind").and_then(Value::as_str).unwrap_or("task").to_string();
    loop {
        let task = session.client.request(Method::GET, &["tasks", &task_id], &[], None).await?;
        let status = task.get("status").and_then(Value::as_str).unwrap_or("");
        if matches!(status, "succeeded" | "failed" | "cancelled") {
            spinner.finish_and_clear();
            return Ok(task);
        }
        let step = task.get("step").and_then(Value::as_str).unwrap_or("queued");
        spinner.set_message(crate::output::printable(&format!("{kind}: {step} ({status})")).into_owned());
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

fn print(object: &Value, columns: &[Column], format: Format) -> Result<()> {
    let text = match format {
        Format::Table => output::object_table(columns, object),
        _ => output::serialise(object, format)?,
    };
    output::emit(&text)
}
