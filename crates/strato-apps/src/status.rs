//! Cluster and node statuses (OpenPitrix's): a resting status and, while a job runs, a
//! transition status. They live here until the REST layer moves them to strato-types.

use strato_types::text_enum;

text_enum!(
    /// Where a cluster rests between jobs.
    ClusterStatus, "cluster status", {
        Pending = "pending",
        Active = "active",
        Stopped = "stopped",
        Deleted = "deleted",
        /// Deleted and its resources released for good; only the record remains.
        Ceased = "ceased",
    }
);

text_enum!(
    /// What a running job is doing to a cluster (or to one of its nodes).
    TransitionStatus, "transition status", {
        Creating = "creating",
        Starting = "starting",
        Stopping = "stopping",
        Deleting = "deleting",
        Resizing = "resizing",
        ScalingOut = "scaling_out",
        ScalingIn = "scaling_in",
        Updating = "updating",
        Upgrading = "upgrading",
        RollingBack = "rolling_back",
    }
);

text_enum!(
    /// Where a node rests between jobs (the same values as a cluster's).
    NodeStatus, "node status", {
        Pending = "pending",
        Active = "active",
        Stopped = "stopped",
        Deleted = "deleted",
        Ceased = "ceased",
    }
);
