//! Servers (EC2 instances).

use aws_sdk_ec2::types::{BlockDeviceMapping, EbsBlockDevice, Instance, InstanceStateName, InstanceType, Placement, ResourceType, TagSpecification};
use base64::Engine;
use async_trait::async_trait;
use strato_cloud::*;

use crate::client::{ec2_tag_list, ec2_tags, filter, input_error, to_chrono, TOKEN_TAG};
use crate::{gone, AwsDriver};

/// Instance states we list; terminated instances are gone (AWS keeps them visible for an hour).
const LIVE_STATES: &[&str] = &["pending", "running", "shutting-down", "stopping", "stopped"];

fn status(state: Option<&InstanceStateName>) -> ServerStatus {
    match state {
        Some(InstanceStateName::Pending) => ServerStatus::Pending,
        Some(InstanceStateName::Running) => ServerStatus::Running,
        Some(InstanceStateName::ShuttingDown) => ServerStatus::Deleting,
        Some(InstanceStateName::Terminated) => ServerStatus::Deleted,
        Some(InstanceStateName::Stopping) => ServerStatus::Stopping,
        Some(InstanceStateName::Stopped) => ServerStatus::Stopped,
        _ => ServerStatus::Unknown,
    }
}

pub(crate) fn ext(i: &Instance, owner: Option<&str>, sizes: &std::collections::HashMap<String, (u32, u64)>) -> Option<ExtServer> {
    let id = i.instance_id()?;
    let (name, tags) = ec2_tags(i.tags());
    let mut base = ExtBase::new(id, name.unwrap_or_else(|| id.to_string()));
    base.tags = tags;
    base.created_at = to_chrono(i.launch_time());
    base.project_id = owner.map(str::to_string);
    if i.instance_lifecycle().map(|l| l.as_str()) == Some("spot") {
        base.billing.billing_type = BillingType::Spot;
    }
    let status = status(i.state().and_then(|s| s.name()));
    let instance_type = i.instance_type().map(|t| t.as_str().to_string()).unwrap_or_default();
    let size = sizes.get(&instance_type).copied();
    let cpu = size.map(|s| s.0).or_else(|| {
        let o = i.cpu_options()?;
        Some((o.core_count()? * o.threads_per_core().unwrap_or(1)).max(0) as u32)
    });
    Some(ExtServer {
        base,
        status,
        power_state: match status {
            ServerStatus::Running => PowerState::On,
            ServerStatus::Stopped | ServerStatus::Deleted => PowerState::Off,
            _ => PowerState::Unknown,
        },
        zone: i.placement().and_then(|p| p.availability_zone()).unwrap_or_default().to_string(),
        instance_type,
        cpu,
        memory_mb: size.map(|s| s.1),
        image_id: i.image_id().map(str::to_string),
        vpc_id: i.vpc_id().map(str::to_string),
        network_id: i.subnet_id().map(str::to_string),
        private_ips: i.private_ip_address().map(str::to_string).into_iter().collect(),
        public_ips: i.public_ip_address().map(str::to_string).into_iter().collect(),
        disks: i
            .block_device_mappings()
            .iter()
            .filter_map(|m| Some(AttachedDisk { disk_id: m.ebs()?.volume_id()?.to_string(), device: m.device_name()?.to_string() }))
            .collect(),
        secgroup_ids: i.security_groups().iter().filter_map(|g| g.group_id().map(str::to_string)).collect(),
        keypair: i.key_name().map(str::to_string),
    })
}

