//! Server operations with a body (change config) and create; the state machine is declared
//! with the kind (`strato_cloud::kinds::server`), the plain actions need nothing here.

use futures::future::BoxFuture;
use strato_cloud::{CloudDriver, ExtBase, ExtServer, PowerState, Preflight, ResourceKind, ServerStatus};
use strato_store::synced::operations::is_pending;
use strato_sync::{PendingResource, Reconciler};
use strato_tasks::{StepError, TaskKind};
use strato_types::api::{ServerChangeConfig, ServerCreate, TaskView};

use super::preflight::Shape;
use super::{action, declared, Action, ActionArgs, CloudCall, CreateSpec, OpParams};
use crate::app::authz::Principal;
use crate::app::App;
use crate::error::{ApiError, ApiResult};

/// The cloud calls of the server actions with a body (the state machines are declared with the
/// kind, `strato_cloud::kinds::server`).
pub(crate) static CALLS: &[(ResourceKind, &str, CloudCall)] = &[(ResourceKind::Server, "change_config", |d, p| {
    Box::pin(async move {
        let instance_type = p.instance_type.as_deref().unwrap_or_default();
        d.change_server_config(&p.region, &p.external_id, instance_type).await
    })
})];

pub(crate) fn create_kind(create: &'static Action, rec: Reconciler) -> TaskKind<OpParams> {
    super::create_kind(create, action(ResourceKind::Server, "delete"), "create_server", make_server, rec)
}

/// `server.create`'s cloud call (the task id is the cloud's client token).
fn make_server<'a>(d: &'a dyn CloudDriver, p: &'a OpParams, token: String) -> BoxFuture<'a, Result<String, StepError>> {
    Box::pin(async move {
        let Some(CreateSpec::Server(s)) = &p.create else { return Err(StepError::permanent("server.create without a server spec")) };
        let input = strato_cloud::ServerCreate { idempotency_token: Some(token), ..s.clone() };
        Ok(d.create_server(&p.region, &input).await?.base.external_id)
    })
}

/// The snapshot a pending server row shows until the cloud has it.
fn pending_server(s: &strato_cloud::ServerCreate) -> ExtServer {
    ExtServer {
        base: ExtBase::new(String::new(), s.name.clone()),
        status: ServerStatus::Creating,
        power_state: PowerState::Off,
        zone: s.zone.clone().unwrap_or_default(),
        instance_type: s.instance_type.clone(),
        cpu: None,
        memory_mb: None,
        image_id: Some(s.image_id.clone()),
        vpc_id: None,
        network_id: s.network_id.clone(),
        private_ips: vec![],
        public_ips: vec![],
        disks: vec![],
        secgroup_ids: s.secgroup_ids.clone(),
        keypair: s.keypair.clone(),
    }
}

impl App {
    /// `POST /servers/{id}/change_config`: a new instance type or shape (the server must be
    /// stopped); the cloud is asked first, so what it would refuse is a 4xx at once.
    pub async fn change_server_config(&self, principal: &Principal, key: &str, input: ServerChangeConfig) -> ApiResult<TaskView> {
        let record = self.find_resource(principal, ResourceKind::Server.meta(), key).await?;
        principal.check_write("server", key, record.common.domain_id, record.common.project_id)?;
        let region = record.common.cloudregion_id.ok_or_else(|| ApiError::internal("server without region"))?;
        let region_external = self.store.cloudregions().get(region).await?.common.external_id;
        let driver = self.account_driver(record.common.cloudaccount_id).await?;
        let shape = Shape { vcpus: input.vcpus, memory_mb: input.memory_mb };
        let (sku, named) = self.instance_type_of(driver.as_ref(), &region_external, &input.sku, shape).await?;
        if record.attribute("instance_type").and_then(|v| v.render()).as_deref() == Some(sku.as_str()) {
            return Err(ApiError::invalid_field("sku", format!("server {:?} already is {sku}", record.name)));
        }
        if !named {
            self.known_sku(principal, record.common.cloudaccount_id, region, &sku).await?;
        }
        let change_config = declared(ResourceKind::Server, "change_config")?;
        if change_config.accepts(&record.status) && !is_pending(&record.common.external_id) {
            let op = Preflight::ChangeServerConfig { server_id: &record.common.external_id, instance_type: &sku };
            self.preflight(driver.as_ref(), &region_external, op).await?;
        }
        let args = ActionArgs { instance_type: Some(sku), ..ActionArgs::default() };
        self.start_action(principal, change_config, &record, args).await
    }

