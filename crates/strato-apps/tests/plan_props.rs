//! Property tests of the planner over random valid clusters and requests.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use strato_apps::{
    plan_job, ClusterId, ClusterSpec, ClusterState, InstanceShape, JobKind, JobPlan, JobRequest, NodeId, NodeStatus, RoleSpec,
    ServiceCommand, ServiceCommands, TaskAction, VolumeId, VolumeSpec,
};

fn role_strategy(index: usize) -> impl Strategy<Value = RoleSpec> {
    (
        1u32..5,
        any::<bool>(),
        proptest::option::of((1u32..200, 1u32..4)),
        proptest::collection::vec(any::<bool>(), 6),
        any::<bool>(),
        proptest::collection::vec(any::<bool>(), index),
    )
        .prop_map(move |(count, rolling, volume, commands, sku, after_mask)| {
            let script = |i: usize, name: &str| commands[i].then(|| format!("echo {name} r{index}"));
            RoleSpec {
                name: format!("r{index}"),
                count,
                sku: sku.then(|| "m5.large".to_string()),
                cpu: (!sku).then_some(2),
                memory_mb: (!sku).then_some(1024),
                image: "img".into(),
                volume: volume.map(|(size_gb, count)| VolumeSpec { size_gb, count }),
                user_data: None,
                env: BTreeMap::new(),
                services: ServiceCommands {
                    init: script(0, "init"),
                    start: script(1, "start"),
                    stop: script(2, "stop"),
                    scale_in: script(3, "scale_in"),
                    scale_out: script(4, "scale_out"),
                    upgrade: script(5, "upgrade"),
                },
                // Only earlier roles: the order is acyclic by construction.
                after: after_mask.iter().enumerate().filter(|(_, on)| **on).map(|(i, _)| format!("r{i}")).collect(),
                rolling,
            }
        })
}

fn spec_strategy() -> impl Strategy<Value = ClusterSpec> {
    (1usize..6).prop_flat_map(|roles| (0..roles).map(role_strategy).collect::<Vec<_>>()).prop_map(|roles| ClusterSpec { roles })
}

/// A made cluster: the spec's nodes, active.
fn made(spec: ClusterSpec, seed: u128) -> ClusterState {
    let id = ClusterId::from_uuid(uuid::Uuid::from_u128(seed));
    let nodes =
        ClusterState::planned_nodes(id, &spec).into_iter().map(|node| strato_apps::Node { status: NodeStatus::Active, ..node }).collect();
    ClusterState { nodes, ..ClusterState::new(id, spec) }
}

fn request_strategy(spec: ClusterSpec) -> impl Strategy<Value = JobRequest> {
    let roles = spec.roles.len();
    (0usize..10, 0..roles, 1u32..4, proptest::collection::vec(any::<bool>(), 64), any::<bool>()).prop_map(
        move |(kind, role, count, picks, sku)| {
            let name = spec.roles[role].name.clone();
            match kind {
                0 => JobRequest::Create,
                1 => JobRequest::Stop,
                2 => JobRequest::Start,
                3 => JobRequest::Delete,
                4 => JobRequest::Resize {
                    role: name,
                    shape: Some(if sku {
                        InstanceShape::Sku("m5.xlarge".into())
                    } else {
                        InstanceShape::Custom { cpu: 4, memory_mb: 4096 }
                    }),
                    volume_size_gb: spec.roles[role].volume.map(|v| v.size_gb + 10),
                },
                5 => JobRequest::AddNodes { role: name, count },
                // Placeholder ids: pick i means the i-th node; `pick_nodes` makes them real.
                6 => JobRequest::DeleteNodes {
                    nodes: (0..picks.len()).filter(|i| picks[*i]).map(|i| NodeId::from_uuid(uuid::Uuid::from_u128(i as u128))).collect(),
                },
                7 => JobRequest::UpdateParameters { spec: respec(&spec, "update") },
                8 => JobRequest::Upgrade { spec: respec(&spec, "v2") },
                _ => JobRequest::Rollback { spec: respec(&spec, "v1") },
            }
        },
    )
}

/// `spec` with every role's env and commands changed, and shapes that a respec must not take.
fn respec(spec: &ClusterSpec, tag: &str) -> ClusterSpec {
    let mut target = spec.clone();
    for role in &mut target.roles {
        role.env.insert("TAG".into(), tag.into());
        role.services.upgrade = Some(format!("echo upgrade {tag}"));
        role.services.start = Some(format!("echo start {tag}"));
        role.count += 7;
    }
    target
}

