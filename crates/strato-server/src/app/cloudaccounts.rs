//! Cloud accounts: project-owned; members and admins of the project write, viewers read.
//! This host's account (provider `kvm`) is one, and only the system admin writes it.
//! Credentials are accepted, handed to the store (which encrypts them) and never returned,
//! logged or echoed in errors.

use strato_cloud::{CloudError, CloudErrorKind, DriverConfig, ENDPOINT_UNREACHABLE};
use strato_store::cloudaccounts::{
    CloudAccount, CloudAccountUpdate as StoreUpdate, NewCloudAccount, ProjectRule as StoredRule, DEFAULT_SYNC_INTERVAL_SECS,
};
use strato_store::secrets::SecretString;
use strato_types::api::{
    CloudAccountCreate, CloudAccountList, CloudAccountUpdate, CloudAccountView, Credentials, ProjectRule, ProjectRuleView,
};
use strato_types::{DomainId, ProjectId, Provider};

use super::authz::Principal;
use super::projects::not_found_as;
use super::validate;
use super::App;
use crate::error::{ApiError, ApiResult};
use strato_types::ListRequest;

const CREDENTIALS_MAX_FIELDS: usize = 32;
const REGIONS_MAX: usize = 512;
const SYNC_INTERVAL_SECS: std::ops::RangeInclusive<u64> = 60..=86_400;
const PROJECT_RULES_MAX: usize = 64;

pub(crate) fn view(account: CloudAccount, details: bool) -> CloudAccountView {
    CloudAccountView {
        id: account.id,
        name: account.name,
        provider: account.provider,
        domain_id: account.domain_id,
        project_id: account.project_id,
        endpoint: account.endpoint,
        regions: account.regions,
        enabled: account.enabled,
        status: account.status,
        description: account.description,
        last_error: account.last_error,
        last_error_at: account.last_error_at,
        last_connected_at: account.last_connected_at,
        last_sync_at: account.last_sync_at,
        last_sync_status: account.last_sync_status,
        sync_interval_secs: account.sync_interval_secs,
        capabilities: account.capabilities,
        project_rules: account
            .project_rules
            .into_iter()
            .map(|r| ProjectRuleView { tag_key: r.tag_key, tag_value: r.tag_value, project_id: r.project_id })
            .collect(),
        created_at: account.created_at,
        updated_at: account.updated_at,
        project: if details { account.project_name } else { None },
        domain: if details { account.domain_name } else { None },
    }
}

/// The credentials document as the store keeps it (JSON text, encrypted there).
pub(super) fn credentials_document(credentials: &Credentials) -> ApiResult<SecretString> {
    if credentials.0.len() > CREDENTIALS_MAX_FIELDS {
        return Err(ApiError::invalid_field("credentials", format!("at most {CREDENTIALS_MAX_FIELDS} credential fields")));
    }
    for key in credentials.0.keys() {
        // Only the key names are checked and reported, never the values.
        if key.is_empty() || key.len() > 128 || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            return Err(ApiError::invalid_field("credentials", "credential field names must be 1-128 letters, digits, '_' or '-'"));
        }
    }
    let text = serde_json::to_string(&credentials.0).map_err(|_| ApiError::internal("encoding credentials failed"))?;
    Ok(SecretString::new(text))
}

fn validate_regions(regions: &[String]) -> ApiResult<()> {
    if regions.len() > REGIONS_MAX {
        return Err(ApiError::invalid_field("regions", format!("at most {REGIONS_MAX} regions")));
    }
    for region in regions {
        let ok = !region.is_empty()
            && region.len() <= 128
            && region.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !ok {
            return Err(ApiError::invalid_field("regions", format!("invalid region name {:?}", region.chars().take(64).collect::<String>())));
        }
    }
    Ok(())
}

fn validate_sync_interval(secs: u64) -> ApiResult<()> {
    if SYNC_INTERVAL_SECS.contains(&secs) {
        Ok(())
    } else {
        Err(ApiError::invalid_field(
            "sync_interval_secs",
            format!("sync_interval_secs must be {}..={} seconds", SYNC_INTERVAL_SECS.start(), SYNC_INTERVAL_SECS.end()),
        ))
    }
}

