//! Cloud accounts: project-owned; members and admins of the project write, viewers read.
//! Credentials are accepted, handed to the store (which encrypts them) and never returned,
//! logged or echoed in errors.

use strato_store::cloudaccounts::{CloudAccount, CloudAccountUpdate as StoreUpdate, NewCloudAccount};
use strato_store::secrets::SecretString;
use strato_types::api::{CloudAccountCreate, CloudAccountList, CloudAccountUpdate, CloudAccountView, Credentials};
use strato_types::{ProjectId, Provider};

use super::authz::Principal;
use super::projects::not_found_as;
use super::validate;
use super::App;
use crate::error::{ApiError, ApiResult};
use crate::http::query::ListRequest;

const ENDPOINT_MAX: usize = 2048;
const CREDENTIALS_MAX_FIELDS: usize = 32;
const REGIONS_MAX: usize = 512;

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
        created_at: account.created_at,
        updated_at: account.updated_at,
        project: if details { account.project_name } else { None },
        domain: if details { account.domain_name } else { None },
    }
}

/// The credentials document as the store keeps it (JSON text, encrypted there).
fn credentials_document(credentials: &Credentials) -> ApiResult<SecretString> {
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

fn validate_endpoint(endpoint: &str) -> ApiResult<()> {
    let ok = endpoint.len() <= ENDPOINT_MAX
        && (endpoint.starts_with("http://") || endpoint.starts_with("https://"))
        && !endpoint.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid_field("endpoint", "endpoint must be an http:// or https:// URL"))
    }
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

impl App {
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

    async fn find_cloudaccount(&self, principal: &Principal, key: &str) -> ApiResult<CloudAccount> {
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
        let description = input.description.unwrap_or_default();
        validate::description(&description)?;
        if let Some(endpoint) = &input.endpoint {
            validate_endpoint(endpoint)?;
        }
        let regions = input.regions.unwrap_or_default();
        validate_regions(&regions)?;
        if input.credentials.0.is_empty() && !matches!(input.provider, Provider::Kvm | Provider::Fake) {
            return Err(ApiError::invalid_field("credentials", format!("a {} account needs credentials", input.provider)));
        }
        let credentials = credentials_document(&input.credentials)?;
        let account = self
            .store
            .cloudaccounts()
            .create(NewCloudAccount {
                name: input.name,
                provider: input.provider,
                project_id,
                endpoint: input.endpoint.filter(|e| !e.is_empty()),
                regions,
                description,
                credentials,
            })
            .await?;
        tracing::info!(cloudaccount = %account.id, provider = %account.provider, "cloud account created");
        Ok(view(account, false))
    }

    pub async fn update_cloudaccount(&self, principal: &Principal, key: &str, input: CloudAccountUpdate) -> ApiResult<CloudAccountView> {
        let account = self.find_cloudaccount(principal, key).await?;
        principal.check_write("cloud account", key, account.domain_id, account.project_id)?;
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
                validate_endpoint(&e)?;
                Some(Some(e))
            }
            None => None,
        };
        if let Some(regions) = &input.regions {
            validate_regions(regions)?;
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
                },
            )
            .await?;
        Ok(view(updated, false))
    }

    pub async fn delete_cloudaccount(&self, principal: &Principal, key: &str) -> ApiResult<CloudAccountView> {
        let account = self.find_cloudaccount(principal, key).await?;
        principal.check_write("cloud account", key, account.domain_id, account.project_id)?;
        self.store.cloudaccounts().delete(account.id).await?;
        tracing::info!(cloudaccount = %account.id, "cloud account deleted");
        Ok(view(account, false))
    }
}
