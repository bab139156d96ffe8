//! Disk operations with a body (attach, detach, resize) and create; the state machine is
//! declared with the kind (`strato_cloud::kinds::disk`), delete is a plain action.

use futures::future::BoxFuture;
use strato_cloud::{CloudDriver, DiskStatus, ExtBase, ExtDisk, Preflight, ResourceKind};
use strato_store::synced::operations::is_pending;
use strato_store::synced::query::SyncedRecord;
use strato_sync::{PendingResource, Reconciler};
use strato_tasks::{StepError, TaskKind};
use strato_types::api::{DiskAttach, DiskCreate, DiskResize, TaskView};

use super::{action, declared, Action, ActionArgs, CloudCall, CreateSpec, OpParams};
use crate::app::authz::Principal;
use crate::app::App;
use crate::error::{ApiError, ApiResult};

/// The cloud calls of the disk actions with a body (the state machines are declared with the
/// kind, `strato_cloud::kinds::disk`).
pub(crate) static CALLS: &[(ResourceKind, &str, CloudCall)] = &[
    (ResourceKind::Disk, "attach", |d, p| {
        Box::pin(async move {
            let server = p.server_external_id.as_deref().unwrap_or_default();
            d.attach_disk(&p.region, &p.external_id, server, p.device.as_deref()).await.map(|_| ())
        })
    }),
    (ResourceKind::Disk, "detach", |d, p| {
        Box::pin(async move {
            let server = p.server_external_id.as_deref().unwrap_or_default();
            d.detach_disk(&p.region, &p.external_id, server).await
        })
    }),
    (ResourceKind::Disk, "resize", |d, p| Box::pin(async move { d.resize_disk(&p.region, &p.external_id, p.size_gb.unwrap_or_default()).await })),
];

pub(crate) fn create_kind(create: &'static Action, rec: Reconciler) -> TaskKind<OpParams> {
    super::create_kind(create, action(ResourceKind::Disk, "delete"), "create_disk", make_disk, rec)
}

/// `disk.create`'s cloud call (the task id is the cloud's client token).
fn make_disk<'a>(d: &'a dyn CloudDriver, p: &'a OpParams, token: String) -> BoxFuture<'a, Result<String, StepError>> {
    Box::pin(async move {
        let Some(CreateSpec::Disk(s)) = &p.create else { return Err(StepError::permanent("disk.create without a disk spec")) };
        let input = strato_cloud::DiskCreate { idempotency_token: Some(token), ..s.clone() };
        Ok(d.create_disk(&p.region, &input).await?.base.external_id)
    })
}

impl App {
    /// `POST /disks/{id}/attach`: to a server of the same account and region.
    pub async fn attach_disk(&self, principal: &Principal, key: &str, input: DiskAttach) -> ApiResult<TaskView> {
        let record = self.find_resource(principal, ResourceKind::Disk.meta(), key).await?;
        if let Some(device) = &input.device {
            crate::app::validate::device_name(device)?;
        }
        if record.status == "in_use" {
            let on = self.store.synced().attached_server(record.id).await?.map(|s| s.1).unwrap_or_default();
            return Err(ApiError::Conflict(format!("disk {:?} is attached to server {on}; detach it first", record.name)));
        }
        let region = record.common.cloudregion_id.ok_or_else(|| ApiError::internal("disk without region"))?;
        let visibility = crate::app::cloudregions::show_visibility(principal)?;
        let server = self
            .store
            .synced()
            .find_in_region(ResourceKind::Server.meta(), record.common.cloudaccount_id, region, &input.server, &visibility)
            .await
            .map_err(|_| ApiError::invalid_field("server", format!("no server {:?} in the disk's account and region", input.server)))?;
        principal.check_write("server", &input.server, server.common.domain_id, server.common.project_id)?;
        if is_pending(&server.common.external_id) {
            return Err(ApiError::Conflict(format!("server {:?} does not exist in the cloud yet ({})", server.name, server.status)));
        }
        if record.common.zone_id.is_some() && server.common.zone_id.is_some() && record.common.zone_id != server.common.zone_id {
            return Err(ApiError::invalid_field("server", format!("server {:?} is in another zone than disk {:?}", server.name, record.name)));
        }
        let attach = declared(ResourceKind::Disk, "attach")?;
        if attach.accepts(&record.status) && !is_pending(&record.common.external_id) {
            let (driver, region) = self.driver_and_region(principal, &record).await?;
            let op = Preflight::AttachDisk { disk_id: &record.common.external_id, server_id: &server.common.external_id };
            self.preflight(driver.as_ref(), &region, op).await?;
        }
        let args = ActionArgs { server_external_id: Some(server.common.external_id), device: input.device, ..ActionArgs::default() };
        self.start_action(principal, attach, &record, args).await
    }

    /// `POST /disks/{id}/detach`: from the server it is attached to. A boot disk stays.
    pub async fn detach_disk(&self, principal: &Principal, key: &str) -> ApiResult<TaskView> {
        let record = self.find_resource(principal, ResourceKind::Disk.meta(), key).await?;
        if record.attribute("is_root").and_then(|v| v.render()).as_deref() == Some("true") {
            return Err(ApiError::invalid_field("disk", format!("disk {:?} is a boot disk; it cannot be detached", record.name)));
        }
        let server = self.store.synced().attached_server(record.id).await?;
        let args = ActionArgs { server_external_id: server.map(|s| s.0), ..ActionArgs::default() };
        if args.server_external_id.is_none() && record.status == "in_use" {
            return Err(ApiError::Conflict(format!("disk {:?} is in use but its server is not known yet; sync the account", record.name)));
        }
        let detach = declared(ResourceKind::Disk, "detach")?;
        if let (Some(server), true) = (&args.server_external_id, detach.accepts(&record.status)) {
            let (driver, region) = self.driver_and_region(principal, &record).await?;
            let op = Preflight::DetachDisk { disk_id: &record.common.external_id, server_id: server };
            self.preflight(driver.as_ref(), &region, op).await?;
        }
        self.start_action(principal, detach, &record, args).await
    }