impl AwsDriver {
    /// Live servers of the region, or the one with `id` (not_found when terminated).
    pub(crate) async fn servers(&self, region: &str, id: Option<&str>) -> CloudResult<Vec<ExtServer>> {
        let ec2 = self.c.ec2(region);
        // Each instance with the owner of its reservation (the instance does not carry it).
        let found: Vec<(Instance, Option<String>)> = self
            .c
            .list_pages(
                region,
                ApiClass::Describe,
                "DescribeInstances",
                |token| {
                    let req = ec2.describe_instances().set_next_token(token);
                    match id {
                        Some(id) => req.instance_ids(id),
                        None => req.max_results(self.c.page_size).filters(filter("instance-state-name", LIVE_STATES)),
                    }
                    .send()
                },
                |out| {
                    let instances = out.reservations().iter().flat_map(|r| r.instances().iter().map(|i| (i.clone(), r.owner_id().map(str::to_string))));
                    (instances.collect(), out.next_token())
                },
            )
            .await?;
        let types: Vec<String> = found.iter().filter_map(|(i, _)| i.instance_type().map(|t| t.as_str().to_string())).collect();
        let sizes = self.type_sizes(region, &types).await?;
        let all: Vec<ExtServer> = found
            .iter()
            .filter_map(|(i, owner)| ext(i, owner.as_deref(), &sizes))
            .filter(|s| s.status != ServerStatus::Deleted)
            .collect();
        Ok(all)
    }

    /// The root device name of an image (data disk names must not collide with it).
    async fn root_device(&self, region: &str, image_id: &str) -> CloudResult<String> {
        let ec2 = self.c.ec2(region);
        let out = self.c.call(region, ApiClass::Describe, "DescribeImages", || ec2.describe_images().image_ids(image_id).send()).await?;
        let image = out.images().first().ok_or_else(|| CloudError::invalid_input(format!("image '{image_id}' not found")).with_code("InvalidAMIID.NotFound"))?;
        Ok(image.root_device_name().unwrap_or("/dev/xvda").to_string())
    }

    pub(crate) async fn server_create(&self, region: &str, input: &ServerCreate) -> CloudResult<ExtServer> {
        if input.image_id.is_empty() || input.instance_type.is_empty() {
            return Err(CloudError::invalid_input("server create needs an image and an instance type"));
        }
        if let Some(token) = &input.idempotency_token {
            if let Some(existing) = self.server_by_token(region, token).await? {
                return Ok(existing);
            }
        }
        let root = self.root_device(region, &input.image_id).await.map_err(input_error)?;
        let mut mappings = Vec::new();
        if let Some(size) = input.root_disk_gb {
            mappings.push(
                BlockDeviceMapping::builder()
                    .device_name(&root)
                    .ebs(EbsBlockDevice::builder().volume_size(size as i32).delete_on_termination(true).build())
                    .build(),
            );
        }
        for (i, size) in input.data_disks_gb.iter().enumerate() {
            let device = format!("/dev/sd{}", char::from(b'f' + (i as u8).min(10)));
            mappings.push(
                BlockDeviceMapping::builder()
                    .device_name(device)
                    .ebs(EbsBlockDevice::builder().volume_size(*size as i32).delete_on_termination(true).build())
                    .build(),
            );
        }
        let mut tags = ec2_tag_list(Some(&input.name), &input.tags);
        if let Some(token) = &input.idempotency_token {
            tags.push(aws_sdk_ec2::types::Tag::builder().key(TOKEN_TAG).value(token).build());
        }
        let tag_specs = if tags.is_empty() {
            None
        } else {
            Some(vec![
                TagSpecification::builder().resource_type(ResourceType::Instance).set_tags(Some(tags.clone())).build(),
                TagSpecification::builder().resource_type(ResourceType::Volume).set_tags(Some(tags)).build(),
            ])
        };
        let user_data = input.user_data.as_ref().map(|u| base64::engine::general_purpose::STANDARD.encode(u));
        let placement = input.zone.as_ref().map(|z| Placement::builder().availability_zone(z).build());
        let ec2 = self.c.ec2(region);
        let out = self
            .c
            .call(region, ApiClass::Mutate, "RunInstances", || {
                ec2.run_instances()
                    .image_id(&input.image_id)
                    .instance_type(InstanceType::from(input.instance_type.as_str()))
                    .min_count(1)
                    .max_count(1)
                    .set_subnet_id(input.network_id.clone())
                    .set_security_group_ids(if input.secgroup_ids.is_empty() { None } else { Some(input.secgroup_ids.clone()) })
                    .set_key_name(input.keypair.clone())
                    .set_user_data(user_data.clone())
                    .set_placement(placement.clone())
                    .set_block_device_mappings(if mappings.is_empty() { None } else { Some(mappings.clone()) })
                    .set_tag_specifications(tag_specs.clone())
                    // Same token, same instance: a retried call never makes a second server.
                    .set_client_token(input.idempotency_token.clone())
                    .send()
            })
            .await
            .map_err(input_error)?;
        let instance = out.instances().first().ok_or_else(|| CloudError::other("RunInstances returned no instance"))?;
        let sizes = self.type_sizes(region, std::slice::from_ref(&input.instance_type)).await?;
        ext(instance, out.owner_id(), &sizes).ok_or_else(|| CloudError::other("RunInstances returned an instance without id"))
    }

