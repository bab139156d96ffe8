//! Printing API objects: aligned tables for people, the API's own objects as JSON or YAML.

use crate::kinds::Column;
use anyhow::{Context, Result};
use std::io::Write;
use comfy_table::{presets, Cell, ContentArrangement, Table};
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Yaml,
}

impl Format {
    pub const NAMES: [&'static str; 3] = ["table", "json", "yaml"];

    pub fn parse(name: &str) -> Format {
        match name {
            "json" => Format::Json,
            "yaml" => Format::Yaml,
            _ => Format::Table,
        }
    }
}

/// Writes to standard output. A reader that went away (`strato ... | head`) is not an error,
/// and never a panic as `print!` would make it. Control characters in the text (a name or
/// error with ESC, BEL, NUL from the API or a cloud) are written as escapes, never raw.
pub fn emit(text: &str) -> Result<()> {
    let text = printable(text);
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(e).context("cannot write to standard output")
        }
        _ => Ok(()),
    }
}

/// A one-line note on standard error (which may be closed: then it is dropped).
pub fn note(text: &str) {
    let _ = writeln!(std::io::stderr(), "note: {}", printable(text));
}

/// Text safe to print on a terminal: every control character but the line feed (ESC, BEL,
/// NUL, CR, C1 controls like CSI) and the bidirectional overrides become `\u001b`-style
/// escapes, which also keeps JSON output valid and equal in value (such characters appear in
/// JSON only inside strings, where the escape means the same character).
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| (c.is_control() && c != '\n') || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// JSON (pretty) or YAML text of a value, ending in a newline.
pub fn serialise(value: &Value, format: Format) -> Result<String> {
    Ok(match format {
        Format::Yaml => serde_yaml::to_string(value)?,
        _ => {
            let mut text = serde_json::to_string_pretty(value)?;
            text.push('\n');
            text
        }
    })
}

/// A value as one table cell: strings bare, lists comma-separated, null empty.
pub fn cell_text(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => without_fraction(s).unwrap_or_else(|| s.clone()),
        Some(Value::Array(items)) if items.iter().all(|v| !v.is_object() && !v.is_array()) => {
            items.iter().map(|v| cell_text(Some(v))).collect::<Vec<_>>().join(",")
        }
        Some(other) => other.to_string(),
    }
}

/// `2026-11-22T05:11:32.589418Z` -> `2026-11-22T05:11:32Z`: tables show whole seconds (JSON and
/// YAML keep the API's value).
fn without_fraction(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let shaped = bytes.len() > 20
        && bytes[4] == b'-'
        && bytes[10] == b'T'
        && bytes[19] == b'.'
        && text.ends_with('Z')
        && bytes[20..bytes.len() - 1].iter().all(u8::is_ascii_digit);
    shaped.then(|| format!("{}Z", &text[..19]))
}

fn new_table() -> Table {
    let mut table = Table::new();
    table.load_preset(presets::ASCII_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic);
    table
}

/// The column's header and value: the referenced object's name when `details` added it.
fn column_of<'a>(column: &Column, item: &'a Value, details: bool) -> (&'static str, Option<&'a Value>) {
    match column.named {
        Some(named) if details => (named, item.get(named).or_else(|| item.get(column.field))),
        _ => (column.field, item.get(column.field)),
    }
}

/// A list as a table with one row per object, then `Total: N`.
pub fn list_table(columns: &[Column], items: &[Value], details: bool, total: u64, offset: u64) -> String {
    let mut table = new_table();
    let headers: Vec<&str> = match items.first() {
        Some(first) => columns.iter().map(|c| column_of(c, first, details).0).collect(),
        None => columns.iter().map(|c| if details { c.named.unwrap_or(c.field) } else { c.field }).collect(),
    };
    table.set_header(headers.iter().map(|h| Cell::new(h.to_uppercase())));
    for item in items {
        table.add_row(columns.iter().map(|c| Cell::new(cell_text(column_of(c, item, details).1))));
    }
    let mut text = table.to_string();
    text.push('\n');
    let shown = items.len() as u64;
    if shown > 0 && (offset > 0 || shown < total) {
        text.push_str(&format!("Total: {total} (showing {}-{})\n", offset + 1, offset + shown));
    } else {
        text.push_str(&format!("Total: {total}\n"));
    }
    text
}