    /// `POST /disks/{id}/resize`: grow only.
    pub async fn resize_disk(&self, principal: &Principal, key: &str, input: DiskResize) -> ApiResult<TaskView> {
        let record = self.find_resource(principal, ResourceKind::Disk.meta(), key).await?;
        let current = record.attribute("size_gb").and_then(|v| v.render()).and_then(|s| s.parse::<u64>().ok()).unwrap_or(0);
        if input.size <= current {
            return Err(ApiError::invalid_field("size", format!("disks only grow: {:?} has {current} GiB, asked for {}", record.name, input.size)));
        }
        const MAX_GB: u64 = 65_536;
        if input.size > MAX_GB {
            return Err(ApiError::invalid_field("size", format!("at most {MAX_GB} GiB")));
        }
        let resize = declared(ResourceKind::Disk, "resize")?;
        if resize.accepts(&record.status) && !is_pending(&record.common.external_id) {
            let (driver, region) = self.driver_and_region(principal, &record).await?;
            let op = Preflight::ResizeDisk { disk_id: &record.common.external_id, size_gb: input.size };
            self.preflight(driver.as_ref(), &region, op).await?;
        }
        let server = self.store.synced().attached_server(record.id).await?;
        let args = ActionArgs { size_gb: Some(input.size), server_external_id: server.map(|s| s.0), ..ActionArgs::default() };
        self.start_action(principal, resize, &record, args).await
    }

    /// `POST /disks`: inserts the disk's row (status creating) and starts `disk.create`.
    pub async fn create_disk(&self, principal: &Principal, input: DiskCreate) -> ApiResult<TaskView> {
        crate::app::validate::name("name", &input.name)?;
        crate::app::validate::tags(&input.tags)?;
        if input.size == 0 || input.size > 65_536 {
            return Err(ApiError::invalid_field("size", "a disk is 1 to 65536 GiB"));
        }
        let target = self.creation_target(principal, &input.cloudaccount, input.region.as_deref(), input.project.as_deref()).await?;
        let visibility = crate::app::cloudregions::show_visibility(principal)?;
        if self.store.synced().find_in_region(ResourceKind::Disk.meta(), target.account.id, target.region.id, &input.name, &visibility).await.is_ok() {
            return Err(ApiError::Conflict(format!("a disk named {:?} already exists in {}", input.name, target.region.common.external_id)));
        }
        let zone = match &input.zone {
            Some(zone) => self.zone_in(principal, &target, zone).await?,
            None => self.only_zone(&target).await?,
        };
        let spec = strato_cloud::DiskCreate {
            name: input.name.clone(),
            zone,
            size_gb: input.size,
            disk_type: input.disk_type.clone(),
            tags: input.tags.clone(),
            idempotency_token: None,
        };
        let region = &target.region.common.external_id;
        let driver = self.account_driver(target.account.id).await?;
        self.preflight(driver.as_ref(), region, Preflight::CreateDisk(&spec)).await?;
        let pending = PendingResource::Disk(ExtDisk {
            base: ExtBase::new(String::new(), spec.name.clone()),
            status: DiskStatus::Creating,
            zone: spec.zone.clone(),
            size_gb: spec.size_gb,
            disk_type: spec.disk_type.clone().unwrap_or_default(),
            server_id: None,
            device: None,
            is_root: false,
        });
        self.start_create(principal, declared(ResourceKind::Disk, "create")?, &target, CreateSpec::Disk(spec), pending).await
    }
}

impl App {
    /// The driver of a synced row's account and the row's region (external id).
    /// Also checks the caller may write the disk: the cloud is asked nothing for a caller who
    /// would get a 403 anyway.
    async fn driver_and_region(&self, principal: &Principal, record: &SyncedRecord) -> ApiResult<(std::sync::Arc<dyn CloudDriver>, String)> {
        principal.check_write("disk", &record.name, record.common.domain_id, record.common.project_id)?;
        let region = record.common.cloudregion_id.ok_or_else(|| ApiError::internal("disk without region"))?;
        let region = self.store.cloudregions().get(region).await?.common.external_id;
        Ok((self.account_driver(record.common.cloudaccount_id).await?, region))
    }

    /// The target region's zone when it has exactly one (a kvm host has one).
    async fn only_zone(&self, target: &super::CreationTarget) -> ApiResult<String> {
        let zones = self.store.synced().scan(ResourceKind::Zone.meta(), target.account.id, Some(target.region.id)).await?;
        match zones.as_slice() {
            [only] => Ok(only.external_id.clone()),
            [] => Err(ApiError::invalid_field("zone", format!("region {} has no zones yet; sync the account", target.region.common.external_id))),
            many => {
                let names: Vec<&str> = many.iter().map(|z| z.name.as_str()).collect();
                Err(ApiError::invalid_field("zone", format!("name a zone: region {} has {}", target.region.common.external_id, names.join(", "))))
            }
        }
    }
}
