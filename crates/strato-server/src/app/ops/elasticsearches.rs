//! Elasticsearch (OpenSearch) operations: delete, a plain action (its route and command come
//! from the kind's declaration in `strato_types::kinds`).
//!
//! | action | from | during | end (cloud) | failed |
//! |---|---|---|---|---|
//! | delete | available, processing, unknown, delete_failed | deleting | gone | delete_failed |

use std::time::Duration;

use strato_cloud::ResourceKind;

use super::{Action, Until};

pub(crate) static DELETE: Action = Action {
    resource: ResourceKind::Elasticsearch,
    verb: "delete",
    task: "elasticsearch.delete",
    from: &["available", "processing", "unknown", "delete_failed"],
    during: "deleting",
    failed: "delete_failed",
    until: Until::Gone,
    call: Some(|d, p| d.delete_elasticsearch(&p.region, &p.external_id)),
    // domains take many minutes to go on AWS
    timeout: Duration::from_secs(3600),
};

pub(crate) static ACTIONS: &[&Action] = &[&DELETE];
