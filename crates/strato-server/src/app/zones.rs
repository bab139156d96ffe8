//! Zones: read-only here (sync fills them); visible like their cloud account.

use strato_store::zones::Zone;
use strato_types::api::{ZoneList, ZoneView};

use super::authz::Principal;
use super::cloudregions::show_visibility;
use super::projects::not_found_as;
use super::App;
use crate::error::ApiResult;
use strato_types::ListRequest;

pub(crate) fn view(zone: Zone, details: bool) -> ZoneView {
    let common = zone.common;
    ZoneView {
        id: zone.id,
        name: zone.name,
        cloudregion_id: zone.cloudregion_id,
        cloudaccount_id: common.cloudaccount_id,
        external_id: common.external_id,
        status: zone.status,
        domain_id: common.domain_id,
        project_id: common.project_id,
        created_at: zone.created_at,
        updated_at: zone.updated_at,
        cloudregion: if details { zone.cloudregion_name } else { None },
        cloudaccount: if details { common.cloudaccount_name } else { None },
        project: if details { common.project_name } else { None },
        domain: if details { common.domain_name } else { None },
    }
}

impl App {
    pub async fn list_zones(&self, principal: &Principal, request: ListRequest) -> ApiResult<ZoneList> {
        let (query, visibility) = self.resolve_list(principal, request)?;
        let page = self.store.zones().list(&query, &visibility).await?;
        let details = query.details;
        Ok(ZoneList {
            zones: page.items.into_iter().map(|z| view(z, details)).collect(),
            total: page.total,
            limit: u64::from(page.limit),
            offset: page.offset,
        })
    }

    pub async fn show_zone(&self, principal: &Principal, key: &str, details: bool) -> ApiResult<ZoneView> {
        let visibility = show_visibility(principal)?;
        let zone = self.store.zones().find(key, &visibility).await.map_err(|e| not_found_as(e, "zone", key))?;
        principal.check_read("zone", key, zone.common.domain_id, zone.common.project_id)?;
        Ok(view(zone, details))
    }
}
