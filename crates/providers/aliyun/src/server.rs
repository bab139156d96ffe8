//! Servers (ECS instances).

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use base64::Engine;
use serde_json::Value;
use strato_cloud::*;

use crate::client::{array, billing_type, input_error, number, opt_text, param, tag_params, tags, text, time, Paging, Params, Product};
use crate::{gone, json_ids, AliyunDriver};

/// Expiry Aliyun shows for pay-as-you-go resources (they do not expire).
const NEVER: &str = "2099";

fn status(s: &str) -> ServerStatus {
    match s {
        "Pending" => ServerStatus::Pending,
        "Starting" => ServerStatus::Starting,
        "Running" => ServerStatus::Running,
        "Stopping" => ServerStatus::Stopping,
        "Stopped" => ServerStatus::Stopped,
        _ => ServerStatus::Unknown,
    }
}

/// Billing of an instance or disk: charge type, expiry (prepaid only) and auto-renewal.
pub(crate) fn billing(v: &Value, charge_field: &str, auto_renew: bool) -> Billing {
    let billing_type = billing_type(text(v, charge_field));
    let expires_at = if billing_type == BillingType::Prepaid && !text(v, "/ExpiredTime").starts_with(NEVER) { time(v, "/ExpiredTime") } else { None };
    Billing { billing_type, expires_at, auto_renew: billing_type == BillingType::Prepaid && auto_renew }
}

