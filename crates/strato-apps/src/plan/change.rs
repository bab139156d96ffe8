//! Plans that change running nodes in place: resize a role; new parameters; upgrade or roll
//! back to another version's spec.

use std::collections::BTreeSet;

use crate::cluster::ClusterState;
use crate::spec::{ClusterSpec, InstanceShape, RoleSpec, ServiceCommand, VolumeSpec};

use super::builder::{all_nodes, command, task, with_volumes, LayersBuilder, RoleNodes, Rolling, Step};
use super::{PlanError, Planned, TaskAction};

/// Each node of the role (one at a time where it rolls): `stop`, stop the instance, resize it
/// and/or its volumes, start it, wait, `start`.
pub(crate) fn resize(
    state: &ClusterState,
    role_name: &str,
    shape: Option<&InstanceShape>,
    volume_size_gb: Option<u32>,
) -> Result<Planned, PlanError> {
    let role = state.spec.role(role_name).ok_or_else(|| PlanError::UnknownRole(role_name.to_string()))?;
    if shape.is_none() && volume_size_gb.is_none() {
        return Err(PlanError::Invalid("a resize needs a new shape or a new volume size".into()));
    }
    if let Some(InstanceShape::Custom { cpu, memory_mb }) = shape {
        if *cpu == 0 || *memory_mb < 64 {
            return Err(PlanError::Invalid("cpu must be at least 1 and memory_mb at least 64".into()));
        }
    }
    if let Some(InstanceShape::Sku(sku)) = shape {
        if sku.trim().is_empty() {
            return Err(PlanError::Invalid("sku is empty".into()));
        }
    }
    let new_volume = match (volume_size_gb, role.volume) {
        (None, _) => None,
        (Some(_), None) => return Err(PlanError::Invalid(format!("role {role_name:?} has no volumes to resize"))),
        (Some(size_gb), Some(volume)) if size_gb < volume.size_gb => {
            return Err(PlanError::Invalid(format!("volumes only grow: {size_gb} GB is below the current {} GB", volume.size_gb)))
        }
        (Some(size_gb), Some(volume)) => Some(VolumeSpec { size_gb, ..volume }),
    };

    let resize_instance: Step<'_> = &|_, node| shape.map(|shape| task(node, TaskAction::ResizeInstance { shape: shape.clone() }));
    let resize_volumes: Step<'_> =
        &|_, node| new_volume.and_then(|v| with_volumes(node, |volumes| TaskAction::ResizeVolumes { volumes, size_gb: v.size_gb }));
    let steps: [Step<'_>; 7] = [
        &|role, node| command(role, node, ServiceCommand::Stop, false),
        &|_, node| Some(task(node, TaskAction::StopInstances)),
        resize_instance,
        resize_volumes,
        &|_, node| Some(task(node, TaskAction::StartInstances)),
        &|_, node| Some(task(node, TaskAction::WaitRunning)),
        &|role, node| command(role, node, ServiceCommand::Start, false),
    ];
    let nodes = all_nodes(state);
    let mut builder = LayersBuilder::default();
    builder.rolled(&[RoleNodes { role, nodes: super::builder::nodes_of(&nodes, role_name) }], &steps, Rolling::Honour);

    let mut spec_after = state.spec.clone();
    if let Some(role) = spec_after.roles.iter_mut().find(|role| role.name == role_name) {
        if let Some(shape) = shape {
            set_shape(role, shape);
        }
        if new_volume.is_some() {
            role.volume = new_volume;
        }
    }
    Ok(Planned { layers: builder.layers, spec_after, nodes_after: state.nodes.clone() })
}

/// Moves the cluster to `target` (new parameters, or another version's spec) node by node in
/// role order: the current spec's `stop`, the new configuration, the target's `upgrade` (for
/// upgrades and rollbacks), the target's `start`. Node counts, shapes and volumes stay as they
/// are (add/delete nodes and resize change those); the roles and their images must not change.
pub(crate) fn respec(state: &ClusterState, target: &ClusterSpec, run_upgrade: bool) -> Result<Planned, PlanError> {
    target.check().map_err(|e| PlanError::InvalidTargetSpec(e.to_string()))?;
    let current: BTreeSet<&str> = state.spec.roles.iter().map(|role| role.name.as_str()).collect();
    let wanted: BTreeSet<&str> = target.roles.iter().map(|role| role.name.as_str()).collect();
    if current != wanted {
        let names = |set: &BTreeSet<&str>| set.iter().copied().collect::<Vec<_>>().join(", ");
        return Err(PlanError::StructureChanged(format!("the roles (from {} to {})", names(&current), names(&wanted))));
    }
    let mut spec_after = target.clone();
    for role in &mut spec_after.roles {
        let Some(now) = state.spec.role(&role.name) else { continue };
        if role.image != now.image {
            return Err(PlanError::StructureChanged(format!("role {:?}'s image (rebuilding instances is not supported)", role.name)));
        }
        role.count = now.count;
        role.sku = now.sku.clone();
        role.cpu = now.cpu;
        role.memory_mb = now.memory_mb;
        role.volume = now.volume;
    }

    let current_stop: Step<'_> = &|role, node| state.spec.role(&role.name).and_then(|now| command(now, node, ServiceCommand::Stop, false));
    let upgrade: Step<'_> = &|role, node| if run_upgrade { command(role, node, ServiceCommand::Upgrade, false) } else { None };
    let steps: [Step<'_>; 4] = [current_stop, &|_, node| Some(task(node, TaskAction::NodeConfig)), upgrade, &|role, node| {
        command(role, node, ServiceCommand::Start, false)
    }];
    let nodes = all_nodes(state);
    let mut builder = LayersBuilder::default();
    builder.by_levels(&spec_after, &nodes, false, &steps, Rolling::Honour);
    Ok(Planned { layers: builder.layers, spec_after, nodes_after: state.nodes.clone() })
}

fn set_shape(role: &mut RoleSpec, shape: &InstanceShape) {
    match shape {
        InstanceShape::Sku(sku) => {
            role.sku = Some(sku.clone());
            role.cpu = None;
            role.memory_mb = None;
        }
        InstanceShape::Custom { cpu, memory_mb } => {
            role.sku = None;
            role.cpu = Some(*cpu);
            role.memory_mb = Some(*memory_mb);
        }
    }
}
