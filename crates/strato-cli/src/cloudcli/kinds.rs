//! The kinds cloudcli reads and acts on straight through a driver, as data: one entry gives
//! `<kind>-list` (a table of `columns`), `<kind>-show ID` and one `<kind>-<verb> ID` per
//! action. Commands with their own flags (`server-create`, `disk-attach`, ...) are in
//! commands.rs.

use std::future::Future;
use std::pin::Pin;

use clap::{Arg, ArgMatches, Command};
use serde::Serialize;
use serde_json::Value;
use strato_cloud::{CloudDriver, CloudError, CloudResult, ResourceKind};

use super::render::{self, Column, Output};
use super::{Failure, Io};

type Call<'a, T> = Pin<Box<dyn Future<Output = CloudResult<T>> + Send + 'a>>;
/// `(driver, region)` -> every object of the kind in the region, as JSON.
type ListFn = for<'a> fn(&'a dyn CloudDriver, &'a str) -> Call<'a, Vec<Value>>;
/// `(driver, region, external id)` -> the object, as JSON.
type ShowFn = for<'a> fn(&'a dyn CloudDriver, &'a str, &'a str) -> Call<'a, Value>;
/// `(driver, region, external id)` -> done.
type ActFn = for<'a> fn(&'a dyn CloudDriver, &'a str, &'a str) -> Call<'a, ()>;

pub(super) struct Action {
    pub verb: &'static str,
    pub about: &'static str,
    pub call: ActFn,
}

