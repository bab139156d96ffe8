//! Plain actions (`strato_types::kinds::PlainAction`: delete, start, stop, ...): the kind's
//! declaration names the verb, the kind file registers its `Action` under the same verb, and
//! this one entry point joins the two for every kind, so a kind with plain actions only needs
//! no app function of its own.

use strato_cloud::ResourceKind;
use strato_types::api::TaskView;
use strato_types::kinds::{PlainAction, SyncedKind};

use super::{registered, Action, ActionArgs};
use crate::app::authz::Principal;
use crate::app::App;
use crate::error::{ApiError, ApiResult};

/// The registered action `verb` of the kind called `keyword`.
pub(crate) fn find_action(keyword: &str, verb: &str) -> Option<&'static Action> {
    let resource = keyword.parse::<ResourceKind>().ok()?;
    registered().find(|action| action.resource == resource && action.verb == verb)
}

impl App {
    /// `DELETE /<plural>/{id}` or `POST /<plural>/{id}/<verb>` of a declared plain action.
    pub async fn plain_action(&self, principal: &Principal, kind: &SyncedKind, plain: &PlainAction, key: &str) -> ApiResult<TaskView> {
        let action = find_action(kind.keyword, plain.verb)
            .ok_or_else(|| ApiError::internal(format!("{} {} is declared but no action is registered for it", kind.keyword, plain.verb)))?;
        let record = self.find_resource(principal, crate::app::resources::kind(kind.plural)?, key).await?;
        self.start_action(principal, action, &record, ActionArgs::default()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strato_types::kinds::SYNCED_KINDS;

    #[test]
    fn every_declared_plain_action_is_registered() {
        for kind in SYNCED_KINDS {
            for plain in kind.actions {
                let action = find_action(kind.keyword, plain.verb)
                    .unwrap_or_else(|| panic!("{} {} is declared but not registered", kind.keyword, plain.verb));
                assert_eq!(action.is_delete(), plain.is_delete(), "{} {}", kind.keyword, plain.verb);
                assert!(!action.is_create(), "{} {}", kind.keyword, plain.verb);
            }
        }
    }
}
