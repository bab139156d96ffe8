//! Elasticsearch (OpenSearch) operations: delete.
//!
//! | action | from | during | end (cloud) | failed |
//! |---|---|---|---|---|
//! | delete | available, processing, unknown, delete_failed | deleting | gone | delete_failed |

use std::time::Duration;

use strato_cloud::ResourceKind;
use strato_store::synced::elasticsearches::ELASTICSEARCHES;
use strato_types::api::TaskView;

use super::{Action, ActionArgs, Until};
use crate::app::authz::Principal;
use crate::app::App;
use crate::error::ApiResult;

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

impl App {
    /// `DELETE /elasticsearches/{id}`.
    pub async fn delete_elasticsearch(&self, principal: &Principal, key: &str) -> ApiResult<TaskView> {
        let record = self.find_resource(principal, &ELASTICSEARCHES, key).await?;
        self.start_action(principal, &DELETE, &record, ActionArgs::default()).await
    }
}