/// One object as a two-column table: the kind's columns first, then every other field by name.
pub fn object_table(columns: &[Column], object: &Value) -> String {
    let Value::Object(map) = object else {
        return format!("{}\n", cell_text(Some(object)));
    };
    let mut order: Vec<&str> = Vec::new();
    for column in columns {
        for name in [Some(column.field), column.named].into_iter().flatten() {
            if map.contains_key(name) && !order.contains(&name) {
                order.push(name);
            }
        }
    }
    let mut rest: Vec<&str> = map.keys().map(String::as_str).filter(|k| !order.contains(k)).collect();
    rest.sort_unstable();
    order.extend(rest);
    let mut table = new_table();
    table.set_header(vec![Cell::new("FIELD"), Cell::new("VALUE")]);
    for name in order {
        table.add_row(vec![Cell::new(name), Cell::new(cell_text(map.get(name)))]);
    }
    let mut text = table.to_string();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::find_command;
    use serde_json::json;

    #[test]
    fn list_table_is_aligned_with_total() {
        let (kind, _) = find_command("project-list").unwrap();
        let items = vec![
            json!({"id": "0190-a", "name": "p1", "domain_id": "d1", "description": null, "created_at": "t1"}),
            json!({"id": "0190-b", "name": "longer-name", "domain_id": "d1", "description": "x", "created_at": "t2"}),
        ];
        let text = list_table(kind.columns, &items, false, 5, 0);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines.iter().any(|l| l.contains("NAME") && l.contains("DOMAIN_ID")), "{text}");
        assert!(text.contains("longer-name"));
        assert_eq!(lines.last(), Some(&"Total: 5 (showing 1-2)"));
        // Every table line has the same width: columns are aligned.
        let table_lines = &lines[..lines.len() - 1];
        let width = table_lines[0].chars().count();
        assert!(table_lines.iter().all(|l| l.chars().count() == width), "{text}");
    }

    #[test]
    fn details_show_names_instead_of_ids() {
        let (kind, _) = find_command("project-list").unwrap();
        let items = vec![json!({"id": "1", "name": "p1", "domain_id": "d1", "domain": "default"})];
        let text = list_table(kind.columns, &items, true, 1, 0);
        assert!(text.contains("DOMAIN ") || text.contains("DOMAIN|"), "{text}");
        assert!(text.contains("default") && !text.contains("d1"), "{text}");
        assert!(text.ends_with("Total: 1\n"));
    }

    #[test]
    fn control_characters_are_escaped_not_printed() {
        let hostile = "vm\u{1b}[2J\u{7}\u{0}\r\u{9b}31m\u{202e}x";
        let shown = printable(hostile);
        assert!(!shown.chars().any(|c| c.is_control()), "{shown:?}");
        assert_eq!(shown, "vm\\u001b[2J\\u0007\\u0000\\u000d\\u009b31m\\u202ex");
        assert_eq!(printable("plain\nlines"), "plain\nlines");
        // In JSON output the escape is the same character.
        let json = serialise(&json!({"name": "a\u{9b}b"}), Format::Json).unwrap();
        let back: Value = serde_json::from_str(&printable(&json)).unwrap();
        assert_eq!(back["name"], "a\u{9b}b");
    }

    #[test]
    fn cells_render_lists_and_nulls() {
        assert_eq!(cell_text(Some(&json!(["r1", "r2"]))), "r1,r2");
        assert_eq!(cell_text(Some(&Value::Null)), "");
        assert_eq!(cell_text(Some(&json!(true))), "true");
        assert_eq!(cell_text(Some(&json!({"a": 1}))), "{\"a\":1}");
        assert_eq!(cell_text(Some(&json!("2026-11-22T05:11:32.589418Z"))), "2026-11-22T05:11:32Z");
        assert_eq!(cell_text(Some(&json!("2026-11-22T05:11:32Z"))), "2026-11-22T05:11:32Z");
        assert_eq!(cell_text(Some(&json!("v1.2.3 release.99Z"))), "v1.2.3 release.99Z");
    }

    #[test]
    fn object_table_puts_known_columns_first() {
        let (kind, _) = find_command("project-show").unwrap();
        let text = object_table(kind.columns, &json!({"zeta": 1, "name": "p1", "id": "x"}));
        let id_at = text.find("| id").unwrap();
        let name_at = text.find("| name").unwrap();
        let zeta_at = text.find("| zeta").unwrap();
        assert!(id_at < name_at && name_at < zeta_at, "{text}");
    }
}
