//! The kinds the kvm driver serves, each a `Facet` over [`KvmHost`]: the host's fixed
//! topology (one region, one zone, the user-mode network as vpc and network, shapes as
//! skus), then servers and disks (whose host-side code is `server.rs` and `disk.rs`).

use async_trait::async_trait;
use strato_cloud::*;

use crate::provider::KvmDriver;

#[async_trait]
impl Facet<CloudRegion> for KvmDriver {
    async fn list(&self, _region: &str) -> CloudResult<Vec<ExtCloudRegion>> {
        let region = self.host.region_id();
        let capacity = self.call(&region, ApiClass::Describe, "HostCapacity", || async { self.host.capacity() }).await?;
        Ok(vec![self.host.ext_region(&capacity)])
    }
}

#[async_trait]
impl Facet<Zone> for KvmDriver {
    async fn list(&self, region: &str) -> CloudResult<Vec<ExtZone>> {
        self.check_region(region)?;
        Ok(vec![self.host.ext_zone()])
    }
}

#[async_trait]
impl Facet<Sku> for KvmDriver {
    async fn list(&self, region: &str) -> CloudResult<Vec<ExtSku>> {
        self.check_region(region)?;
        let capacity = self.call(region, ApiClass::Describe, "HostCapacity", || async { self.host.capacity() }).await?;
        Ok(self.host.ext_skus(&capacity))
    }
}

#[async_trait]
impl Facet<Vpc> for KvmDriver {
    async fn list(&self, region: &str) -> CloudResult<Vec<ExtVpc>> {
        self.check_region(region)?;
        Ok(vec![self.host.ext_vpc()])
    }
    async fn get(&self, region: &str, id: &str) -> CloudResult<ExtVpc> {
        self.check_region(region)?;
        let vpc = self.host.ext_vpc();
        if id == vpc.base.external_id { Ok(vpc) } else { Err(CloudError::not_found(format!("vpc {id}"))) }
    }
}

#[async_trait]
impl Facet<Network> for KvmDriver {
    async fn list(&self, region: &str) -> CloudResult<Vec<ExtNetwork>> {
        self.check_region(region)?;
        Ok(vec![self.host.ext_network()])
    }
    async fn get(&self, region: &str, id: &str) -> CloudResult<ExtNetwork> {
        self.check_region(region)?;
        let network = self.host.ext_network();
        if id == network.base.external_id { Ok(network) } else { Err(CloudError::not_found(format!("network {id}"))) }
    }
}

#[async_trait]
impl Facet<Server> for KvmDriver {
    async fn list(&self, region: &str) -> CloudResult<Vec<ExtServer>> {
        self.check_region(region)?;
        let servers = self.call(region, ApiClass::Describe, "ListServers", || self.host.list_servers()).await?;
        Ok(servers.into_iter().map(|info| self.ext_server(info)).collect())
    }
    async fn get(&self, region: &str, id: &str) -> CloudResult<ExtServer> {
        self.check_region(region)?;
        let info = self.call(region, ApiClass::Describe, "GetServer", || self.host.get_server(id)).await?;
        Ok(self.ext_server(info))
    }
    fn verbs(&self) -> &'static [&'static str] {
        &["start", "stop", "restart", "delete"]
    }
    async fn act(&self, region: &str, id: &str, verb: &str) -> CloudResult<()> {
        self.check_region(region)?;
        match verb {
            "start" => self.call(region, ApiClass::Mutate, "StartServer", || self.host.start_server(id)).await.map(drop),
            "stop" => self.call(region, ApiClass::Mutate, "StopServer", || self.host.stop_server(id)).await.map(drop),
            "restart" => self.call(region, ApiClass::Mutate, "RestartServer", || self.host.restart_server(id)).await.map(drop),
            "delete" => self.call(region, ApiClass::Mutate, "DeleteServer", || self.host.delete_server(id)).await,
            other => Err(CloudError::not_implemented(format!("server {other}"))),
        }
    }
}

#[async_trait]
impl Facet<Disk> for KvmDriver {
    async fn list(&self, region: &str) -> CloudResult<Vec<ExtDisk>> {
        self.check_region(region)?;
        let disks = self.call(region, ApiClass::Describe, "ListDisks", || self.host.list_disks()).await?;
        Ok(disks.into_iter().map(|info| self.ext_disk(info)).collect())
    }
    async fn get(&self, region: &str, id: &str) -> CloudResult<ExtDisk> {
        self.check_region(region)?;
        let info = self.call(region, ApiClass::Describe, "GetDisk", || self.host.get_disk(id)).await?;
        Ok(self.ext_disk(info))
    }
    fn verbs(&self) -> &'static [&'static str] {
        &["delete"]
    }
    /// Only `delete`: the erased facet refuses verbs not in `verbs()`.
    async fn act(&self, region: &str, id: &str, _verb: &str) -> CloudResult<()> {
        self.check_region(region)?;
        self.call(region, ApiClass::Mutate, "DeleteDisk", || self.host.delete_disk(id)).await
    }
}
