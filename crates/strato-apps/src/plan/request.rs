//! What a job asks of a cluster.

use serde::{Deserialize, Serialize};
use strato_types::text_enum;

use crate::ids::NodeId;
use crate::spec::{ClusterSpec, InstanceShape};
use crate::status::{ClusterStatus, TransitionStatus};

/// A cluster lifecycle request. Specs in requests are rendered and checked by the caller (from
/// the package version and parameters the request names).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "job", rename_all = "snake_case")]
pub enum JobRequest {
    /// Make every node of the cluster's spec.
    Create,
    Stop,
    Start,
    Delete,
    /// Change a role's instance shape and/or grow its volumes, node by node where it rolls.
    Resize {
        role: String,
        shape: Option<InstanceShape>,
        volume_size_gb: Option<u32>,
    },
    AddNodes {
        role: String,
        count: u32,
    },
    DeleteNodes {
        nodes: Vec<NodeId>,
    },
    /// The spec rendered with new parameter values.
    UpdateParameters {
        spec: ClusterSpec,
    },
    /// The spec rendered from another version of the app.
    Upgrade {
        spec: ClusterSpec,
    },
    /// The spec of the version the cluster ran before.
    Rollback {
        spec: ClusterSpec,
    },
}

text_enum!(
    /// The kind of a job.
    JobKind, "job kind", {
        Create = "create",
        Stop = "stop",
        Start = "start",
        Delete = "delete",
        Resize = "resize",
        AddNodes = "add_nodes",
        DeleteNodes = "delete_nodes",
        UpdateParameters = "update_parameters",
        Upgrade = "upgrade",
        Rollback = "rollback",
    }
);

impl JobRequest {
    pub fn kind(&self) -> JobKind {
        match self {
            JobRequest::Create => JobKind::Create,
            JobRequest::Stop => JobKind::Stop,
            JobRequest::Start => JobKind::Start,
            JobRequest::Delete => JobKind::Delete,
            JobRequest::Resize { .. } => JobKind::Resize,
            JobRequest::AddNodes { .. } => JobKind::AddNodes,
            JobRequest::DeleteNodes { .. } => JobKind::DeleteNodes,
            JobRequest::UpdateParameters { .. } => JobKind::UpdateParameters,
            JobRequest::Upgrade { .. } => JobKind::Upgrade,
            JobRequest::Rollback { .. } => JobKind::Rollback,
        }
    }
}

impl JobKind {
    /// The cluster's transition status while the job runs.
    pub fn transition(self) -> TransitionStatus {
        match self {
            JobKind::Create => TransitionStatus::Creating,
            JobKind::Stop => TransitionStatus::Stopping,
            JobKind::Start => TransitionStatus::Starting,
            JobKind::Delete => TransitionStatus::Deleting,
            JobKind::Resize => TransitionStatus::Resizing,
            JobKind::AddNodes => TransitionStatus::ScalingOut,
            JobKind::DeleteNodes => TransitionStatus::ScalingIn,
            JobKind::UpdateParameters => TransitionStatus::Updating,
            JobKind::Upgrade => TransitionStatus::Upgrading,
            JobKind::Rollback => TransitionStatus::RollingBack,
        }
    }

    /// The cluster's status once the job has succeeded.
    pub fn status_after(self) -> ClusterStatus {
        match self {
            JobKind::Stop => ClusterStatus::Stopped,
            JobKind::Delete => ClusterStatus::Deleted,
            _ => ClusterStatus::Active,
        }
    }
}
