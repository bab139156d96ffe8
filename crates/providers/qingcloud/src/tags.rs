//! Tags (CreateTag, AttachTags, DetachTags, DescribeTags) and the idempotency of creates.
//!
//! A QingCloud tag is an object of its own, attached to resources by id. A Strato tag `key`
//! with an empty value is the tag named `key`; `key` = `value` is the tag named `key:value`
//! with tag_key and tag_value (as the read side reads them). QingCloud has no client token,
//! so a create with an idempotency token tags what it made with `strato-idempotency:<token>`
//! and a retried create looks that tag up first.

use serde_json::Value;
use strato_cloud::*;

use crate::client::param;
use crate::fields::{array, opt_text, text};
use crate::{gone, one_id, QingCloudDriver};

/// The tag key marking what a create with an idempotency token made.
pub(crate) const IDEMPOTENCY_KEY: &str = "strato-idempotency";

/// QingCloud's resource type and Describe call (action, id list, answer's list) of a kind.
fn resource_type(kind: ResourceKind) -> CloudResult<(&'static str, &'static str, &'static str, &'static str)> {
    match kind {
        ResourceKind::Server => Ok(("instance", "DescribeInstances", "instances", "instance_set")),
        ResourceKind::Disk => Ok(("volume", "DescribeVolumes", "volumes", "volume_set")),
        other => Err(CloudError::not_implemented(format!("tags on {other:?} are not supported by qingcloud"))),
    }
}

fn tag_name(key: &str, value: &str) -> String {
    if value.is_empty() {
        key.to_string()
    } else {
        format!("{key}:{value}")
    }
}

/// The key of a tag as the read side reads it (tag_key, else its name).
fn key_of(tag: &Value) -> String {
    opt_text(tag, "/tag_key").unwrap_or_else(|| text(tag, "/tag_name").to_string())
}

impl QingCloudDriver {
    /// The raw object of `kind` with `id` in `region`, with the zone it is in.
    pub(crate) async fn raw_one(&self, region: &str, kind: ResourceKind, id: &str) -> CloudResult<(String, Value)> {
        let (_, action, ids, items) = resource_type(kind)?;
        self.list_in_zones(region, action, &[one_id(ids, id)], items).await?.pop().ok_or_else(|| gone(ids.trim_end_matches('s'), id))
    }

    /// The tag named exactly `name`, if QingCloud has one.
    async fn find_tag(&self, zone: &str, name: &str) -> CloudResult<Option<Value>> {
        let found = self.c.list(zone, "DescribeTags", &[param("search_word", name), param("verbose", 1)], "tag_set").await?;
        Ok(found.into_iter().find(|t| text(t, "/tag_name") == name))
    }

    /// The id of the tag for `key` = `value`, made when missing.
    async fn tag_id(&self, zone: &str, key: &str, value: &str) -> CloudResult<String> {
        let name = tag_name(key, value);
        if let Some(tag) = self.find_tag(zone, &name).await? {
            return opt_text(&tag, "/tag_id").ok_or_else(|| CloudError::other(format!("DescribeTags answered tag '{name}' without an id")));
        }
        let mut params = vec![param("tag_name", &name)];
        if !value.is_empty() {
            params.extend([param("tag_key", key), param("tag_value", value)]);
        }
        let made = self.c.call(zone, ApiClass::Mutate, "CreateTag", &params).await?;
        opt_text(&made, "/tag_id").ok_or_else(|| CloudError::other("CreateTag answered no tag_id"))
    }

    async fn tag_pairs(&self, zone: &str, action: &str, rtype: &str, id: &str, tag_ids: &[String]) -> CloudResult<()> {
        if tag_ids.is_empty() {
            return Ok(());
        }
        let mut params = Vec::new();
        for (n, tag) in tag_ids.iter().enumerate() {
            let at = format!("resource_tag_pairs.{}", n + 1);
            params.extend([param(&format!("{at}.tag_id"), tag), param(&format!("{at}.resource_type"), rtype), param(&format!("{at}.resource_id"), id)]);
        }
        self.c.call(zone, ApiClass::Mutate, action, &params).await.map(|_| ())
    }

    /// Attach `tags` to the object `id` of `kind` in `zone`, making the tags that are missing.
    pub(crate) async fn attach_tags(&self, zone: &str, kind: ResourceKind, id: &str, tags: &Tags) -> CloudResult<()> {
        let (rtype, ..) = resource_type(kind)?;
        let mut ids = Vec::new();
        for (key, value) in tags {
            ids.push(self.tag_id(zone, key, value).await?);
        }
        self.tag_pairs(zone, "AttachTags", rtype, id, &ids).await
    }

    pub(crate) async fn tags_set(&self, region: &str, kind: ResourceKind, id: &str, tags: &Tags, replace: bool) -> CloudResult<()> {
        let (rtype, ..) = resource_type(kind)?;
        let (zone, object) = self.raw_one(region, kind, id).await?;
        // Detach what the new set drops: every other key with `replace`, else changed values.
        let detach: Vec<String> = array(&object, "/tags")
            .iter()
            .filter(|t| {
                let key = key_of(t);
                key != IDEMPOTENCY_KEY && match tags.get(&key) {
                    Some(value) => tag_name(&key, value) != text(t, "/tag_name"),
                    None => replace,
                }
            })
            .filter_map(|t| opt_text(t, "/tag_id"))
            .collect();
        self.tag_pairs(&zone, "DetachTags", rtype, id, &detach).await?;
        let present: Vec<&str> = array(&object, "/tags").iter().map(|t| text(t, "/tag_name")).collect();
        let missing: Tags = tags.iter().filter(|(k, v)| !present.contains(&tag_name(k, v).as_str())).map(|(k, v)| (k.clone(), v.clone())).collect();
        self.attach_tags(&zone, kind, id, &missing).await
    }

    /// The id of the live object of `kind` an earlier create with `token` made, if any.
    pub(crate) async fn made_with_token(&self, region: &str, zone: &str, kind: ResourceKind, token: &str) -> CloudResult<Option<String>> {
        let (rtype, ..) = resource_type(kind)?;
        let Some(tag) = self.find_tag(zone, &tag_name(IDEMPOTENCY_KEY, token)).await? else { return Ok(None) };
        for pair in array(&tag, "/resource_tag_pairs").iter().filter(|p| text(p, "/resource_type") == rtype) {
            let Some(id) = opt_text(pair, "/resource_id") else { continue };
            match self.raw_one(region, kind, &id).await {
                Ok((_, object)) if !crate::fields::is_gone(&object) => return Ok(Some(id)),
                Ok(_) => {}
                Err(e) if e.kind == CloudErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_names_carry_values_and_keys_read_back() {
        assert_eq!(tag_name("web", ""), "web");
        assert_eq!(tag_name("env", "prod"), "env:prod");
        assert_eq!(key_of(&serde_json::json!({"tag_name": "env:prod", "tag_key": "env"})), "env");
        assert_eq!(key_of(&serde_json::json!({"tag_name": "web"})), "web");
    }
}
