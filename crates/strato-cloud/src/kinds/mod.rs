//! Resource kinds, each declared once (issue 14), the way kube-rs declares a `Resource`: one
//! file per kind holds its snapshot, its status enum, the row sync writes (typed columns, checked
//! by the compiler against the store's column list, which the same declaration generates) and its
//! [`KindMeta`] — keyword, plural, dependencies, billing, the client's table, the cloudcli view
//! and the state machines of its actions. [`BUILTIN`], in sync dependency order, is the one list
//! of kinds: the store's tables, sync's order, the REST routes and their OpenAPI entries, the
//! CLI's commands, cloudcli and the operations' task kinds all read it.
//!
//! A driver serves a kind by implementing [`Facet<K>`] in the kind's own file and naming the kind
//! in its `facet()` (the [`facets!`](crate::facets) macro); what it serves is its capability.

mod facet;
mod records;
mod row;

pub mod cloudregion;
pub mod disk;
pub mod elasticsearch;
pub mod network;
pub mod secgroup;
pub mod server;
pub mod sku;
pub mod vpc;
pub mod zone;

use std::collections::BTreeMap;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::OnceLock;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::driver::CloudDriver;
use crate::error::{CloudError, CloudResult};
use crate::snapshot::ExtResource;

pub use facet::{facet, ErasedFacet, Facet, FacetOf, Typed};
pub use records::{plain_verbs, JsonRecords};
pub use row::{common_values, desired, ChildDef, ColType, Column, ColumnValue, Desired, Resolve, Row, Value, SYNCED_COMMON};

/// The name of a resource kind: its keyword (`server`, `elasticsearch`). Each kind's file
/// adds its constant (`ResourceKind::Server`); [`BUILTIN`] lists them.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceKind(&'static str);

impl ResourceKind {
    /// A kind named `keyword` (singular, lower case). Only kinds in the registry are parsed
    /// from text; this builds the constant a kind's file declares.
    pub const fn new(keyword: &'static str) -> Self {
        Self(keyword)
    }
    pub const fn as_str(&self) -> &'static str {
        self.0
    }
    /// The kind's declaration; every kind a `ResourceKind` is made for is registered.
    pub fn meta(self) -> &'static KindMeta {
        lookup(self).meta()
    }
}

impl std::fmt::Debug for ResourceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::str::FromStr for ResourceKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        by_keyword(s).map(|k| k.meta().kind).ok_or_else(|| {
            let known: Vec<&str> = all().iter().map(|k| k.meta().kind.as_str()).collect();
            format!("unknown resource kind '{}' (known: {})", s.chars().take(64).collect::<String>(), known.join(", "))
        })
    }
}

impl Serialize for ResourceKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

impl<'de> serde::Deserialize<'de> for ResourceKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Whether a kind is listed per region or once per account (cloud regions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KindScope {
    Region,
    Account,
}

/// A column of a client's list table: the field, and the field `details=true` adds with the
/// referenced object's name (shown instead of the id when present).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableColumn {
    pub field: &'static str,
    pub named: Option<&'static str>,
}

/// A column showing the field as is.
pub const fn col(field: &'static str) -> TableColumn {
    TableColumn { field, named: None }
}

/// A column holding the id of another object, shown by the object's name with `details`.
pub const fn reference(field: &'static str, named: &'static str) -> TableColumn {
    TableColumn { field, named: Some(named) }
}

/// How the generic REST routes and CLI commands serve a kind (`GET /<plural>`,
/// `<keyword>-list`, ...). Regions and zones have views of their own and none of this.
#[derive(Debug)]
pub struct ApiMeta {
    /// The CLI list table's columns, in order (`<keyword>-show` puts them first).
    pub columns: &'static [TableColumn],
}

/// What `strato cloudcli <provider> <keyword>-list|-show` shows of the driver's snapshots.
#[derive(Debug)]
pub struct DriverView {
    /// Help of `<keyword>-list`.
    pub list: &'static str,
    /// Help of `<keyword>-show ID`; `None` when the kind has no single-object read.
    pub show: Option<&'static str>,
    /// (header, snapshot field) of the list table.
    pub columns: &'static [(&'static str, &'static str)],
}

/// When an action is done in the cloud.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    /// The cloud reports one of these statuses.
    Status(&'static [&'static str]),
    /// The cloud no longer has the resource.
    Gone,
}

/// How a plain action (one that takes nothing but the resource's id) is offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlainDoc {
    /// The summary of its route in the OpenAPI document.
    pub doc: &'static str,
    /// The help line of its CLI command.
    pub help: &'static str,
}

