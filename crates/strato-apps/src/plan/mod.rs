//! The planner: a job request and a cluster's current state -> a `JobPlan` of layers of tasks.
//! Tasks in a layer run in parallel; layers run in order. Pure: no I/O, no clock, no randomness,
//! so the same request on the same state always gives the same plan (a job re-planned after a
//! crash names the same nodes and volumes).

mod builder;
mod change;
mod lifecycle;
mod outline;
mod request;
mod scale;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::cluster::{ClusterState, Node};
use crate::ids::{NodeId, VolumeId};
use crate::spec::{ClusterSpec, InstanceShape, ServiceCommand};
use crate::status::{ClusterStatus, NodeStatus, TransitionStatus};

pub use request::{JobKind, JobRequest};

/// What a task does to its node. Names are plural as in OpenPitrix: an executor may batch a
/// layer's tasks of one action into one cloud call.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum TaskAction {
    CreateVolumes {
        volumes: Vec<VolumeId>,
        size_gb: u32,
    },
    RunInstances {
        shape: InstanceShape,
        image: String,
    },
    WaitRunning,
    AttachVolumes {
        volumes: Vec<VolumeId>,
    },
    /// Hand the node its configuration (user-data at boot, the metadata service after).
    NodeConfig,
    /// Run a role's service command on the node; `script` is the command's text from the spec
    /// the command belongs to, so the task is complete in itself.
    ServiceCommand {
        role: String,
        command: ServiceCommand,
        script: String,
    },
    StopInstances,
    StartInstances,
    ResizeInstance {
        shape: InstanceShape,
    },
    ResizeVolumes {
        volumes: Vec<VolumeId>,
        size_gb: u32,
    },
    DetachVolumes {
        volumes: Vec<VolumeId>,
    },
    DeleteVolumes {
        volumes: Vec<VolumeId>,
    },
    TerminateInstances,
}

impl TaskAction {
    /// The action's name (`run_instances`, `service_command`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            TaskAction::CreateVolumes { .. } => "create_volumes",
            TaskAction::RunInstances { .. } => "run_instances",
            TaskAction::WaitRunning => "wait_running",
            TaskAction::AttachVolumes { .. } => "attach_volumes",
            TaskAction::NodeConfig => "node_config",
            TaskAction::ServiceCommand { .. } => "service_command",
            TaskAction::StopInstances => "stop_instances",
            TaskAction::StartInstances => "start_instances",
            TaskAction::ResizeInstance { .. } => "resize_instance",
            TaskAction::ResizeVolumes { .. } => "resize_volumes",
            TaskAction::DetachVolumes { .. } => "detach_volumes",
            TaskAction::DeleteVolumes { .. } => "delete_volumes",
            TaskAction::TerminateInstances => "terminate_instances",
        }
    }
}

/// One task: an action on one node. A failed task with `failure_allowed` does not fail the job.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Task {
    pub node: NodeId,
    #[serde(flatten)]
    pub action: TaskAction,
    pub failure_allowed: bool,
}

/// Tasks that run in parallel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Layer {
    pub tasks: Vec<Task>,
}

/// A job split into layers, and the cluster as it is once the job has succeeded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobPlan {
    pub kind: JobKind,
    pub transition: TransitionStatus,
    pub layers: Vec<Layer>,
    pub spec_after: ClusterSpec,
    pub nodes_after: Vec<Node>,
    /// `ClusterState::next_index` once the job has succeeded (it never decreases).
    pub next_index_after: BTreeMap<String, u32>,
    pub status_after: ClusterStatus,
}

impl JobPlan {
    pub fn task_count(&self) -> usize {
        self.layers.iter().map(|layer| layer.tasks.len()).sum()
    }
}

/// The request cannot be planned on this cluster.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    #[error("the cluster's spec is invalid: {0}")]
    InvalidSpec(String),
    #[error("the cluster's nodes do not match its spec: {0}")]
    InvalidNodes(String),
    #[error("the requested spec is invalid: {0}")]
    InvalidTargetSpec(String),
    #[error("the cluster has no role {0:?}")]
    UnknownRole(String),
    #[error("the cluster has no node {0}")]
    UnknownNode(NodeId),
    #[error("node {0} is named twice")]
    DuplicateNode(NodeId),
    #[error("{0}")]
    Invalid(String),
    #[error("role {role:?} would have no node left; delete the cluster instead")]
    WouldEmptyRole { role: String },
    #[error("the requested spec changes {0}, which this job cannot change")]
    StructureChanged(String),
}

/// Plans `request` on `state`.
pub fn plan_job(state: &ClusterState, request: &JobRequest) -> Result<JobPlan, PlanError> {
    state.spec.check().map_err(|e| PlanError::InvalidSpec(e.to_string()))?;
    check_nodes(state)?;
    let kind = request.kind();
    let planned = match request {
        JobRequest::Create => lifecycle::create(state),
        JobRequest::Stop => lifecycle::stop(state),
        JobRequest::Start => lifecycle::start(state),
        JobRequest::Delete => lifecycle::delete(state),
        JobRequest::Resize { role, shape, volume_size_gb } => change::resize(state, role, shape.as_ref(), *volume_size_gb)?,
        JobRequest::AddNodes { role, count } => scale::add_nodes(state, role, *count)?,
        JobRequest::DeleteNodes { nodes } => scale::delete_nodes(state, nodes)?,
        JobRequest::UpdateParameters { spec } => change::respec(state, spec, false)?,
        JobRequest::Upgrade { spec } | JobRequest::Rollback { spec } => change::respec(state, spec, true)?,
    };
    let status_after = kind.status_after();
    let node_status = match status_after {
        ClusterStatus::Stopped => NodeStatus::Stopped,
        _ => NodeStatus::Active,
    };
    let mut nodes_after: Vec<Node> = planned.nodes_after.into_iter().map(|node| Node { status: node_status, ..node }).collect();
    // Canonical order (role as in the spec, then index), whatever order the state kept them in.
    let position = |role: &str| planned.spec_after.roles.iter().position(|r| r.name == role).unwrap_or(usize::MAX);
    nodes_after.sort_by_key(|node| (position(&node.role), node.index));
    let mut next_index_after = state.next_index.clone();
    for role in state.spec.roles.iter().chain(&planned.spec_after.roles) {
        let made = nodes_after.iter().filter(|node| node.role == role.name).map(|node| node.index + 1).max().unwrap_or(0);
        next_index_after.insert(role.name.clone(), state.next_index_of(&role.name).max(made));
    }
    Ok(JobPlan {
        kind,
        transition: kind.transition(),
        layers: planned.layers,
        spec_after: planned.spec_after,
        nodes_after,
        next_index_after,
        status_after,
    })
}

/// Every node belongs to a role of the spec, and no id or (role, index) appears twice.
fn check_nodes(state: &ClusterState) -> Result<(), PlanError> {
    let mut ids = std::collections::BTreeSet::new();
    let mut places = std::collections::BTreeSet::new();
    for node in &state.nodes {
        if state.spec.role(&node.role).is_none() {
            return Err(PlanError::InvalidNodes(format!("node {} is of no role of the spec", node.id)));
        }
        if !ids.insert(node.id) || !places.insert((node.role.as_str(), node.index)) {
            return Err(PlanError::InvalidNodes(format!("node {} ({}) appears twice", node.id, node.name())));
        }
    }
    Ok(())
}

/// What each job's planner returns; `plan_job` adds the statuses.
pub(crate) struct Planned {
    pub layers: Vec<Layer>,
    pub spec_after: ClusterSpec,
    pub nodes_after: Vec<Node>,
}
