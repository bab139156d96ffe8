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
    /// The cloud's complaint the last time Strato could not use the account, and when.
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
    pub last_connected_at: Option<DateTime<Utc>>,
    pub last_sync_at: Option<DateTime<Utc>>,
    /// How the last sync run ended: succeeded, partial or failed.
    pub last_sync_status: Option<String>,
    /// Seconds between periodic syncs.
    pub sync_interval_secs: u64,
    /// What the provider can do (`servers`, `server_start`, `disk_attach`, ...), recorded at the last contact.
    pub capabilities: Vec<String>,
    pub project_rules: Vec<ProjectRuleView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
}

/// Resources whose cloud tag `tag_key` has `tag_value` (any value when absent) belong to
/// `project` instead of the account's project. The first matching rule wins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectRule {
    pub tag_key: String,
    #[serde(default)]
    pub tag_value: Option<String>,
    /// Project id or name, in the account's domain.
    pub project: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProjectRuleView {
    pub tag_key: String,
    pub tag_value: Option<String>,
    #[schema(value_type = String, format = Uuid)]
    pub project_id: ProjectId,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloudAccountCreate {
    /// 1-128 characters: a letter, then letters, digits, `-`, `_` or `.` (never a UUID).
    #[schema(pattern = "^[A-Za-z][A-Za-z0-9._-]{0,127}$")]
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
    /// Seconds between periodic syncs (60..=86400, default 300).
    #[serde(default)]
    pub sync_interval_secs: Option<u64>,
    #[serde(default)]
    pub project_rules: Option<Vec<ProjectRule>>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloudAccountUpdate {
    #[serde(default)]
    #[schema(pattern = "^[A-Za-z][A-Za-z0-9._-]{0,127}$")]
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
    #[serde(default)]
    pub sync_interval_secs: Option<u64>,
    #[serde(default)]
    pub project_rules: Option<Vec<ProjectRule>>,
}

/// `POST /cloudaccounts/{id}/sync`: what to sync; everything by default.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloudAccountSync {
    /// Rewrite every row even where nothing changed.
    #[serde(default)]
    pub full: bool,
    /// Region external ids (e.g. `us-east-1`); all of the account's when absent.
    #[serde(default)]
    pub regions: Option<Vec<String>>,
    /// Kinds: zone, sku, vpc, network, secgroup, disk, server, elasticsearch; all when absent.
    #[serde(default)]
    pub kinds: Option<Vec<String>>,
}

/// One (region, kind) of one sync run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SyncHistoryView {
    pub run_id: String,
    /// Region external id; empty for the account-wide region listing.
    pub region: String,
    pub kind: String,
    /// succeeded, failed or skipped (unsupported kind, failed dependency, busy lease).
    pub status: String,
    pub added: u64,
    pub updated: u64,
    pub removed: u64,
    pub errors: u64,
    pub duplicates: u64,
    pub cloud_requests: u64,
    pub duration_ms: u64,
    pub error: Option<String>,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
}

/// `GET /cloudaccounts/{id}/sync_history`: newest run first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SyncHistoryList {
    pub sync_history: Vec<SyncHistoryView>,
    pub total: u64,
}

/// One field of a resource changed by a sync or by a user's operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ChangeView {
    pub field: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    /// sync or user
    pub source: String,
    /// The sync run id, or the user who acted.
    pub actor: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// `GET /<plural>/{id}/changes`: oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ChangeList {
    pub changes: Vec<ChangeView>,
    pub total: u64,
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
