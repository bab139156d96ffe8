//! Zones: written by sync (read-only in the API). Unique per (account, external id).

use chrono::{DateTime, Utc};
use strato_types::{CloudAccountId, CloudRegionId, ListQuery, Page, RegionStatus, ZoneId};

use crate::db::{from_micros, now, parse_enum, parse_id, to_micros, with_db};
use crate::error::{describe_cloud_object, on_delete, on_write, the_one_named, StoreError, StoreResult, AMBIGUOUS_SHOWN};
use crate::list::{field, lookup, run_list, Field, FieldType as T, KindSpec, Visibility};
use crate::resource::{tags_json, CloudAttrs, CloudResourceCommon, CommonRow, COMMON_FIELDS};
use crate::Store;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    pub id: ZoneId,
    pub name: String,
    pub status: RegionStatus,
    /// `common.cloudregion_id` is always set for a zone; this is it.
    pub cloudregion_id: CloudRegionId,
    pub common: CloudResourceCommon,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Filled by `get`, and by `list` with `details`.
    pub cloudregion_name: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewZone {
    pub cloudregion_id: CloudRegionId,
    pub name: String,
    pub external_id: String,
    pub status: RegionStatus,
    pub attrs: CloudAttrs,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    name: String,
    status: String,
    created_at: i64,
    updated_at: i64,
    #[sqlx(default)]
    cloudregion_name: Option<String>,
    #[sqlx(flatten)]
    common: CommonRow,
}

impl Row {
    fn into_record(self) -> StoreResult<Zone> {
        let common = self.common.into_common()?;
        let cloudregion_id = common
            .cloudregion_id
            .ok_or_else(|| StoreError::Config("zone without a cloud region in the database".into()))?;
        Ok(Zone {
            id: parse_id(&self.id, "zones.id")?,
            name: self.name,
            status: parse_enum(&self.status, "zones.status")?,
            cloudregion_id,
            common,
            created_at: from_micros(self.created_at),
            updated_at: from_micros(self.updated_at),
            cloudregion_name: self.cloudregion_name,
        })
    }
}

const fn fields() -> [Field; 18] {
    let own = [
        field("id", "t.id", T::Id),
        field("name", "t.name", T::Text),
        field("status", "t.status", T::Enum(RegionStatus::EXPECTED)),
        field("created_at", "t.created_at", T::Timestamp),
        field("updated_at", "t.updated_at", T::Timestamp),
    ];
    let mut all = [own[0]; 18];
    let mut i = 0;
    while i < own.len() {
        all[i] = own[i];
        i += 1;
    }
    let mut j = 0;
    while j < COMMON_FIELDS.len() {
        all[i + j] = COMMON_FIELDS[j];
        j += 1;
    }
    all
}

const FIELD_ARRAY: [Field; 18] = fields();

/// Filterable / orderable fields of `GET /zones` (plus `cloudregion`, the region's name).
pub const FIELDS: &[Field] = &[
    FIELD_ARRAY[0], FIELD_ARRAY[1], FIELD_ARRAY[2], FIELD_ARRAY[3], FIELD_ARRAY[4], FIELD_ARRAY[5],
    FIELD_ARRAY[6], FIELD_ARRAY[7], FIELD_ARRAY[8], FIELD_ARRAY[9], FIELD_ARRAY[10], FIELD_ARRAY[11],
    FIELD_ARRAY[12], FIELD_ARRAY[13], FIELD_ARRAY[14], FIELD_ARRAY[15], FIELD_ARRAY[16], FIELD_ARRAY[17],
    lookup("cloudregion", "(SELECT name FROM cloudregions x WHERE x.id = t.cloudregion_id)"),
];

const SELECT: &str = "t.id, t.name, t.status, t.created_at, t.updated_at, t.domain_id, t.project_id, t.cloudaccount_id, \
     t.cloudregion_id, t.zone_id, t.external_id, t.tags, t.billing_type, t.expires_at, t.auto_renew, t.disable_delete";
const DETAILS: &str = ", d.name AS domain_name, p.name AS project_name, a.name AS cloudaccount_name, r.name AS cloudregion_name";
const JOINS: &str = "LEFT JOIN domains d ON d.id = t.domain_id LEFT JOIN projects p ON p.id = t.project_id \
     LEFT JOIN cloudaccounts a ON a.id = t.cloudaccount_id LEFT JOIN cloudregions r ON r.id = t.cloudregion_id ";

