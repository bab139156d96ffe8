//! Plans that act on the whole cluster: create, stop, start, delete.

use crate::cluster::{ClusterState, Node};
use crate::spec::{RoleSpec, ServiceCommand};

use super::builder::{all_nodes, command, task, with_volumes, LayersBuilder, RoleNodes, Rolling, Step};
use super::{Planned, TaskAction};

/// The steps that make a node, up to its configuration: volumes, instance, wait, attach, config.
pub(crate) fn make_node_steps() -> [Step<'static>; 5] {
    [
        &|role: &RoleSpec, node: &Node| {
            let size_gb = role.volume.map_or(0, |volume| volume.size_gb);
            with_volumes(node, |volumes| TaskAction::CreateVolumes { volumes, size_gb })
        },
        // `plan_job` checked the spec, so every role has a shape.
        &|role: &RoleSpec, node: &Node| role.shape().map(|shape| task(node, TaskAction::RunInstances { shape, image: role.image.clone() })),
        &|_: &RoleSpec, node: &Node| Some(task(node, TaskAction::WaitRunning)),
        &|_: &RoleSpec, node: &Node| with_volumes(node, |volumes| TaskAction::AttachVolumes { volumes }),
        &|_: &RoleSpec, node: &Node| Some(task(node, TaskAction::NodeConfig)),
    ]
}

/// Every node is made at once, whatever the roles' order; then `init` and `start` run in role
/// order. Rolling does not apply: no node serves yet.
pub(crate) fn create(state: &ClusterState) -> Planned {
    let nodes = ClusterState::planned_nodes(state.id, &state.spec);
    let refs: Vec<&Node> = nodes.iter().collect();
    let mut builder = LayersBuilder::default();
    let groups: Vec<RoleNodes<'_>> =
        state.spec.roles.iter().map(|role| RoleNodes { role, nodes: super::builder::nodes_of(&refs, &role.name) }).collect();
    builder.rolled(&groups, &make_node_steps(), Rolling::Ignore);
    builder.by_levels(&state.spec, &refs, false, &[&|role, node| command(role, node, ServiceCommand::Init, false)], Rolling::Ignore);
    builder.by_levels(&state.spec, &refs, false, &[&|role, node| command(role, node, ServiceCommand::Start, false)], Rolling::Ignore);
    Planned { layers: builder.layers, spec_after: state.spec.clone(), nodes_after: nodes }
}

/// Roles stop in reverse order (dependents first): each node's `stop`, then its instance.
pub(crate) fn stop(state: &ClusterState) -> Planned {
    let nodes = all_nodes(state);
    let mut builder = LayersBuilder::default();
    builder.by_levels(
        &state.spec,
        &nodes,
        true,
        &[&|role, node| command(role, node, ServiceCommand::Stop, false), &|_, node| Some(task(node, TaskAction::StopInstances))],
        Rolling::Honour,
    );
    Planned { layers: builder.layers, spec_after: state.spec.clone(), nodes_after: state.nodes.clone() }
}

/// Roles start in order: each node's instance, the wait for it, then its `start`.
pub(crate) fn start(state: &ClusterState) -> Planned {
    let nodes = all_nodes(state);
    let mut builder = LayersBuilder::default();
    builder.by_levels(
        &state.spec,
        &nodes,
        false,
        &[&|_, node| Some(task(node, TaskAction::StartInstances)), &|_, node| Some(task(node, TaskAction::WaitRunning)), &|role, node| {
            command(role, node, ServiceCommand::Start, false)
        }],
        Rolling::Honour,
    );
    Planned { layers: builder.layers, spec_after: state.spec.clone(), nodes_after: state.nodes.clone() }
}

/// `stop` in reverse role order (allowed to fail: a broken node must not block its deletion),
/// then detach (allowed to fail: terminating detaches too), terminate, delete volumes.
pub(crate) fn delete(state: &ClusterState) -> Planned {
    let nodes = all_nodes(state);
    let mut builder = LayersBuilder::default();
    builder.by_levels(&state.spec, &nodes, true, &[&|role, node| command(role, node, ServiceCommand::Stop, true)], Rolling::Ignore);
    for step in remove_node_steps() {
        builder.push(nodes.iter().filter_map(|node| step(node)).collect());
    }
    Planned { layers: builder.layers, spec_after: state.spec.clone(), nodes_after: Vec::new() }
}

/// The steps that remove a node after its `stop`: detach, terminate, delete volumes.
pub(crate) fn remove_node_steps() -> [fn(&Node) -> Option<super::Task>; 3] {
    [
        |node| with_volumes(node, |volumes| TaskAction::DetachVolumes { volumes }).map(|t| super::Task { failure_allowed: true, ..t }),
        |node| Some(task(node, TaskAction::TerminateInstances)),
        |node| with_volumes(node, |volumes| TaskAction::DeleteVolumes { volumes }),
    ]
}
