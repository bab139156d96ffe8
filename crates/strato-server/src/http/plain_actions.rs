//! The synced kinds' plain actions (`Transition`s with a `PlainDoc`): `DELETE
//! /<plural>/{id}` and `POST /<plural>/{id}/<verb>`, each answering 202 with the task. As in
//! `resources.rs`, the two handlers are written and documented once, on `/{kind}` paths, and
//! mounted for every declared action under its kind's own path, with the action's summary and
//! an operation id of its own (`delete_server`); the kind and the action reach the handler as
//! request extensions.

use std::sync::Arc;

use axum::extract::State;
use axum::Extension;
use strato_types::api::{ErrorBody, TaskView};
use strato_cloud::kinds::{self, KindMeta, Transition};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};
use utoipa_axum::routes;

use super::resources::{with_path_segments, KIND_SEGMENT};
use crate::app::authz::Principal;
use crate::app::App;
use crate::extract::ApiPath;
use crate::http::{accepted, Accepted};

/// The path segment the documented `POST` handler stands on for the verb.
const VERB_SEGMENT: &str = "{verb}";

type Kind = Extension<&'static KindMeta>;
type Plain = Extension<&'static Transition>;

pub fn routes() -> OpenApiRouter<Arc<App>> {
    kinds::served().fold(OpenApiRouter::new(), |router, kind| router.merge(kind_routes(kind)))
}

fn kind_routes(kind: &'static KindMeta) -> OpenApiRouter<Arc<App>> {
    kind.plain_actions()
        .fold(OpenApiRouter::new(), |router, (action, doc)| router.routes(action_route(kind, action, doc.doc)))
        .layer(Extension(kind))
}

/// The documented route of one action, on the kind's path, named and summarised as the action.
fn action_route(kind: &'static KindMeta, plain: &'static Transition, doc: &str) -> UtoipaMethodRouter<Arc<App>> {
    let documented = if plain.is_delete() { routes!(delete) } else { routes!(perform) };
    let (schemas, mut paths, method_router) =
        with_path_segments(documented, &[(KIND_SEGMENT, kind.plural), (VERB_SEGMENT, plain.verb)]);
    for item in paths.paths.values_mut() {
        for operation in item.delete.iter_mut().chain(item.post.iter_mut()) {
            operation.summary = Some(doc.to_string());
            operation.description = None;
            operation.operation_id = Some(format!("{}_{}", plain.verb, kind.keyword().replace('-', "_")));
        }
    }
    (schemas, paths, method_router.layer(Extension(plain)))
}

/// Delete an object (refused while delete protection is on).
#[utoipa::path(delete, path = "/{kind}/{id}", tag = "lifecycle",
    params(("id" = String, Path, description = "Id or name")),
    responses(
        (status = 202, body = TaskView),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Read-only for the caller", body = ErrorBody),
        (status = 404, description = "No such object, or not visible to the caller", body = ErrorBody),
        (status = 409, description = "Not allowed from the current status, or delete protection is on", body = ErrorBody)
    ))]
async fn delete(
    State(app): State<Arc<App>>,
    Extension(kind): Kind,
    Extension(plain): Plain,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
) -> Accepted {
    accepted(app.plain_action(&principal, kind, plain, &id).await?)
}

/// Run an action that needs nothing but the object.
#[utoipa::path(post, path = "/{kind}/{id}/{verb}", tag = "lifecycle",
    params(("id" = String, Path, description = "Id or name")),
    responses(
        (status = 202, body = TaskView),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Read-only for the caller", body = ErrorBody),
        (status = 404, description = "No such object, or not visible to the caller", body = ErrorBody),
        (status = 409, description = "Not allowed from the current status", body = ErrorBody)
    ))]
async fn perform(
    State(app): State<Arc<App>>,
    Extension(kind): Kind,
    Extension(plain): Plain,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
) -> Accepted {
    accepted(app.plain_action(&principal, kind, plain, &id).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_action_is_documented_under_its_kind_with_its_own_name() {
        let (_, openapi) = routes().split_for_parts();
        let declared: usize = kinds::served().map(|kind| kind.plain_actions().count()).sum();
        let documented: usize = openapi
            .paths
            .paths
            .values()
            .map(|item| usize::from(item.delete.is_some()) + usize::from(item.post.is_some()))
            .sum();
        assert_eq!(documented, declared);
        for kind in kinds::served() {
            for (plain, doc) in kind.plain_actions() {
                let (path, operation) = if plain.is_delete() {
                    let path = format!("/{}/{{id}}", kind.plural);
                    let operation = openapi.paths.paths.get(&path).and_then(|item| item.delete.clone());
                    (path, operation)
                } else {
                    let path = format!("/{}/{{id}}/{}", kind.plural, plain.verb);
                    let operation = openapi.paths.paths.get(&path).and_then(|item| item.post.clone());
                    (path, operation)
                };
                let operation = operation.unwrap_or_else(|| panic!("{path} is not documented"));
                assert_eq!(operation.summary.as_deref(), Some(doc.doc), "{path}");
                assert_eq!(operation.operation_id, Some(format!("{}_{}", plain.verb, kind.keyword())), "{path}");
            }
        }
    }
}
