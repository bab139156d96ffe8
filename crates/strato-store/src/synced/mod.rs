//! Synced cloud resources: one generic engine for every kind sync writes (cloud regions, zones,
//! vpcs, networks, secgroups, skus, disks, servers, elasticsearches), plus sync history, the
//! change log and sync leases.
//!
//! A kind is a [`KindDef`]: its table, its typed columns and its child tables (secgroup rules,
//! server disks, server secgroups). The common columns (DESIGN.md "Store") and every query are
//! here, so a kind file only lists its columns. Sync works in three calls per
//! (account, region, kind): [`Synced::scan`] (id, external id, name and `sync_hash` of every row
//! in scope), [`Synced::load`] (full values of the few rows that changed, for the change log),
//! and [`Synced::apply`] (inserts, updates, removals and change-log entries in one transaction,
//! as multi-row statements). A scope with no change is never written.

pub mod history;
pub mod leases;
pub mod operations;
pub mod query;
pub mod tables;

use std::sync::OnceLock;

/// A synced kind's store definition: its declaration (`strato_cloud::kinds`), whose plural is
/// the table and whose row type gives the typed columns and child tables.
pub type KindDef = strato_cloud::kinds::KindMeta;
pub use strato_cloud::kinds::{ChildDef, ColType, Column, Value, SYNCED_COMMON};

/// The kinds the API lists, in sync dependency order: the declared kinds the generic routes
/// serve. The generic list/show/changes queries, their filters, the account purge (reverse
/// order) and the tests' row counts follow from it.
pub fn listed_kinds() -> &'static [&'static KindDef] {
    static LISTED: OnceLock<Vec<&'static KindDef>> = OnceLock::new();
    LISTED.get_or_init(|| strato_cloud::kinds::served().collect())
}

/// A listed kind by API plural ("vpcs", "servers", "elasticsearches", ...).
pub fn kind_by_plural(plural: &str) -> Option<&'static KindDef> {
    listed_kinds().iter().copied().find(|d| d.plural == plural)
}

use xxhash_rust::xxh3::xxh3_128;
use strato_types::{CloudAccountId, CloudRegionId, DomainId, ProjectId};

use crate::db::{now, parse_id, to_micros, with_db, Db};
use crate::error::{StoreError, StoreResult};
use crate::Store;

pub use history::{ChangeEntry, ChangeSource, SyncHistoryRow, SyncScopeStatus};
pub use leases::Leases;
pub use query::{value_json, SyncedRecord};

strato_types::typed_id!(ResourceId, "resource");
strato_types::typed_id!(SyncRunId, "sync run");

/// Binds synced `Value`s (owned) onto a query, for either backend.
macro_rules! bind_values {
    ($q:expr, $values:expr) => {{
        let mut q = $q;
        for v in $values {
            q = match v {
                $crate::synced::Value::Text(t) => q.bind(t),
                $crate::synced::Value::Int(i) => q.bind(i),
                $crate::synced::Value::Bool(b) => q.bind(b),
            };
        }
        q
    }};
}
pub(crate) use bind_values;

/// Every column sync writes for a kind: the common ones then its typed ones.
fn synced_count(def: &KindDef) -> usize {
    SYNCED_COMMON.len() + def.columns.len()
}

/// Appends an unambiguous encoding of the value (tag, length, bytes) for `SyncDigest`.
fn digest_value(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Text(None) | Value::Int(None) => out.push(0),
        Value::Text(Some(t)) => {
            out.push(1);
            out.extend_from_slice(&(t.len() as u64).to_le_bytes());
            out.extend_from_slice(t.as_bytes());
        }
        Value::Int(Some(i)) => {
            out.push(2);
            out.extend_from_slice(&i.to_le_bytes());
        }
        Value::Bool(b) => out.extend_from_slice(&[3, u8::from(*b)]),
    }
}

