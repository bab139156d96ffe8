//! The plans of each job type on the webapp example (db: 1 node with a volume; web: 2 rolling
//! nodes after db), exactly; and the requests the planner refuses.

mod common;

use std::collections::BTreeMap;

use serde_json::json;
use strato_apps::{
    plan_job, AppPackage, ClusterId, ClusterSpec, ClusterState, InstanceShape, JobPlan, JobRequest, NodeId, PlanError, TransitionStatus,
};

fn webapp_spec(version: &str) -> ClusterSpec {
    let mut package = AppPackage::load(&common::example("webapp")).unwrap();
    package.meta.version = version.into();
    package.render(&BTreeMap::new()).unwrap().1
}

/// A made webapp cluster: the state a successful create leaves.
fn webapp() -> ClusterState {
    let state = ClusterState::new(ClusterId::new(), webapp_spec("1.0.0"));
    let plan = plan_job(&state, &JobRequest::Create).unwrap();
    state.after(&plan)
}

fn node(state: &ClusterState, name: &str) -> NodeId {
    state.nodes.iter().find(|node| node.name() == name).map(|node| node.id).unwrap()
}

fn outline(state: &ClusterState, request: JobRequest) -> (JobPlan, String) {
    let plan = plan_job(state, &request).unwrap();
    let text = plan.outline(state);
    (plan, text)
}

#[test]
fn create() {
    let state = ClusterState::new(ClusterId::new(), webapp_spec("1.0.0"));
    let (plan, text) = outline(&state, JobRequest::Create);
    assert_eq!(plan.transition, TransitionStatus::Creating);
    assert_eq!(
        text,
        "1. create_volumes: db-0\n\
         2. run_instances: db-0, web-0, web-1\n\
         3. wait_running: db-0, web-0, web-1\n\
         4. attach_volumes: db-0\n\
         5. node_config: db-0, web-0, web-1\n\
         6. init: db-0\n\
         7. init: web-0, web-1\n\
         8. start: db-0\n\
         9. start: web-0, web-1\n"
    );
    assert_eq!(plan.nodes_after.len(), 3);
    // Re-planning names the same nodes and volumes: the executor's idempotency tokens.
    assert_eq!(plan_job(&state, &JobRequest::Create).unwrap(), plan);
}

#[test]
fn stop_and_start() {
    let state = webapp();
    let (plan, text) = outline(&state, JobRequest::Stop);
    assert_eq!(plan.status_after, strato_apps::ClusterStatus::Stopped);
    assert_eq!(
        text,
        "1. stop: web-0\n2. stop_instances: web-0\n3. stop: web-1\n4. stop_instances: web-1\n5. stop: db-0\n6. stop_instances: db-0\n"
    );
    let (_, text) = outline(&state, JobRequest::Start);
    assert_eq!(
        text,
        "1. start_instances: db-0\n2. wait_running: db-0\n3. start: db-0\n\
         4. start_instances: web-0\n5. wait_running: web-0\n6. start: web-0\n\
         7. start_instances: web-1\n8. wait_running: web-1\n9. start: web-1\n"
    );
}

#[test]
fn delete() {
    let state = webapp();
    let (plan, text) = outline(&state, JobRequest::Delete);
    assert_eq!(
        text,
        "1. stop!: web-0, web-1\n2. stop!: db-0\n3. detach_volumes!: db-0\n4. terminate_instances: db-0, web-0, web-1\n5. delete_volumes: db-0\n"
    );
    assert!(plan.nodes_after.is_empty());
}

