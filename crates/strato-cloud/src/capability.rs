//! What a driver can do besides the kinds it serves (those are its facets, see `kinds`):
//! the operations that take a body, whose routes and commands are written out.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    ServerCreate,
    ServerChangeConfig,
    DiskCreate,
    DiskAttach,
    DiskResize,
    /// Set tags on resources.
    Tags,
}

impl Capability {
    pub const ALL: &'static [Capability] =
        &[Self::ServerCreate, Self::ServerChangeConfig, Self::DiskCreate, Self::DiskAttach, Self::DiskResize, Self::Tags];

    /// As the API lists an account's capabilities.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ServerCreate => "server_create",
            Self::ServerChangeConfig => "server_change_config",
            Self::DiskCreate => "disk_create",
            Self::DiskAttach => "disk_attach",
            Self::DiskResize => "disk_resize",
            Self::Tags => "tags",
        }
    }
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
