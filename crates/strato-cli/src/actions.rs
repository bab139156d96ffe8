//! Commands beyond list/show/create/update/delete: actions on an object
//! (`cloudaccount-sync`, `cloudaccount-enable`), what an object keeps (`cloudaccount-sync-history`,
//! `<kind>-changes`) and tasks (`task-show`). Long work follows its task with `--wait`.

use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Arg, ArgAction, ArgMatches, Command};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{json, Value};
use strato_client::Method;
use strato_cloud::kinds;

use crate::kinds::{col, Column};
use crate::output::{self, Format};
use crate::{usage_error, Session};

const TASK_COLUMNS: &[Column] =
    &[col("id"), col("kind"), col("status"), col("step"), col("target_kind"), col("target_id"), col("error"), col("created_at")];
const HISTORY_COLUMNS: &[Column] = &[
    col("region"),
    col("kind"),
    col("status"),
    col("added"),
    col("updated"),
    col("removed"),
    col("cloud_requests"),
    col("duration_ms"),
    col("error"),
];
const CHANGE_COLUMNS: &[Column] =
    &[col("created_at"), col("field"), col("old_value"), col("new_value"), col("source"), col("actor")];
const ACCOUNT_COLUMNS: &[Column] =
    &[col("id"), col("name"), col("provider"), col("status"), col("enabled"), col("last_sync_at"), col("last_sync_status")];

fn id_arg() -> Arg {
    Arg::new("id").required(true).value_name("ID_OR_NAME").help("Id or name")
}

fn wait_arg() -> Arg {
    Arg::new("wait").long("wait").action(ArgAction::SetTrue).help("Follow the task until it ends; exit non-zero if it fails")
}

/// Every action command, for the command tree.
/// The kinds a sync may be narrowed to: every declared kind listed per region.
fn region_kinds() -> Vec<&'static str> {
    kinds::all().iter().map(|k| k.meta()).filter(|m| !m.account_wide()).map(|m| m.keyword()).collect()
}

pub fn commands() -> Vec<Command> {
    let mut out = vec![
        Command::new("cloudaccount-sync")
            .about("Sync a cloud account's resources into Strato")
            .arg(id_arg())
            .arg(Arg::new("full").long("full").action(ArgAction::SetTrue).help("Rewrite every row, even unchanged ones"))
            .arg(Arg::new("region").long("region").action(ArgAction::Append).value_name("REGION").help("Only this region (repeatable)"))
            .arg(
                Arg::new("kind")
                    .long("kind")
                    .action(ArgAction::Append)
                    .value_name("KIND")
                    .help(format!("Only this kind: {} (repeatable)", region_kinds().join(", "))),
            )
            .arg(wait_arg()),
        Command::new("cloudaccount-sync-history")
            .about("Sync history of a cloud account: one row per region and kind per run, newest first")
            .arg(id_arg())
            .arg(Arg::new("run").long("run").value_name("RUN_ID").help("Only this run (the sync task's id)"))
            .arg(Arg::new("limit").long("limit").value_parser(clap::value_parser!(u32)).help("Most rows (default 200)")),
        Command::new("cloudaccount-enable").about("Enable a cloud account (it syncs again)").arg(id_arg()),
        Command::new("cloudaccount-disable").about("Disable a cloud account (no syncs, no operations)").arg(id_arg()),
        Command::new("task-show").about("Show a task: status, steps with timings and errors").arg(
            Arg::new("id").required(true).value_name("TASK_ID").help("Task id"),
        ),
        Command::new("task-cancel").about("Cancel an unfinished task; its completed steps are undone").arg(task_id_arg()),
        Command::new("task-retry").about("Run a failed or cancelled task again from its first step").arg(task_id_arg()),
        list_command("task-list", "List tasks", TASK_FILTERS),
        list_command("actionlog-list", "List the action log: API writes, logins and task ends", ACTIONLOG_FILTERS),
    ];
    // Every synced object keeps a change log.
    for kind in kinds::served() {
        let keyword = kind.keyword();
        out.push(
            Command::new(format!("{keyword}-changes"))
                .about(format!("Change history of a {keyword}: every field sync or an operation changed"))
                .arg(id_arg()),
        );
    }
    out
}