const SPEC: KindSpec = KindSpec {
    kind: "zone",
    table: "zones",
    fields: FIELDS,
    domain_column: Some("t.domain_id"),
    project_column: Some("t.project_id"),
    select: SELECT,
    details_select: DETAILS,
    details_joins: JOINS,
};

pub struct Zones<'a> {
    pub(crate) store: &'a Store,
}

impl Zones<'_> {
    /// Adds a zone to a region; account and ownership come from the region.
    pub async fn create(&self, new: NewZone) -> StoreResult<Zone> {
        let region = self.store.cloudregions().get(new.cloudregion_id).await?;
        let c = &region.common;
        let id = ZoneId::new();
        let t = to_micros(now());
        let tags = tags_json(&new.attrs.tags)?;
        let external = new.external_id.clone();
        with_db!(self.store.db(), pool => sqlx::query(
            "INSERT INTO zones (id, name, status, domain_id, project_id, cloudaccount_id, cloudregion_id, external_id, \
             tags, billing_type, expires_at, auto_renew, disable_delete, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)")
            .bind(id.to_string()).bind(&new.name).bind(new.status.as_str())
            .bind(c.domain_id.to_string()).bind(c.project_id.to_string()).bind(c.cloudaccount_id.to_string())
            .bind(region.id.to_string()).bind(&new.external_id).bind(tags).bind(new.attrs.billing_type.map(|b| b.as_str()))
            .bind(new.attrs.expires_at.map(to_micros)).bind(new.attrs.auto_renew).bind(new.attrs.disable_delete).bind(t)
            .execute(pool).await.map(|r| r.rows_affected())
            .map_err(on_write("zone", || format!("zone {external:?} already exists in this cloud account")))?);
        self.get(id).await
    }

    pub async fn get(&self, id: ZoneId) -> StoreResult<Zone> {
        self.fetch_one("t.id = $1", id.to_string(), None).await?.ok_or_else(|| StoreError::not_found("zone", id))
    }

    pub async fn get_by_external_id(&self, account: CloudAccountId, external_id: &str) -> StoreResult<Zone> {
        self.fetch_one("t.cloudaccount_id = $1 AND t.external_id = $2", account.to_string(), Some(external_id.to_string()))
            .await?
            .ok_or_else(|| StoreError::not_found("zone", format!("{external_id:?}")))
    }

    /// By id, or by name within `visibility`. Names repeat across accounts: several visible
    /// zones of that name are a `Conflict` listing them, never an arbitrary one.
    pub async fn find(&self, key: &str, visibility: &Visibility) -> StoreResult<Zone> {
        if let Ok(id) = key.parse::<ZoneId>() {
            return self.get(id).await;
        }
        let query = ListQuery {
            filters: vec![strato_types::Filter { field: "name".into(), op: strato_types::FilterOp::Equals, values: vec![key.into()] }],
            limit: u32::try_from(AMBIGUOUS_SHOWN + 1).unwrap_or(u32::MAX),
            details: true,
            ..ListQuery::default()
        };
        let matches = self.list(&query, visibility).await?.items;
        the_one_named("zone", key, matches, |m| describe_cloud_object(m.id, m.common.cloudaccount_name.as_deref(), None))
    }

    async fn fetch_one(&self, condition: &str, a: String, b: Option<String>) -> StoreResult<Option<Zone>> {
        let sql = format!("SELECT {SELECT}{DETAILS} FROM zones t {JOINS}WHERE {condition}");
        let row: Option<Row> = with_db!(self.store.db(), pool => {
            let q = sqlx::query_as(&sql).bind(a);
            let q = match b { Some(b) => q.bind(b), None => q };
            q.fetch_optional(pool).await?
        });
        row.map(Row::into_record).transpose()
    }

    pub async fn list(&self, query: &ListQuery, visibility: &Visibility) -> StoreResult<Page<Zone>> {
        let db = self.store.db();
        run_list!(db, SPEC.build(db.backend(), query, visibility)?, query, Row, Row::into_record)
    }

    pub async fn delete(&self, id: ZoneId) -> StoreResult<()> {
        let done = with_db!(self.store.db(), pool => sqlx::query("DELETE FROM zones WHERE id = $1")
            .bind(id.to_string()).execute(pool).await.map(|r| r.rows_affected())
            .map_err(on_delete("zone", id.to_string()))?);
        if done == 0 {
            return Err(StoreError::not_found("zone", id));
        }
        Ok(())
    }
}