/// Where a sync writes: one account and (for regional kinds) one region.
#[derive(Debug, Clone)]
pub struct Scope {
    pub cloudaccount_id: CloudAccountId,
    pub domain_id: DomainId,
    pub project_id: ProjectId,
    /// `None` for account-wide kinds.
    pub cloudregion_id: Option<CloudRegionId>,
}

/// The state of one resource as sync wants it in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncRow {
    pub id: ResourceId,
    pub external_id: String,
    /// The cloud's name (hashed; the stored name may carry a suffix).
    pub cloud_name: String,
    /// `SYNCED_COMMON` then the kind's typed columns; `values[0]` is the local name.
    pub values: Vec<Value>,
    /// Rows per child table (in `KindDef::children` order); each row is the child's columns.
    pub children: Vec<Vec<Vec<Value>>>,
    /// The project an inserted row goes to when not the scope's (an account's project rule
    /// matched its tags). Updates never move a row to another project.
    pub project_id: Option<ProjectId>,
}

impl SyncRow {
    /// Digest of everything sync writes except the local name (hex, 32 chars).
    pub fn hash(&self) -> String {
        sync_hash(&self.cloud_name, &self.values[1..], &self.children)
    }
    pub fn name(&self) -> &str {
        match &self.values[0] {
            Value::Text(Some(n)) => n,
            _ => "",
        }
    }
    /// The cloud's tags as written to the `tags` column (empty when unreadable).
    pub fn tags(&self) -> std::collections::BTreeMap<String, String> {
        let at = SYNCED_COMMON.iter().position(|c| c.name == "tags");
        match at.and_then(|i| self.values.get(i)) {
            Some(Value::Text(Some(json))) => serde_json::from_str(json).unwrap_or_default(),
            _ => Default::default(),
        }
    }
}

/// Digest of what sync writes for a row: the cloud name, the synced values after the local
/// name, and the child rows (hex, 32 chars). Stable across versions and backends.
pub fn sync_hash(cloud_name: &str, values_after_name: &[Value], children: &[Vec<Vec<Value>>]) -> String {
    SyncDigest::of(cloud_name, values_after_name, children).to_hex()
}

/// `sync_hash` before it is rendered: a re-sync compares it with every stored hash, and this
/// comparison allocates nothing.
///
/// XXH3-128, not a cryptographic hash: it only tells a changed row from an unchanged one, for
/// data the account's own cloud reports, and SHA-256 was a tenth of a no-change re-sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncDigest(u128);

impl SyncDigest {
    pub fn of(cloud_name: &str, values_after_name: &[Value], children: &[Vec<Vec<Value>>]) -> SyncDigest {
        // One pass over one buffer: the streaming hasher's per-call cost dominated rows made
        // of many short values.
        let mut bytes = Vec::with_capacity(512);
        bytes.extend_from_slice(&(cloud_name.len() as u64).to_le_bytes());
        bytes.extend_from_slice(cloud_name.as_bytes());
        for v in values_after_name {
            digest_value(v, &mut bytes);
        }
        for child in children {
            bytes.extend_from_slice(&(child.len() as u64).to_le_bytes());
            for row in child {
                for v in row {
                    digest_value(v, &mut bytes);
                }
            }
        }
        SyncDigest(xxh3_128(&bytes))
    }

    pub fn to_hex(self) -> String {
        hex::encode(self.0.to_le_bytes())
    }

    /// Whether a stored `sync_hash` is this digest (a missing one never is).
    pub fn matches(self, stored: Option<&str>) -> bool {
        let mut hex = [0u8; 32];
        // 16 bytes always fit 32 hex digits
        hex::encode_to_slice(self.0.to_le_bytes(), &mut hex).is_ok() && stored.is_some_and(|s| s.as_bytes() == hex)
    }
}

/// A stored row's key facts, as `scan` returns them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanRow {
    pub id: ResourceId,
    pub external_id: String,
    pub name: String,
    pub sync_hash: Option<String>,
}

/// A stored row's synced values (for the change log), with children rendered as JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRow {
    pub id: ResourceId,
    pub external_id: String,
    pub values: Vec<Value>,
    pub children: Vec<String>,
}