/// One action of a kind's state machine. Statuses are the kind's status enum's texts, written
/// with [`statuses!`](crate::statuses) so a misspelt status does not compile.
#[derive(Debug)]
pub struct Transition {
    /// As in the API path and the action log: `stop`, `change_config`, `delete`, `create`...
    pub verb: &'static str,
    /// `Some` for a plain action: `DELETE /<plural>/{id}` for `delete`, `POST
    /// /<plural>/{id}/<verb>` otherwise, and `<keyword>-<verb> ID [--wait]`; the driver
    /// performs it through its facet's `act`. `None`: the action takes a body (attach,
    /// resize, create), and its route, command and cloud call are written out.
    pub plain: Option<PlainDoc>,
    /// Statuses it is accepted from; anything else is a 409 naming the status.
    pub from: &'static [&'static str],
    /// The transitional status while its task runs.
    pub during: &'static str,
    /// The status a failed task leaves.
    pub failed: &'static str,
    pub until: Until,
    /// How long the cloud may take to get there.
    pub timeout: Duration,
}

impl Transition {
    pub fn is_delete(&self) -> bool {
        self.until == Until::Gone
    }
    pub fn is_create(&self) -> bool {
        self.verb == "create"
    }
    /// The CLI command without its keyword: `change_config` -> `change-config`.
    pub fn command_suffix(&self) -> String {
        self.verb.replace('_', "-")
    }
}

/// Everything a layer needs to know about a kind besides its snapshot and row types.
#[derive(Debug)]
pub struct KindMeta {
    pub kind: ResourceKind,
    /// The API path (`/elasticsearches`), the list answer's array key and the store's table.
    pub plural: &'static str,
    pub scope: KindScope,
    /// Kinds whose rows this kind refers to: when one of them failed in a region, this kind is
    /// skipped there (its references could not be resolved, and nothing must be purged).
    pub depends_on: &'static [ResourceKind],
    /// Whether the table keeps billing (type, expiry, auto-renew); regions and zones do not.
    pub billing: bool,
    /// The typed columns sync writes after the common ones (the row type's columns).
    pub columns: &'static [Column],
    /// Child tables rewritten with the row (server disks, secgroup rules).
    pub children: &'static [ChildDef],
    /// `Some` when the generic REST routes and CLI commands serve the kind.
    pub api: Option<ApiMeta>,
    pub driver_view: DriverView,
    /// The kind's actions; the deletes are the ones delete protection refuses.
    pub transitions: &'static [Transition],
}

impl KindMeta {
    pub fn keyword(&self) -> &'static str {
        self.kind.as_str()
    }
    pub fn account_wide(&self) -> bool {
        self.scope == KindScope::Account
    }
    /// Whether users may turn delete protection on and off: the kinds Strato can delete.
    pub fn delete_protection(&self) -> bool {
        self.transitions.iter().any(Transition::is_delete)
    }
    pub fn transition(&self, verb: &str) -> Option<&'static Transition> {
        self.transitions.iter().find(|t| t.verb == verb)
    }
    /// The plain actions, in declaration order.
    pub fn plain_actions(&self) -> impl Iterator<Item = (&'static Transition, PlainDoc)> {
        self.transitions.iter().filter_map(|t| t.plain.map(|doc| (t, doc)))
    }
    /// Every column sync writes: `SYNCED_COMMON` then the typed ones.
    pub fn synced_columns(&self) -> impl Iterator<Item = &'static Column> {
        SYNCED_COMMON.iter().chain(self.columns.iter())
    }
    /// The OpenAPI schema name of the list answer: `elasticsearch` -> `ElasticsearchList`.
    pub fn list_schema_name(&self) -> String {
        schema_name(self.keyword(), "List")
    }
    /// The OpenAPI schema name of one object of the kind: `server` -> `ServerView`.
    pub fn view_schema_name(&self) -> String {
        schema_name(self.keyword(), "View")
    }
}

fn schema_name(keyword: &str, suffix: &str) -> String {
    let mut name: String = keyword
        .split('-')
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect(),
                None => String::new(),
            }
        })
        .collect();
    name.push_str(suffix);
    name
}

/// A resource kind: its snapshot, the row sync writes for it and its declaration.
pub trait Kind: Send + Sync + 'static {
    /// What a driver reports.
    type Ext: ExtResource + Clone + Serialize + DeserializeOwned + Send + Sync + 'static;
    /// The typed columns sync writes (see [`synced_row!`](crate::synced_row)).
    type Row: Row;
    const KIND: ResourceKind;
    const META: &'static KindMeta;
    /// The row for one snapshot; references to other kinds resolve through `cx`.
    fn row(ext: &Self::Ext, cx: &dyn Resolve) -> Self::Row;
    /// The zone (external id) the resource is in, for kinds that live in one.
    fn zone(_ext: &Self::Ext) -> Option<&str> {
        None
    }
    /// The status stored for the snapshot (regions and zones keep fewer than the cloud says).
    fn stored_status(ext: &Self::Ext) -> &'static str {
        ext.status_text()
    }
}

