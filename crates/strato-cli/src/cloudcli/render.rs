//! Tables and JSON for snapshots. Snapshots hold no secrets, so printing them is safe.

use std::io::Write;

use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use serde::Serialize;
use serde_json::Value;
use strato_cloud::{CloudError, ResourceKind};

use super::{Failure, Io};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Output {
    Table,
    Json,
}

impl Output {
    pub(crate) fn parse(s: &str) -> Self {
        if s == "json" {
            Output::Json
        } else {
            Output::Table
        }
    }
}

/// A list table's column: (header, field of the JSON snapshot).
pub(crate) type Column = (&'static str, &'static str);

fn cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) if items.iter().all(|i| !i.is_object()) => items.iter().map(|i| cell(Some(i))).collect::<Vec<_>>().join(","),
        Some(Value::Array(items)) => items.len().to_string(),
        Some(other) => other.to_string(),
    }
}

fn to_json<T: Serialize>(item: &T) -> Result<Value, Failure> {
    serde_json::to_value(item).map_err(|e| Failure::Cloud(CloudError::other(format!("cannot render: {e}"))))
}

pub(crate) fn write(io: &mut Io, text: &str) -> Result<(), Failure> {
    writeln!(io.out, "{}", crate::output::printable(text)).map_err(|e| Failure::Cloud(CloudError::other(format!("cannot write output: {e}"))))
}

pub(crate) fn list(io: &mut Io, output: Output, kind: ResourceKind, columns: &[Column], values: &[Value]) -> Result<(), Failure> {
    match output {
        Output::Json => write(io, &serde_json::to_string_pretty(values).unwrap_or_default()),
        Output::Table => {
            let mut table = Table::new();
            table.load_preset(UTF8_FULL_CONDENSED);
            table.set_header(columns.iter().map(|c| c.0));
            for v in values {
                table.add_row(columns.iter().map(|c| cell(v.get(c.1))));
            }
            write(io, &format!("{table}\n{} {}(s)", values.len(), kind))
        }
    }
}

pub(crate) fn show<T: Serialize>(io: &mut Io, output: Output, item: &T) -> Result<(), Failure> {
    let value = to_json(item)?;
    match output {
        Output::Json => write(io, &serde_json::to_string_pretty(&value).unwrap_or_default()),
        Output::Table => {
            let mut table = Table::new();
            table.load_preset(UTF8_FULL_CONDENSED);
            table.set_header(["FIELD", "VALUE"]);
            if let Value::Object(map) = &value {
                for (k, v) in map {
                    let text = match v {
                        Value::Object(_) | Value::Array(_) => serde_json::to_string(v).unwrap_or_default(),
                        _ => cell(Some(v)),
                    };
                    table.add_row([k.clone(), text]);
                }
            }
            write(io, &table.to_string())
        }
    }
}

/// Report a finished action.
pub(crate) fn done(io: &mut Io, output: Output, kind: &str, id: &str, action: &str, _: ()) -> Result<(), Failure> {
    match output {
        Output::Json => write(io, &serde_json::json!({ "kind": kind, "id": id, "action": action, "result": "ok" }).to_string()),
        Output::Table => write(io, &format!("{kind} {id}: {action}: ok")),
    }
}