    /// When the region's instance types are synced, `sku` must be one of them (400 otherwise).
    async fn known_sku(
        &self,
        principal: &Principal,
        account: strato_types::CloudAccountId,
        region: strato_types::CloudRegionId,
        sku: &str,
    ) -> ApiResult<()> {
        let visibility = crate::app::cloudregions::show_visibility(principal)?;
        let synced = self.store.synced();
        if synced.find_in_region(ResourceKind::Sku.meta(), account, region, sku, &visibility).await.is_ok() {
            return Ok(());
        }
        let any = synced.scan(ResourceKind::Sku.meta(), account, Some(region)).await?;
        if any.is_empty() {
            return Ok(()); // catalogue not synced: the cloud decides
        }
        Err(ApiError::invalid_field("sku", format!("no instance type {sku:?} in this region")))
    }

    /// `POST /servers`: inserts the server's row (status creating) in the chosen project and
    /// starts `server.create`.
    pub async fn create_server(&self, principal: &Principal, input: ServerCreate) -> ApiResult<TaskView> {
        crate::app::validate::name("name", &input.name)?;
        crate::app::validate::tags(&input.tags)?;
        let target = self.creation_target(principal, &input.cloudaccount, input.region.as_deref(), input.project.as_deref()).await?;
        let synced = self.store.synced();
        let visibility = crate::app::cloudregions::show_visibility(principal)?;
        if synced.find_in_region(ResourceKind::Server.meta(), target.account.id, target.region.id, &input.name, &visibility).await.is_ok() {
            return Err(ApiError::Conflict(format!("a server named {:?} already exists in {}", input.name, target.region.common.external_id)));
        }
        if input.root_disk_size == Some(0) || input.data_disk_sizes.contains(&0) {
            return Err(ApiError::invalid_field("disk size", "disk sizes are at least 1 GiB"));
        }
        let region = target.region.common.external_id.clone();
        let driver = self.account_driver(target.account.id).await?;
        let shape = Shape { vcpus: input.vcpus, memory_mb: input.memory_mb };
        let (sku, named) = self.instance_type_of(driver.as_ref(), &region, &input.sku, shape).await?;
        if !named {
            self.known_sku(principal, target.account.id, target.region.id, &sku).await?;
        }
        let image = self.image_of(driver.as_ref(), &region, &input.image).await?;
        let zone = match &input.zone {
            Some(z) => Some(self.zone_in(principal, &target, z).await?),
            None => None,
        };
        let network_id = match &input.network {
            Some(n) => Some(
                synced
                    .find_in_region(ResourceKind::Network.meta(), target.account.id, target.region.id, n, &visibility)
                    .await
                    .map_err(|_| ApiError::invalid_field("network", format!("no network {n:?} in this account and region")))?
                    .common
                    .external_id,
            ),
            None => None,
        };
        let mut secgroup_ids = Vec::new();
        for sg in &input.secgroups {
            let found = synced
                .find_in_region(ResourceKind::Secgroup.meta(), target.account.id, target.region.id, sg, &visibility)
                .await
                .map_err(|_| ApiError::invalid_field("secgroups", format!("no security group {sg:?} in this account and region")))?;
            secgroup_ids.push(found.common.external_id);
        }
        let spec = strato_cloud::ServerCreate {
            name: input.name.clone(),
            instance_type: sku,
            image_id: image,
            zone,
            network_id,
            secgroup_ids,
            root_disk_gb: input.root_disk_size,
            data_disks_gb: input.data_disk_sizes.clone(),
            user_data: input.user_data.clone(),
            keypair: input.keypair.clone(),
            tags: input.tags.clone(),
            idempotency_token: None,
        };
        // The cloud's objections (too big for the host, no such image, no room) come now, as
        // a 4xx, before a row or a task exists.
        self.preflight(driver.as_ref(), &region, Preflight::CreateServer(&spec)).await?;
        let pending = PendingResource::Server(pending_server(&spec));
        self.start_create(principal, declared(ResourceKind::Server, "create")?, &target, CreateSpec::Server(spec), pending).await
    }
}