#[test]
fn add_and_delete_nodes() {
    let state = webapp();
    let (plan, text) = outline(&state, JobRequest::AddNodes { role: "web".into(), count: 2 });
    assert_eq!(
        text,
        "1. run_instances: web-2\n2. wait_running: web-2\n3. node_config: web-2\n4. init: web-2\n5. start: web-2\n\
         6. run_instances: web-3\n7. wait_running: web-3\n8. node_config: web-3\n9. init: web-3\n10. start: web-3\n\
         11. node_config: db-0\n\
         12. node_config: web-0\n13. scale_out: web-0\n14. node_config: web-1\n15. scale_out: web-1\n"
    );
    assert_eq!(plan.spec_after.role("web").unwrap().count, 4);

    let grown = state.after(&plan);
    let leaving = vec![node(&grown, "web-1"), node(&grown, "web-3")];
    let (plan, text) = outline(&grown, JobRequest::DeleteNodes { nodes: leaving });
    assert_eq!(
        text,
        "1. stop!: web-1\n2. terminate_instances: web-1\n3. stop!: web-3\n4. terminate_instances: web-3\n\
         5. node_config: db-0\n\
         6. node_config: web-0\n7. scale_in: web-0\n8. node_config: web-2\n9. scale_in: web-2\n"
    );
    let names: Vec<String> = plan.nodes_after.iter().map(|node| node.name()).collect();
    assert_eq!(names, ["db-0", "web-0", "web-2"]);

    // web-3 (the highest index) was deleted: a new node is web-4, never web-3 again, whose id
    // the cloud may still hold as an idempotency token.
    let shrunk = grown.after(&plan);
    assert_eq!(shrunk.next_index.get("web"), Some(&4));
    let (plan, text) = outline(&shrunk, JobRequest::AddNodes { role: "web".into(), count: 1 });
    assert!(text.starts_with("1. run_instances: web-4\n"), "{text}");
    assert_eq!(plan.next_index_after.get("web"), Some(&5));
}

#[test]
fn resize() {
    let state = webapp();
    let request = JobRequest::Resize { role: "db".into(), shape: Some(InstanceShape::Sku("m5.large".into())), volume_size_gb: Some(20) };
    let (plan, text) = outline(&state, request);
    assert_eq!(
        text,
        "1. stop: db-0\n2. stop_instances: db-0\n3. resize_instance: db-0\n4. resize_volumes: db-0\n\
         5. start_instances: db-0\n6. wait_running: db-0\n7. start: db-0\n"
    );
    let db = plan.spec_after.role("db").unwrap();
    assert_eq!((db.shape(), db.volume.map(|v| v.size_gb)), (Some(InstanceShape::Sku("m5.large".into())), Some(20)));
}

#[test]
fn update_upgrade_and_rollback() {
    let state = webapp();
    let mut package = AppPackage::load(&common::example("webapp")).unwrap();
    let (_, updated) = package.render(&BTreeMap::from([("title".to_string(), json!("New title"))])).unwrap();
    let (plan, text) = outline(&state, JobRequest::UpdateParameters { spec: updated });
    assert_eq!(
        text,
        "1. stop: db-0\n2. node_config: db-0\n3. start: db-0\n\
         4. stop: web-0\n5. node_config: web-0\n6. start: web-0\n\
         7. stop: web-1\n8. node_config: web-1\n9. start: web-1\n"
    );
    assert_eq!(plan.transition, TransitionStatus::Updating);

    package.meta.version = "1.1.0".into();
    let (_, newer) = package.render(&BTreeMap::new()).unwrap();
    let (plan, text) = outline(&state, JobRequest::Upgrade { spec: newer });
    assert_eq!(
        text,
        "1. stop: db-0\n2. node_config: db-0\n3. upgrade: db-0\n4. start: db-0\n\
         5. stop: web-0\n6. node_config: web-0\n7. upgrade: web-0\n8. start: web-0\n\
         9. stop: web-1\n10. node_config: web-1\n11. upgrade: web-1\n12. start: web-1\n"
    );
    // The new version's commands run, the old version's `stop` ends what the old one started.
    let scripts: Vec<&str> = plan
        .layers
        .iter()
        .flat_map(|l| &l.tasks)
        .filter_map(|t| match &t.action {
            strato_apps::TaskAction::ServiceCommand { script, .. } => Some(script.as_str()),
            _ => None,
        })
        .collect();
    assert!(scripts[1].contains("echo '1.1.0'") && scripts[1].contains("db upgraded"), "{}", scripts[1]);
    assert!(scripts[0].contains("db stopped"));

    let upgraded = state.after(&plan);
    let (plan, _) = outline(&upgraded, JobRequest::Rollback { spec: webapp_spec("1.0.0") });
    assert_eq!(plan.transition, TransitionStatus::RollingBack);
    assert_eq!(plan.spec_after, state.spec);
}

