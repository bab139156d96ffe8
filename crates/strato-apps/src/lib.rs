//! Applications on clouds (the OpenPitrix half of Strato): app packages (`package.yaml`,
//! `config.yaml`, `cluster.yaml.tmpl`), the cluster spec a package renders to, and the pure job
//! planner that splits a cluster request into layers of tasks. No I/O beyond reading a package.

pub mod archive;
pub mod cluster;
pub mod config;
pub mod error;
pub mod ids;
pub mod package;
pub mod params;
pub mod plan;
pub mod spec;
pub mod spec_check;
pub mod status;
pub mod template;
mod yaml;

pub use cluster::{ClusterState, Node};
pub use config::{ConfigSchema, ParamType, Parameter};
pub use error::{PackageError, PackageErrorDetails, Position, Problem};
pub use ids::{ClusterId, NodeId, VolumeId};
pub use package::{AppPackage, PackageMeta};
pub use params::{ParamValue, Parameters};
pub use plan::{plan_job, JobKind, JobPlan, JobRequest, Layer, PlanError, Task, TaskAction};
pub use spec::{ClusterSpec, InstanceShape, RoleSpec, ServiceCommand, ServiceCommands, VolumeSpec};
pub use status::{ClusterStatus, NodeStatus, TransitionStatus};