pub fn is_action(name: &str) -> bool {
    commands().iter().any(|c| c.get_name() == name)
}

pub async fn run(session: &Session, name: &str, matches: &ArgMatches) -> Result<()> {
    let id = matches.try_get_one::<String>("id").ok().flatten().map(String::as_str).unwrap_or_default();
    match name {
        "cloudaccount-sync" => sync(session, id, matches).await,
        "cloudaccount-sync-history" => {
            let mut params = Vec::new();
            if let Some(run) = matches.get_one::<String>("run") {
                params.push(("run_id".to_string(), run.clone()));
            }
            if let Some(limit) = matches.get_one::<u32>("limit") {
                params.push(("limit".to_string(), limit.to_string()));
            }
            let answer = session.client.request(Method::GET, &["cloudaccounts", id, "sync_history"], &params, None).await?;
            print_rows(&answer, "sync_history", HISTORY_COLUMNS, session.format)
        }
        "cloudaccount-enable" | "cloudaccount-disable" => {
            let action = name.trim_start_matches("cloudaccount-");
            let account = session.client.perform("cloudaccounts", id, action, &json!({})).await?;
            print_object(&account, ACCOUNT_COLUMNS, session.format)
        }
        "task-show" => {
            let task = session.client.show("tasks", id, false).await?;
            print_task(&task, session.format)
        }
        "task-cancel" | "task-retry" => {
            let action = name.trim_start_matches("task-");
            let task = session.client.perform("tasks", id, action, &json!({})).await?;
            print_task(&task, session.format)
        }
        "task-list" => list(session, "tasks", TASK_LIST_COLUMNS, TASK_FILTERS, matches).await,
        "actionlog-list" => list(session, "actionlogs", ACTIONLOG_COLUMNS, ACTIONLOG_FILTERS, matches).await,
        other => {
            let keyword = other.strip_suffix("-changes").context("unknown action")?;
            let kind = kinds::served().find(|k| k.keyword() == keyword).ok_or_else(|| usage_error(format!("unknown command {other}")))?;
            let answer = session.client.request(Method::GET, &[kind.plural, id, "changes"], &[], None).await?;
            print_rows(&answer, "changes", CHANGE_COLUMNS, session.format)
        }
    }
}

fn print_object(object: &Value, columns: &[Column], format: Format) -> Result<()> {
    let text = match format {
        Format::Table => output::object_table(columns, object),
        _ => output::serialise(object, format)?,
    };
    output::emit(&text)
}

/// A task: its fields, then (as a table) its steps with timings, polls and errors.
pub(crate) fn print_task(task: &Value, format: Format) -> Result<()> {
    if format != Format::Table {
        return print_object(task, TASK_COLUMNS, format);
    }
    let mut fields = task.clone();
    if let Some(map) = fields.as_object_mut() {
        map.remove("steps"); // shown as their own table below
    }
    print_object(&fields, TASK_COLUMNS, format)?;
    if let Some(steps) = task.get("steps").and_then(Value::as_array).filter(|s| !s.is_empty()) {
        let columns = [col("name"), col("started_at"), col("ended_at"), col("polls"), col("error"), col("undone_at")];
        let text = output::list_table(&columns, steps, false, steps.len() as u64, 0);
        output::emit(&text.replace("Total:", "Steps:"))?;
    }
    Ok(())
}

fn print_rows(answer: &Value, key: &str, columns: &[Column], format: Format) -> Result<()> {
    let text = match format {
        Format::Table => {
            let rows = answer.get(key).and_then(Value::as_array).cloned().unwrap_or_default();
            let total = answer.get("total").and_then(Value::as_u64).unwrap_or(rows.len() as u64);
            output::list_table(columns, &rows, false, total, 0)
        }
        _ => output::serialise(answer, format)?,
    };
    output::emit(&text)
}