/// Turns the placeholder choice into real node ids: pick `i` means the i-th node (in a stable
/// order) unless that would empty its role.
fn pick_nodes(state: &ClusterState, request: JobRequest) -> JobRequest {
    let JobRequest::DeleteNodes { nodes } = request else { return request };
    let picks: BTreeSet<u128> = nodes.iter().map(|id| id.as_uuid().as_u128()).collect();
    let mut left: BTreeMap<&str, usize> = BTreeMap::new();
    for node in &state.nodes {
        *left.entry(node.role.as_str()).or_default() += 1;
    }
    let mut chosen = Vec::new();
    for (i, node) in state.nodes.iter().enumerate() {
        let remaining = left.get_mut(node.role.as_str()).expect("role counted");
        if picks.contains(&(i as u128)) && *remaining > 1 {
            *remaining -= 1;
            chosen.push(node.id);
        }
    }
    JobRequest::DeleteNodes { nodes: chosen }
}

fn cases() -> impl Strategy<Value = (ClusterState, JobRequest)> {
    (spec_strategy(), any::<u128>())
        .prop_flat_map(|(spec, seed)| {
            let state = made(spec.clone(), seed);
            (Just(state), request_strategy(spec))
        })
        .prop_map(|(state, request)| {
            let request = pick_nodes(&state, request);
            (state, request)
        })
}

/// Layer index of each (node, action name, command) key; fails on a task planned twice.
fn positions(plan: &JobPlan) -> BTreeMap<(NodeId, &'static str, Option<ServiceCommand>), usize> {
    let mut seen = BTreeMap::new();
    for (layer_index, layer) in plan.layers.iter().enumerate() {
        assert!(!layer.tasks.is_empty(), "empty layer {layer_index}");
        for task in &layer.tasks {
            let command = match &task.action {
                TaskAction::ServiceCommand { command, .. } => Some(*command),
                _ => None,
            };
            let key = (task.node, task.action.name(), command);
            assert!(seen.insert(key, layer_index).is_none(), "task {key:?} appears twice");
        }
    }
    seen
}

fn volumes_of(plan: &JobPlan, action: &str) -> Vec<VolumeId> {
    let mut volumes: Vec<VolumeId> = plan
        .layers
        .iter()
        .flat_map(|layer| &layer.tasks)
        .filter(|task| task.action.name() == action)
        .flat_map(|task| match &task.action {
            TaskAction::CreateVolumes { volumes, .. }
            | TaskAction::AttachVolumes { volumes }
            | TaskAction::DetachVolumes { volumes }
            | TaskAction::DeleteVolumes { volumes }
            | TaskAction::ResizeVolumes { volumes, .. } => volumes.clone(),
            _ => Vec::new(),
        })
        .collect();
    volumes.sort();
    volumes
}

fn nodes_with(plan: &JobPlan, action: &str) -> Vec<NodeId> {
    let mut nodes: Vec<NodeId> =
        plan.layers.iter().flat_map(|layer| &layer.tasks).filter(|task| task.action.name() == action).map(|task| task.node).collect();
    nodes.sort();
    nodes
}

fn sorted<T: Ord + Clone>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut items: Vec<T> = items.into_iter().collect();
    items.sort();
    items
}

