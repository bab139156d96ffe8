//! What a provider can do; callers check before offering an operation.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    /// List/get regions and zones.
    Regions,
    Vpcs,
    Networks,
    Secgroups,
    Skus,
    /// List/get servers.
    Servers,
    /// Create, start, stop, restart, delete servers.
    ServerLifecycle,
    ServerChangeConfig,
    /// List/get disks.
    Disks,
    /// Create and delete disks.
    DiskLifecycle,
    DiskAttach,
    DiskResize,
    /// List/get elasticsearch domains.
    Elasticsearch,
    ElasticsearchDelete,
    /// Set tags on resources.
    Tags,
}

impl Capability {
    pub const ALL: &'static [Capability] = &[
        Self::Regions,
        Self::Vpcs,
        Self::Networks,
        Self::Secgroups,
        Self::Skus,
        Self::Servers,
        Self::ServerLifecycle,
        Self::ServerChangeConfig,
        Self::Disks,
        Self::DiskLifecycle,
        Self::DiskAttach,
        Self::DiskResize,
        Self::Elasticsearch,
        Self::ElasticsearchDelete,
        Self::Tags,
    ];
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapabilitySet(BTreeSet<Capability>);

impl CapabilitySet {
    pub fn all() -> Self {
        Self(Capability::ALL.iter().copied().collect())
    }
    pub fn has(&self, c: Capability) -> bool {
        self.0.contains(&c)
    }
    pub fn iter(&self) -> impl Iterator<Item = Capability> + '_ {
        self.0.iter().copied()
    }
}

impl FromIterator<Capability> for CapabilitySet {
    fn from_iter<I: IntoIterator<Item = Capability>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}
