//! Facets over snapshots a driver keeps as JSON records: a driver that holds every declared
//! kind alike (the fake cloud) serves any kind through [`AnyKind::record_facet`] with no file
//! per kind. The record is the kind's snapshot serialized; a plain action follows the kind's
//! declared transition (a delete removes the record, any other sets its `until` status).

use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::{Mutex, OnceLock};

use async_trait::async_trait;
use serde_json::Value;

use crate::error::{CloudError, CloudResult};
use crate::kinds::{ErasedFacet, Kind, KindMeta, ResourceKind, Transition};

/// Snapshots held as JSON, by kind and region.
#[async_trait]
pub trait JsonRecords: Send + Sync {
    /// Every record of `kind` in `region`: complete, or an error.
    async fn list_records(&self, kind: &'static KindMeta, region: &str) -> CloudResult<Vec<Value>>;
    /// One record; `not_found` when there is none with that id.
    async fn get_record(&self, kind: &'static KindMeta, region: &str, id: &str) -> CloudResult<Value>;
    /// Performs `transition` (a plain action of `kind`) on one record; `not_found` as `get`.
    async fn act_on_record(&self, kind: &'static KindMeta, region: &str, id: &str, transition: &'static Transition) -> CloudResult<()>;
}

/// Kind `K`'s facet over `records`.
pub(crate) struct RecordFacet<'a, K>(&'a dyn JsonRecords, PhantomData<fn() -> K>);

impl<'a, K> RecordFacet<'a, K> {
    pub(crate) fn new(records: &'a dyn JsonRecords) -> Self {
        Self(records, PhantomData)
    }
}

fn snapshot<K: Kind>(record: Value) -> CloudResult<K::Ext> {
    serde_json::from_value(record).map_err(|e| CloudError::other(format!("a {} record is not its snapshot: {e}", K::KIND)))
}

#[async_trait]
impl<K: Kind> ErasedFacet for RecordFacet<'_, K> {
    async fn list(&self, region: &str) -> CloudResult<Box<dyn std::any::Any + Send>> {
        let records = self.0.list_records(K::META, region).await?;
        let items: Vec<K::Ext> = records.into_iter().map(snapshot::<K>).collect::<CloudResult<_>>()?;
        Ok(Box::new(items))
    }
    async fn get(&self, region: &str, id: &str) -> CloudResult<Box<dyn std::any::Any + Send>> {
        Ok(Box::new(snapshot::<K>(self.0.get_record(K::META, region, id).await?)?))
    }
    fn verbs(&self) -> &'static [&'static str] {
        plain_verbs(K::META)
    }
    async fn act(&self, region: &str, id: &str, verb: &str) -> CloudResult<()> {
        match K::META.plain_actions().find(|(t, _)| t.verb == verb) {
            Some((transition, _)) => self.0.act_on_record(K::META, region, id, transition).await,
            None => Err(CloudError::not_implemented(format!("{} {verb} is not a plain action", K::KIND))),
        }
    }
}

/// The verbs of `meta`'s plain actions, made once per kind (a facet answers them as a static
/// slice).
pub fn plain_verbs(meta: &'static KindMeta) -> &'static [&'static str] {
    static VERBS: OnceLock<Mutex<HashMap<ResourceKind, &'static [&'static str]>>> = OnceLock::new();
    let mut verbs = VERBS.get_or_init(Default::default).lock().unwrap_or_else(|p| p.into_inner());
    verbs.entry(meta.kind).or_insert_with(|| Box::leak(meta.plain_actions().map(|(t, _)| t.verb).collect::<Vec<_>>().into_boxed_slice()))
}