#[test]
fn respecs_keep_counts_and_shapes_and_refuse_new_roles_or_images() {
    let state = webapp();
    let mut target = webapp_spec("1.1.0");
    target.roles[1].count = 9;
    target.roles[1].memory_mb = Some(4096);
    let plan = plan_job(&state, &JobRequest::Upgrade { spec: target.clone() }).unwrap();
    assert_eq!(plan.spec_after.roles[1].count, 2);
    assert_eq!(plan.spec_after.roles[1].memory_mb, state.spec.roles[1].memory_mb);

    target.roles[1].image = "other".into();
    let error = plan_job(&state, &JobRequest::Upgrade { spec: target.clone() }).unwrap_err();
    assert!(matches!(error, PlanError::StructureChanged(_)), "{error}");

    target.roles.pop();
    let error = plan_job(&state, &JobRequest::UpdateParameters { spec: target }).unwrap_err();
    assert_eq!(error.to_string(), "the requested spec changes the roles (from db, web to db), which this job cannot change");
}

#[test]
fn bad_requests_are_refused() {
    let state = webapp();
    let refused = |request: JobRequest| plan_job(&state, &request).unwrap_err();
    assert_eq!(refused(JobRequest::AddNodes { role: "cache".into(), count: 1 }), PlanError::UnknownRole("cache".into()));
    assert!(matches!(refused(JobRequest::AddNodes { role: "web".into(), count: 0 }), PlanError::Invalid(_)));
    assert!(matches!(refused(JobRequest::AddNodes { role: "web".into(), count: 999 }), PlanError::Invalid(_)));
    let db = node(&state, "db-0");
    assert_eq!(refused(JobRequest::DeleteNodes { nodes: vec![db] }), PlanError::WouldEmptyRole { role: "db".into() });
    let web = node(&state, "web-0");
    assert_eq!(refused(JobRequest::DeleteNodes { nodes: vec![web, web] }), PlanError::DuplicateNode(web));
    let stranger = NodeId::new();
    assert_eq!(refused(JobRequest::DeleteNodes { nodes: vec![stranger] }), PlanError::UnknownNode(stranger));
    assert!(matches!(refused(JobRequest::DeleteNodes { nodes: vec![] }), PlanError::Invalid(_)));
    assert!(matches!(refused(JobRequest::Resize { role: "web".into(), shape: None, volume_size_gb: None }), PlanError::Invalid(_)));
    assert!(matches!(refused(JobRequest::Resize { role: "web".into(), shape: None, volume_size_gb: Some(5) }), PlanError::Invalid(_)));
    assert!(matches!(refused(JobRequest::Resize { role: "db".into(), shape: None, volume_size_gb: Some(0) }), PlanError::Invalid(_)));
    let custom = InstanceShape::Custom { cpu: 0, memory_mb: 512 };
    assert!(matches!(refused(JobRequest::Resize { role: "db".into(), shape: Some(custom), volume_size_gb: None }), PlanError::Invalid(_)));

    let mut broken = state.clone();
    broken.spec.roles[1].after = vec!["nowhere".into()];
    assert!(matches!(plan_job(&broken, &JobRequest::Stop).unwrap_err(), PlanError::InvalidSpec(_)));
    let mut stray = state.clone();
    stray.nodes[0].role = "cache".into();
    assert!(matches!(plan_job(&stray, &JobRequest::Stop).unwrap_err(), PlanError::InvalidNodes(_)));
    let mut twice = state.clone();
    twice.nodes.push(twice.nodes[1].clone());
    assert!(matches!(plan_job(&twice, &JobRequest::Delete).unwrap_err(), PlanError::InvalidNodes(_)));
}

