//! The generic `strato <keyword>-<verb>` commands, built from the kind table in kinds.rs.

use crate::kinds::{Field, Kind, Value as FieldValue, Verb};
use crate::output::{self, Format};
use crate::{usage_error, Session};
use anyhow::{Context, Result};
use clap::{Arg, ArgAction, ArgGroup, ArgMatches, Command};
use serde_json::{Map, Value};
use std::io::Read;
use strato_client::ListQuery;

/// The clap command of one (kind, verb).
pub fn command(kind: &'static Kind, verb: Verb) -> Command {
    let name = kind.command_name(verb);
    let what = kind.keyword.replace('-', " ");
    let cmd = Command::new(name);
    match verb {
        Verb::List => list_flags(cmd.about(format!("List {what}s"))),
        Verb::Show => cmd
            .about(format!("Show one {what}"))
            .arg(id_arg())
            .arg(Arg::new("details").long("details").action(ArgAction::SetTrue).help("Add names of referenced objects")),
        Verb::Create => field_flags(cmd.about(format!("Create a {what}")), kind.create, true),
        Verb::Update => field_flags(cmd.about(format!("Update a {what}")).arg(id_arg()), kind.update, false),
        Verb::Delete => cmd.about(format!("Delete a {what}")).arg(id_arg()),
    }
}

fn id_arg() -> Arg {
    Arg::new("id").required(true).value_name("ID_OR_NAME").help("Id or name")
}

/// The common list flags (`--scope`, `--filter`, `--limit`, ...); `list_query` reads them.
pub(crate) fn list_flags(cmd: Command) -> Command {
    cmd.arg(
        Arg::new("scope")
            .long("scope")
            .value_parser(["system", "domain", "project"])
            .help("Widen the listing: project (default), domain (domain admin), system (system admin)"),
    )
    .arg(
        Arg::new("filter")
            .long("filter")
            .action(ArgAction::Append)
            .value_name("FIELD.OP(VALUES)")
            .help("Filter, repeatable, e.g. 'name.startswith(prod)', 'provider.in(aws,fake)'"),
    )
    .arg(Arg::new("search").long("search").value_name("TEXT").help("Free-text search"))
    .arg(
        Arg::new("limit")
            .long("limit")
            .value_parser(clap::value_parser!(u32))
            .help("Page size (server default 20, max 2000)"),
    )
    .arg(Arg::new("offset").long("offset").value_parser(clap::value_parser!(u64)).help("Skip this many objects"))
    .arg(Arg::new("order-by").long("order-by").value_name("FIELD").help("Sort by this field"))
    .arg(Arg::new("order").long("order").value_parser(["asc", "desc"]).help("Sort direction"))
    .arg(Arg::new("details").long("details").action(ArgAction::SetTrue).help("Add names of referenced objects"))
}

/// The list query the flags of `list_flags` give.
pub(crate) fn list_query(matches: &ArgMatches) -> ListQuery {
    ListQuery {
        limit: matches.get_one::<u32>("limit").copied(),
        offset: matches.get_one::<u64>("offset").copied(),
        order_by: matches.get_one::<String>("order-by").cloned(),
        order: matches.get_one::<String>("order").cloned(),
        filters: matches.get_many::<String>("filter").map(|v| v.cloned().collect()).unwrap_or_default(),
        search: matches.get_one::<String>("search").cloned(),
        scope: matches.get_one::<String>("scope").cloned(),
        details: matches.get_flag("details"),
    }
}

fn stdin_flag(field: &Field) -> String {
    format!("{}-stdin", field.flag)
}

fn field_flags(mut cmd: Command, fields: &'static [Field], creating: bool) -> Command {
    for field in fields {
        let required = creating && field.required;
        match field.value {
            FieldValue::Secret { on_command_line } => {
                let stdin_id = stdin_flag(field);
                cmd = cmd.arg(
                    Arg::new(stdin_id.clone())
                        .long(stdin_id.clone())
                        .action(ArgAction::SetTrue)
                        .help(format!("{} (read from standard input)", field.help)),
                );
                let mut members = vec![stdin_id];
                if on_command_line {
                    cmd = cmd.arg(
                        Arg::new(field.flag)
                            .long(field.flag)
                            .value_name("VALUE")
                            .help(format!("{} (prefer --{}-stdin: arguments are visible to others)", field.help, field.flag)),
                    );
                    members.push(field.flag.to_string());
                }
                cmd = cmd.group(ArgGroup::new(format!("{}-source", field.flag)).args(members).required(required).multiple(false));
            }
            value => {
                let mut arg = Arg::new(field.flag).long(field.flag).required(required).help(field.help);
                arg = match value {
                    FieldValue::Bool => arg.value_parser(clap::value_parser!(bool)).value_name("true|false"),
                    FieldValue::Count => arg.value_parser(clap::value_parser!(u64)).value_name("N"),
                    FieldValue::List => arg.value_name("A,B,..."),
                    FieldValue::ProjectRules => arg.value_name("KEY[=VALUE]:PROJECT,..."),
                    _ => arg.value_name(field.flag.to_uppercase().replace('-', "_")),
                };
                cmd = cmd.arg(arg);
            }
        }
    }
    cmd
}

