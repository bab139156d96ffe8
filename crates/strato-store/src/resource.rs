//! Columns every synced cloud resource shares (DESIGN.md "Store"), and their row decoding.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use strato_types::{BillingType, CloudAccountId, CloudRegionId, DomainId, ProjectId, ZoneId};

use crate::db::{from_micros, parse_enum, parse_id};
use crate::error::{StoreError, StoreResult};
use crate::list::{field, lookup, Field, FieldType as T};

/// Ownership and cloud-side attributes shared by regions, zones and later kinds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudResourceCommon {
    pub domain_id: DomainId,
    pub project_id: ProjectId,
    pub cloudaccount_id: CloudAccountId,
    pub cloudregion_id: Option<CloudRegionId>,
    pub zone_id: Option<ZoneId>,
    pub external_id: String,
    pub tags: BTreeMap<String, String>,
    pub billing_type: Option<BillingType>,
    pub expires_at: Option<DateTime<Utc>>,
    pub auto_renew: bool,
    pub disable_delete: bool,
    /// Filled by `get`, and by `list` with `details`.
    pub domain_name: Option<String>,
    pub project_name: Option<String>,
    pub cloudaccount_name: Option<String>,
}

/// The cloud-side attributes a sync writes (ownership comes from the cloud account).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CloudAttrs {
    pub tags: BTreeMap<String, String>,
    pub billing_type: Option<BillingType>,
    pub expires_at: Option<DateTime<Utc>>,
    pub auto_renew: bool,
    pub disable_delete: bool,
}

#[derive(sqlx::FromRow)]
pub(crate) struct CommonRow {
    domain_id: String,
    project_id: String,
    cloudaccount_id: String,
    cloudregion_id: Option<String>,
    zone_id: Option<String>,
    external_id: String,
    tags: String,
    billing_type: Option<String>,
    expires_at: Option<i64>,
    auto_renew: bool,
    disable_delete: bool,
    #[sqlx(default)]
    domain_name: Option<String>,
    #[sqlx(default)]
    project_name: Option<String>,
    #[sqlx(default)]
    cloudaccount_name: Option<String>,
}

impl CommonRow {
    pub(crate) fn into_common(self) -> StoreResult<CloudResourceCommon> {
        Ok(CloudResourceCommon {
            domain_id: parse_id(&self.domain_id, "domain_id")?,
            project_id: parse_id(&self.project_id, "project_id")?,
            cloudaccount_id: parse_id(&self.cloudaccount_id, "cloudaccount_id")?,
            cloudregion_id: self.cloudregion_id.as_deref().map(|v| parse_id(v, "cloudregion_id")).transpose()?,
            zone_id: self.zone_id.as_deref().map(|v| parse_id(v, "zone_id")).transpose()?,
            external_id: self.external_id,
            tags: serde_json::from_str(&self.tags).map_err(|_| StoreError::Config("corrupt tags in the database".into()))?,
            billing_type: self.billing_type.as_deref().map(|v| parse_enum(v, "billing_type")).transpose()?,
            expires_at: self.expires_at.map(from_micros),
            auto_renew: self.auto_renew,
            disable_delete: self.disable_delete,
            domain_name: self.domain_name,
            project_name: self.project_name,
            cloudaccount_name: self.cloudaccount_name,
        })
    }
}

pub(crate) fn tags_json(tags: &BTreeMap<String, String>) -> StoreResult<String> {
    serde_json::to_string(tags).map_err(|e| StoreError::invalid("tags", e.to_string()))
}

pub(crate) const COMMON_DETAILS: &str = ", d.name AS domain_name, p.name AS project_name, a.name AS cloudaccount_name";
pub(crate) const COMMON_JOINS: &str = "LEFT JOIN domains d ON d.id = t.domain_id LEFT JOIN projects p ON p.id = t.project_id \
     LEFT JOIN cloudaccounts a ON a.id = t.cloudaccount_id ";

/// Filterable / orderable shared fields.
pub(crate) const COMMON_FIELDS: [Field; 13] = [
    field("domain_id", "t.domain_id", T::Id),
    field("project_id", "t.project_id", T::Id),
    field("cloudaccount_id", "t.cloudaccount_id", T::Id),
    field("cloudregion_id", "t.cloudregion_id", T::Id),
    field("zone_id", "t.zone_id", T::Id),
    field("external_id", "t.external_id", T::Text),
    field("billing_type", "t.billing_type", T::Enum(BillingType::EXPECTED)),
    field("expires_at", "t.expires_at", T::Timestamp),
    field("auto_renew", "t.auto_renew", T::Bool),
    field("disable_delete", "t.disable_delete", T::Bool),
    lookup("domain", "(SELECT name FROM domains x WHERE x.id = t.domain_id)"),
    lookup("project", "(SELECT name FROM projects x WHERE x.id = t.project_id)"),
    lookup("cloudaccount", "(SELECT name FROM cloudaccounts x WHERE x.id = t.cloudaccount_id)"),
];