/// A cloud's refusal of the credentials or the endpoint, as the user sees it: what the cloud
/// said, never what was sent. Anything but a refusal reads the same whether the endpoint's
/// port was closed, open but not a cloud, slow or unresolvable (no port probing through
/// this answer); the detail goes to the server log.
fn rejected(error: &CloudError) -> ApiError {
    let what = match error.kind {
        CloudErrorKind::Unauthorized => "the cloud rejected the credentials",
        CloudErrorKind::Forbidden => "the credentials may not list regions",
        CloudErrorKind::InvalidInput if !error.is_unreachable() => "the cloud account settings are not valid",
        _ => {
            tracing::warn!(%error, "checking a cloud account: the cloud endpoint could not be reached");
            return ApiError::invalid_field("endpoint", ENDPOINT_UNREACHABLE);
        }
    };
    ApiError::invalid_field("credentials", format!("{what}: {error}"))
}

/// This host (provider `kvm`) is one account, the system admin's: it holds every VM and disk
/// of the host, whichever project made them.
fn check_host_admin(principal: &Principal, provider: Provider) -> ApiResult<()> {
    if provider == Provider::Kvm && !principal.system_admin {
        return Err(ApiError::forbidden("only the system admin can register or change this host's cloud account (provider kvm)"));
    }
    Ok(())
}

impl App {
    /// Connects a driver with these settings and lists regions: proves the credentials work.
    /// Answers the provider's capabilities.
    pub(super) async fn check_with_cloud(
        &self,
        provider: Provider,
        credentials: &Credentials,
        endpoint: Option<&str>,
        regions: &[String],
    ) -> ApiResult<Vec<String>> {
        let driver_provider = self.providers.get(provider.as_str()).map_err(|e| ApiError::invalid_field("provider", e.message))?;
        // Also for a stored endpoint (new credentials on an account saved before the allow-list
        // changed): nothing is contacted that this server does not allow.
        if let Some(endpoint) = endpoint.filter(|e| !e.is_empty()) {
            self.check_endpoint(provider, endpoint)?;
        }
        let mut creds = strato_cloud::Credentials::new();
        for (k, v) in &credentials.0 {
            creds.set(k.clone(), v.clone());
        }
        let mut config = DriverConfig::new(format!("validate-{}", uuid::Uuid::new_v4().simple()), creds, self.requests.clone());
        config.endpoint = endpoint.map(str::to_string);
        config.default_region = regions.first().cloned();
        let driver = driver_provider.connect(config).await.map_err(|e| rejected(&e))?;
        let listed = strato_cloud::facet::<strato_cloud::CloudRegion>(driver.as_ref()).map_err(|e| rejected(&e))?.list("").await.map_err(|e| rejected(&e))?;
        if let Some(missing) = regions.iter().find(|r| !listed.iter().any(|l| &l.base.external_id == *r)) {
            return Err(ApiError::invalid_field("regions", format!("the cloud has no region {missing:?}")));
        }
        Ok(strato_cloud::kinds::capability_names(driver.as_ref()))
    }

    /// Project rules as stored: every project named must exist in the account's domain and
    /// be writable by the caller.
    async fn resolve_rules(&self, principal: &Principal, domain: DomainId, rules: &[ProjectRule]) -> ApiResult<Vec<StoredRule>> {
        if rules.len() > PROJECT_RULES_MAX {
            return Err(ApiError::invalid_field("project_rules", format!("at most {PROJECT_RULES_MAX} rules")));
        }
        let mut out = Vec::with_capacity(rules.len());
        for rule in rules {
            if rule.tag_key.is_empty() || rule.tag_key.len() > 128 {
                return Err(ApiError::invalid_field("project_rules", "tag_key must be 1-128 characters"));
            }
            let project = self.find_project(principal, None, &rule.project).await?;
            if project.domain_id != domain {
                return Err(ApiError::invalid_field("project_rules", format!("project {:?} is not in the account's domain", rule.project)));
            }
            principal.check_write("project", &rule.project, project.domain_id, project.id)?;
            out.push(StoredRule { tag_key: rule.tag_key.clone(), tag_value: rule.tag_value.clone(), project_id: project.id });
        }
        Ok(out)
    }

