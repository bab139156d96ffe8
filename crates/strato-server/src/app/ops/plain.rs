//! Plain actions (delete, start, stop, ...: a declared `Transition` with a `PlainDoc`): the
//! kind's declaration gives the state machine and the driver's facet performs the verb, so a
//! kind with plain actions only needs no app function of its own; this one entry point runs
//! them for every kind.

use strato_types::api::TaskView;
use strato_cloud::kinds::{KindMeta, Transition};

use super::{declared, ActionArgs};
use crate::app::authz::Principal;
use crate::app::App;
use crate::error::ApiResult;

impl App {
    /// `DELETE /<plural>/{id}` or `POST /<plural>/{id}/<verb>` of a declared plain action.
    pub async fn plain_action(&self, principal: &Principal, kind: &KindMeta, plain: &Transition, key: &str) -> ApiResult<TaskView> {
        let action = declared(kind.kind, plain.verb)?;
        let record = self.find_resource(principal, crate::app::resources::kind(kind.plural)?, key).await?;
        self.start_action(principal, action, &record, ActionArgs::default()).await
    }
}

#[cfg(test)]
mod tests {
    use super::super::{action, actions, Call};
    use strato_cloud::kinds;

    #[test]
    fn every_declared_action_has_a_task_and_a_call() {
        for kind in kinds::all() {
            let meta = kind.meta();
            for transition in meta.transitions {
                let action = action(meta.kind, transition.verb)
                    .unwrap_or_else(|| panic!("{} {} is declared but has no call", meta.kind, transition.verb));
                assert_eq!(action.task, format!("{}.{}", meta.kind, transition.verb));
                match action.call {
                    Call::Plain => assert!(transition.plain.is_some()),
                    Call::Create => assert!(transition.is_create()),
                    Call::Written(_) => assert!(transition.plain.is_none() && !transition.is_create()),
                }
            }
        }
        // task kinds are persisted: the names of today's actions stay
        let tasks: Vec<&str> = actions().iter().map(|a| a.task).collect();
        for task in ["server.start", "server.change_config", "server.create", "disk.attach", "disk.delete", "elasticsearch.delete"] {
            assert!(tasks.contains(&task), "{task}: {tasks:?}");
        }
    }
}
