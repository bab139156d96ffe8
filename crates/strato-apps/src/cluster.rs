//! A cluster as the planner sees it: its id, its current spec and its nodes.

use std::collections::BTreeMap;

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
    /// Per role, the index the next added node gets: above every index the role ever used, so
    /// a deleted node's id (an idempotency token at the cloud) is never given to a new node.
    /// A role missing here starts after its highest current index.
    #[serde(default)]
    pub next_index: BTreeMap<String, u32>,
}

impl ClusterState {
    /// A cluster not yet made.
    pub fn new(id: ClusterId, spec: ClusterSpec) -> Self {
        Self { id, spec, nodes: Vec::new(), next_index: BTreeMap::new() }
    }

    /// The cluster once `plan` has succeeded.
    pub fn after(&self, plan: &crate::plan::JobPlan) -> Self {
        Self { id: self.id, spec: plan.spec_after.clone(), nodes: plan.nodes_after.clone(), next_index: plan.next_index_after.clone() }
    }

    /// The index the next node added to `role` gets.
    pub fn next_index_of(&self, role: &str) -> u32 {
        let recorded = self.next_index.get(role).copied().unwrap_or(0);
        let in_use = self.nodes.iter().filter(|node| node.role == role).map(|node| node.index + 1).max().unwrap_or(0);
        recorded.max(in_use)
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
