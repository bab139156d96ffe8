//! Domains: listed by anyone (only the domains they belong to or administer), changed only by
//! the system admin.

use strato_store::domains::{Domain, DomainUpdate as StoreDomainUpdate, NewDomain};
use strato_types::api::{DomainCreate, DomainList, DomainUpdate, DomainView};
use strato_types::DomainId;

use super::authz::{Principal, Visibility};
use super::validate;
use super::App;
use crate::error::{ApiError, ApiResult};
use strato_types::ListRequest;

pub(crate) fn view(domain: Domain) -> DomainView {
    DomainView {
        id: domain.id,
        name: domain.name,
        description: domain.description,
        enabled: domain.enabled,
        created_at: domain.created_at,
        updated_at: domain.updated_at,
    }
}

impl Principal {
    /// A domain is visible to its members, its admins and the system admin.
    fn can_see_domain(&self, domain: DomainId) -> bool {
        self.system_admin || self.domain_id == domain || self.grants.iter().any(|g| g.domain_id == domain)
    }
}

impl App {
    pub async fn list_domains(&self, principal: &Principal, request: ListRequest) -> ApiResult<DomainList> {
        let (query, visibility) = self.resolve_list(principal, request)?;
        let page = match visibility {
            // Domains have no project: at project scope a caller sees their own domain.
            Visibility::Projects(_) => self.store.domains().list(&query, &Visibility::Domain(principal.domain_id)).await?,
            other => self.store.domains().list(&query, &other).await?,
        };
        Ok(DomainList {
            domains: page.items.into_iter().map(view).collect(),
            total: page.total,
            limit: u64::from(page.limit),
            offset: page.offset,
        })
    }

    pub(crate) async fn find_domain(&self, principal: &Principal, key: &str) -> ApiResult<Domain> {
        let domain = self.store.domains().find(key).await.map_err(|e| match e {
            strato_store::StoreError::NotFound { .. } => ApiError::not_found("domain", key),
            other => other.into(),
        })?;
        if !principal.can_see_domain(domain.id) {
            return Err(ApiError::not_found("domain", key));
        }
        Ok(domain)
    }

    pub async fn show_domain(&self, principal: &Principal, key: &str, _details: bool) -> ApiResult<DomainView> {
        Ok(view(self.find_domain(principal, key).await?))
    }

    fn require_system_admin(principal: &Principal, what: &str) -> ApiResult<()> {
        if principal.system_admin {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!("{what} needs the system admin role")))
        }
    }

    pub async fn create_domain(&self, principal: &Principal, input: DomainCreate) -> ApiResult<DomainView> {
        Self::require_system_admin(principal, "creating a domain")?;
        validate::name("name", &input.name)?;
        let description = input.description.unwrap_or_default();
        validate::description(&description)?;
        let domain = self.store.domains().create(NewDomain { name: input.name, description }).await?;
        let domain = match input.enabled {
            Some(false) => {
                self.store
                    .domains()
                    .update(domain.id, StoreDomainUpdate { enabled: Some(false), ..Default::default() })
                    .await?
            }
            _ => domain,
        };
        Ok(view(domain))
    }

    pub async fn update_domain(&self, principal: &Principal, key: &str, input: DomainUpdate) -> ApiResult<DomainView> {
        let domain = self.find_domain(principal, key).await?;
        Self::require_system_admin(principal, "changing a domain")?;
        if let Some(name) = &input.name {
            validate::name("name", name)?;
        }
        if let Some(description) = &input.description {
            validate::description(description)?;
        }
        // The bootstrap domain holds the system admins: disabled it would lock everyone out, and
        // the server finds it by name at start-up.
        if domain.id == self.system_domain_id() {
            if input.enabled == Some(false) {
                return Err(ApiError::Conflict("the default domain cannot be disabled".into()));
            }
            if input.name.as_ref().is_some_and(|name| name != &domain.name) {
                return Err(ApiError::Conflict("the default domain cannot be renamed".into()));
            }
        }
        let updated = self
            .store
            .domains()
            .update(
                domain.id,
                StoreDomainUpdate { name: input.name, description: input.description, enabled: input.enabled },
            )
            .await?;
        if input.enabled == Some(false) {
            self.tokens.clear();
        }
        Ok(view(updated))
    }

    pub async fn delete_domain(&self, principal: &Principal, key: &str) -> ApiResult<DomainView> {
        let domain = self.find_domain(principal, key).await?;
        Self::require_system_admin(principal, "deleting a domain")?;
        if domain.id == self.system_domain_id() {
            return Err(ApiError::Conflict("the default domain cannot be deleted".into()));
        }
        self.store.domains().delete(domain.id).await?;
        self.tokens.clear();
        Ok(view(domain))
    }
}
