//! Cluster, node and volume ids. A cluster id is new (UUIDv7); node and volume ids are derived
//! (UUIDv5) from the cluster id, the role and the index, so planning the same job again after a
//! crash names the same nodes and volumes, and the executor can use them as idempotency tokens.

use uuid::Uuid;

strato_types::typed_id!(ClusterId, "cluster");
strato_types::typed_id!(NodeId, "node");
strato_types::typed_id!(VolumeId, "volume");

impl NodeId {
    /// The id of node `index` of `role` in `cluster`: the same inputs always give the same id.
    pub fn derive(cluster: ClusterId, role: &str, index: u32) -> Self {
        let name = format!("node/{role}/{index}");
        Self::from_uuid(Uuid::new_v5(cluster.as_uuid(), name.as_bytes()))
    }
}

impl VolumeId {
    /// The id of volume `index` of `node`.
    pub fn derive(node: NodeId, index: u32) -> Self {
        let name = format!("volume/{index}");
        Self::from_uuid(Uuid::new_v5(node.as_uuid(), name.as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_ids_are_stable_and_distinct() {
        let cluster = ClusterId::new();
        assert_eq!(NodeId::derive(cluster, "db", 0), NodeId::derive(cluster, "db", 0));
        assert_ne!(NodeId::derive(cluster, "db", 0), NodeId::derive(cluster, "db", 1));
        assert_ne!(NodeId::derive(cluster, "db", 0), NodeId::derive(cluster, "web", 0));
        assert_ne!(NodeId::derive(cluster, "db", 0), NodeId::derive(ClusterId::new(), "db", 0));
        let node = NodeId::derive(cluster, "db", 0);
        assert_eq!(VolumeId::derive(node, 0), VolumeId::derive(node, 0));
        assert_ne!(VolumeId::derive(node, 0), VolumeId::derive(node, 1));
    }
}
