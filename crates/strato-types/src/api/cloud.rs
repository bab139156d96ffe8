//! Cloud accounts, and the regions and zones synced from them.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::enums::{CloudAccountStatus, Provider, RegionStatus};
use crate::ids::{CloudAccountId, CloudRegionId, DomainId, ProjectId, ZoneId};

/// Cloud credentials as received (e.g. `access_key_id`, `secret_access_key`). Accepted on
/// create/update, stored encrypted, never returned and never printed.
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = Object)]
pub struct Credentials(pub BTreeMap<String, String>);

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CloudAccountView {
    #[schema(value_type = String, format = Uuid)]
    pub id: CloudAccountId,
    pub name: String,
    pub provider: Provider,
    #[schema(value_type = String, format = Uuid)]
    pub domain_id: DomainId,
    #[schema(value_type = String, format = Uuid)]
    pub project_id: ProjectId,
    pub endpoint: Option<String>,
    pub regions: Vec<String>,
    pub enabled: bool,
    pub status: CloudAccountStatus,
    pub description: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloudAccountCreate {
    pub name: String,
    pub provider: Provider,
    /// Project id or name; default: the caller's only project, else `system` for the system admin.
    #[serde(default)]
    pub project: Option<String>,
    /// Required for public clouds (aws, aliyun, qingcloud); may be omitted for kvm and fake.
    #[serde(default)]
    pub credentials: Credentials,
    #[serde(default)]
    pub endpoint: Option<String>,
    #[serde(default)]
    pub regions: Option<Vec<String>>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloudAccountUpdate {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub endpoint: Option<String>,
    #[serde(default)]
    pub enabled: Option<bool>,
    #[serde(default)]
    pub regions: Option<Vec<String>>,
    #[serde(default)]
    pub credentials: Option<Credentials>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CloudRegionView {
    #[schema(value_type = String, format = Uuid)]
    pub id: CloudRegionId,
    pub name: String,
    #[schema(value_type = String, format = Uuid)]
    pub cloudaccount_id: CloudAccountId,
    pub provider: Provider,
    pub external_id: String,
    pub status: RegionStatus,
    #[schema(value_type = String, format = Uuid)]
    pub domain_id: DomainId,
    #[schema(value_type = String, format = Uuid)]
    pub project_id: ProjectId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloudaccount: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ZoneView {
    #[schema(value_type = String, format = Uuid)]
    pub id: ZoneId,
    pub name: String,
    #[schema(value_type = String, format = Uuid)]
    pub cloudregion_id: CloudRegionId,
    #[schema(value_type = String, format = Uuid)]
    pub cloudaccount_id: CloudAccountId,
    pub external_id: String,
    pub status: RegionStatus,
    #[schema(value_type = String, format = Uuid)]
    pub domain_id: DomainId,
    #[schema(value_type = String, format = Uuid)]
    pub project_id: ProjectId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloudregion: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloudaccount: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
}