/// The webapp plans docs/apps.md shows, by job: (heading, state before, request).
fn documented_jobs() -> Vec<(&'static str, ClusterState, JobRequest)> {
    let made = webapp();
    let mut package = AppPackage::load(&common::example("webapp")).unwrap();
    let (_, retitled) = package.render(&BTreeMap::from([("title".to_string(), json!("New title"))])).unwrap();
    package.meta.version = "1.1.0".into();
    let (_, newer) = package.render(&BTreeMap::new()).unwrap();
    let upgraded = ClusterState { spec: newer.clone(), ..made.clone() };
    vec![
        ("create", ClusterState::new(made.id, made.spec.clone()), JobRequest::Create),
        ("stop", made.clone(), JobRequest::Stop),
        ("start", made.clone(), JobRequest::Start),
        ("delete", made.clone(), JobRequest::Delete),
        (
            "resize `db` to `m5.large` with 20 GB volumes",
            made.clone(),
            JobRequest::Resize { role: "db".into(), shape: Some(InstanceShape::Sku("m5.large".into())), volume_size_gb: Some(20) },
        ),
        ("add 1 `web` node", made.clone(), JobRequest::AddNodes { role: "web".into(), count: 1 }),
        ("delete node `web-1`", made.clone(), JobRequest::DeleteNodes { nodes: vec![node(&made, "web-1")] }),
        ("update parameters (a new `title`)", made.clone(), JobRequest::UpdateParameters { spec: retitled }),
        ("upgrade to 1.1.0", made.clone(), JobRequest::Upgrade { spec: newer }),
        ("roll back to 1.0.0", upgraded, JobRequest::Rollback { spec: made.spec.clone() }),
    ]
}

fn table(heading: &str, outline: &str) -> String {
    let mut text = format!("### {heading}\n\n| layer | tasks |\n|---|---|\n");
    for line in outline.lines() {
        let (number, tasks) = line.split_once(". ").unwrap();
        text.push_str(&format!("| {number} | {} |\n", tasks.replace("; ", "<br>")));
    }
    text
}

#[test]
fn docs_show_the_planners_plans_and_the_kvstore_package() {
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/apps.md")).unwrap();
    let jobs = documented_jobs();
    let tables: Vec<String> = jobs.iter().map(|(heading, state, request)| table(heading, &outline(state, request.clone()).1)).collect();
    let missing: Vec<&String> = tables.iter().filter(|table| !docs.contains(table.as_str())).collect();
    assert!(missing.is_empty(), "docs/apps.md lacks these plan tables (or shows others):\n\n{}", tables.join("\n"));
    assert_eq!(docs.matches("| layer | tasks |").count(), jobs.len(), "docs/apps.md shows plans the test does not check");
    for file in ["package.yaml", "config.yaml", "cluster.yaml.tmpl"] {
        let text = std::fs::read_to_string(common::example("kvstore").join(file)).unwrap();
        assert!(docs.contains(&text), "docs/apps.md does not show examples/apps/kvstore/{file} as it is");
    }
}

#[test]
fn plans_and_requests_round_trip_through_json() {
    // The executor will store plans and requests; what it reads back must be what was planned.
    let state = webapp();
    for (_, before, request) in documented_jobs() {
        let plan = plan_job(&before, &request).unwrap();
        let text = serde_json::to_string(&plan).unwrap();
        assert_eq!(serde_json::from_str::<JobPlan>(&text).unwrap(), plan);
        let text = serde_json::to_string(&request).unwrap();
        assert_eq!(serde_json::from_str::<JobRequest>(&text).unwrap(), request);
    }
    let task = &plan_job(&state, &JobRequest::Stop).unwrap().layers[0].tasks[0];
    let json = serde_json::to_value(task).unwrap();
    assert_eq!(json["action"], "service_command");
    assert_eq!(json["command"], "stop");
    assert_eq!(json["role"], "web");
    assert_eq!(json["failure_allowed"], false);
}
