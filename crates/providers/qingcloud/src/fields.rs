//! Reading fields of QingCloud's JSON answers (JSON pointers, as `/instance_id`).

use chrono::{DateTime, Utc};
use serde_json::Value;
use strato_cloud::Tags;

/// The text at `pointer`, or "".
pub(crate) fn text<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or_default()
}

/// The text at `pointer` when not empty.
pub(crate) fn opt_text(v: &Value, pointer: &str) -> Option<String> {
    Some(text(v, pointer)).filter(|s| !s.is_empty()).map(str::to_string)
}

/// A number, also when QingCloud sends it as text.
pub(crate) fn number(v: &Value, pointer: &str) -> Option<f64> {
    v.pointer(pointer).and_then(|n| n.as_f64().or_else(|| n.as_str().and_then(|s| s.parse().ok())))
}

pub(crate) fn array<'a>(v: &'a Value, pointer: &str) -> &'a [Value] {
    v.pointer(pointer).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default()
}

/// QingCloud's times: `2013-08-30T05:13:25Z`.
pub(crate) fn time(v: &Value, pointer: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text(v, pointer)).map(|t| t.with_timezone(&Utc)).ok()
}

/// QingCloud's tags (`tags: [{tag_id, tag_name, tag_key?, tag_value?}]`): a tag is a name,
/// optionally with a key and a value; a tag without a key is its name with an empty value.
pub(crate) fn tags(v: &Value) -> Tags {
    array(v, "/tags")
        .iter()
        .filter_map(|t| match opt_text(t, "/tag_key") {
            Some(key) => Some((key, text(t, "/tag_value").to_string())),
            None => opt_text(t, "/tag_name").map(|name| (name, String::new())),
        })
        .collect()
}

/// Statuses of objects that are gone (terminated, deleted, then ceased): QingCloud lists them
/// for a while; they are not resources any more, so listings skip them.
pub(crate) fn is_gone(v: &Value) -> bool {
    matches!(text(v, "/status"), "terminated" | "deleted" | "ceased")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_read_keys_and_plain_names() {
        let v = serde_json::json!({"tags": [{"tag_id": "tag-1", "tag_name": "web"}, {"tag_id": "tag-2", "tag_name": "env:prod", "tag_key": "env", "tag_value": "prod"}]});
        let t = tags(&v);
        assert_eq!(t.get("web").map(String::as_str), Some(""));
        assert_eq!(t.get("env").map(String::as_str), Some("prod"));
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn times_and_gone_statuses() {
        let v = serde_json::json!({"create_time": "2013-08-30T05:13:25Z", "status": "ceased"});
        assert_eq!(time(&v, "/create_time").map(|t| t.timestamp()), Some(1_377_839_605));
        assert!(is_gone(&v));
        assert!(!is_gone(&serde_json::json!({"status": "running"})));
    }
}
