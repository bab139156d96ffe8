//! Planning benchmark: plans 1,000 jobs of mixed types (every job kind) over clusters of
//! realistic size (1-4 roles of 1-16 nodes, ordered, some rolling, some with volumes) and prints
//! jobs/s and p50/p99 per plan; and the time to render the webapp example package.
//!
//!     nice -n 19 cargo run --release -p strato-apps --example plan_bench

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use hdrhistogram::Histogram;
use strato_apps::{
    plan_job, AppPackage, ClusterId, ClusterSpec, ClusterState, InstanceShape, JobRequest, NodeStatus, RoleSpec, ServiceCommands,
    VolumeSpec,
};

const JOBS: usize = 1000;

/// A small deterministic generator (xorshift64*), so every run plans the same jobs.
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

fn role(rng: &mut Rng, index: usize) -> RoleSpec {
    let script = |name: &str| Some(format!("set -e\necho {name} role{index}\nsleep 1\n"));
    RoleSpec {
        name: format!("role{index}"),
        count: 1 + rng.below(16) as u32,
        sku: None,
        cpu: Some(1 + rng.below(8) as u32),
        memory_mb: Some(1024 * (1 + rng.below(16) as u32)),
        image: "debian-12".into(),
        volume: (rng.below(2) == 0).then(|| VolumeSpec { size_gb: 10 + rng.below(500) as u32, count: 1 + rng.below(3) as u32 }),
        user_data: Some("#cloud-config\npackages: [curl]\n".into()),
        env: BTreeMap::from([("ROLE".to_string(), format!("role{index}")), ("PORT".to_string(), "8080".to_string())]),
        services: ServiceCommands {
            init: script("init"),
            start: script("start"),
            stop: script("stop"),
            scale_in: script("scale_in"),
            scale_out: script("scale_out"),
            upgrade: script("upgrade"),
        },
        after: if index == 0 { Vec::new() } else { vec![format!("role{}", rng.below(index as u64))] },
        rolling: rng.below(3) == 0,
    }
}

fn cluster(rng: &mut Rng) -> ClusterState {
    let roles = 1 + rng.below(4) as usize;
    let spec = ClusterSpec { roles: (0..roles).map(|i| role(rng, i)).collect() };
    let id = ClusterId::new();
    let nodes = ClusterState::planned_nodes(id, &spec).into_iter().map(|n| strato_apps::Node { status: NodeStatus::Active, ..n }).collect();
    ClusterState { nodes, ..ClusterState::new(id, spec) }
}

fn request(rng: &mut Rng, state: &ClusterState, kind: u64) -> JobRequest {
    let role = state.spec.roles[rng.below(state.spec.roles.len() as u64) as usize].clone();
    let mut newer = state.spec.clone();
    for r in &mut newer.roles {
        r.services.upgrade = Some("echo upgraded to 2.0\n".into());
    }
    match kind {
        0 => JobRequest::Create,
        1 => JobRequest::Stop,
        2 => JobRequest::Start,
        3 => JobRequest::Delete,
        4 => JobRequest::Resize {
            role: role.name,
            shape: Some(InstanceShape::Custom { cpu: 16, memory_mb: 65536 }),
            volume_size_gb: role.volume.map(|v| v.size_gb * 2),
        },
        5 => JobRequest::AddNodes { role: role.name, count: 1 + rng.below(4) as u32 },
        6 => {
            let nodes = state.role_nodes(&role.name);
            let leaving = nodes.iter().skip(1).take(1 + rng.below(3) as usize).map(|n| n.id).collect::<Vec<_>>();
            if leaving.is_empty() {
                JobRequest::AddNodes { role: role.name, count: 1 }
            } else {
                JobRequest::DeleteNodes { nodes: leaving }
            }
        }
        7 => JobRequest::UpdateParameters { spec: newer },
        8 => JobRequest::Upgrade { spec: newer },
        _ => JobRequest::Rollback { spec: newer },
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut rng = Rng(0x5eed_cafe_f00d_beef);
    let jobs: Vec<(ClusterState, JobRequest)> = (0..JOBS)
        .map(|i| {
            let state = cluster(&mut rng);
            let request = request(&mut rng, &state, (i % 10) as u64);
            (state, request)
        })
        .collect();
    let nodes: usize = jobs.iter().map(|(state, _)| state.nodes.len()).sum();

    // Warm-up: one pass not measured.
    for (state, request) in &jobs {
        plan_job(state, request)?;
    }
    let mut per_plan = Histogram::<u64>::new(3)?;
    let mut tasks = 0usize;
    let started = Instant::now();
    for (state, request) in &jobs {
        let one = Instant::now();
        let plan = plan_job(state, request)?;
        per_plan.record(one.elapsed().as_nanos() as u64)?;
        tasks += plan.task_count();
    }
    let elapsed = started.elapsed();

    println!("planned {JOBS} jobs (all 10 kinds, 100 each) over clusters of {:.1} nodes on average", nodes as f64 / JOBS as f64);
    println!("  {:.0} jobs/s, {:.1} tasks per plan", JOBS as f64 / elapsed.as_secs_f64(), tasks as f64 / JOBS as f64);
    println!(
        "  per plan: p50 {:.1} us, p99 {:.1} us, max {:.1} us",
        per_plan.value_at_quantile(0.50) as f64 / 1000.0,
        per_plan.value_at_quantile(0.99) as f64 / 1000.0,
        per_plan.max() as f64 / 1000.0
    );

    let webapp = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/apps/webapp");
    let package = AppPackage::load(&webapp)?;
    let mut render = Histogram::<u64>::new(3)?;
    for _ in 0..1000 {
        let one = Instant::now();
        package.render(&BTreeMap::new())?;
        render.record(one.elapsed().as_nanos() as u64)?;
    }
    println!(
        "render webapp package (validate parameters, template, parse and check spec): p50 {:.1} us, p99 {:.1} us",
        render.value_at_quantile(0.50) as f64 / 1000.0,
        render.value_at_quantile(0.99) as f64 / 1000.0
    );
    Ok(())
}
