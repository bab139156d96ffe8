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

/// Columns of list tables: (header, field of the JSON snapshot).
fn columns(kind: ResourceKind) -> &'static [(&'static str, &'static str)] {
    const COMMON: [(&str, &str); 3] = [("ID", "external_id"), ("NAME", "name"), ("STATUS", "status")];
    match kind {
        ResourceKind::CloudRegion => &[COMMON[0], COMMON[2], ("ENDPOINT", "endpoint")],
        ResourceKind::Zone => &[COMMON[0], COMMON[1], COMMON[2], ("REGION", "region")],
        ResourceKind::Vpc => &[COMMON[0], COMMON[1], COMMON[2], ("CIDR", "cidr_block"), ("DEFAULT", "is_default")],
        ResourceKind::Network => &[COMMON[0], COMMON[1], COMMON[2], ("VPC", "vpc_id"), ("ZONE", "zone"), ("CIDR", "cidr_block")],
        ResourceKind::Secgroup => &[COMMON[0], COMMON[1], COMMON[2], ("VPC", "vpc_id"), ("RULES", "rules")],
        ResourceKind::Sku => &[COMMON[0], ("CPU", "cpu"), ("MEMORY_MB", "memory_mb"), ("ARCH", "arch")],
        ResourceKind::Server => &[
            COMMON[0],
            COMMON[1],
            COMMON[2],
            ("TYPE", "instance_type"),
            ("ZONE", "zone"),
            ("IMAGE", "image_id"),
            ("PRIVATE_IPS", "private_ips"),
        ],
        ResourceKind::Disk => &[COMMON[0], COMMON[1], COMMON[2], ("SIZE_GB", "size_gb"), ("TYPE", "disk_type"), ("ZONE", "zone"), ("SERVER", "server_id"), ("DEVICE", "device")],
        ResourceKind::Elasticsearch => &[COMMON[0], COMMON[1], COMMON[2], ("VERSION", "engine_version"), ("TYPE", "instance_type"), ("NODES", "node_count")],
    }
}

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
    writeln!(io.out, "{text}").map_err(|e| Failure::Cloud(CloudError::other(format!("cannot write output: {e}"))))
}

pub(crate) fn list<T: Serialize>(io: &mut Io, output: Output, kind: ResourceKind, items: &[T]) -> Result<(), Failure> {
    let values = items.iter().map(to_json).collect::<Result<Vec<_>, _>>()?;
    match output {
        Output::Json => write(io, &serde_json::to_string_pretty(&values).unwrap_or_default()),
        Output::Table => {
            let mut table = Table::new();
            table.load_preset(UTF8_FULL_CONDENSED);
            table.set_header(columns(kind).iter().map(|c| c.0));
            for v in &values {
                table.add_row(columns(kind).iter().map(|c| cell(v.get(c.1))));
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
