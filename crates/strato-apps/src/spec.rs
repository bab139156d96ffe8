//! The cluster spec: what `cluster.yaml.tmpl` renders to. Roles with their node count, instance
//! shape, image, volumes, user-data, environment, service commands and ordering.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use strato_types::text_enum;

use crate::error::PackageError;

/// The file name errors in the rendered template carry: line numbers are the rendered text's.
pub const RENDERED_FILE: &str = "cluster.yaml.tmpl (rendered)";

/// A rendered, validated cluster spec.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterSpec {
    pub roles: Vec<RoleSpec>,
}

/// One role: `count` identical nodes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleSpec {
    pub name: String,
    pub count: u32,
    /// An instance type of the runtime's cloud; or give `cpu` and `memory_mb`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_mb: Option<u32>,
    pub image: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume: Option<VolumeSpec>,
    /// Passed to the node at boot (cloud-init user-data on AWS, fw_cfg on kvm).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_data: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
    #[serde(default)]
    pub services: ServiceCommands,
    /// Roles whose service commands run before this role's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after: Vec<String>,
    /// Changes to running nodes of this role happen one node at a time.
    #[serde(default)]
    pub rolling: bool,
}

/// Data volumes of each node of a role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VolumeSpec {
    pub size_gb: u32,
    #[serde(default = "one")]
    pub count: u32,
}

fn one() -> u32 {
    1
}

/// Shell commands run on each node of a role at points of its life; each is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceCommands {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_in: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_out: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upgrade: Option<String>,
}

text_enum!(
    /// Which of a role's service commands.
    ServiceCommand, "service command", {
        Init = "init",
        Start = "start",
        Stop = "stop",
        ScaleIn = "scale_in",
        ScaleOut = "scale_out",
        Upgrade = "upgrade",
    }
);

impl ServiceCommands {
    pub fn get(&self, command: ServiceCommand) -> Option<&str> {
        match command {
            ServiceCommand::Init => self.init.as_deref(),
            ServiceCommand::Start => self.start.as_deref(),
            ServiceCommand::Stop => self.stop.as_deref(),
            ServiceCommand::ScaleIn => self.scale_in.as_deref(),
            ServiceCommand::ScaleOut => self.scale_out.as_deref(),
            ServiceCommand::Upgrade => self.upgrade.as_deref(),
        }
    }
}

/// What an instance is made of: a cloud's instance type, or a number of vCPUs and memory.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstanceShape {
    Sku(String),
    Custom { cpu: u32, memory_mb: u32 },
}

impl RoleSpec {
    /// The role's instance shape; `None` only for a spec that has not passed the checks.
    pub fn shape(&self) -> Option<InstanceShape> {
        match (&self.sku, self.cpu, self.memory_mb) {
            (Some(sku), None, None) => Some(InstanceShape::Sku(sku.clone())),
            (None, Some(cpu), Some(memory_mb)) => Some(InstanceShape::Custom { cpu, memory_mb }),
            _ => None,
        }
    }

    pub fn command(&self, command: ServiceCommand) -> Option<&str> {
        self.services.get(command)
    }

    pub fn volume_count(&self) -> u32 {
        self.volume.map_or(0, |volume| volume.count)
    }
}

impl ClusterSpec {
    /// Parses a rendered template and checks it (see `spec_check`).
    pub fn parse(rendered: &str) -> Result<Self, PackageError> {
        let spec: ClusterSpec = crate::yaml::parse(RENDERED_FILE, rendered)?;
        spec.check()?;
        Ok(spec)
    }

    /// Checks names, counts, shapes, volumes and the `after` ordering (no unknown role, no cycle).
    pub fn check(&self) -> Result<(), PackageError> {
        crate::spec_check::check(self)
    }

    pub fn role(&self, name: &str) -> Option<&RoleSpec> {
        self.roles.iter().find(|role| role.name == name)
    }

    /// The roles in dependency order, grouped in levels: every role comes in a later level than
    /// each role in its `after`; roles in one level do not depend on each other. Within a level,
    /// roles keep their order in the spec. The spec must have passed `check`.
    pub fn role_levels(&self) -> Vec<Vec<&RoleSpec>> {
        crate::spec_check::levels(self)
    }
}