/// One transaction's worth of writes for one (account, region, kind).
#[derive(Debug, Default)]
pub struct Batch {
    pub inserts: Vec<SyncRow>,
    pub updates: Vec<SyncRow>,
    pub removals: Vec<ResourceId>,
    pub changes: Vec<ChangeEntry>,
}

impl Batch {
    pub fn is_empty(&self) -> bool {
        self.inserts.is_empty() && self.updates.is_empty() && self.removals.is_empty() && self.changes.is_empty()
    }
}

/// Bound parameters per multi-row statement: large enough to amortise round trips, small
/// enough that binding stays cheap (sqlx binds numbered SQLite parameters in quadratic time).
const MAX_PARAMS: usize = 500;

pub struct Synced<'a> {
    pub(crate) store: &'a Store,
}

impl Store {
    /// Synced resources (generic engine), history, change log.
    pub fn synced(&self) -> Synced<'_> {
        Synced { store: self }
    }
    /// Sync leases (one sync per account and region, across replicas).
    pub fn sync_leases(&self) -> Leases<'_> {
        Leases { store: self }
    }
}

fn scope_condition(def: &KindDef, region: Option<CloudRegionId>) -> StoreResult<(String, Option<String>)> {
    match (def.account_wide(), region) {
        (true, _) => Ok(("cloudaccount_id = $1".into(), None)),
        (false, Some(r)) => Ok(("cloudaccount_id = $1 AND cloudregion_id = $2".into(), Some(r.to_string()))),
        (false, None) => Err(StoreError::invalid("cloudregion_id", format!("{} rows need a region", def.kind))),
    }
}

