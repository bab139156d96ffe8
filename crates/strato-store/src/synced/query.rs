//! The read side of the synced kinds, generic over [`KindDef`]: list, get and find for every
//! kind the API shows (vpcs, networks, secgroups, skus, disks, servers, elasticsearches).
//!
//! Each kind's [`KindSpec`] (filterable fields, columns, detail joins) is derived from its
//! `KindDef` once, at first use. Fields: id, name, status, created_at, updated_at, the common
//! ones (`COMMON_FIELDS`), lookups `cloudregion`, `zone` and (kinds with `vpc_id`) `vpc` by
//! name, `tags` (see `list::tags_condition`), and every typed column: text, int, bool, or id
//! for columns holding a local id of another synced row (`ID_COLUMNS`).

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use strato_types::{CloudAccountId, CloudRegionId, Filter, FilterOp, ListQuery, Page};

use super::{listed_kinds, ChildDef, ColType, KindDef, ResourceId, Synced, Value};
use crate::db::{bind_all, from_micros, parse_id, with_db, SqlValue};
use crate::error::{describe_cloud_object, the_one_named, StoreError, StoreResult, AMBIGUOUS_SHOWN};
use crate::list::{field, lookup, tags_field, Field, FieldType, KindSpec, Visibility};
use crate::resource::{CloudResourceCommon, CommonRow, COMMON_DETAILS, COMMON_FIELDS, COMMON_JOINS};

/// One synced resource as the API shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncedRecord {
    pub id: ResourceId,
    /// `KindDef::kind`, e.g. "server".
    pub kind: &'static str,
    pub name: String,
    /// The kind's status text.
    pub status: String,
    /// Domain, project and cloud account names are filled by `get`/`find`, and by `list` with `details`.
    pub common: CloudResourceCommon,
    /// Filled like the common names.
    pub cloudregion_name: Option<String>,
    pub zone_name: Option<String>,
    /// Kinds with a `vpc_id` column; filled like the common names.
    pub vpc_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The kind's typed columns, in `KindDef` order (name, value). Columns holding a local id
    /// of another synced row (vpc_id, network_id, sku_id, ...) stay ids.
    pub attributes: Vec<(&'static str, Value)>,
    /// One entry per child table (`ChildDef::field`, e.g. "disks", "secgroups", "rules"): a JSON
    /// array of objects `{column: value}`, ordered by the child's columns. Always filled.
    pub children: Vec<(&'static str, serde_json::Value)>,
}

impl SyncedRecord {
    /// A typed column's value by name.
    pub fn attribute(&self, name: &str) -> Option<&Value> {
        self.attributes.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }
    /// A child table's rows by `ChildDef::field`.
    pub fn child(&self, field: &str) -> Option<&serde_json::Value> {
        self.children.iter().find(|(f, _)| *f == field).map(|(_, v)| v)
    }
}

/// A column's value as JSON (NULL as `null`).
pub fn value_json(value: &Value) -> serde_json::Value {
    match value {
        Value::Text(t) => t.clone().map_or(serde_json::Value::Null, serde_json::Value::String),
        Value::Int(i) => i.map_or(serde_json::Value::Null, serde_json::Value::from),
        Value::Bool(b) => serde_json::Value::Bool(*b),
    }
}

/// Typed columns that hold the local id of another synced row (filtered as ids).
pub const ID_COLUMNS: &[&str] = &["vpc_id", "network_id", "sku_id", "disk_id", "secgroup_id", "server_id"];

/// How to read one kind, derived from its `KindDef`.
struct KindQuery {
    def: &'static KindDef,
    spec: KindSpec,
    has_vpc: bool,
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

const HEAD_FIELDS: [Field; 5] = [
    field("id", "t.id", FieldType::Id),
    field("name", "t.name", FieldType::Text),
    field("status", "t.status", FieldType::Text),
    field("created_at", "t.created_at", FieldType::Timestamp),
    field("updated_at", "t.updated_at", FieldType::Timestamp),
];

const COMMON_SELECT: &str = "t.id, t.name, t.status, t.created_at, t.updated_at, t.domain_id, t.project_id, \
     t.cloudaccount_id, t.cloudregion_id, t.zone_id, t.external_id, t.tags, t.billing_type, t.expires_at, t.auto_renew, \
     t.disable_delete";

fn build_query(def: &'static KindDef) -> KindQuery {
    let has_vpc = def.columns.iter().any(|c| c.name == "vpc_id");
    let mut fields: Vec<Field> = HEAD_FIELDS.iter().chain(COMMON_FIELDS.iter()).copied().collect();
    fields.push(lookup("cloudregion", "(SELECT name FROM cloudregions x WHERE x.id = t.cloudregion_id)"));
    fields.push(lookup("zone", "(SELECT name FROM zones x WHERE x.id = t.zone_id)"));
    if has_vpc {
        fields.push(lookup("vpc", "(SELECT name FROM vpcs x WHERE x.id = t.vpc_id)"));
    }
    fields.push(tags_field("t.tags"));
    for c in def.columns {
        let ty = match c.ty {
            ColType::Text if ID_COLUMNS.contains(&c.name) => FieldType::Id,
            ColType::Text => FieldType::Text,
            ColType::Int => FieldType::Int,
            ColType::Bool => FieldType::Bool,
        };
        fields.push(field(c.name, leak(format!("t.{}", c.name)), ty));
    }
    let typed: String = def.columns.iter().map(|c| format!(", t.{}", c.name)).collect();
    let mut details = format!("{COMMON_DETAILS}, r.name AS cloudregion_name, z.name AS zone_name");
    let mut joins =
        format!("{COMMON_JOINS}LEFT JOIN cloudregions r ON r.id = t.cloudregion_id LEFT JOIN zones z ON z.id = t.zone_id ");
    if has_vpc {
        details.push_str(", v.name AS vpc_name");
        joins.push_str("LEFT JOIN vpcs v ON v.id = t.vpc_id ");
    }
    KindQuery {
        def,
        spec: KindSpec {
            kind: def.keyword(),
            table: def.plural,
            fields: Box::leak(fields.into_boxed_slice()),
            domain_column: Some("t.domain_id"),
            project_column: Some("t.project_id"),
            select: leak(format!("{COMMON_SELECT}{typed}")),
            details_select: leak(details),
            details_joins: leak(joins),
        },
        has_vpc,
    }
}

/// Looks a kind up by table, so a `KindDef` constant copied into another crate still matches.
fn kind_query(def: &KindDef) -> Option<&'static KindQuery> {
    static QUERIES: OnceLock<Vec<KindQuery>> = OnceLock::new();
    QUERIES.get_or_init(|| listed_kinds().iter().map(|d| build_query(d)).collect()).iter().find(|q| q.def.plural == def.plural)
}

fn require(def: &KindDef) -> StoreResult<&'static KindQuery> {
    kind_query(def).ok_or_else(|| {
        let known: Vec<&str> = listed_kinds().iter().map(|d| d.plural).collect();
        StoreError::invalid("kind", format!("{} is not a listed synced kind; known: {}", def.kind, known.join(", ")))
    })
}

