//! The `<kind>-<action>` commands and what each calls on the driver: the listings, shows and
//! plain actions come from the table in kinds.rs; the commands with their own flags are here.

use clap::{Arg, ArgAction, ArgMatches, Command};
use strato_cloud::{CloudDriver, DiskCreate, ResourceKind, ServerCreate, Tags};

use super::kinds;
use super::render::{self, Output};
use super::{usage, Failure, Io};

fn id_arg() -> Arg {
    Arg::new("id").required(true).value_name("ID").help("External id")
}

fn tag_arg() -> Arg {
    Arg::new("tag").long("tag").action(ArgAction::Append).value_name("KEY=VALUE").help("Tag (repeatable)")
}

fn number(name: &'static str, help: &'static str) -> Arg {
    Arg::new(name).long(name.replace('_', "-")).value_parser(clap::value_parser!(u64)).help(help)
}

pub(super) fn subcommands(cmd: Command) -> Command {
    let cmd = cmd.subcommand(Command::new("region-list").about("List regions"));
    let cmd = kinds::subcommands(cmd, id_arg);
    cmd.subcommand(
        Command::new("server-create")
            .about("Create a server")
            .arg(Arg::new("name").long("name").required(true))
            .arg(Arg::new("instance_type").long("instance-type").alias("sku").required(true).help("Instance type (sku)"))
            .arg(Arg::new("image").long("image").required(true).help("Image id"))
            .arg(Arg::new("zone").long("zone"))
            .arg(Arg::new("network").long("network").help("Network (subnet) id"))
            .arg(Arg::new("secgroup").long("secgroup").action(ArgAction::Append).help("Security group id (repeatable)"))
            .arg(number("root_disk_gb", "Root disk size in GB"))
            .arg(Arg::new("data_disk_gb").long("data-disk-gb").action(ArgAction::Append).value_parser(clap::value_parser!(u64)).help("Data disk size in GB (repeatable)"))
            .arg(Arg::new("user_data").long("user-data").help("User data (not echoed)"))
            .arg(Arg::new("keypair").long("keypair"))
            .arg(Arg::new("idempotency_token").long("idempotency-token").help("Same token, same server"))
            .arg(tag_arg()),
    )
    .subcommand(
        Command::new("server-change-config")
            .about("Change a server's instance type")
            .arg(id_arg())
            .arg(Arg::new("instance_type").long("instance-type").alias("sku").required(true)),
    )
    .subcommand(
        Command::new("disk-create")
            .about("Create a disk")
            .arg(Arg::new("name").long("name").required(true))
            .arg(Arg::new("zone").long("zone").required(true))
            .arg(number("size_gb", "Size in GB").required(true))
            .arg(Arg::new("type").long("type").help("Storage type, e.g. gp3"))
            .arg(Arg::new("idempotency_token").long("idempotency-token"))
            .arg(tag_arg()),
    )
    .subcommand(
        Command::new("disk-attach")
            .about("Attach a disk to a server")
            .arg(id_arg())
            .arg(Arg::new("server").long("server").required(true))
            .arg(Arg::new("device").long("device")),
    )
    .subcommand(Command::new("disk-detach").about("Detach a disk from its server").arg(id_arg()).arg(Arg::new("server").long("server").required(true)))
    .subcommand(Command::new("disk-resize").about("Grow a disk").arg(id_arg()).arg(number("size_gb", "New size in GB").required(true)))
}

fn s(m: &ArgMatches, name: &str) -> Option<String> {
    m.try_get_one::<String>(name).ok().flatten().cloned()
}

fn tags(m: &ArgMatches) -> Result<Tags, Failure> {
    let mut tags = Tags::new();
    for t in m.get_many::<String>("tag").into_iter().flatten() {
        let (k, v) = t.split_once('=').ok_or_else(|| usage(format!("malformed --tag '{t}': expected KEY=VALUE")))?;
        if k.is_empty() {
            return Err(usage(format!("malformed --tag '{t}': empty key")));
        }
        tags.insert(k.to_string(), v.to_string());
    }
    Ok(tags)
}

