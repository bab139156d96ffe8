//! Cloud regions: written by sync (read-only in the API). Unique per (account, external id).

use chrono::{DateTime, Utc};
use strato_types::{CloudAccountId, CloudRegionId, ListQuery, Page, Provider, RegionStatus};

use crate::db::{from_micros, now, parse_enum, parse_id, to_micros, with_db};
use crate::error::{describe_cloud_object, on_delete, on_write, the_one_named, StoreError, StoreResult, AMBIGUOUS_SHOWN};
use crate::list::{field, run_list, Field, FieldType as T, KindSpec, Visibility};
use crate::resource::{tags_json, CloudAttrs, CloudResourceCommon, CommonRow, COMMON_DETAILS, COMMON_FIELDS, COMMON_JOINS};
use crate::Store;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudRegion {
    pub id: CloudRegionId,
    pub name: String,
    pub status: RegionStatus,
    pub provider: Provider,
    pub common: CloudResourceCommon,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewCloudRegion {
    pub cloudaccount_id: CloudAccountId,
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
    provider: String,
    created_at: i64,
    updated_at: i64,
    #[sqlx(flatten)]
    common: CommonRow,
}

impl Row {
    fn into_record(self) -> StoreResult<CloudRegion> {
        Ok(CloudRegion {
            id: parse_id(&self.id, "cloudregions.id")?,
            name: self.name,
            status: parse_enum(&self.status, "cloudregions.status")?,
            provider: parse_enum(&self.provider, "cloudregions.provider")?,
            common: self.common.into_common()?,
            created_at: from_micros(self.created_at),
            updated_at: from_micros(self.updated_at),
        })
    }
}

const fn fields() -> [Field; 19] {
    let own = [
        field("id", "t.id", T::Id),
        field("name", "t.name", T::Text),
        field("status", "t.status", T::Enum(RegionStatus::EXPECTED)),
        field("provider", "t.provider", T::Enum(Provider::EXPECTED)),
        field("created_at", "t.created_at", T::Timestamp),
        field("updated_at", "t.updated_at", T::Timestamp),
    ];
    let mut all = [own[0]; 19];
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

/// Filterable / orderable fields of `GET /cloudregions`.
pub const FIELDS: &[Field] = &fields();

const SELECT: &str =
    "t.id, t.name, t.status, t.provider, t.created_at, t.updated_at, t.domain_id, t.project_id, t.cloudaccount_id, \
     t.cloudregion_id, t.zone_id, t.external_id, t.tags, t.billing_type, t.expires_at, t.auto_renew, t.disable_delete";

const SPEC: KindSpec = KindSpec {
    kind: "cloud region",
    table: "cloudregions",
    fields: FIELDS,
    domain_column: Some("t.domain_id"),
    project_column: Some("t.project_id"),
    select: SELECT,
    details_select: COMMON_DETAILS,
    details_joins: COMMON_JOINS,
};

pub struct CloudRegions<'a> {
    pub(crate) store: &'a Store,
}

impl CloudRegions<'_> {
    /// Adds a region to a cloud account; ownership and provider come from the account.
    pub async fn create(&self, new: NewCloudRegion) -> StoreResult<CloudRegion> {
        let account = self.store.cloudaccounts().get(new.cloudaccount_id).await?;
        let id = CloudRegionId::new();
        let t = to_micros(now());
        let tags = tags_json(&new.attrs.tags)?;
        let external = new.external_id.clone();
        with_db!(self.store.db(), pool => sqlx::query(
            "INSERT INTO cloudregions (id, name, status, provider, domain_id, project_id, cloudaccount_id, external_id, \
             tags, billing_type, expires_at, auto_renew, disable_delete, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)")
            .bind(id.to_string()).bind(&new.name).bind(new.status.as_str()).bind(account.provider.as_str())
            .bind(account.domain_id.to_string()).bind(account.project_id.to_string()).bind(account.id.to_string())
            .bind(&new.external_id).bind(tags).bind(new.attrs.billing_type.map(|b| b.as_str()))
            .bind(new.attrs.expires_at.map(to_micros)).bind(new.attrs.auto_renew).bind(new.attrs.disable_delete).bind(t)
            .execute(pool).await.map(|r| r.rows_affected())
            .map_err(on_write("cloud region", || format!("cloud region {external:?} already exists in this cloud account")))?);
        self.get(id).await
    }

    pub async fn get(&self, id: CloudRegionId) -> StoreResult<CloudRegion> {
        self.fetch_one("t.id = $1", id.to_string(), None).await?.ok_or_else(|| StoreError::not_found("cloud region", id))
    }

    pub async fn get_by_external_id(&self, account: CloudAccountId, external_id: &str) -> StoreResult<CloudRegion> {
        self.fetch_one("t.cloudaccount_id = $1 AND t.external_id = $2", account.to_string(), Some(external_id.to_string()))
            .await?
            .ok_or_else(|| StoreError::not_found("cloud region", format!("{external_id:?}")))
    }

    /// By id, or by name within `visibility`. Names repeat across accounts: several visible
    /// cloud regions of that name are a `Conflict` listing them, never an arbitrary one.
    pub async fn find(&self, key: &str, visibility: &Visibility) -> StoreResult<CloudRegion> {
        if let Ok(id) = key.parse::<CloudRegionId>() {
            return self.get(id).await;
        }
        let query = ListQuery {
            filters: vec![strato_types::Filter { field: "name".into(), op: strato_types::FilterOp::Equals, values: vec![key.into()] }],
            limit: u32::try_from(AMBIGUOUS_SHOWN + 1).unwrap_or(u32::MAX),
            details: true,
            ..ListQuery::default()
        };
        let matches = self.list(&query, visibility).await?.items;
        the_one_named("cloud region", key, matches, |m| describe_cloud_object(m.id, m.common.cloudaccount_name.as_deref(), None))
    }

    async fn fetch_one(&self, condition: &str, a: String, b: Option<String>) -> StoreResult<Option<CloudRegion>> {
        let sql = format!("SELECT {SELECT}{COMMON_DETAILS} FROM cloudregions t {COMMON_JOINS}WHERE {condition}");
        let row: Option<Row> = with_db!(self.store.db(), pool => {
            let q = sqlx::query_as(&sql).bind(a);
            let q = match b { Some(b) => q.bind(b), None => q };
            q.fetch_optional(pool).await?
        });
        row.map(Row::into_record).transpose()
    }

    pub async fn list(&self, query: &ListQuery, visibility: &Visibility) -> StoreResult<Page<CloudRegion>> {
        let db = self.store.db();
        run_list!(db, SPEC.build(db.backend(), query, visibility)?, query, Row, Row::into_record)
    }

    /// Deletes the region and its zones.
    pub async fn delete(&self, id: CloudRegionId) -> StoreResult<()> {
        let done = with_db!(self.store.db(), pool => sqlx::query("DELETE FROM cloudregions WHERE id = $1")
            .bind(id.to_string()).execute(pool).await.map(|r| r.rows_affected())
            .map_err(on_delete("cloud region", id.to_string()))?);
        if done == 0 {
            return Err(StoreError::not_found("cloud region", id));
        }
        Ok(())
    }
}
