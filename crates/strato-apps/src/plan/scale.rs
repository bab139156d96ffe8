//! Plans that change how many nodes a role has: add nodes, delete nodes.

use std::collections::BTreeSet;

use crate::cluster::{ClusterState, Node};
use crate::ids::NodeId;
use crate::spec::ServiceCommand;
use crate::spec_check::MAX_ROLE_COUNT;

use super::builder::{all_nodes, command, task, LayersBuilder, RoleNodes, Rolling, Step};
use super::lifecycle::{make_node_steps, remove_node_steps};
use super::{PlanError, Planned, TaskAction};

/// New nodes are made, configured, `init`ed and `start`ed (one at a time in a rolling role, as
/// members of a quorum must join); then every existing node gets its new configuration and its
/// role's `scale_out`, in role order.
pub(crate) fn add_nodes(state: &ClusterState, role_name: &str, count: u32) -> Result<Planned, PlanError> {
    let role = state.spec.role(role_name).ok_or_else(|| PlanError::UnknownRole(role_name.to_string()))?;
    if count == 0 {
        return Err(PlanError::Invalid("count must be at least 1".into()));
    }
    let existing = state.role_nodes(role_name);
    let total = existing.len() as u64 + u64::from(count);
    if total > u64::from(MAX_ROLE_COUNT) {
        return Err(PlanError::Invalid(format!("role {role_name:?} would have {total} nodes, more than {MAX_ROLE_COUNT}")));
    }
    // Never an index a deleted node had: node ids are idempotency tokens at the cloud.
    let first = state.next_index_of(role_name);
    let added: Vec<Node> = (first..first + count).map(|index| Node::planned(state.id, role_name, index, role.volume_count())).collect();

    let mut builder = LayersBuilder::default();
    let make = make_node_steps();
    let init: Step<'_> = &|role, node| command(role, node, ServiceCommand::Init, false);
    let start: Step<'_> = &|role, node| command(role, node, ServiceCommand::Start, false);
    let steps: Vec<Step<'_>> = make.iter().copied().chain([init, start]).collect();
    builder.rolled(&[RoleNodes { role, nodes: added.iter().collect() }], &steps, Rolling::Honour);

    let old = all_nodes(state);
    builder.by_levels(
        &state.spec,
        &old,
        false,
        &[&|_, node| Some(task(node, TaskAction::NodeConfig)), &|role, node| command(role, node, ServiceCommand::ScaleOut, false)],
        Rolling::Honour,
    );

    let mut spec_after = state.spec.clone();
    if let Some(role) = spec_after.roles.iter_mut().find(|role| role.name == role_name) {
        role.count = total as u32;
    }
    let mut nodes_after = state.nodes.clone();
    nodes_after.extend(added);
    Ok(Planned { layers: builder.layers, spec_after, nodes_after })
}

/// The named nodes get their role's `stop` (allowed to fail) and are removed, in reverse role
/// order and one at a time in a rolling role; then every remaining node gets its new
/// configuration and its role's `scale_in`, in role order.
pub(crate) fn delete_nodes(state: &ClusterState, ids: &[NodeId]) -> Result<Planned, PlanError> {
    if ids.is_empty() {
        return Err(PlanError::Invalid("no node to delete".into()));
    }
    let mut leaving_ids = BTreeSet::new();
    for &id in ids {
        state.node(id).ok_or(PlanError::UnknownNode(id))?;
        if !leaving_ids.insert(id) {
            return Err(PlanError::DuplicateNode(id));
        }
    }
    let mut spec_after = state.spec.clone();
    for role in &mut spec_after.roles {
        let left = state.nodes.iter().filter(|node| node.role == role.name && !leaving_ids.contains(&node.id)).count();
        if left == 0 {
            return Err(PlanError::WouldEmptyRole { role: role.name.clone() });
        }
        role.count = left as u32;
    }
    let nodes = all_nodes(state);
    let (leaving, staying): (Vec<&Node>, Vec<&Node>) = nodes.iter().partition(|node| leaving_ids.contains(&node.id));

    let mut builder = LayersBuilder::default();
    let removal = remove_node_steps();
    let stop: Step<'_> = &|role, node| command(role, node, ServiceCommand::Stop, true);
    let detach: Step<'_> = &|_, node| removal[0](node);
    let terminate: Step<'_> = &|_, node| removal[1](node);
    let delete_volumes: Step<'_> = &|_, node| removal[2](node);
    builder.by_levels(&state.spec, &leaving, true, &[stop, detach, terminate, delete_volumes], Rolling::Honour);
    builder.by_levels(
        &state.spec,
        &staying,
        false,
        &[&|_, node| Some(task(node, TaskAction::NodeConfig)), &|role, node| command(role, node, ServiceCommand::ScaleIn, false)],
        Rolling::Honour,
    );
    let nodes_after = state.nodes.iter().filter(|node| !leaving_ids.contains(&node.id)).cloned().collect();
    Ok(Planned { layers: builder.layers, spec_after, nodes_after })
}