#[derive(sqlx::FromRow)]
struct Head {
    id: String,
    name: String,
    status: String,
    created_at: i64,
    updated_at: i64,
    #[sqlx(default)]
    cloudregion_name: Option<String>,
    #[sqlx(default)]
    zone_name: Option<String>,
    #[sqlx(default)]
    vpc_name: Option<String>,
}

/// A decoded row before its children are attached.
type RawRow = (Head, CommonRow, Vec<(&'static str, Value)>);

fn equals(field: &str, value: String) -> Filter {
    Filter { field: field.into(), op: FilterOp::Equals, values: vec![value] }
}

impl Synced<'_> {
    /// A page of a kind within `visibility`; `total` is exact.
    pub async fn list(&self, def: &'static KindDef, query: &ListQuery, visibility: &Visibility) -> StoreResult<Page<SyncedRecord>> {
        let q = require(def)?;
        let db = self.store.db();
        let built = q.spec.build(db.backend(), query, visibility)?;
        let rows = self.fetch(q, &built.page_sql, &built.page_values).await?;
        // A short page gives the total without counting (when it is not past the end).
        let short = rows.len() < query.limit as usize && (!rows.is_empty() || query.offset == 0);
        let total = if short {
            query.offset + rows.len() as u64
        } else {
            let total: i64 = with_db!(db, pool => bind_all!(sqlx::query_scalar::<_, i64>(&built.count_sql), &built.count_values)
                .fetch_one(pool)
                .await?);
            u64::try_from(total).unwrap_or(0)
        };
        let items = self.attach_children(q, rows).await?;
        Ok(Page { items, total, limit: query.limit, offset: query.offset })
    }

    /// By id, with details; `not_found` naming the kind when absent.
    pub async fn get(&self, def: &'static KindDef, id: ResourceId) -> StoreResult<SyncedRecord> {
        let q = require(def)?;
        let s = &q.spec;
        let sql = format!("SELECT {}{} FROM {} t {}WHERE t.id = $1", s.select, s.details_select, s.table, s.details_joins);
        let rows = self.fetch(q, &sql, &[SqlValue::Text(id.to_string())]).await?;
        self.attach_children(q, rows).await?.pop().ok_or_else(|| StoreError::not_found(def.keyword(), id))
    }

    /// By id, or else by name, within `visibility`, with details. Synced names repeat across
    /// accounts and regions: several visible objects of that name are a `Conflict` listing
    /// them, never an arbitrary one of them.
    pub async fn find(&self, def: &'static KindDef, key: &str, visibility: &Visibility) -> StoreResult<SyncedRecord> {
        let q = require(def)?;
        if let Ok(id) = key.parse::<ResourceId>() {
            let query = ListQuery { filters: vec![equals("id", id.to_string())], limit: 1, details: true, ..ListQuery::default() };
            let built = q.spec.build(self.store.backend(), &query, visibility)?;
            let rows = self.fetch(q, &built.page_sql, &built.page_values).await?;
            if let Some(record) = self.attach_children(q, rows).await?.pop() {
                return Ok(record);
            }
        }
        let limit = u32::try_from(AMBIGUOUS_SHOWN + 1).unwrap_or(u32::MAX);
        let query = ListQuery { filters: vec![equals("name", key.to_string())], limit, details: true, ..ListQuery::default() };
        let built = q.spec.build(self.store.backend(), &query, visibility)?;
        let rows = self.fetch(q, &built.page_sql, &built.page_values).await?;
        let matches = self.attach_children(q, rows).await?;
        the_one_named(def.keyword(), key, matches, |r| {
            describe_cloud_object(r.id, r.common.cloudaccount_name.as_deref(), r.cloudregion_name.as_deref())
        })
    }

    /// One row of an account's region by id, name or external id (references in operation
    /// inputs: `--network net1`, `--zone us-east-1a`, `--server vm1`), within `visibility`.
    pub async fn find_in_region(
        &self,
        def: &'static KindDef,
        account: CloudAccountId,
        region: CloudRegionId,
        key: &str,
        visibility: &Visibility,
    ) -> StoreResult<SyncedRecord> {
        let q = require(def)?;
        let mut keys = Vec::with_capacity(3);
        if let Ok(id) = key.parse::<ResourceId>() {
            keys.push(equals("id", id.to_string()));
        }
        keys.push(equals("name", key.to_string()));
        keys.push(equals("external_id", key.to_string()));
        for filter in keys {
            let filters = vec![equals("cloudaccount_id", account.to_string()), equals("cloudregion_id", region.to_string()), filter];
            let query = ListQuery { filters, limit: 1, details: true, ..ListQuery::default() };
            let built = q.spec.build(self.store.backend(), &query, visibility)?;
            let rows = self.fetch(q, &built.page_sql, &built.page_values).await?;
            if let Some(record) = self.attach_children(q, rows).await?.pop() {
                return Ok(record);
            }
        }
        Err(StoreError::not_found(def.keyword(), format!("{:?}", key.chars().take(64).collect::<String>())))
    }

    /// Filterable fields of a kind (empty for a kind that is not listed).
    pub fn fields(def: &'static KindDef) -> &'static [Field] {
        kind_query(def).map_or(&[], |q| q.spec.fields)
    }

    /// Runs a SELECT of `spec.select` (and maybe the details) and decodes its rows.
    async fn fetch(&self, q: &KindQuery, sql: &str, values: &[SqlValue]) -> StoreResult<Vec<RawRow>> {
        let columns = q.def.columns;
        Ok(with_db!(self.store.db(), pool => {
            let rows = bind_all!(sqlx::query(sql), values).fetch_all(pool).await?;
            let mut out = Vec::with_capacity(rows.len());
            for row in &rows {
                use sqlx::{FromRow, Row};
                let head = Head::from_row(row)?;
                let common = CommonRow::from_row(row)?;
                let mut attributes = Vec::with_capacity(columns.len());
                for c in columns {
                    let value = match c.ty {
                        ColType::Text => Value::Text(row.try_get(c.name)?),
                        ColType::Int => Value::Int(row.try_get(c.name)?),
                        ColType::Bool => Value::Bool(row.try_get(c.name)?),
                    };
                    attributes.push((c.name, value));
                }
                out.push((head, common, attributes));
            }
            out
        }))
    }

    /// Converts rows and attaches their child rows (one query per child table and 500 parents).
    async fn attach_children(&self, q: &KindQuery, rows: Vec<RawRow>) -> StoreResult<Vec<SyncedRecord>> {
        let ids: Vec<String> = rows.iter().map(|(h, _, _)| h.id.clone()).collect();
        let mut per_child = Vec::with_capacity(q.def.children.len());
        for child in q.def.children {
            per_child.push(self.child_rows(child, &ids).await?);
        }
        rows.into_iter()
            .map(|(head, common, attributes)| {
                let children = q
                    .def
                    .children
                    .iter()
                    .zip(per_child.iter_mut())
                    .map(|(c, by_parent)| (c.field, serde_json::Value::Array(by_parent.remove(&head.id).unwrap_or_default())))
                    .collect();
                Ok(SyncedRecord {
                    id: parse_id(&head.id, "id")?,
                    kind: q.def.keyword(),
                    name: head.name,
                    status: head.status,
                    common: common.into_common()?,
                    cloudregion_name: head.cloudregion_name,
                    zone_name: head.zone_name,
                    vpc_name: if q.has_vpc { head.vpc_name } else { None },
                    created_at: from_micros(head.created_at),
                    updated_at: from_micros(head.updated_at),
                    attributes,
                    children,
                })
            })
            .collect()
    }

    /// Child rows of these parents as JSON objects, grouped by parent id.
    async fn child_rows(&self, child: &ChildDef, parents: &[String]) -> StoreResult<HashMap<String, Vec<serde_json::Value>>> {
        let mut out: HashMap<String, Vec<serde_json::Value>> = HashMap::new();
        let cols = child.columns.iter().map(|c| c.name).collect::<Vec<_>>().join(", ");
        for chunk in parents.chunks(500) {
            let placeholders = (1..=chunk.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
            let sql = format!(
                "SELECT {p}, {cols} FROM {t} WHERE {p} IN ({placeholders}) ORDER BY {p}, {cols}",
                p = child.parent_column,
                t = child.table
            );
            let rows: Vec<(String, serde_json::Value)> = with_db!(self.store.db(), pool => {
                let mut query = sqlx::query(&sql);
                for id in chunk {
                    query = query.bind(id);
                }
                let rows = query.fetch_all(pool).await?;
                let mut decoded = Vec::with_capacity(rows.len());
                for row in &rows {
                    use sqlx::Row;
                    let parent: String = row.try_get(0)?;
                    let mut object = serde_json::Map::with_capacity(child.columns.len());
                    for (i, c) in child.columns.iter().enumerate() {
                        let value = match c.ty {
                            ColType::Text => Value::Text(row.try_get(i + 1)?),
                            ColType::Int => Value::Int(row.try_get(i + 1)?),
                            ColType::Bool => Value::Bool(row.try_get(i + 1)?),
                        };
                        object.insert(c.name.to_string(), value_json(&value));
                    }
                    decoded.push((parent, serde_json::Value::Object(object)));
                }
                decoded
            });
            for (parent, object) in rows {
                out.entry(parent).or_default().push(object);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::super::kind_by_plural;
    use super::*;

    #[test]
    fn every_listed_kind_has_unique_fields_and_typed_ids() {
        for def in listed_kinds() {
            assert_eq!(kind_by_plural(def.plural).map(|d| d.kind), Some(def.kind));
            let fields = Synced::fields(def);
            let mut names: Vec<&str> = fields.iter().map(|f| f.name).collect();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), fields.len(), "{}: a typed column shadows a common field", def.kind);
            for c in def.columns.iter().filter(|c| c.name.ends_with("_id")) {
                // image_id is the cloud's image, not a local row
                assert!(ID_COLUMNS.contains(&c.name) || c.name == "image_id", "{}.{}: id column or not?", def.kind, c.name);
            }
        }
        assert!(kind_by_plural("zones").is_none());
        assert!(Synced::fields(strato_cloud::ResourceKind::Zone.meta()).is_empty());
    }
}