impl Synced<'_> {
    /// Every row of `def` in scope: id, external id, name, hash (unsorted).
    pub async fn scan(&self, def: &KindDef, account: CloudAccountId, region: Option<CloudRegionId>) -> StoreResult<Vec<ScanRow>> {
        let (cond, second) = scope_condition(def, region)?;
        let columns = "id, external_id, name, sync_hash";
        let rows: Vec<(String, String, String, Option<String>)> = match self.store.db() {
            // On SQLite the scope comes back as one JSON array in one row: fetched row by row,
            // the driver's own cost (every value of every row copied and reference-counted) was
            // ~4 us a row, ten times the database's, and this scan is most of a no-change
            // re-sync. (PostgreSQL's rows are cheap to fetch and its json_agg is not.)
            Db::Sqlite(pool) => {
                let sql = format!("SELECT json_group_array(json_array({columns})) FROM {} WHERE {cond}", def.plural);
                let q = sqlx::query_scalar::<_, String>(&sql).bind(account.to_string());
                let q = match &second { Some(r) => q.bind(r.clone()), None => q };
                let json = q.fetch_one(pool).await?;
                serde_json::from_str(&json).map_err(|e| StoreError::Database(sqlx::Error::Decode(Box::new(e))))?
            }
            Db::Postgres(pool) => {
                let sql = format!("SELECT {columns} FROM {} WHERE {cond}", def.plural);
                let q = sqlx::query_as(&sql).bind(account.to_string());
                let q = match &second { Some(r) => q.bind(r.clone()), None => q };
                q.fetch_all(pool).await?
            }
        };
        rows.into_iter()
            .map(|(id, external_id, name, sync_hash)| Ok(ScanRow { id: parse_id(&id, "id")?, external_id, name, sync_hash }))
            .collect()
    }

    /// The synced values of these rows (for the change log and for tests).
    pub async fn load(&self, def: &KindDef, ids: &[ResourceId]) -> StoreResult<Vec<StoredRow>> {
        let mut out = Vec::with_capacity(ids.len());
        let columns: Vec<Column> = def.synced_columns().copied().collect();
        let select = columns.iter().map(|c| c.name).collect::<Vec<_>>().join(", ");
        for chunk in ids.chunks(500) {
            let placeholders = (1..=chunk.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
            let sql = format!("SELECT id, external_id, {select} FROM {} WHERE id IN ({placeholders})", def.plural);
            let rows = with_db!(self.store.db(), pool => {
                let mut q = sqlx::query(&sql);
                for id in chunk {
                    q = q.bind(id.to_string());
                }
                let rows = q.fetch_all(pool).await?;
                let mut decoded = Vec::with_capacity(rows.len());
                for row in &rows {
                    use sqlx::Row;
                    let id: String = row.try_get(0)?;
                    let external_id: String = row.try_get(1)?;
                    let mut values = Vec::with_capacity(columns.len());
                    for (i, c) in columns.iter().enumerate() {
                        values.push(match c.ty {
                            ColType::Text => Value::Text(row.try_get(i + 2)?),
                            ColType::Int => Value::Int(row.try_get(i + 2)?),
                            ColType::Bool => Value::Bool(row.try_get(i + 2)?),
                        });
                    }
                    decoded.push((id, external_id, values));
                }
                decoded
            });
            for (id, external_id, values) in rows {
                let id: ResourceId = parse_id(&id, "id")?;
                let mut children = Vec::with_capacity(def.children.len());
                for child in def.children {
                    children.push(self.child_json(child, id).await?);
                }
                out.push(StoredRow { id, external_id, values, children });
            }
        }
        Ok(out)
    }

    /// One parent's child rows as a JSON array of arrays (ordered by every column).
    async fn child_json(&self, child: &ChildDef, parent: ResourceId) -> StoreResult<String> {
        let cols = child.columns.iter().map(|c| c.name).collect::<Vec<_>>().join(", ");
        let sql = format!("SELECT {cols} FROM {} WHERE {} = $1 ORDER BY {cols}", child.table, child.parent_column);
        let rows: Vec<Vec<Option<String>>> = with_db!(self.store.db(), pool => {
            let rows = sqlx::query(&sql).bind(parent.to_string()).fetch_all(pool).await?;
            let mut out = Vec::with_capacity(rows.len());
            for row in &rows {
                use sqlx::Row;
                let mut r = Vec::with_capacity(child.columns.len());
                for (i, c) in child.columns.iter().enumerate() {
                    r.push(match c.ty {
                        ColType::Text => Value::Text(row.try_get(i)?),
                        ColType::Int => Value::Int(row.try_get(i)?),
                        ColType::Bool => Value::Bool(row.try_get(i)?),
                    }.render());
                }
                out.push(r);
            }
            out
        });
        Ok(render_children(rows))
    }

    /// Writes a batch in one transaction; an empty batch writes nothing.
    pub async fn apply(&self, def: &KindDef, scope: &Scope, batch: &Batch) -> StoreResult<()> {
        if batch.is_empty() {
            return Ok(());
        }
        if !def.account_wide() && scope.cloudregion_id.is_none() {
            return Err(StoreError::invalid("cloudregion_id", format!("{} rows need a region", def.kind)));
        }
        let t = to_micros(now());
        let per_statement = (MAX_PARAMS / (9 + synced_count(def))).max(1);
        with_db!(self.store.db(), pool => {
            // Every statement is a write, so SQLite takes the write lock up front and waits
            // (busy timeout) instead of failing to upgrade a read snapshot. Statements are built
            // one chunk at a time, so memory stays flat however large the batch.
            let mut tx = pool.begin().await?;
            let head = build_statements(def, batch, t);
            let inserts = batch.inserts.chunks(per_statement).flat_map(|chunk| {
                insert_statements(def, scope, chunk, t).into_iter().chain(child_inserts(def, chunk))
            });
            for (sql, values) in head.into_iter().chain(inserts).chain(history::change_statements(&batch.changes)) {
                bind_values!(sqlx::query(&sql), values).execute(&mut *tx).await.map_err(|e| write_error(def, e))?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Raw bulk upsert of rows straight into the table (`ON CONFLICT ... DO UPDATE`), without
    /// reading anything first: the physical write limit the sync benchmark compares against.
    pub async fn bulk_upsert(&self, def: &KindDef, scope: &Scope, rows: &[SyncRow]) -> StoreResult<()> {
        let t = to_micros(now());
        let mut statements = Vec::new();
        let conflict = if def.plural == "skus" { "cloudaccount_id, cloudregion_id, external_id" } else { "cloudaccount_id, external_id" };
        let set = def
            .synced_columns()
            .map(|c| format!("{0} = excluded.{0}", c.name))
            .chain(["updated_at = excluded.updated_at".to_string(), "sync_hash = excluded.sync_hash".to_string()])
            .collect::<Vec<_>>()
            .join(", ");
        for (sql, values) in insert_statements(def, scope, rows, t) {
            statements.push((format!("{sql} ON CONFLICT ({conflict}) DO UPDATE SET {set}"), values));
        }
        for (sql, values) in child_inserts(def, rows) {
            statements.push((format!("{sql} ON CONFLICT DO NOTHING"), values));
        }
        with_db!(self.store.db(), pool => {
            let mut tx = pool.begin().await?;
            for (sql, values) in &statements {
                bind_values!(sqlx::query(sql), values.iter().cloned()).execute(&mut *tx).await.map_err(|e| write_error(def, e))?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Rows of a kind in a cloud account (tests, purge).
    pub async fn count(&self, def: &KindDef, account: CloudAccountId) -> StoreResult<i64> {
        let sql = format!("SELECT COUNT(*) FROM {} WHERE cloudaccount_id = $1", def.plural);
        Ok(with_db!(self.store.db(), pool => sqlx::query_scalar::<_, i64>(&sql).bind(account.to_string()).fetch_one(pool).await?))
    }

    /// Child rows of a child table belonging to a cloud account's parents.
    pub async fn count_children(&self, def: &KindDef, child: &ChildDef, account: CloudAccountId) -> StoreResult<i64> {
        let sql = format!(
            "SELECT COUNT(*) FROM {} c JOIN {} p ON p.id = c.{} WHERE p.cloudaccount_id = $1",
            child.table, def.plural, child.parent_column
        );
        Ok(with_db!(self.store.db(), pool => sqlx::query_scalar::<_, i64>(&sql).bind(account.to_string()).fetch_one(pool).await?))
    }
}

fn write_error(def: &KindDef, e: sqlx::Error) -> StoreError {
    match e.as_database_error() {
        Some(db) if db.is_unique_violation() => {
            StoreError::Conflict { kind: "synced resource", message: format!("{}: a row with this external id already exists", def.kind) }
        }
        _ => StoreError::Database(e),
    }
}

pub(crate) fn render_children(rows: Vec<Vec<Option<String>>>) -> String {
    serde_json::to_string(&rows).unwrap_or_else(|_| "[]".into())
}

/// Renders a sync row's children like `load` does, for comparison in the change log.
pub fn children_json(row: &SyncRow) -> Vec<String> {
    row.children
        .iter()
        .map(|rows| {
            let mut rendered: Vec<Vec<Option<String>>> = rows.iter().map(|r| r.iter().map(Value::render).collect()).collect();
            rendered.sort();
            render_children(rendered)
        })
        .collect()
}

pub(crate) type Statement = (String, Vec<Value>);

fn multi_row(prefix: &str, width: usize, rows: usize, out_sql: &mut String) {
    out_sql.push_str(prefix);
    let mut n = 0;
    for r in 0..rows {
        if r > 0 {
            out_sql.push_str(", ");
        }
        out_sql.push('(');
        for c in 0..width {
            if c > 0 {
                out_sql.push_str(", ");
            }
            n += 1;
            out_sql.push('$');
            out_sql.push_str(&n.to_string());
        }
        out_sql.push(')');
    }
}

fn insert_statements(def: &KindDef, scope: &Scope, rows: &[SyncRow], t: i64) -> Vec<Statement> {
    let mut out = Vec::new();
    let fixed = ["id", "external_id", "domain_id", "project_id", "cloudaccount_id", "cloudregion_id", "created_at", "updated_at", "sync_hash"];
    let names: Vec<&str> = fixed.iter().copied().chain(def.synced_columns().map(|c| c.name)).collect();
    let width = names.len();
    let prefix = format!("INSERT INTO {} ({}) VALUES ", def.plural, names.join(", "));
    let region = scope.cloudregion_id.map(|r| r.to_string());
    for chunk in rows.chunks((MAX_PARAMS / width).max(1)) {
        let mut sql = String::with_capacity(prefix.len() + chunk.len() * width * 5);
        multi_row(&prefix, width, chunk.len(), &mut sql);
        let mut values = Vec::with_capacity(chunk.len() * width);
        for row in chunk {
            values.push(Value::text(row.id.to_string()));
            values.push(Value::text(row.external_id.clone()));
            values.push(Value::text(scope.domain_id.to_string()));
            values.push(Value::text(row.project_id.unwrap_or(scope.project_id).to_string()));
            values.push(Value::text(scope.cloudaccount_id.to_string()));
            values.push(Value::Text(region.clone()));
            values.push(Value::Int(Some(t)));
            values.push(Value::Int(Some(t)));
            values.push(Value::text(row.hash()));
            values.extend(row.values.iter().cloned());
        }
        out.push((sql, values));
    }
    out
}

fn child_inserts(def: &KindDef, rows: &[SyncRow]) -> Vec<Statement> {
    let mut out = Vec::new();
    for (ci, child) in def.children.iter().enumerate() {
        let width = child.columns.len() + 1;
        let names: Vec<&str> = std::iter::once(child.parent_column).chain(child.columns.iter().map(|c| c.name)).collect();
        let prefix = format!("INSERT INTO {} ({}) VALUES ", child.table, names.join(", "));
        let all: Vec<(ResourceId, &Vec<Value>)> =
            rows.iter().flat_map(|r| r.children.get(ci).into_iter().flatten().map(move |c| (r.id, c))).collect();
        for chunk in all.chunks((MAX_PARAMS / width).max(1)) {
            let mut sql = String::new();
            multi_row(&prefix, width, chunk.len(), &mut sql);
            let mut values = Vec::with_capacity(chunk.len() * width);
            for (parent, row) in chunk {
                values.push(Value::text(parent.to_string()));
                values.extend(row.iter().cloned());
            }
            out.push((sql, values));
        }
    }
    out
}

/// Removals and updates (inserts and change-log entries are streamed by `apply`).
fn build_statements(def: &KindDef, batch: &Batch, t: i64) -> Vec<Statement> {
    let mut out = Vec::new();
    // removals first: frees external ids and names for the inserts
    for chunk in batch.removals.chunks(500) {
        let placeholders = (1..=chunk.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        out.push((
            format!("DELETE FROM {} WHERE id IN ({placeholders})", def.plural),
            chunk.iter().map(|id| Value::text(id.to_string())).collect(),
        ));
    }
    if !batch.updates.is_empty() {
        let set = def
            .synced_columns()
            .enumerate()
            .map(|(i, c)| format!("{} = ${}", c.name, i + 1))
            .collect::<Vec<_>>()
            .join(", ");
        let n = synced_count(def);
        let sql = format!("UPDATE {} SET {set}, updated_at = ${}, sync_hash = ${} WHERE id = ${}", def.plural, n + 1, n + 2, n + 3);
        for row in &batch.updates {
            let mut values = row.values.clone();
            values.push(Value::Int(Some(t)));
            values.push(Value::text(row.hash()));
            values.push(Value::text(row.id.to_string()));
            out.push((sql.clone(), values));
        }
        for child in def.children {
            for chunk in batch.updates.chunks(500) {
                let placeholders = (1..=chunk.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
                out.push((
                    format!("DELETE FROM {} WHERE {} IN ({placeholders})", child.table, child.parent_column),
                    chunk.iter().map(|r| Value::text(r.id.to_string())).collect(),
                ));
            }
        }
        out.extend(child_inserts(def, &batch.updates));
    }
    out
}
