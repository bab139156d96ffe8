//! A cluster as the planner sees it: its id, its current spec and its nodes.

use serde::{Deserialize, Serialize};

use crate::ids::{ClusterId, NodeId, VolumeId};
use crate::spec::ClusterSpec;
use crate::status::NodeStatus;

/// One node: node `index` of `role`, with the data volumes it has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    pub id: NodeId,
    pub role: String,
    pub index: u32,
    pub status: NodeStatus,
    pub volumes: Vec<VolumeId>,
}

impl Node {
    /// A node about to be made, with ids derived from the cluster's and `volume_count` volumes.
    pub fn planned(cluster: ClusterId, role: &str, index: u32, volume_count: u32) -> Self {
        let id = NodeId::derive(cluster, role, index);
        Self {
            id,
            role: role.to_string(),
            index,
            status: NodeStatus::Pending,
            volumes: (0..volume_count).map(|v| VolumeId::derive(id, v)).collect(),
        }
    }

    /// `role-index`, the node's name inside its cluster.
    pub fn name(&self) -> String {
        format!("{}-{}", self.role, self.index)
    }
}

/// A cluster's current state: the spec it runs and the nodes it has (none before it is made).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterState {
    pub id: ClusterId,
    pub spec: ClusterSpec,
    pub nodes: Vec<Node>,
}

impl ClusterState {
    /// A cluster not yet made.
    pub fn new(id: ClusterId, spec: ClusterSpec) -> Self {
        Self { id, spec, nodes: Vec::new() }
    }

    /// The nodes `spec` asks for: `count` per role, indices from 0.
    pub fn planned_nodes(id: ClusterId, spec: &ClusterSpec) -> Vec<Node> {
        spec.roles
            .iter()
            .flat_map(|role| (0..role.count).map(move |index| Node::planned(id, &role.name, index, role.volume_count())))
            .collect()
    }

    /// The cluster's nodes of `role`, by index.
    pub fn role_nodes(&self, role: &str) -> Vec<&Node> {
        let mut nodes: Vec<&Node> = self.nodes.iter().filter(|node| node.role == role).collect();
        nodes.sort_by_key(|node| node.index);
        nodes
    }

    pub fn node(&self, id: NodeId) -> Option<&Node> {
        self.nodes.iter().find(|node| node.id == id)
    }
}
