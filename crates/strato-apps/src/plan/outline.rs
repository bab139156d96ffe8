//! A plan as text, one line per layer: `3. wait_running: db-0, web-0, web-1`. For progress
//! displays, logs and the job tables in docs/apps.md (a test keeps those equal to this).

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::cluster::ClusterState;
use crate::ids::NodeId;

use super::{JobPlan, TaskAction};

impl JobPlan {
    /// One line per layer; in a layer, tasks are grouped by action (a service command by its
    /// name, `!` marks tasks allowed to fail) in order of first appearance, nodes by name.
    pub fn outline(&self, before: &ClusterState) -> String {
        let names: BTreeMap<NodeId, String> = before.nodes.iter().chain(&self.nodes_after).map(|node| (node.id, node.name())).collect();
        let mut text = String::new();
        for (index, layer) in self.layers.iter().enumerate() {
            let mut groups: Vec<(String, Vec<String>)> = Vec::new();
            for task in &layer.tasks {
                let mut label = match &task.action {
                    TaskAction::ServiceCommand { command, .. } => command.to_string(),
                    action => action.name().to_string(),
                };
                if task.failure_allowed {
                    label.push('!');
                }
                let name = names.get(&task.node).cloned().unwrap_or_else(|| task.node.to_string());
                match groups.iter_mut().find(|(l, _)| *l == label) {
                    Some((_, nodes)) => nodes.push(name),
                    None => groups.push((label, vec![name])),
                }
            }
            let parts: Vec<String> = groups.into_iter().map(|(label, nodes)| format!("{label}: {}", nodes.join(", "))).collect();
            let _ = writeln!(text, "{}. {}", index + 1, parts.join("; "));
        }
        text
    }
}
