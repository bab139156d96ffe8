//! The provider registry: provider name -> how to build its driver. Providers are registered
//! explicitly, in one list (see `strato_cli::cloudcli::provider_registry`), never discovered.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;

use crate::credentials::{CredentialField, Credentials};
use crate::driver::CloudDriver;
use crate::endpoint::EndpointPolicy;
use crate::error::{CloudError, CloudResult};
use crate::request::{ProviderLimits, RequestLayer};

/// What a driver needs to talk to one account.
#[derive(Debug, Clone)]
pub struct DriverConfig {
    /// Name used in request-layer keys and logs (cloud account id or name); not a secret.
    pub account: String,
    pub credentials: Credentials,
    /// Override of the provider's API endpoint (emulators, private endpoints).
    pub endpoint: Option<String>,
    /// Region used for account-wide calls (e.g. region listing).
    pub default_region: Option<String>,
    /// Page size for list calls; the provider's maximum when `None`. Tests set it small.
    pub page_size: Option<u32>,
    pub requests: Arc<RequestLayer>,
}

impl DriverConfig {
    pub fn new(account: impl Into<String>, credentials: Credentials, requests: Arc<RequestLayer>) -> Self {
        Self { account: account.into(), credentials, endpoint: None, default_region: None, page_size: None, requests }
    }
}

/// One provider: its name, what it can do, and how to connect a driver.
#[async_trait]
pub trait Provider: Send + Sync {
    fn name(&self) -> &'static str;
    /// Credential fields the provider reads, in the order to ask for them.
    fn credential_fields(&self) -> &'static [CredentialField];
    /// Rate limits from the cloud's published figures.
    fn limits(&self) -> ProviderLimits;
    /// Environment variables the cloud's own tools read the region from, in order.
    fn region_env(&self) -> &'static [&'static str] {
        &[]
    }
    /// What endpoint an account may name; none unless the provider says otherwise.
    fn endpoint_policy(&self) -> EndpointPolicy {
        EndpointPolicy::None
    }
    /// Check the credentials' shape (not their validity) and build a driver. Errors name the
    /// bad field, never its value.
    async fn connect(&self, config: DriverConfig) -> CloudResult<Arc<dyn CloudDriver>>;
}

#[derive(Default, Clone)]
pub struct ProviderRegistry {
    providers: BTreeMap<&'static str, Arc<dyn Provider>>,
}

impl std::fmt::Debug for ProviderRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

impl ProviderRegistry {
    pub fn new() -> Self {
        Self::default()
    }

    /// Register a provider; a second provider under the same name is a programming error
    /// reported as `conflict`.
    pub fn register(&mut self, provider: Arc<dyn Provider>) -> CloudResult<()> {
        let name = provider.name();
        if self.providers.contains_key(name) {
            return Err(CloudError::conflict(format!("provider '{name}' registered twice")));
        }
        self.providers.insert(name, provider);
        Ok(())
    }

    pub fn get(&self, name: &str) -> CloudResult<Arc<dyn Provider>> {
        self.providers.get(name).cloned().ok_or_else(|| {
            CloudError::invalid_input(format!("unknown provider '{name}' (known: {})", self.names().collect::<Vec<_>>().join(", ")))
        })
    }

    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.providers.keys().copied()
    }
}