/// Builds the request body from the flags the user gave.
fn body_from(fields: &[Field], matches: &ArgMatches) -> Result<Map<String, Value>> {
    let mut body = Map::new();
    for field in fields {
        let value = match field.value {
            FieldValue::Bool => matches.get_one::<bool>(field.flag).map(|b| Value::Bool(*b)),
            FieldValue::Count => matches.get_one::<u64>(field.flag).map(|n| Value::from(*n)),
            FieldValue::List => matches.get_one::<String>(field.flag).map(|text| {
                Value::Array(
                    text.split(',').map(str::trim).filter(|s| !s.is_empty()).map(|s| Value::String(s.into())).collect(),
                )
            }),
            FieldValue::ProjectRules => matches.get_one::<String>(field.flag).map(|text| project_rules(field.flag, text)).transpose()?,
            FieldValue::Text => matches.get_one::<String>(field.flag).map(|s| Value::String(s.clone())),
            FieldValue::Secret { on_command_line } => {
                if matches.get_flag(&stdin_flag(field)) {
                    Some(Value::String(read_secret_from_stdin(field.flag)?))
                } else if on_command_line {
                    matches.get_one::<String>(field.flag).map(|s| Value::String(s.clone()))
                } else {
                    None
                }
            }
        };
        if let Some(value) = value {
            insert_at(&mut body, field.path, value);
        }
    }
    Ok(body)
}

/// `team=blue:p1,owner:p2` -> `[{"tag_key": "team", "tag_value": "blue", "project": "p1"}, ...]`.
fn project_rules(flag: &str, text: &str) -> Result<Value> {
    let mut rules = Vec::new();
    for rule in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let Some((tag, project)) = rule.rsplit_once(':').filter(|(t, p)| !t.is_empty() && !p.is_empty()) else {
            return Err(usage_error(format!("--{flag}: {rule:?} is not KEY[=VALUE]:PROJECT")));
        };
        let (key, value) = match tag.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (tag, None),
        };
        if key.is_empty() {
            return Err(usage_error(format!("--{flag}: {rule:?} has an empty tag key")));
        }
        rules.push(serde_json::json!({"tag_key": key, "tag_value": value, "project": project}));
    }
    Ok(Value::Array(rules))
}

/// Sets `a.b.c` in a JSON object, creating the nested objects on the way.
fn insert_at(body: &mut Map<String, Value>, path: &str, value: Value) {
    match path.split_once('.') {
        None => {
            body.insert(path.to_string(), value);
        }
        Some((head, rest)) => {
            let entry = body.entry(head.to_string()).or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            if let Value::Object(inner) = entry {
                insert_at(inner, rest, value);
            }
        }
    }
}

/// Reads a secret from standard input: everything up to the end, without the final line break.
pub fn read_secret_from_stdin(what: &str) -> Result<String> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .with_context(|| format!("cannot read the {what} from standard input"))?;
    let secret = text.strip_suffix('\n').map(|s| s.strip_suffix('\r').unwrap_or(s)).unwrap_or(&text);
    if secret.is_empty() {
        return Err(usage_error(format!("the {what} read from standard input is empty")));
    }
    Ok(secret.to_string())
}

/// Accepts an id or a name; the API takes ids in PUT and DELETE paths, so a name is looked up.
async fn resolve_id(session: &Session, kind: &Kind, id_or_name: &str) -> Result<String> {
    if uuid::Uuid::parse_str(id_or_name).is_ok() {
        return Ok(id_or_name.to_string());
    }
    let object = session.client.show(kind.plural, id_or_name, false).await?;
    object
        .get("id")
        .and_then(Value::as_str)
        .map(str::to_string)
        .with_context(|| format!("the server's {} {id_or_name:?} has no id", kind.keyword))
}

/// Runs one resource command and prints its result.
pub async fn run(session: &Session, kind: &'static Kind, verb: Verb, matches: &ArgMatches) -> Result<()> {
    let format = session.format;
    let client = &session.client;
    let id = || matches.get_one::<String>("id").map(String::as_str).unwrap_or_default();
    match verb {
        Verb::List => {
            let details = matches.get_flag("details");
            let query = list_query(matches);
            let page = client.list(kind.plural, &query).await?;
            let text = match format {
                Format::Table => output::list_table(kind.columns, &page.items, details, page.total, page.offset),
                _ => output::serialise(&page.to_value(), format)?,
            };
            output::emit(&text)?;
        }
        Verb::Show => {
            let object = client.show(kind.plural, id(), matches.get_flag("details")).await?;
            print_object(kind, &object, format)?;
        }
        Verb::Create => {
            let body = body_from(kind.create, matches)?;
            let object = client.create(kind.plural, &Value::Object(body)).await?;
            print_object(kind, &object, format)?;
            if let Some(secret) = kind.secret_shown_once.filter(|s| object.get(*s).is_some()) {
                output::note(&format!("the {secret} is shown only this once; store it now."));
            }
        }
        Verb::Update => {
            let body = body_from(kind.update, matches)?;
            if body.is_empty() {
                let flags: Vec<String> = kind.update.iter().map(|f| format!("--{}", f.flag)).collect();
                return Err(usage_error(format!("nothing to update: give at least one of {}", flags.join(", "))));
            }
            let id = resolve_id(session, kind, id()).await?;
            let object = client.update(kind.plural, &id, &Value::Object(body)).await?;
            print_object(kind, &object, format)?;
        }
        Verb::Delete => {
            let id = resolve_id(session, kind, id()).await?;
            let object = client.delete(kind.plural, &id).await?;
            if object.is_null() {
                let text = match format {
                    Format::Table => format!("Deleted {} {id}\n", kind.keyword),
                    _ => output::serialise(&serde_json::json!({"id": id}), format)?,
                };
                output::emit(&text)?;
            } else {
                print_object(kind, &object, format)?;
            }
        }
    }
    Ok(())
}