pub(super) struct DriverKind {
    /// Also the command prefix (`vpc-list`).
    pub kind: ResourceKind,
    pub list: (&'static str, ListFn),
    pub show: Option<(&'static str, ShowFn)>,
    pub actions: &'static [Action],
    /// The list table's columns.
    pub columns: &'static [Column],
}

/// What a command of the table does.
pub(super) enum KindCommand {
    List,
    Show(ShowFn),
    Act(&'static Action),
}

fn to_json<T: Serialize>(item: T) -> CloudResult<Value> {
    serde_json::to_value(item).map_err(|e| CloudError::other(format!("cannot render: {e}")))
}

pub(super) fn all_to_json<T: Serialize>(items: Vec<T>) -> CloudResult<Vec<Value>> {
    items.into_iter().map(to_json).collect()
}

const ID: Column = ("ID", "external_id");
const NAME: Column = ("NAME", "name");
const STATUS: Column = ("STATUS", "status");

/// The account-wide region listing (`region-list`), which needs no region.
pub(super) const REGION_COLUMNS: &[Column] = &[ID, STATUS, ("ENDPOINT", "endpoint")];

/// Every kind with table-made commands, in the order `--help` lists them.
pub(super) static DRIVER_KINDS: &[DriverKind] = &[
    DriverKind {
        kind: ResourceKind::Zone,
        list: ("List zones of the region", |d, r| Box::pin(async move { all_to_json(d.list_zones(r).await?) })),
        show: None,
        actions: &[],
        columns: &[ID, NAME, STATUS, ("REGION", "region")],
    },
    DriverKind {
        kind: ResourceKind::Vpc,
        list: ("List VPCs", |d, r| Box::pin(async move { all_to_json(d.list_vpcs(r).await?) })),
        show: Some(("Show a VPC", |d, r, id| Box::pin(async move { to_json(d.get_vpc(r, id).await?) }))),
        actions: &[],
        columns: &[ID, NAME, STATUS, ("CIDR", "cidr_block"), ("DEFAULT", "is_default")],
    },
    DriverKind {
        kind: ResourceKind::Network,
        list: ("List networks (subnets)", |d, r| Box::pin(async move { all_to_json(d.list_networks(r).await?) })),
        show: Some(("Show a network", |d, r, id| Box::pin(async move { to_json(d.get_network(r, id).await?) }))),
        actions: &[],
        columns: &[ID, NAME, STATUS, ("VPC", "vpc_id"), ("ZONE", "zone"), ("CIDR", "cidr_block")],
    },
    DriverKind {
        kind: ResourceKind::Secgroup,
        list: ("List security groups", |d, r| Box::pin(async move { all_to_json(d.list_secgroups(r).await?) })),
        show: Some(("Show a security group", |d, r, id| Box::pin(async move { to_json(d.get_secgroup(r, id).await?) }))),
        actions: &[],
        columns: &[ID, NAME, STATUS, ("VPC", "vpc_id"), ("RULES", "rules")],
    },
    DriverKind {
        kind: ResourceKind::Sku,
        list: ("List instance types", |d, r| Box::pin(async move { all_to_json(d.list_skus(r).await?) })),
        show: None,
        actions: &[],
        columns: &[ID, ("CPU", "cpu"), ("MEMORY_MB", "memory_mb"), ("ARCH", "arch")],
    },
    DriverKind {
        kind: ResourceKind::Server,
        list: ("List servers", |d, r| Box::pin(async move { all_to_json(d.list_servers(r).await?) })),
        show: Some(("Show a server", |d, r, id| Box::pin(async move { to_json(d.get_server(r, id).await?) }))),
        actions: &[
            Action { verb: "start", about: "Start a server", call: |d, r, id| d.start_server(r, id) },
            Action { verb: "stop", about: "Stop a server", call: |d, r, id| d.stop_server(r, id) },
            Action { verb: "restart", about: "Restart a server", call: |d, r, id| d.restart_server(r, id) },
            Action { verb: "delete", about: "Delete a server", call: |d, r, id| d.delete_server(r, id) },
        ],
        columns: &[ID, NAME, STATUS, ("TYPE", "instance_type"), ("ZONE", "zone"), ("IMAGE", "image_id"), ("PRIVATE_IPS", "private_ips")],
    },
    DriverKind {
        kind: ResourceKind::Disk,
        list: ("List disks", |d, r| Box::pin(async move { all_to_json(d.list_disks(r).await?) })),
        show: Some(("Show a disk", |d, r, id| Box::pin(async move { to_json(d.get_disk(r, id).await?) }))),
        actions: &[Action { verb: "delete", about: "Delete a disk", call: |d, r, id| d.delete_disk(r, id) }],
        columns: &[ID, NAME, STATUS, ("SIZE_GB", "size_gb"), ("TYPE", "disk_type"), ("ZONE", "zone"), ("SERVER", "server_id"), ("DEVICE", "device")],
    },
    DriverKind {
        kind: ResourceKind::Elasticsearch,
        list: ("List Elasticsearch domains", |d, r| Box::pin(async move { all_to_json(d.list_elasticsearches(r).await?) })),
        show: Some(("Show an Elasticsearch domain", |d, r, id| Box::pin(async move { to_json(d.get_elasticsearch(r, id).await?) }))),
        actions: &[Action { verb: "delete", about: "Delete an Elasticsearch domain", call: |d, r, id| d.delete_elasticsearch(r, id) }],
        columns: &[ID, NAME, STATUS, ("VERSION", "engine_version"), ("TYPE", "instance_type"), ("NODES", "node_count")],
    },
];

/// The table's commands: every listing first, then each kind's show and actions.
pub(super) fn subcommands(mut cmd: Command, id_arg: fn() -> Arg) -> Command {
    for entry in DRIVER_KINDS {
        cmd = cmd.subcommand(Command::new(format!("{}-list", entry.kind)).about(entry.list.0));
    }
    for entry in DRIVER_KINDS {
        if let Some((about, _)) = entry.show {
            cmd = cmd.subcommand(Command::new(format!("{}-show", entry.kind)).about(about).arg(id_arg()));
        }
        for action in entry.actions {
            cmd = cmd.subcommand(Command::new(format!("{}-{}", entry.kind, action.verb)).about(action.about).arg(id_arg()));
        }
    }
    cmd
}

/// The entry and command a command name stands for, if the table made it.
pub(super) fn find(name: &str) -> Option<(&'static DriverKind, KindCommand)> {
    let (prefix, verb) = name.rsplit_once('-')?;
    let entry = DRIVER_KINDS.iter().find(|entry| entry.kind.as_str() == prefix)?;
    let command = match verb {
        "list" => KindCommand::List,
        "show" => KindCommand::Show(entry.show?.1),
        verb => KindCommand::Act(entry.actions.iter().find(|action| action.verb == verb)?),
    };
    Some((entry, command))
}

pub(super) async fn run(
    driver: &dyn CloudDriver,
    region: &str,
    (entry, command): (&'static DriverKind, KindCommand),
    m: &ArgMatches,
    output: Output,
    io: &mut Io,
) -> Result<(), Failure> {
    let id = m.try_get_one::<String>("id").ok().flatten().map(String::as_str).unwrap_or_default();
    match command {
        KindCommand::List => render::list(io, output, entry.kind, entry.columns, &(entry.list.1)(driver, region).await?),
        KindCommand::Show(show) => render::show(io, output, &show(driver, region, id).await?),
        KindCommand::Act(action) => render::done(io, output, entry.kind.as_str(), id, action.verb, (action.call)(driver, region, id).await?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_is_found_again() {
        let cmd = subcommands(Command::new("cloudcli"), || Arg::new("id").required(true));
        let names: Vec<String> = cmd.get_subcommands().map(|c| c.get_name().to_string()).collect();
        // 8 listings, 6 shows (not zones, not skus), 6 actions (4 on servers)
        assert_eq!(names.len(), 8 + 6 + 6, "{names:?}");
        for name in &names {
            assert!(find(name).is_some(), "{name}");
        }
        assert!(find("sku-show").is_none() && find("vpc-delete").is_none() && find("region-list").is_none());
    }
}