    pub async fn list_cloudaccounts(&self, principal: &Principal, request: ListRequest) -> ApiResult<CloudAccountList> {
        let (query, visibility) = self.resolve_list(principal, request)?;
        let page = self.store.cloudaccounts().list(&query, &visibility).await?;
        let details = query.details;
        Ok(CloudAccountList {
            cloudaccounts: page.items.into_iter().map(|a| view(a, details)).collect(),
            total: page.total,
            limit: u64::from(page.limit),
            offset: page.offset,
        })
    }

    pub(crate) async fn find_cloudaccount(&self, principal: &Principal, key: &str) -> ApiResult<CloudAccount> {
        let account = self
            .store
            .cloudaccounts()
            .find(principal.domain_id, key)
            .await
            .map_err(|e| not_found_as(e, "cloud account", key))?;
        principal.check_read("cloud account", key, account.domain_id, account.project_id)?;
        Ok(account)
    }

    pub async fn show_cloudaccount(&self, principal: &Principal, key: &str, details: bool) -> ApiResult<CloudAccountView> {
        Ok(view(self.find_cloudaccount(principal, key).await?, details))
    }

    /// The project a new object goes to: the one named, else the caller's only project, else
    /// `system` for the system admin.
    async fn target_project(&self, principal: &Principal, key: Option<&str>) -> ApiResult<(strato_types::DomainId, ProjectId)> {
        if let Some(key) = key {
            let project = self.find_project(principal, None, key).await?;
            return Ok((project.domain_id, project.id));
        }
        let projects = principal.projects();
        if projects.len() == 1 {
            let project = self.store.projects().get(projects[0]).await?;
            return Ok((project.domain_id, project.id));
        }
        if principal.system_admin {
            return Ok((self.system_domain_id(), self.system_project_id()));
        }
        Err(ApiError::invalid_field("project", "name the project (you belong to more than one, or to none)"))
    }

    pub async fn create_cloudaccount(&self, principal: &Principal, input: CloudAccountCreate) -> ApiResult<CloudAccountView> {
        validate::name("name", &input.name)?;
        let (domain_id, project_id) = self.target_project(principal, input.project.as_deref()).await?;
        principal.check_write("project", input.project.as_deref().unwrap_or(""), domain_id, project_id)?;
        check_host_admin(principal, input.provider)?;
        if input.provider == Provider::Kvm {
            // Checked here for a clear answer; the store's unique index settles two at once.
            if let Some(existing) = self.store.cloudaccounts().host_account().await? {
                return Err(strato_store::cloudaccounts::host_taken(&existing).into());
            }
        }
        let description = input.description.unwrap_or_default();
        validate::description(&description)?;
        if let Some(endpoint) = &input.endpoint {
            self.check_endpoint(input.provider, endpoint)?;
        }
        let regions = input.regions.unwrap_or_default();
        validate_regions(&regions)?;
        if input.credentials.0.is_empty() && !matches!(input.provider, Provider::Kvm | Provider::Fake) {
            return Err(ApiError::invalid_field("credentials", format!("a {} account needs credentials", input.provider)));
        }
        let sync_interval_secs = input.sync_interval_secs.unwrap_or(DEFAULT_SYNC_INTERVAL_SECS);
        validate_sync_interval(sync_interval_secs)?;
        let project_rules = self.resolve_rules(principal, domain_id, input.project_rules.as_deref().unwrap_or_default()).await?;
        let endpoint = input.endpoint.filter(|e| !e.is_empty());
        // Nothing is saved unless the cloud accepts the credentials.
        let capabilities = self.check_with_cloud(input.provider, &input.credentials, endpoint.as_deref(), &regions).await?;
        let credentials = credentials_document(&input.credentials)?;
        let account = self
            .store
            .cloudaccounts()
            .create(NewCloudAccount {
                name: input.name,
                provider: input.provider,
                project_id,
                endpoint,
                regions,
                description,
                credentials,
                sync_interval_secs,
                project_rules,
                connected: Some(capabilities),
            })
            .await?;
        tracing::info!(cloudaccount = %account.id, provider = %account.provider, "cloud account created");
        // The first sync starts at once, as Cloudpods does after adding an account.
        let owner = super::tasks::task_owner(account.domain_id, account.project_id, Some(principal));
        if let Err(error) = self.enqueue_sync(super::sync::SyncParams::whole(account.id), owner).await {
            tracing::warn!(cloudaccount = %account.id, %error, "enqueueing the first sync failed; the scheduler will");
        }
        Ok(view(self.store.cloudaccounts().get(account.id).await?, false))
    }