fn check(state: &ClusterState, request: &JobRequest, plan: &JobPlan) {
    let at = positions(plan);
    let kind = request.kind();
    let mut role_of: BTreeMap<NodeId, &str> = BTreeMap::new();
    for node in state.nodes.iter().chain(&plan.nodes_after) {
        role_of.insert(node.id, node.role.as_str());
    }
    for task in plan.layers.iter().flat_map(|layer| &layer.tasks) {
        assert!(role_of.contains_key(&task.node), "task on an unknown node: {task:?}");
    }

    // Volumes: created before attached, attached before node config.
    for ((node, action, _), layer) in &at {
        if *action == "create_volumes" {
            let attach = at.get(&(*node, "attach_volumes", None)).expect("created volumes are attached");
            assert!(layer < attach, "create before attach");
            let config = at.get(&(*node, "node_config", None)).expect("a made node is configured");
            assert!(attach < config, "attach before node config");
        }
        if *action == "run_instances" {
            let wait = at.get(&(*node, "wait_running", None)).expect("run is waited for");
            assert!(layer < wait);
        }
    }

    // Role order, per command: dependents after (or, when stopping a cluster or removing
    // nodes, before) the roles they come after.
    let spec = &plan.spec_after;
    for role in &spec.roles {
        for before in &role.after {
            for command in ServiceCommand::ALL {
                let layers_of = |name: &str| -> Vec<usize> {
                    at.iter().filter(|((node, _, c), _)| *c == Some(*command) && role_of[node] == name).map(|(_, l)| *l).collect()
                };
                let (first, then) = (layers_of(before), layers_of(&role.name));
                if first.is_empty() || then.is_empty() {
                    continue;
                }
                let reversed = *command == ServiceCommand::Stop && matches!(kind, JobKind::Stop | JobKind::Delete | JobKind::DeleteNodes);
                let (first, then) = if reversed { (then, first) } else { (first, then) };
                assert!(first.iter().max() < then.iter().min(), "{command} of {} must come before {}'s ({kind})", before, role.name);
            }
        }
    }

    // Rolling roles never have two nodes in one layer (except when the whole cluster is made or
    // removed).
    if !matches!(kind, JobKind::Create | JobKind::Delete) {
        for layer in &plan.layers {
            let mut per_role: BTreeMap<&str, BTreeSet<NodeId>> = BTreeMap::new();
            for task in &layer.tasks {
                per_role.entry(role_of[&task.node]).or_default().insert(task.node);
            }
            for (role, nodes) in per_role {
                let rolling = state.spec.role(role).is_some_and(|r| r.rolling);
                assert!(!rolling || nodes.len() == 1, "rolling role {role} has {} nodes in one layer ({kind})", nodes.len());
            }
        }
    }

    let all_volumes = |nodes: &[strato_apps::Node]| sorted(nodes.iter().flat_map(|node| node.volumes.clone()));
    let after_ids = sorted(plan.nodes_after.iter().map(|node| node.id));
    let state_ids = sorted(state.nodes.iter().map(|node| node.id));
    match kind {
        JobKind::Create => {
            // Every node of the spec, made exactly once (duplicates failed `positions`).
            assert_eq!(nodes_with(plan, "run_instances"), after_ids);
            let planned = ClusterState::planned_nodes(state.id, &state.spec);
            assert_eq!(after_ids, sorted(planned.iter().map(|node| node.id)));
            assert_eq!(volumes_of(plan, "create_volumes"), all_volumes(&plan.nodes_after));
            assert_eq!(volumes_of(plan, "attach_volumes"), all_volumes(&plan.nodes_after));
        }
        JobKind::Delete => {
            assert_eq!(nodes_with(plan, "terminate_instances"), state_ids);
            assert_eq!(volumes_of(plan, "delete_volumes"), all_volumes(&state.nodes));
            assert!(plan.nodes_after.is_empty());
        }
        JobKind::DeleteNodes => {
            let JobRequest::DeleteNodes { nodes } = request else { unreachable!() };
            let named = sorted(nodes.iter().copied());
            assert_eq!(nodes_with(plan, "terminate_instances"), named);
            let leaving: Vec<strato_apps::Node> = state.nodes.iter().filter(|n| named.contains(&n.id)).cloned().collect();
            assert_eq!(volumes_of(plan, "delete_volumes"), all_volumes(&leaving));
            assert_eq!(after_ids, sorted(state_ids.iter().copied().filter(|id| !named.contains(id))));
            assert!(nodes_with(plan, "run_instances").is_empty());
        }
        JobKind::AddNodes => {
            let added: Vec<NodeId> = after_ids.iter().copied().filter(|id| !state_ids.contains(id)).collect();
            for node in plan.nodes_after.iter().filter(|node| added.contains(&node.id)) {
                assert!(node.index >= state.next_index_of(&node.role), "index {} reused", node.index);
            }
            assert_eq!(nodes_with(plan, "run_instances"), added);
            assert!(nodes_with(plan, "terminate_instances").is_empty());
            assert_eq!(plan.nodes_after.len(), state.nodes.len() + added.len());
        }
        _ => {
            assert_eq!(after_ids, state_ids, "{kind} keeps the nodes");
            assert!(nodes_with(plan, "run_instances").is_empty() && nodes_with(plan, "terminate_instances").is_empty());
        }
    }
    // The spec after matches the nodes after.
    if kind != JobKind::Delete {
        for role in &plan.spec_after.roles {
            let nodes = plan.nodes_after.iter().filter(|node| node.role == role.name).count();
            assert_eq!(nodes as u32, role.count, "role {} count after {kind}", role.name);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn plans_keep_their_invariants((state, request) in cases()) {
        match plan_job(&state, &request) {
            Ok(plan) => {
                check(&state, &request, &plan);
                // Deterministic, whatever order the nodes are stored in.
                let mut shuffled = state.clone();
                shuffled.nodes.reverse();
                prop_assert_eq!(plan_job(&shuffled, &request).unwrap(), plan);
            }
            // The only refusal the generator can cause: deleting no node (every role has one).
            Err(error) => {
                let nothing_to_delete = matches!(&request, JobRequest::DeleteNodes { nodes } if nodes.is_empty());
                prop_assert!(nothing_to_delete, "unexpected refusal {error} of {request:?}");
            }
        }
    }
}
