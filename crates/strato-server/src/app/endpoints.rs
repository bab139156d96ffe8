//! Which endpoints cloud accounts may use (issue 13): the provider's policy (kvm takes none,
//! aws its public endpoints) plus the operator's `--allowed-endpoint` list. Checked when an
//! account is created or updated, and again before every driver the server builds or reuses
//! (sync, operations), so an account saved before the list changed contacts nothing it no
//! longer may.

use std::sync::Arc;

use async_trait::async_trait;
use strato_cloud::{CloudError, EndpointAllowList, ProviderRegistry};
use strato_store::cloudaccounts::CloudAccount;
use strato_store::Store;
use strato_sync::{ConnectedDriver, DriverSource, RegistryDrivers, SyncError};
use strato_types::Provider;

use super::App;
use crate::error::{ApiError, ApiResult};

/// Registry drivers, built only for accounts whose endpoint is allowed.
pub(crate) struct AllowListedDrivers {
    pub inner: RegistryDrivers,
    pub registry: ProviderRegistry,
    pub allowed: Arc<EndpointAllowList>,
}

#[async_trait]
impl DriverSource for AllowListedDrivers {
    /// Runs before every use of a driver, also one the reconciler kept for the account.
    fn admit(&self, account: &CloudAccount) -> Result<(), SyncError> {
        if let Some(endpoint) = account.endpoint.as_deref().filter(|e| !e.is_empty()) {
            let provider = self.registry.get(account.provider.as_str()).map_err(SyncError::Connect)?;
            if let Err(refused) = self.allowed.check(provider.name(), provider.endpoint_policy(), endpoint) {
                tracing::warn!(cloudaccount = %account.id, %refused, "not contacting the cloud: endpoint not allowed");
                return Err(SyncError::Connect(CloudError::forbidden(refused.to_string())));
            }
        }
        Ok(())
    }

    async fn connect(&self, store: &Store, account: &CloudAccount) -> Result<ConnectedDriver, SyncError> {
        self.admit(account)?;
        self.inner.connect(store, account).await
    }
}

impl App {
    /// 400 unless accounts of `provider` may use `endpoint` on this server.
    pub(super) fn check_endpoint(&self, provider: Provider, endpoint: &str) -> ApiResult<()> {
        let driver_provider = self.providers.get(provider.as_str()).map_err(|e| ApiError::invalid_field("provider", e.message))?;
        self.allowed_endpoints
            .check(provider.as_str(), driver_provider.endpoint_policy(), endpoint)
            .map_err(|refused| ApiError::invalid_field("endpoint", refused.to_string()))
    }
}
