//! Synced cloud resources (vpcs, networks, secgroups, skus, disks, servers, elasticsearches):
//! one view shape for every kind. The common columns are typed here; each kind's own fields
//! (a server's `cpu`, `memory_mb`, `disks`, ...) follow them in the same object. This type's
//! schema documents the common columns only: the server documents each kind's view
//! (`ServerView`, ...) as these plus the kind's own fields, which only the store declares.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ResourceView {
    #[schema(format = Uuid)]
    pub id: String,
    pub name: String,
    pub status: String,
    /// The cloud's id of the resource.
    pub external_id: String,
    #[schema(format = Uuid)]
    pub cloudaccount_id: String,
    #[schema(format = Uuid)]
    pub cloudregion_id: Option<String>,
    #[schema(format = Uuid)]
    pub zone_id: Option<String>,
    #[schema(format = Uuid)]
    pub domain_id: String,
    #[schema(format = Uuid)]
    pub project_id: String,
    pub tags: BTreeMap<String, String>,
    #[schema(value_type = Option<crate::BillingType>)]
    pub billing_type: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub auto_renew: bool,
    pub disable_delete: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The kind's own fields, and its child rows as arrays (a server's `disks`, `secgroups`).
    #[serde(flatten)]
    #[schema(ignore)]
    pub attributes: serde_json::Map<String, serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloudaccount: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloudregion: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
}
