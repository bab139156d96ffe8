//! Synced cloud resources, every kind through one path: list and show with the caller's
//! visibility, and each object's change history. The kind is a `KindDef` from the store;
//! nothing here is per kind.

use strato_store::synced::query::{value_json, SyncedRecord};
use strato_store::synced::{kind_by_plural, KindDef};
use strato_types::api::{ChangeList, ChangeView, ResourceView};
use strato_types::Page;

use super::authz::Principal;
use super::cloudregions::show_visibility;
use super::projects::not_found_as;
use super::App;
use crate::error::{ApiError, ApiResult};
use strato_types::ListRequest;

pub(crate) fn kind(plural: &str) -> ApiResult<&'static KindDef> {
    kind_by_plural(plural).ok_or_else(|| ApiError::NotFound(format!("no resource kind {plural:?}")))
}

pub(crate) fn view(record: SyncedRecord, details: bool) -> ResourceView {
    let c = record.common;
    let mut attributes = serde_json::Map::new();
    for (name, value) in &record.attributes {
        attributes.insert((*name).to_string(), value_json(value));
    }
    for (field, rows) in record.children {
        attributes.insert(field.to_string(), rows);
    }
    let named = |name: Option<String>| if details { name } else { None };
    ResourceView {
        id: record.id.to_string(),
        name: record.name,
        status: record.status,
        external_id: c.external_id,
        cloudaccount_id: c.cloudaccount_id.to_string(),
        cloudregion_id: c.cloudregion_id.map(|r| r.to_string()),
        zone_id: c.zone_id.map(|z| z.to_string()),
        domain_id: c.domain_id.to_string(),
        project_id: c.project_id.to_string(),
        tags: c.tags,
        billing_type: c.billing_type.map(|b| b.as_str().to_string()),
        expires_at: c.expires_at,
        auto_renew: c.auto_renew,
        disable_delete: c.disable_delete,
        created_at: record.created_at,
        updated_at: record.updated_at,
        attributes,
        cloudaccount: named(c.cloudaccount_name),
        cloudregion: named(record.cloudregion_name),
        zone: named(record.zone_name),
        vpc: named(record.vpc_name),
        project: named(c.project_name),
        domain: named(c.domain_name),
    }
}

impl App {
    pub async fn list_resources(&self, principal: &Principal, plural: &str, request: ListRequest) -> ApiResult<Page<ResourceView>> {
        let def = kind(plural)?;
        let (query, visibility) = self.resolve_list(principal, request)?;
        let page = self.store.synced().list(def, &query, &visibility).await?;
        let details = query.details;
        Ok(Page { items: page.items.into_iter().map(|r| view(r, details)).collect(), total: page.total, limit: page.limit, offset: page.offset })
    }

    pub(crate) async fn find_resource(&self, principal: &Principal, def: &'static KindDef, key: &str) -> ApiResult<SyncedRecord> {
        let visibility = show_visibility(principal)?;
        let record = self.store.synced().find(def, key, &visibility).await.map_err(|e| not_found_as(e, def.keyword(), key))?;
        principal.check_read(def.keyword(), key, record.common.domain_id, record.common.project_id)?;
        Ok(record)
    }

    pub async fn show_resource(&self, principal: &Principal, plural: &str, key: &str, details: bool) -> ApiResult<ResourceView> {
        let def = kind(plural)?;
        Ok(view(self.find_resource(principal, def, key).await?, details))
    }

    /// Every field sync or an operation changed on the object, oldest first.
    pub async fn resource_changes(&self, principal: &Principal, plural: &str, key: &str) -> ApiResult<ChangeList> {
        let def = kind(plural)?;
        let record = self.find_resource(principal, def, key).await?;
        let changes = self.store.synced().changes(def.keyword(), record.id).await?;
        let total = changes.len() as u64;
        Ok(ChangeList {
            changes: changes
                .into_iter()
                .map(|c| ChangeView {
                    field: c.field,
                    old_value: c.old_value,
                    new_value: c.new_value,
                    source: c.source.as_str().to_string(),
                    actor: c.actor,
                    created_at: c.created_at,
                })
                .collect(),
            total,
        })
    }
}