type Call<'a, T> = Pin<Box<dyn Future<Output = CloudResult<T>> + Send + 'a>>;

/// A kind with its types erased, so code that handles every kind alike (sync's loop, the
/// operations' status poll, cloudcli) can hold them in one list.
pub trait AnyKind: Send + Sync {
    fn meta(&self) -> &'static KindMeta;
    /// Whether `driver` serves the kind.
    fn served_by(&self, driver: &dyn CloudDriver) -> bool;
    /// The plain actions `driver` performs on the kind.
    fn verbs(&self, driver: &dyn CloudDriver) -> &'static [&'static str];
    /// Complete listing of the region (the account for account-wide kinds), mapped to rows.
    fn list<'a>(&'a self, driver: &'a dyn CloudDriver, region: &'a str, cx: &'a (dyn Resolve + Sync)) -> Call<'a, Vec<Desired>>;
    /// One resource by external id, mapped to its row.
    fn get<'a>(&'a self, driver: &'a dyn CloudDriver, region: &'a str, id: &'a str, cx: &'a (dyn Resolve + Sync)) -> Call<'a, Desired>;
    /// The cloud's status of one resource; `None` when it no longer has it.
    fn status<'a>(&'a self, driver: &'a dyn CloudDriver, region: &'a str, id: &'a str) -> Call<'a, Option<&'static str>>;
    /// A plain action.
    fn act<'a>(&'a self, driver: &'a dyn CloudDriver, region: &'a str, id: &'a str, verb: &'a str) -> Call<'a, ()>;
    /// The snapshots of the region, as JSON (cloudcli).
    fn list_json<'a>(&'a self, driver: &'a dyn CloudDriver, region: &'a str) -> Call<'a, Vec<serde_json::Value>>;
    /// One snapshot, as JSON (cloudcli).
    fn get_json<'a>(&'a self, driver: &'a dyn CloudDriver, region: &'a str, id: &'a str) -> Call<'a, serde_json::Value>;
    /// The kind's facet over a driver's JSON records (a driver that keeps every kind alike).
    fn record_facet<'a>(&self, records: &'a dyn JsonRecords) -> Box<dyn ErasedFacet + 'a>;
}

/// The erased form of kind `K`.
pub struct Of<K>(PhantomData<fn() -> K>);

impl<K> Of<K> {
    pub const ERASED: Of<K> = Of(PhantomData);
}

fn to_json<T: Serialize>(item: &T) -> CloudResult<serde_json::Value> {
    serde_json::to_value(item).map_err(|e| CloudError::other(format!("cannot render: {e}")))
}

impl<K: Kind> AnyKind for Of<K> {
    fn meta(&self) -> &'static KindMeta {
        K::META
    }
    fn served_by(&self, driver: &dyn CloudDriver) -> bool {
        driver.facet(K::KIND).is_some()
    }
    fn verbs(&self, driver: &dyn CloudDriver) -> &'static [&'static str] {
        driver.facet(K::KIND).map(|f| f.verbs()).unwrap_or(&[])
    }
    fn list<'a>(&'a self, driver: &'a dyn CloudDriver, region: &'a str, cx: &'a (dyn Resolve + Sync)) -> Call<'a, Vec<Desired>> {
        Box::pin(async move {
            let items = facet::<K>(driver)?.list(region).await?;
            Ok(items.iter().map(|e| desired::<K>(e, cx)).collect())
        })
    }
    fn get<'a>(&'a self, driver: &'a dyn CloudDriver, region: &'a str, id: &'a str, cx: &'a (dyn Resolve + Sync)) -> Call<'a, Desired> {
        Box::pin(async move { Ok(desired::<K>(&facet::<K>(driver)?.get(region, id).await?, cx)) })
    }
    fn status<'a>(&'a self, driver: &'a dyn CloudDriver, region: &'a str, id: &'a str) -> Call<'a, Option<&'static str>> {
        Box::pin(async move {
            match facet::<K>(driver)?.get(region, id).await {
                Ok(e) => Ok(Some(e.status_text())),
                Err(e) if e.is_not_found() => Ok(None),
                Err(e) => Err(e),
            }
        })
    }
    fn act<'a>(&'a self, driver: &'a dyn CloudDriver, region: &'a str, id: &'a str, verb: &'a str) -> Call<'a, ()> {
        Box::pin(async move { facet::<K>(driver)?.act(region, id, verb).await })
    }
    fn list_json<'a>(&'a self, driver: &'a dyn CloudDriver, region: &'a str) -> Call<'a, Vec<serde_json::Value>> {
        Box::pin(async move { facet::<K>(driver)?.list(region).await?.iter().map(to_json).collect() })
    }
    fn get_json<'a>(&'a self, driver: &'a dyn CloudDriver, region: &'a str, id: &'a str) -> Call<'a, serde_json::Value> {
        Box::pin(async move { to_json(&facet::<K>(driver)?.get(region, id).await?) })
    }
    fn record_facet<'a>(&self, records: &'a dyn JsonRecords) -> Box<dyn ErasedFacet + 'a> {
        Box::new(records::RecordFacet::<K>::new(records))
    }
}