    pub async fn update_cloudaccount(&self, principal: &Principal, key: &str, input: CloudAccountUpdate) -> ApiResult<CloudAccountView> {
        let account = self.find_cloudaccount(principal, key).await?;
        principal.check_write("cloud account", key, account.domain_id, account.project_id)?;
        check_host_admin(principal, account.provider)?;
        if let Some(name) = &input.name {
            validate::name("name", name)?;
        }
        if let Some(description) = &input.description {
            validate::description(description)?;
        }
        // An empty endpoint clears it.
        let endpoint = match input.endpoint {
            Some(e) if e.is_empty() => Some(None),
            Some(e) => {
                self.check_endpoint(account.provider, &e)?;
                Some(Some(e))
            }
            None => None,
        };
        if let Some(regions) = &input.regions {
            validate_regions(regions)?;
        }
        if let Some(secs) = input.sync_interval_secs {
            validate_sync_interval(secs)?;
        }
        let project_rules = match &input.project_rules {
            Some(rules) => Some(self.resolve_rules(principal, account.domain_id, rules).await?),
            None => None,
        };
        // New credentials or a new endpoint are checked with the cloud before they are saved.
        let mut contact = None;
        if input.credentials.is_some() || matches!(endpoint, Some(Some(_))) {
            let stored_credentials;
            let credentials = match &input.credentials {
                Some(c) => c,
                None => {
                    let text = self.store.cloudaccounts().credentials(account.id).await?;
                    let map = serde_json::from_str(text.expose()).map_err(|_| ApiError::internal("stored credentials are not a JSON object"))?;
                    stored_credentials = Credentials(map);
                    &stored_credentials
                }
            };
            let endpoint_now = match &endpoint {
                Some(e) => e.clone(),
                None => account.endpoint.clone(),
            };
            let regions_now = input.regions.clone().unwrap_or_else(|| account.regions.clone());
            contact = Some(self.check_with_cloud(account.provider, credentials, endpoint_now.as_deref(), &regions_now).await?);
        }
        let credentials = input.credentials.as_ref().map(credentials_document).transpose()?;
        let updated = self
            .store
            .cloudaccounts()
            .update(
                account.id,
                StoreUpdate {
                    name: input.name,
                    description: input.description,
                    endpoint,
                    enabled: input.enabled,
                    regions: input.regions,
                    status: None,
                    credentials,
                    sync_interval_secs: input.sync_interval_secs,
                    project_rules,
                },
            )
            .await?;
        if let Some(capabilities) = contact {
            self.store.cloudaccounts().record_contact(account.id, Ok(&capabilities)).await?;
            return Ok(view(self.store.cloudaccounts().get(account.id).await?, false));
        }
        Ok(view(updated, false))
    }

    /// `enable` / `disable`: a disabled account is not synced and takes no operations.
    pub async fn set_cloudaccount_enabled(&self, principal: &Principal, key: &str, enabled: bool) -> ApiResult<CloudAccountView> {
        self.update_cloudaccount(principal, key, CloudAccountUpdate { enabled: Some(enabled), ..CloudAccountUpdate::default() }).await
    }

    pub async fn delete_cloudaccount(&self, principal: &Principal, key: &str) -> ApiResult<CloudAccountView> {
        let account = self.find_cloudaccount(principal, key).await?;
        principal.check_write("cloud account", key, account.domain_id, account.project_id)?;
        check_host_admin(principal, account.provider)?;
        self.store.cloudaccounts().delete(account.id).await?;
        tracing::info!(cloudaccount = %account.id, "cloud account deleted");
        Ok(view(account, false))
    }
}
