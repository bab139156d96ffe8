//! Every kind without a file here (Elasticsearch, a test's kind) is kept as JSON records of
//! its snapshot and served from its declaration (`strato_cloud::kinds::JsonRecords`): listed a
//! page at a time, read, and acted on as its transitions say.

use async_trait::async_trait;
use serde_json::Value;
use strato_cloud::kinds::{JsonRecords, KindMeta, Transition, Until};
use strato_cloud::*;

use crate::client::{page, World};
use crate::{id_of, not_found, FakeDriver};

/// Account-wide kinds keep their records in the first region.
fn region_of<'r>(kind: &KindMeta, world: &'r World, region: &'r str) -> &'r str {
    if kind.account_wide() {
        &world.region_names[0]
    } else {
        region
    }
}

#[async_trait]
impl JsonRecords for FakeDriver {
    async fn list_records(&self, kind: &'static KindMeta, region: &str) -> CloudResult<Vec<Value>> {
        let region = region_of(kind, &self.cloud.read(), region).to_string();
        self.list_paged(&region, kind.kind, kind.plural, |w, ri, after, size| match w.regions[ri].records.get(&kind.kind) {
            Some(records) => page(records, after, size, |_, record| record.clone()),
            None => (Vec::new(), None),
        })
        .await
    }

    async fn get_record(&self, kind: &'static KindMeta, region: &str, id: &str) -> CloudResult<Value> {
        let n = id_of(kind.kind, id)?;
        let region = region_of(kind, &self.cloud.read(), region).to_string();
        self.read(&region, kind.keyword(), |w, ri| {
            w.regions[ri].records.get(&kind.kind).and_then(|r| r.get(&n)).cloned().ok_or_else(|| not_found(kind.kind, id))
        })
        .await
    }

    async fn act_on_record(&self, kind: &'static KindMeta, region: &str, id: &str, transition: &'static Transition) -> CloudResult<()> {
        let n = id_of(kind.kind, id)?;
        let region = region_of(kind, &self.cloud.read(), region).to_string();
        self.mutate(&region, transition.verb, |w, ri| {
            let records = w.regions[ri].records.entry(kind.kind).or_default();
            // Instant, as every change in the fake cloud.
            match transition.until {
                Until::Gone => records.remove(&n).map(drop),
                Until::Status(done) => records.get_mut(&n).map(|record| {
                    if let (Some(status), Some(fields)) = (done.first(), record.as_object_mut()) {
                        fields.insert("status".to_string(), Value::from(*status));
                    }
                }),
            }
            .ok_or_else(|| not_found(kind.kind, id))
        })
        .await
    }
}

/// Sets the tags of a record (merged or replaced), as `set_tags` does for every kind.
pub(crate) fn set_record_tags(record: &mut Value, tags: &Tags, replace: bool) {
    let Some(fields) = record.as_object_mut() else { return };
    let mut merged: Tags = if replace { Tags::new() } else { fields.get("tags").and_then(|t| serde_json::from_value(t.clone()).ok()).unwrap_or_default() };
    merged.extend(tags.iter().map(|(k, v)| (k.clone(), v.clone())));
    fields.insert("tags".to_string(), serde_json::to_value(merged).unwrap_or_default());
}