/// `cloudaccount-sync`: start the sync; with `--wait`, a progress bar over the run's scopes
/// (regions x kinds) until the task ends, then the run's history.
async fn sync(session: &Session, id: &str, matches: &ArgMatches) -> Result<()> {
    let regions: Vec<String> = matches.get_many::<String>("region").map(|v| v.cloned().collect()).unwrap_or_default();
    let kinds: Vec<String> = matches.get_many::<String>("kind").map(|v| v.cloned().collect()).unwrap_or_default();
    let mut body = json!({"full": matches.get_flag("full")});
    if !regions.is_empty() {
        body["regions"] = json!(regions);
    }
    if !kinds.is_empty() {
        body["kinds"] = json!(kinds);
    }
    let task = session.client.perform("cloudaccounts", id, "sync", &body).await?;
    if !matches.get_flag("wait") {
        return print_task(&task, session.format);
    }
    let task_id = task.get("id").and_then(Value::as_str).context("the server's task has no id")?.to_string();
    let account_id = task.get("target_id").and_then(Value::as_str).unwrap_or(id).to_string();
    let kinds_per_region = if kinds.is_empty() { 8 } else { kinds.len() as u64 };

    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {elapsed:>4} [{bar:30}] {pos}/{len} scopes {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let history_params = vec![("run_id".to_string(), task_id.clone()), ("limit".to_string(), "2000".to_string())];
    let finished = loop {
        let task = session.client.show("tasks", &task_id, false).await?;
        let history = session.client.request(Method::GET, &["cloudaccounts", &account_id, "sync_history"], &history_params, None).await?;
        let rows = history.get("sync_history").and_then(Value::as_array).cloned().unwrap_or_default();
        let region_count = if regions.is_empty() { region_count(session, &account_id).await? } else { regions.len() as u64 };
        let whole_account = u64::from(regions.is_empty() && kinds.is_empty());
        bar.set_length((region_count * kinds_per_region + whole_account).max(rows.len() as u64));
        bar.set_position(rows.len() as u64);
        if let Some(last) = rows.last() {
            let region = last.get("region").and_then(Value::as_str).filter(|r| !r.is_empty()).unwrap_or("account");
            bar.set_message(format!("{region}/{}", last.get("kind").and_then(Value::as_str).unwrap_or("")));
        }
        let status = task.get("status").and_then(Value::as_str).unwrap_or("");
        if matches!(status, "succeeded" | "failed" | "cancelled") {
            break (task, history);
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    bar.finish_and_clear();
    let (task, history) = finished;
    if session.format == Format::Table {
        print_rows(&history, "sync_history", HISTORY_COLUMNS, Format::Table)?;
    } else {
        output::emit(&output::serialise(&json!({"task": task, "sync_history": history["sync_history"]}), session.format)?)?;
    }
    let status = task.get("status").and_then(Value::as_str).unwrap_or("");
    if status != "succeeded" {
        let error = task.get("error").and_then(Value::as_str).unwrap_or("no error recorded");
        anyhow::bail!("sync {status}: {error}");
    }
    Ok(())
}

/// Regions of the account the caller can see (the default scope is the widest allowed).
async fn region_count(session: &Session, account_id: &str) -> Result<u64> {
    let query = strato_client::ListQuery {
        limit: Some(1),
        filters: vec![format!("cloudaccount_id.equals({account_id})")],
        ..strato_client::ListQuery::default()
    };
    Ok(session.client.list("cloudregions", &query).await?.total)
}

const TASK_LIST_COLUMNS: &[Column] = &[
    col("id"),
    col("kind"),
    col("status"),
    col("step"),
    col("target_kind"),
    col("target_id"),
    col("user"),
    col("error"),
    col("created_at"),
];
const ACTIONLOG_COLUMNS: &[Column] = &[
    col("created_at"),
    col("user_name"),
    col("action"),
    col("object_kind"),
    col("object_id"),
    col("object_name"),
    col("outcome"),
    col("error"),
];

/// A shortcut flag of a list command: `--<flag> V` sends `filter=<field>.<op>(V)`.
struct FilterFlag {
    flag: &'static str,
    field: &'static str,
    op: strato_types::FilterOp,
    help: &'static str,
}

const fn any_of(flag: &'static str, field: &'static str, help: &'static str) -> FilterFlag {
    FilterFlag { flag, field, op: strato_types::FilterOp::In, help }
}

const TASK_FILTERS: &[FilterFlag] = &[
    any_of("status", "status", "Only these statuses, comma-separated: queued, running, waiting, succeeded, failed, cancelled"),
    any_of("kind", "kind", "Only these task kinds, comma-separated, e.g. cloudaccount.sync"),
    any_of("target-kind", "target_kind", "Only tasks on this kind of object, e.g. cloudaccount"),
    any_of("target", "target_id", "Only tasks on this object (its id)"),
    any_of("user", "user", "Only tasks this user started (name)"),
];

const ACTIONLOG_FILTERS: &[FilterFlag] = &[
    any_of("user", "user", "Only entries of this user (name)"),
    any_of("action", "action", "Only these actions, comma-separated: create, update, delete, sync, login, a task kind, ..."),
    any_of("outcome", "outcome", "success or failure"),
    any_of("object-kind", "object_kind", "Only entries about this kind of object, e.g. server"),
    any_of("object", "object_id", "Only entries about this object (id or name as it was given)"),
    FilterFlag { flag: "since", field: "created_at", op: strato_types::FilterOp::Ge, help: "Only entries at or after this RFC 3339 time" },
    FilterFlag { flag: "until", field: "created_at", op: strato_types::FilterOp::Le, help: "Only entries at or before this RFC 3339 time" },
];

fn task_id_arg() -> Arg {
    Arg::new("id").required(true).value_name("TASK_ID").help("Task id")
}

/// A list command with the common list flags and its shortcut filters.
fn list_command(name: &'static str, about: &'static str, filters: &[FilterFlag]) -> Command {
    let mut cmd = crate::resource::list_flags(Command::new(name).about(about));
    for f in filters {
        cmd = cmd.arg(Arg::new(f.flag).long(f.flag).value_name("VALUE").help(f.help));
    }
    cmd
}

/// The list query of a list command: the common flags plus one filter per shortcut given.
fn list_query(matches: &ArgMatches, filters: &[FilterFlag]) -> strato_client::ListQuery {
    let mut query = crate::resource::list_query(matches);
    for f in filters {
        if let Some(value) = matches.get_one::<String>(f.flag) {
            let values = match f.op {
                strato_types::FilterOp::In => value.split(',').map(|v| v.trim().to_string()).filter(|v| !v.is_empty()).collect(),
                _ => vec![value.clone()],
            };
            query.filters.push(strato_types::Filter { field: f.field.to_string(), op: f.op, values }.to_string());
        }
    }
    query
}

async fn list(session: &Session, plural: &str, columns: &[Column], filters: &[FilterFlag], matches: &ArgMatches) -> Result<()> {
    let query = list_query(matches, filters);
    let page = session.client.list(plural, &query).await?;
    let text = match session.format {
        Format::Table => output::list_table(columns, &page.items, query.details, page.total, page.offset),
        format => output::serialise(&page.to_value(), format)?,
    };
    output::emit(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortcut_flags_become_filters() {
        let cmd = commands().into_iter().find(|c| c.get_name() == "task-list").unwrap();
        let m = cmd.try_get_matches_from(["task-list", "--status", "failed, cancelled", "--kind", "cloudaccount.sync", "--limit", "5"]).unwrap();
        let query = list_query(&m, TASK_FILTERS);
        assert_eq!(query.filters, vec![r#"status.in("failed","cancelled")"#, r#"kind.in("cloudaccount.sync")"#]);
        assert_eq!(query.limit, Some(5));
        let cmd = commands().into_iter().find(|c| c.get_name() == "actionlog-list").unwrap();
        let m = cmd.try_get_matches_from(["actionlog-list", "--since", "2024-01-01T00:00:00Z", "--outcome", "failure"]).unwrap();
        let query = list_query(&m, ACTIONLOG_FILTERS);
        assert_eq!(query.filters, vec![r#"outcome.in("failure")"#, r#"created_at.ge("2024-01-01T00:00:00Z")"#]);
    }
}
