//! Rows for resources Strato is creating: inserted before the cloud has the resource, under a
//! placeholder external id (`pending:<row id>`), in the user's project. Sync leaves such rows
//! alone; the create operation gives the row its real external id and re-reads it.

use strato_cloud::{ExtDisk, ExtServer, ResourceKind};
use strato_store::synced::operations::PENDING_PREFIX;
use strato_store::synced::{Batch, ResourceId, Scope, SyncRow, Value};
use strato_types::{CloudAccountId, ProjectId};

use strato_cloud::kinds::desired;
use strato_cloud::{Disk, Server};

use crate::kinds::{Desired, Resolver};
use crate::{Reconciler, SyncError};

/// The snapshot of a resource about to be created, as the row should show it meanwhile.
#[derive(Debug, Clone)]
pub enum PendingResource {
    Server(ExtServer),
    Disk(ExtDisk),
}

impl PendingResource {
    fn kind(&self) -> ResourceKind {
        match self {
            PendingResource::Server(_) => ResourceKind::Server,
            PendingResource::Disk(_) => ResourceKind::Disk,
        }
    }
    fn desired(&self, cx: &Resolver) -> Desired {
        match self {
            PendingResource::Server(s) => desired::<Server>(s, cx),
            PendingResource::Disk(d) => desired::<Disk>(d, cx),
        }
    }
}

/// The placeholder external id of a create's row (the row's own id: unique, and known
/// before the task is queued).
pub fn pending_external_id(row: ResourceId) -> String {
    format!("{PENDING_PREFIX}{row}")
}

impl Reconciler {
    /// Inserts the row of a resource about to be created, in `project`. Its references
    /// (zone, network, secgroups, ...) resolve against the rows the store holds for the region.
    pub async fn insert_pending(
        &self,
        account: CloudAccountId,
        region: &str,
        project: ProjectId,
        resource: PendingResource,
    ) -> Result<ResourceId, SyncError> {
        let account = self.store.cloudaccounts().get(account).await?;
        let region_row = self.store.cloudregions().get_by_external_id(account.id, region).await?;
        let synced = self.store.synced();
        let kind = resource.kind();
        let mut cx = Resolver::default();
        for dep in kind.meta().depends_on {
            let rows = synced.scan(dep.meta(), account.id, Some(region_row.id)).await?;
            cx.ids.insert(*dep, rows.into_iter().map(|r| (r.external_id, r.id)).collect());
        }
        let desired = resource.desired(&cx);
        let id = ResourceId::new();
        let mut values = Vec::with_capacity(desired.values.len() + 1);
        values.push(Value::text(desired.cloud_name.clone()));
        values.extend(desired.values);
        let row = SyncRow {
            id,
            external_id: pending_external_id(id),
            cloud_name: desired.cloud_name,
            values,
            children: desired.children,
            project_id: None,
        };
        let scope = Scope { cloudaccount_id: account.id, domain_id: account.domain_id, project_id: project, cloudregion_id: Some(region_row.id) };
        synced.apply(kind.meta(), &scope, &Batch { inserts: vec![row], ..Batch::default() }).await?;
        Ok(id)
    }
}
