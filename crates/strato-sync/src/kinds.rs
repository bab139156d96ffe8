//! What sync needs about kinds beyond their declarations (`strato_cloud::kinds`, which give
//! each kind's table, dependencies, listing and row): the order regional kinds are synced in,
//! and the [`Resolver`] that turns references between kinds into local ids.

use std::collections::HashMap;
use std::sync::OnceLock;

use strato_cloud::kinds::{self, KindScope, Resolve};
use strato_cloud::ResourceKind;
use strato_store::synced::ResourceId;

pub use strato_cloud::kinds::Desired;

/// Kinds synced per region, in dependency order: every declared kind but the account-wide ones.
pub fn region_kinds() -> &'static [ResourceKind] {
    static REGION_KINDS: OnceLock<Vec<ResourceKind>> = OnceLock::new();
    REGION_KINDS.get_or_init(|| kinds::all().iter().map(|k| k.meta()).filter(|m| m.scope == KindScope::Region).map(|m| m.kind).collect())
}

/// Local ids of the kinds already synced in this region, by external id.
#[derive(Debug, Default, Clone)]
pub struct Resolver {
    pub ids: HashMap<ResourceKind, HashMap<String, ResourceId>>,
    /// The account's provider (cloud regions record it).
    pub provider: &'static str,
}

impl Resolver {
    pub fn for_provider(provider: &'static str) -> Self {
        Self { ids: HashMap::new(), provider }
    }
}

impl Resolve for Resolver {
    fn id(&self, kind: ResourceKind, external_id: &str) -> Option<String> {
        // uuid's own encoder, not `Display`: a server resolves half a dozen references, and the
        // formatting machinery was most of mapping one
        let id = self.ids.get(&kind)?.get(external_id)?;
        Some(id.as_uuid().hyphenated().encode_lower(&mut uuid::Uuid::encode_buffer()).to_owned())
    }
    fn provider(&self) -> &str {
        self.provider
    }
}
