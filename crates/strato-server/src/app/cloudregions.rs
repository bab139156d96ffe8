//! Cloud regions: read-only here (sync fills them); visible like their cloud account.

use strato_store::cloudregions::CloudRegion;
use strato_types::api::{CloudRegionList, CloudRegionView};

use super::authz::{Principal, Visibility};
use super::projects::not_found_as;
use super::App;
use crate::error::ApiResult;
use strato_types::ListRequest;

pub(crate) fn view(region: CloudRegion, details: bool) -> CloudRegionView {
    let common = region.common;
    CloudRegionView {
        id: region.id,
        name: region.name,
        cloudaccount_id: common.cloudaccount_id,
        provider: region.provider,
        external_id: common.external_id,
        status: region.status,
        domain_id: common.domain_id,
        project_id: common.project_id,
        created_at: region.created_at,
        updated_at: region.updated_at,
        cloudaccount: if details { common.cloudaccount_name } else { None },
        project: if details { common.project_name } else { None },
        domain: if details { common.domain_name } else { None },
    }
}

/// What a show may find: everything the caller could list at their widest scope.
pub(crate) fn show_visibility(principal: &Principal) -> ApiResult<Visibility> {
    principal.visibility(None)
}

impl App {
    pub async fn list_cloudregions(&self, principal: &Principal, request: ListRequest) -> ApiResult<CloudRegionList> {
        let (query, visibility) = self.resolve_list(principal, request)?;
        let page = self.store.cloudregions().list(&query, &visibility).await?;
        let details = query.details;
        Ok(CloudRegionList {
            cloudregions: page.items.into_iter().map(|r| view(r, details)).collect(),
            total: page.total,
            limit: u64::from(page.limit),
            offset: page.offset,
        })
    }

    pub async fn show_cloudregion(&self, principal: &Principal, key: &str, details: bool) -> ApiResult<CloudRegionView> {
        let visibility = show_visibility(principal)?;
        let region =
            self.store.cloudregions().find(key, &visibility).await.map_err(|e| not_found_as(e, "cloud region", key))?;
        principal.check_read("cloud region", key, region.common.domain_id, region.common.project_id)?;
        Ok(view(region, details))
    }
}