    /// A live server created with `token`. AWS honours ClientToken itself; emulators do not,
    /// so the token is also a tag we look up before creating.
    async fn server_by_token(&self, region: &str, token: &str) -> CloudResult<Option<ExtServer>> {
        let ec2 = self.c.ec2(region);
        let tag = format!("tag:{TOKEN_TAG}");
        let out = self
            .c
            .call(region, ApiClass::Describe, "DescribeInstances", || {
                ec2.describe_instances().filters(filter(&tag, &[token])).filters(filter("instance-state-name", LIVE_STATES)).send()
            })
            .await?;
        let found = out.reservations().iter().find_map(|r| r.instances().first().map(|i| (i.clone(), r.owner_id().map(str::to_string))));
        let Some((instance, owner)) = found else { return Ok(None) };
        let types: Vec<String> = instance.instance_type().map(|t| t.as_str().to_string()).into_iter().collect();
        let sizes = self.type_sizes(region, &types).await?;
        Ok(ext(&instance, owner.as_deref(), &sizes))
    }

    pub(crate) async fn server_start(&self, region: &str, id: &str) -> CloudResult<()> {
        let ec2 = self.c.ec2(region);
        self.c.call(region, ApiClass::Mutate, "StartInstances", || ec2.start_instances().instance_ids(id).send()).await.map(|_| ())
    }

    pub(crate) async fn server_stop(&self, region: &str, id: &str) -> CloudResult<()> {
        let ec2 = self.c.ec2(region);
        self.c.call(region, ApiClass::Mutate, "StopInstances", || ec2.stop_instances().instance_ids(id).send()).await.map(|_| ())
    }

    pub(crate) async fn server_restart(&self, region: &str, id: &str) -> CloudResult<()> {
        let ec2 = self.c.ec2(region);
        self.c.call(region, ApiClass::Mutate, "RebootInstances", || ec2.reboot_instances().instance_ids(id).send()).await.map(|_| ())
    }

    /// Terminate; an instance that was already terminated is reported as not_found.
    pub(crate) async fn server_delete(&self, region: &str, id: &str) -> CloudResult<()> {
        let ec2 = self.c.ec2(region);
        let out = self.c.call(region, ApiClass::Mutate, "TerminateInstances", || ec2.terminate_instances().instance_ids(id).send()).await?;
        let was_gone = out
            .terminating_instances()
            .iter()
            .any(|c| c.previous_state().and_then(|s| s.name()) == Some(&InstanceStateName::Terminated));
        if was_gone {
            return Err(gone("server", id));
        }
        Ok(())
    }

    pub(crate) async fn server_change_config(&self, region: &str, id: &str, instance_type: &str) -> CloudResult<()> {
        let ec2 = self.c.ec2(region);
        let value = aws_sdk_ec2::types::AttributeValue::builder().value(instance_type).build();
        self.c
            .call(region, ApiClass::Mutate, "ModifyInstanceAttribute", || ec2.modify_instance_attribute().instance_id(id).instance_type(value.clone()).send())
            .await
            .map(|_| ())
    }
}

#[async_trait]
impl Facet<strato_cloud::Server> for AwsDriver {
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
            "start" => self.server_start(region, id).await,
            "stop" => self.server_stop(region, id).await,
            "restart" => self.server_restart(region, id).await,
            "delete" => self.server_delete(region, id).await,
            other => Err(CloudError::not_implemented(format!("server {other}"))),
        }
    }
}