fn strings(v: &Value, pointer: &str) -> Vec<String> {
    array(v, pointer).iter().filter_map(|s| s.as_str()).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

fn ext(i: &Value, disks: &[AttachedDisk], auto_renew: bool) -> Option<ExtServer> {
    let id = opt_text(i, "/InstanceId")?;
    let mut base = ExtBase::new(id.clone(), opt_text(i, "/InstanceName").unwrap_or_else(|| id.clone()));
    base.tags = tags(i, "/Tags");
    base.created_at = time(i, "/CreationTime");
    base.billing = billing(i, "/InstanceChargeType", auto_renew);
    base.project_id = opt_text(i, "/ResourceGroupId");
    let status = status(text(i, "/Status"));
    let mut public_ips = strings(i, "/PublicIpAddress/IpAddress");
    public_ips.extend(opt_text(i, "/EipAddress/IpAddress"));
    Some(ExtServer {
        base,
        status,
        power_state: match status {
            ServerStatus::Running => PowerState::On,
            ServerStatus::Stopped => PowerState::Off,
            _ => PowerState::Unknown,
        },
        zone: text(i, "/ZoneId").to_string(),
        instance_type: text(i, "/InstanceType").to_string(),
        cpu: number(i, "/Cpu").map(|n| n.max(0.0) as u32),
        // Memory is in MiB.
        memory_mb: number(i, "/Memory").map(|n| n.max(0.0) as u64),
        image_id: opt_text(i, "/ImageId"),
        vpc_id: opt_text(i, "/VpcAttributes/VpcId"),
        network_id: opt_text(i, "/VpcAttributes/VSwitchId"),
        private_ips: strings(i, "/VpcAttributes/PrivateIpAddress/IpAddress"),
        public_ips,
        disks: disks.to_vec(),
        secgroup_ids: strings(i, "/SecurityGroupIds/SecurityGroupId"),
        keypair: opt_text(i, "/KeyPairName"),
    })
}

impl AliyunDriver {
    /// Servers of the region, or the one with `id`, with their disks and auto-renewal.
    pub(crate) async fn servers(&self, region: &str, id: Option<&str>) -> CloudResult<Vec<ExtServer>> {
        let mut params = vec![param("RegionId", region)];
        params.extend(id.map(|id| param("InstanceIds", json_ids(&[id]))));
        let found = self.c.rpc_list(region, Product::Ecs, "DescribeInstances", &params, Paging::Token { max: 100 }, "/Instances/Instance").await?;
        if found.is_empty() {
            return Ok(Vec::new());
        }
        // DescribeInstances names no disks: one disk listing (of the instance, or the region).
        let mut disks: HashMap<String, Vec<AttachedDisk>> = HashMap::new();
        for d in self.disks(region, None, id).await? {
            if let (Some(server), Some(device)) = (d.server_id, d.device) {
                disks.entry(server).or_default().push(AttachedDisk { disk_id: d.base.external_id, device });
            }
        }
        let prepaid: Vec<&str> = found.iter().filter(|i| billing_type(text(i, "/InstanceChargeType")) == BillingType::Prepaid).map(|i| text(i, "/InstanceId")).collect();
        let renewing = self.auto_renewing(region, &prepaid).await?;
        Ok(found
            .iter()
            .filter_map(|i| {
                let iid = text(i, "/InstanceId");
                let mut attached = disks.remove(iid).unwrap_or_default();
                attached.sort_by(|a, b| a.device.cmp(&b.device));
                ext(i, &attached, renewing.contains(iid))
            })
            .collect())
    }

    /// The prepaid instances among `ids` that renew themselves (DescribeInstances does not say).
    async fn auto_renewing(&self, region: &str, ids: &[&str]) -> CloudResult<HashSet<String>> {
        let mut out = HashSet::new();
        for chunk in ids.chunks(100) {
            let answer = self
                .c
                .rpc(region, ApiClass::Describe, Product::Ecs, "DescribeInstanceAutoRenewAttribute", &[param("RegionId", region), param("InstanceId", chunk.join(","))])
                .await?;
            for r in array(&answer, "/InstanceRenewAttributes/InstanceRenewAttribute") {
                if r.get("AutoRenewEnabled").and_then(Value::as_bool) == Some(true) {
                    out.insert(text(&r, "/InstanceId").to_string());
                }
            }
        }
        Ok(out)
    }

    /// The VSwitch and security groups a create lands in: the input's, or else the zone's
    /// first VSwitch and a security group of its VPC (Aliyun requires both).
    pub(crate) async fn placement(&self, region: &str, input: &ServerCreate) -> CloudResult<(ExtNetwork, Vec<String>)> {
        let vswitch = match &input.network_id {
            Some(id) => self.networks(region, Some(id), None).await?.pop().ok_or_else(|| CloudError::invalid_input(format!("network '{id}' not found")))?,
            None => self.networks(region, None, input.zone.as_deref()).await?.into_iter().next().ok_or_else(|| {
                CloudError::invalid_input(format!("no VSwitch in {}: name a network", input.zone.as_deref().unwrap_or(region)))
            })?,
        };
        if let Some(zone) = &input.zone {
            if &vswitch.zone != zone {
                return Err(CloudError::invalid_input(format!("network '{}' is in zone {}, not {zone}", vswitch.base.external_id, vswitch.zone)));
            }
        }
        let groups = if input.secgroup_ids.is_empty() {
            let in_vpc = self
                .c
                .rpc(region, ApiClass::Describe, Product::Ecs, "DescribeSecurityGroups", &[param("RegionId", region), param("VpcId", &vswitch.vpc_id), param("MaxResults", 1)])
                .await?;
            let first = opt_text(&array(&in_vpc, "/SecurityGroups/SecurityGroup").first().cloned().unwrap_or_default(), "/SecurityGroupId");
            vec![first.ok_or_else(|| CloudError::invalid_input(format!("no security group in VPC {}: name one", vswitch.vpc_id)))?]
        } else {
            input.secgroup_ids.clone()
        };
        Ok((vswitch, groups))
    }

    pub(crate) async fn server_create(&self, region: &str, input: &ServerCreate) -> CloudResult<ExtServer> {
        if input.image_id.is_empty() || input.instance_type.is_empty() {
            return Err(CloudError::invalid_input("server create needs an image and an instance type"));
        }
        let (vswitch, groups) = self.placement(region, input).await?;
        let mut params: Params = vec![
            param("RegionId", region),
            param("ImageId", &input.image_id),
            param("InstanceType", &input.instance_type),
            param("VSwitchId", &vswitch.base.external_id),
            param("ZoneId", &vswitch.zone),
            param("SecurityGroupId", &groups[0]),
            param("InstanceChargeType", "PostPaid"),
            param("Amount", 1),
        ];
        if !input.name.is_empty() {
            params.push(param("InstanceName", &input.name));
        }
        if let Some(size) = input.root_disk_gb {
            params.push(param("SystemDisk.Size", size));
        }
        for (i, size) in input.data_disks_gb.iter().enumerate() {
            params.push(param(&format!("DataDisk.{}.Size", i + 1), size));
            params.push(param(&format!("DataDisk.{}.DeleteWithInstance", i + 1), true));
        }
        if let Some(user_data) = &input.user_data {
            params.push(param("UserData", base64::engine::general_purpose::STANDARD.encode(user_data)));
        }
        params.extend(input.keypair.as_ref().map(|k| param("KeyPairName", k)));
        // Same token, same instance: Aliyun answers a repeated RunInstances with the first's ids.
        params.extend(input.idempotency_token.as_ref().map(|t| param("ClientToken", t)));
        params.extend(tag_params(&input.tags));
        let out = self.c.rpc(region, ApiClass::Mutate, Product::Ecs, "RunInstances", &params).await.map_err(input_error)?;
        let id = array(&out, "/InstanceIdSets/InstanceIdSet").first().and_then(Value::as_str).map(str::to_string);
        let id = id.ok_or_else(|| CloudError::other("RunInstances returned no instance id"))?;
        self.servers(region, Some(&id)).await?.pop().ok_or_else(|| CloudError::other(format!("instance {id} made by RunInstances is not listed")))
    }

    async fn server_call(&self, region: &str, action: &str, id: &str, extra: &[(String, String)]) -> CloudResult<()> {
        let mut params = vec![param("InstanceId", id)];
        params.extend_from_slice(extra);
        self.c.rpc(region, ApiClass::Mutate, Product::Ecs, action, &params).await.map(|_| ())
    }

    pub(crate) async fn server_change_config(&self, region: &str, id: &str, instance_type: &str) -> CloudResult<()> {
        self.server_call(region, "ModifyInstanceSpec", id, &[param("InstanceType", instance_type)]).await
    }
}

#[async_trait]
impl Facet<strato_cloud::Server> for AliyunDriver {
    async fn list(&self, region: &str) -> CloudResult<Vec<ExtServer>> {
        self.servers(region, None).await
    }
    async fn get(&self, region: &str, id: &str) -> CloudResult<ExtServer> {
        self.servers(region, Some(id)).await?.pop().ok_or_else(|| gone("server", id))
    }
    fn verbs(&self) -> &'static [&'static str] {
        &["start", "stop", "restart", "delete"]
    }
    async fn act(&self, region: &str, id: &str, verb: &str) -> CloudResult<()> {
        match verb {
            "start" => self.server_call(region, "StartInstance", id, &[]).await,
            "stop" => self.server_call(region, "StopInstance", id, &[]).await,
            "restart" => self.server_call(region, "RebootInstance", id, &[]).await,
            // Force: a running instance is stopped and released at once, as delete means elsewhere.
            "delete" => self.server_call(region, "DeleteInstance", id, &[param("Force", true)]).await,
            other => Err(CloudError::not_implemented(format!("server {other}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prepaid_instances_carry_expiry_and_renewal_postpaid_ones_neither() {
        let prepaid = serde_json::json!({"InstanceId": "i-1", "InstanceChargeType": "PrePaid", "ExpiredTime": "2027-01-31T16:00Z", "Status": "Stopped",
            "Cpu": 2, "Memory": 4096, "Tags": {"Tag": [{"TagKey": "env", "TagValue": "prod"}]}});
        let s = ext(&prepaid, &[], true).expect("snapshot");
        assert_eq!(s.base.billing.billing_type, BillingType::Prepaid);
        assert_eq!(s.base.billing.expires_at.map(|t| t.to_rfc3339()), Some("2027-01-31T16:00:00+00:00".into()));
        assert!(s.base.billing.auto_renew);
        assert_eq!((s.status, s.power_state, s.cpu, s.memory_mb), (ServerStatus::Stopped, PowerState::Off, Some(2), Some(4096)));
        assert_eq!(s.base.name, "i-1", "an unnamed instance is named by its id");
        let postpaid = serde_json::json!({"InstanceId": "i-2", "InstanceChargeType": "PostPaid", "ExpiredTime": "2099-12-31T15:59Z"});
        assert_eq!(ext(&postpaid, &[], true).expect("snapshot").base.billing, Billing::default());
    }
}
