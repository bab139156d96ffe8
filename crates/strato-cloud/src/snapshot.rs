//! What every snapshot of a cloud resource carries (each kind's own snapshot is in its file
//! under `kinds/`). Plain data, no I/O: sync compares snapshots with the store, the CLI prints them.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::status::BillingType;

/// Cloud tags, ordered so snapshots compare and print deterministically.
pub type Tags = BTreeMap<String, String>;

/// How a resource is billed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Billing {
    pub billing_type: BillingType,
    pub expires_at: Option<DateTime<Utc>>,
    pub auto_renew: bool,
}

impl Default for Billing {
    fn default() -> Self {
        Self { billing_type: BillingType::Postpaid, expires_at: None, auto_renew: false }
    }
}

/// Fields every snapshot carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtBase {
    /// The cloud's id, normalised by the driver; unique and stable.
    pub external_id: String,
    pub name: String,
    pub created_at: Option<DateTime<Utc>>,
    pub tags: Tags,
    pub billing: Billing,
    /// The cloud's project/owner id (AWS account id, Aliyun resource group), where there is one.
    pub project_id: Option<String>,
}

impl ExtBase {
    pub fn new(external_id: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            external_id: external_id.into(),
            name: name.into(),
            created_at: None,
            tags: Tags::new(),
            billing: Billing::default(),
            project_id: None,
        }
    }
}

/// Generic access to the common fields, for code that handles every kind alike.
pub trait ExtResource {
    fn base(&self) -> &ExtBase;
    /// Our status, as text (each kind has its own enum).
    fn status_text(&self) -> &'static str;
    fn external_id(&self) -> &str {
        &self.base().external_id
    }
    fn name(&self) -> &str {
        &self.base().name
    }
    fn tags(&self) -> &Tags {
        &self.base().tags
    }
}

/// `ExtResource` for a snapshot with `base` and `status` fields (every kind's).
#[macro_export]
macro_rules! ext_resource {
    ($($ty:ty),+) => {$(
        impl $crate::snapshot::ExtResource for $ty {
            fn base(&self) -> &$crate::snapshot::ExtBase { &self.base }
            fn status_text(&self) -> &'static str { self.status.as_str() }
        }
    )+};
}