/// Every resource of kind `K` `driver` has in `region`.
pub async fn list<K: Kind>(driver: &dyn CloudDriver, region: &str) -> CloudResult<Vec<K::Ext>> {
    facet::<K>(driver)?.list(region).await
}

/// One resource of kind `K` by external id.
pub async fn get<K: Kind>(driver: &dyn CloudDriver, region: &str, id: &str) -> CloudResult<K::Ext> {
    facet::<K>(driver)?.get(region, id).await
}

/// Plain action `verb` on one resource of kind `K`.
pub async fn act<K: Kind>(driver: &dyn CloudDriver, region: &str, id: &str, verb: &str) -> CloudResult<()> {
    facet::<K>(driver)?.act(region, id, verb).await
}

/// Every kind Strato knows, in sync dependency order (a kind after the kinds it refers to).
/// Adding a kind: its file beside this one, and its line here.
pub static BUILTIN: &[&dyn AnyKind] = &[
    &Of::<cloudregion::CloudRegion>::ERASED,
    &Of::<zone::Zone>::ERASED,
    &Of::<sku::Sku>::ERASED,
    &Of::<vpc::Vpc>::ERASED,
    &Of::<network::Network>::ERASED,
    &Of::<secgroup::Secgroup>::ERASED,
    &Of::<disk::Disk>::ERASED,
    &Of::<server::Server>::ERASED,
    &Of::<elasticsearch::Elasticsearch>::ERASED,
];

static REGISTRY: OnceLock<Vec<&'static dyn AnyKind>> = OnceLock::new();

/// Adds kinds declared outside this crate (a test's throwaway kind) after the built-in ones.
/// Only before the registry is first read; `Err` after.
pub fn install_extra(extra: &[&'static dyn AnyKind]) -> Result<(), &'static str> {
    let mut kinds = BUILTIN.to_vec();
    kinds.extend_from_slice(extra);
    REGISTRY.set(kinds).map_err(|_| "the kind registry was already read")
}

/// Every kind, in sync dependency order.
pub fn all() -> &'static [&'static dyn AnyKind] {
    REGISTRY.get_or_init(|| BUILTIN.to_vec())
}

/// The kinds the generic REST routes and CLI commands serve, in dependency order.
pub fn served() -> impl Iterator<Item = &'static KindMeta> {
    all().iter().map(|k| k.meta()).filter(|m| m.api.is_some())
}

pub fn by_keyword(keyword: &str) -> Option<&'static dyn AnyKind> {
    all().iter().copied().find(|k| k.meta().kind.as_str() == keyword)
}

pub fn by_plural(plural: &str) -> Option<&'static dyn AnyKind> {
    all().iter().copied().find(|k| k.meta().plural == plural)
}

/// The registered kind; a `ResourceKind` is only made by a kind's declaration.
pub fn lookup(kind: ResourceKind) -> &'static dyn AnyKind {
    match all().iter().copied().find(|k| k.meta().kind == kind) {
        Some(k) => k,
        None => panic!("resource kind {kind} is declared but not in the kind registry"),
    }
}

/// What a driver serves, as the API lists an account's capabilities: the plural of each kind
/// it lists, `<keyword>_<verb>` for each plain action, then its other operations.
pub fn capability_names(driver: &dyn CloudDriver) -> Vec<String> {
    let mut names = Vec::new();
    for kind in all() {
        if kind.served_by(driver) {
            let meta = kind.meta();
            names.push(meta.plural.to_string());
            names.extend(kind.verbs(driver).iter().map(|verb| format!("{}_{verb}", meta.keyword())));
        }
    }
    names.extend(driver.capabilities().iter().map(|c| c.as_str().to_string()));
    names
}

/// Kinds by keyword with their plain actions' verbs, for a driver (tests, docs).
pub fn served_kinds(driver: &dyn CloudDriver) -> BTreeMap<ResourceKind, &'static [&'static str]> {
    all().iter().filter(|k| k.served_by(driver)).map(|k| (k.meta().kind, k.verbs(driver))).collect()
}

/// The texts of statuses of a kind's status enum, checked by the compiler:
/// `statuses!(DiskStatus: Available, DeleteFailed)` is `&["available", "delete_failed"]`.
#[macro_export]
macro_rules! statuses {
    ($enum:ident : $($variant:ident),* $(,)?) => {
        &[$($enum::$variant.as_str()),*]
    };
}

#[cfg(test)]
mod tests;