fn print_object(kind: &Kind, object: &Value, format: Format) -> Result<()> {
    let text = match format {
        Format::Table => output::object_table(kind.columns, object),
        _ => output::serialise(object, format)?,
    };
    output::emit(&text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::find_command;
    use serde_json::json;

    fn parse(command_name: &str, args: &[&str]) -> (&'static Kind, Verb, ArgMatches) {
        let (kind, verb) = find_command(command_name).unwrap();
        let matches = command(kind, verb)
            .try_get_matches_from(std::iter::once(command_name).chain(args.iter().copied()))
            .unwrap();
        (kind, verb, matches)
    }

    #[test]
    fn cloudaccount_flags_build_the_documented_body() {
        let (kind, _, matches) = parse(
            "cloudaccount-create",
            &["--name", "a1", "--provider", "aws", "--project", "p1", "--access-key", "AK", "--secret", "SK",
              "--endpoint", "http://127.0.0.1:5000", "--regions", "us-east-1, eu-west-1"],
        );
        let body = body_from(kind.create, &matches).unwrap();
        assert_eq!(
            Value::Object(body),
            json!({"name": "a1", "provider": "aws", "project": "p1",
                   "credentials": {"access_key_id": "AK", "secret_access_key": "SK"},
                   "endpoint": "http://127.0.0.1:5000", "regions": ["us-east-1", "eu-west-1"]})
        );
    }

    #[test]
    fn update_sends_only_given_fields() {
        let (kind, _, matches) = parse("cloudaccount-update", &["a1", "--enabled", "false", "--regions", ""]);
        assert_eq!(Value::Object(body_from(kind.update, &matches).unwrap()), json!({"enabled": false, "regions": []}));
    }

    #[test]
    fn project_rules_flag_builds_rules() {
        let (kind, _, matches) = parse("cloudaccount-update", &["a1", "--project-rules", "team=blue:p1, owner:p2"]);
        assert_eq!(
            Value::Object(body_from(kind.update, &matches).unwrap()),
            json!({"project_rules": [{"tag_key": "team", "tag_value": "blue", "project": "p1"},
                                     {"tag_key": "owner", "tag_value": null, "project": "p2"}]})
        );
        let (kind, _, matches) = parse("cloudaccount-update", &["a1", "--project-rules", ""]);
        assert_eq!(Value::Object(body_from(kind.update, &matches).unwrap()), json!({"project_rules": []}));
        for bad in ["team=blue", "team:", ":p1", "=x:p1"] {
            let (kind, _, matches) = parse("cloudaccount-update", &["a1", "--project-rules", bad]);
            let error = body_from(kind.update, &matches).unwrap_err().to_string();
            assert!(error.contains("--project-rules"), "{bad}: {error}");
        }
    }

    #[test]
    fn user_password_is_not_accepted_on_the_command_line() {
        let (kind, verb) = find_command("user-create").unwrap();
        let cmd = command(kind, verb);
        assert!(cmd.clone().try_get_matches_from(["user-create", "--name", "bob", "--password", "x"]).is_err());
        // The password source is required on create.
        assert!(cmd.clone().try_get_matches_from(["user-create", "--name", "bob"]).is_err());
        assert!(cmd.try_get_matches_from(["user-create", "--name", "bob", "--password-stdin"]).is_ok());
    }

    #[test]
    fn secret_flags_exclude_each_other() {
        let (kind, verb) = find_command("cloudaccount-create").unwrap();
        let result = command(kind, verb).try_get_matches_from([
            "cloudaccount-create", "--name", "a", "--provider", "fake", "--secret", "x", "--secret-stdin",
        ]);
        assert!(result.is_err());
    }

    #[test]
    fn list_flags_parse() {
        let (_, _, m) = parse(
            "zone-list",
            &["--filter", "name.equals(z1)", "--filter", "status.in(ok,bad)", "--limit", "5", "--order", "desc", "--scope", "system"],
        );
        assert_eq!(m.get_many::<String>("filter").unwrap().count(), 2);
        assert_eq!(m.get_one::<u32>("limit"), Some(&5));
        let (kind, verb) = find_command("zone-list").unwrap();
        assert!(command(kind, verb).try_get_matches_from(["zone-list", "--scope", "galaxy"]).is_err());
    }
}
