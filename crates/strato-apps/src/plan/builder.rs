//! Building layers: steps over groups of nodes, in parallel or one node at a time per rolling role.

use crate::cluster::{ClusterState, Node};
use crate::spec::{ClusterSpec, RoleSpec, ServiceCommand};

use super::{Layer, Task, TaskAction};

/// A role's spec and the nodes of it a plan acts on (by index).
pub(crate) struct RoleNodes<'a> {
    pub role: &'a RoleSpec,
    pub nodes: Vec<&'a Node>,
}

/// One step of a sequence applied to each node: the node's task, or none (a role without that
/// service command, a node without volumes).
pub(crate) type Step<'a> = &'a dyn Fn(&RoleSpec, &Node) -> Option<Task>;

/// Rolling is honoured, or ignored (when the whole cluster is made or removed at once).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rolling {
    Honour,
    Ignore,
}

#[derive(Default)]
pub(crate) struct LayersBuilder {
    pub layers: Vec<Layer>,
}

impl LayersBuilder {
    /// Adds a layer unless it has no task.
    pub fn push(&mut self, tasks: Vec<Task>) {
        if !tasks.is_empty() {
            self.layers.push(Layer { tasks });
        }
    }

    /// Runs `steps` over `groups`: every node of a non-rolling role goes through each step in
    /// the same layer; a rolling role's nodes go through all steps one node after another, so no
    /// layer holds two nodes of it. The first node of each rolling role goes with the rest.
    pub fn rolled(&mut self, groups: &[RoleNodes<'_>], steps: &[Step<'_>], rolling: Rolling) {
        let rolls = |group: &RoleNodes<'_>| rolling == Rolling::Honour && group.role.rolling;
        let waves = groups.iter().map(|group| if rolls(group) { group.nodes.len() } else { group.nodes.len().min(1) }).max().unwrap_or(0);
        for wave in 0..waves {
            let members: Vec<(&RoleSpec, &Node)> = groups
                .iter()
                .flat_map(|group| {
                    let nodes: &[&Node] = match (rolls(group), wave) {
                        (true, _) => group.nodes.get(wave..=wave).unwrap_or(&[]),
                        (false, 0) => &group.nodes,
                        (false, _) => &[],
                    };
                    nodes.iter().map(move |node| (group.role, *node))
                })
                .collect();
            for step in steps {
                self.push(members.iter().filter_map(|(role, node)| step(role, node)).collect());
            }
        }
    }

    /// `rolled` over each level of `spec`'s roles in order (reversed with `reverse`), for the
    /// given `nodes` of each role.
    pub fn by_levels<'a>(&mut self, spec: &'a ClusterSpec, nodes: &'a [&'a Node], reverse: bool, steps: &[Step<'_>], rolling: Rolling) {
        let mut levels = spec.role_levels();
        if reverse {
            levels.reverse();
        }
        for level in levels {
            let groups: Vec<RoleNodes<'_>> = level.into_iter().map(|role| RoleNodes { role, nodes: nodes_of(nodes, &role.name) }).collect();
            self.rolled(&groups, steps, rolling);
        }
    }
}

/// The nodes of `role` among `nodes`, by index.
pub(crate) fn nodes_of<'a>(nodes: &[&'a Node], role: &str) -> Vec<&'a Node> {
    let mut picked: Vec<&Node> = nodes.iter().copied().filter(|node| node.role == role).collect();
    picked.sort_by_key(|node| node.index);
    picked
}

/// Every node of the cluster, ordered by role (as in the spec) then index.
pub(crate) fn all_nodes(state: &ClusterState) -> Vec<&Node> {
    let mut nodes: Vec<&Node> = state.nodes.iter().collect();
    let position = |role: &str| state.spec.roles.iter().position(|r| r.name == role).unwrap_or(usize::MAX);
    nodes.sort_by_key(|node| (position(&node.role), node.index));
    nodes
}

pub(crate) fn task(node: &Node, action: TaskAction) -> Task {
    Task { node: node.id, action, failure_allowed: false }
}

/// The role's `command` on `node`, if the role has one.
pub(crate) fn command(role: &RoleSpec, node: &Node, command: ServiceCommand, failure_allowed: bool) -> Option<Task> {
    role.command(command).map(|script| Task {
        node: node.id,
        action: TaskAction::ServiceCommand { role: role.name.clone(), command, script: script.to_string() },
        failure_allowed,
    })
}

/// `action` on `node` when it has volumes (given their ids).
pub(crate) fn with_volumes(node: &Node, action: impl FnOnce(Vec<crate::ids::VolumeId>) -> TaskAction) -> Option<Task> {
    (!node.volumes.is_empty()).then(|| task(node, action(node.volumes.clone())))
}
