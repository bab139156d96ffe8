//! The kinds cloudcli reads and acts on straight through a driver, from their declarations
//! (`strato_cloud::kinds`): each regional kind gives `<kind>-list` (a table of its
//! `driver_view` columns), `<kind>-show ID` when it declares one, and `<kind>-<verb> ID` per
//! plain action. Commands with their own flags (`server-create`, `disk-attach`, ...) are in
//! commands.rs; `region-list` too (it needs no region).

use clap::{Arg, ArgMatches, Command};
use strato_cloud::kinds::{self, AnyKind, KindScope, Transition};
use strato_cloud::CloudDriver;

use super::render::{self, Output};
use super::{Failure, Io};

/// What a command of the table does.
pub(super) enum KindCommand {
    List,
    Show,
    Act(&'static Transition),
}

/// The kinds with table-made commands (every regional kind), in dependency order.
fn driver_kinds() -> impl Iterator<Item = &'static dyn AnyKind> {
    kinds::all().iter().copied().filter(|k| k.meta().scope == KindScope::Region)
}

/// The table's commands: every listing first, then each kind's show and actions.
pub(super) fn subcommands(mut cmd: Command, id_arg: fn() -> Arg) -> Command {
    for kind in driver_kinds() {
        let meta = kind.meta();
        cmd = cmd.subcommand(Command::new(format!("{}-list", meta.kind)).about(meta.driver_view.list));
    }
    for kind in driver_kinds() {
        let meta = kind.meta();
        if let Some(about) = meta.driver_view.show {
            cmd = cmd.subcommand(Command::new(format!("{}-show", meta.kind)).about(about).arg(id_arg()));
        }
        for (action, _) in meta.plain_actions() {
            let about = format!("{} the {} (a driver call: no state machine, no delete protection)", capitalised(action.verb), meta.kind);
            cmd = cmd.subcommand(Command::new(format!("{}-{}", meta.kind, action.command_suffix())).about(about).arg(id_arg()));
        }
    }
    cmd
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// The kind and command a command name stands for, if the table made it.
pub(super) fn find(name: &str) -> Option<(&'static dyn AnyKind, KindCommand)> {
    let (prefix, verb) = name.split_once('-')?;
    let kind = driver_kinds().find(|k| k.meta().kind.as_str() == prefix)?;
    let meta = kind.meta();
    let command = match verb {
        "list" => KindCommand::List,
        "show" => {
            meta.driver_view.show?;
            KindCommand::Show
        }
        suffix => KindCommand::Act(meta.plain_actions().map(|(t, _)| t).find(|t| t.command_suffix() == suffix)?),
    };
    Some((kind, command))
}

pub(super) async fn run(
    driver: &dyn CloudDriver,
    region: &str,
    (kind, command): (&'static dyn AnyKind, KindCommand),
    m: &ArgMatches,
    output: Output,
    io: &mut Io,
) -> Result<(), Failure> {
    let id = m.try_get_one::<String>("id").ok().flatten().map(String::as_str).unwrap_or_default();
    let meta = kind.meta();
    match command {
        KindCommand::List => render::list(io, output, meta.kind, meta.driver_view.columns, &kind.list_json(driver, region).await?),
        KindCommand::Show => render::show(io, output, &kind.get_json(driver, region, id).await?),
        KindCommand::Act(action) => {
            render::done(io, output, meta.kind.as_str(), id, action.verb, kind.act(driver, region, id, action.verb).await?)
        }
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