/// Check the region exists (the driver would send garbage to an unknown one). Without
/// `--region`, a provider with one region (kvm: this host) uses it.
async fn region(driver: &dyn CloudDriver, region: Option<&str>, provider: &str) -> Result<String, Failure> {
    let known = strato_cloud::facet::<strato_cloud::CloudRegion>(driver)?.list("").await?;
    let Some(region) = region else {
        if let [only] = known.as_slice() {
            return Ok(only.base.external_id.clone());
        }
        return Err(usage(format!("no region given: pass --region (see `strato cloudcli {provider} region-list`)")));
    };
    if !known.iter().any(|r| r.base.external_id == region) {
        return Err(usage(format!("unknown region '{region}' for provider {provider} (see `strato cloudcli {provider} region-list`)")));
    }
    Ok(region.to_string())
}

pub(super) async fn dispatch(
    driver: &dyn CloudDriver,
    region_flag: Option<&str>,
    provider: &str,
    action: &str,
    m: &ArgMatches,
    output: Output,
    io: &mut Io,
) -> Result<(), Failure> {
    if action == "region-list" {
        let regions = strato_cloud::kinds::lookup(ResourceKind::CloudRegion);
        let listed = regions.list_json(driver, "").await?;
        return render::list(io, output, ResourceKind::CloudRegion, regions.meta().driver_view.columns, &listed);
    }
    let r = region(driver, region_flag, provider).await?;
    let r = r.as_str();
    if let Some(command) = kinds::find(action) {
        return kinds::run(driver, r, command, m, output, io).await;
    }
    let id = s(m, "id").unwrap_or_default();
    let id = id.as_str();
    match action {
        "server-create" => {
            let input = ServerCreate {
                name: s(m, "name").unwrap_or_default(),
                instance_type: s(m, "instance_type").unwrap_or_default(),
                image_id: s(m, "image").unwrap_or_default(),
                zone: s(m, "zone"),
                network_id: s(m, "network"),
                secgroup_ids: m.get_many::<String>("secgroup").into_iter().flatten().cloned().collect(),
                root_disk_gb: m.get_one::<u64>("root_disk_gb").copied(),
                data_disks_gb: m.get_many::<u64>("data_disk_gb").into_iter().flatten().copied().collect(),
                user_data: s(m, "user_data"),
                keypair: s(m, "keypair"),
                tags: tags(m)?,
                idempotency_token: s(m, "idempotency_token"),
            };
            render::show(io, output, &driver.create_server(r, &input).await?)
        }
        "server-change-config" => {
            let t = s(m, "instance_type").unwrap_or_default();
            render::done(io, output, "server", id, "change-config", driver.change_server_config(r, id, &t).await?)
        }
        "disk-create" => {
            let input = DiskCreate {
                name: s(m, "name").unwrap_or_default(),
                zone: s(m, "zone").unwrap_or_default(),
                size_gb: m.get_one::<u64>("size_gb").copied().unwrap_or_default(),
                disk_type: s(m, "type"),
                tags: tags(m)?,
                idempotency_token: s(m, "idempotency_token"),
            };
            render::show(io, output, &driver.create_disk(r, &input).await?)
        }
        "disk-attach" => {
            let server = s(m, "server").unwrap_or_default();
            let device = driver.attach_disk(r, id, &server, s(m, "device").as_deref()).await?;
            render::done(io, output, "disk", id, &format!("attach to {server} as {device}"), ())
        }
        "disk-detach" => {
            let server = s(m, "server").unwrap_or_default();
            render::done(io, output, "disk", id, "detach", driver.detach_disk(r, id, &server).await?)
        }
        "disk-resize" => {
            let size = m.get_one::<u64>("size_gb").copied().unwrap_or_default();
            render::done(io, output, "disk", id, &format!("resize to {size} GB"), driver.resize_disk(r, id, size).await?)
        }
        other => Err(usage(format!("unknown command '{other}'"))),
    }
}
