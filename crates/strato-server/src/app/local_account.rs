//! The embedded default's cloud: on the first start of a fresh store, this host (provider
//! `kvm`) is registered as cloud account `local` of the system project and synced, so a user
//! with no cloud account can run VMs at once. It is done once: an operator who deletes
//! `local` does not get it back on the next start (docs/providers/kvm.md).

use strato_store::cloudaccounts::{NewCloudAccount, DEFAULT_SYNC_INTERVAL_SECS};
use strato_types::api::Credentials;
use strato_types::Provider;

use super::App;

/// The account's name.
pub const LOCAL_ACCOUNT: &str = "local";

impl App {
    /// Registers and syncs `local` when this build has the kvm provider and the host can run
    /// it (qemu installed, a usable data dir); otherwise logs one line saying why not.
    pub async fn register_local_account(&self) {
        if self.providers.get(Provider::Kvm.as_str()).is_err() {
            tracing::info!("no local cloud account: this build has no kvm provider");
            return;
        }
        let capabilities = match self.check_with_cloud(Provider::Kvm, &Credentials::default(), None, &[]).await {
            Ok(capabilities) => capabilities,
            Err(error) => {
                tracing::warn!("no local cloud account: the kvm provider cannot run on this host ({error})");
                return;
            }
        };
        let account = NewCloudAccount {
            name: LOCAL_ACCOUNT.into(),
            provider: Provider::Kvm,
            project_id: self.system_project_id(),
            endpoint: None,
            regions: Vec::new(),
            description: "This host's qemu/KVM virtual machines (registered on the first start)".into(),
            credentials: match super::cloudaccounts::credentials_document(&Credentials::default()) {
                Ok(document) => document,
                Err(error) => {
                    tracing::warn!(%error, "no local cloud account: empty credentials document");
                    return;
                }
            },
            sync_interval_secs: DEFAULT_SYNC_INTERVAL_SECS,
            project_rules: Vec::new(),
            connected: Some(capabilities),
        };
        let account = match self.store.cloudaccounts().create(account).await {
            Ok(account) => account,
            Err(error) => {
                tracing::warn!(%error, "no local cloud account: saving it failed");
                return;
            }
        };
        tracing::info!(cloudaccount = %account.id, "registered cloud account local (this host, provider kvm)");
        let owner = super::tasks::task_owner(account.domain_id, account.project_id, None);
        if let Err(error) = self.enqueue_sync(super::sync::SyncParams::whole(account.id), owner).await {
            tracing::warn!(cloudaccount = %account.id, %error, "enqueueing the first sync of local failed; the scheduler will");
        }
    }
}
