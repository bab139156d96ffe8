//! The synced kinds' routes: `GET /<plural>`, `GET|PUT /<plural>/{id}`,
//! `GET /<plural>/{id}/changes`, thin handlers over `app::resources`, for every kind in
//! `strato_cloud::kinds::served()`. The handlers are written and documented once, on
//! `/{kind}` paths; each kind gets them under its own paths (so the OpenAPI document names
//! each, with its `<Keyword>List` and `<Keyword>View` answers and operation ids of its own)
//! and finds its declaration in a request extension.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::{Extension, Json};
use strato_cloud::kinds::{self, KindMeta};
use strato_types::api::{ChangeList, ErrorBody, ResourceList, ResourceUpdate, ResourceView};
use utoipa::openapi::path::Paths;
use utoipa::openapi::{Content, Ref, RefOr};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};
use utoipa_axum::routes;

use crate::app::authz::Principal;
use crate::app::App;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath};
use crate::http::kind_views::{order_by_schema, view_schema};
use crate::http::query::{ListParams, ShowParams, parse_details, parse_list};

/// The path segment the documented handlers stand on for the kind's plural.
pub(super) const KIND_SEGMENT: &str = "{kind}";

/// The handlers' view of which kind a route serves.
type Kind = Extension<&'static KindMeta>;

pub fn routes() -> OpenApiRouter<Arc<App>> {
    kinds::served().fold(OpenApiRouter::new(), |router, kind| router.merge(kind_routes(kind)))
}

fn kind_routes(kind: &'static KindMeta) -> OpenApiRouter<Arc<App>> {
    let (mut schemas, paths, method_router) = documented(routes!(list), kind, Some(kind.list_schema_name()));
    schemas.push((kind.list_schema_name(), ResourceList::list_schema(kind.plural, &kind.view_schema_name())));
    schemas.push((kind.view_schema_name(), view_schema(kind)));
    // the schemas the common fields refer to (`BillingType`)
    <ResourceView as utoipa::ToSchema>::schemas(&mut schemas);
    OpenApiRouter::new()
        .routes((schemas, paths, method_router))
        .routes(documented(routes!(show, update), kind, Some(kind.view_schema_name())))
        .routes(documented(routes!(changes), kind, None))
        .layer(Extension(kind))
}

/// The documented routes moved from `/{kind}...` onto the kind's own paths.
pub(super) fn on_kind_paths(router: UtoipaMethodRouter<Arc<App>>, kind: &KindMeta) -> UtoipaMethodRouter<Arc<App>> {
    with_path_segments(router, &[(KIND_SEGMENT, kind.plural)])
}

/// The documented routes with each placeholder segment (`{kind}`, `{verb}`) replaced by its
/// value; the paths the router serves are these paths.
pub(super) fn with_path_segments(
    (schemas, paths, method_router): UtoipaMethodRouter<Arc<App>>,
    segments: &[(&str, &str)],
) -> UtoipaMethodRouter<Arc<App>> {
    let mut own = Paths::new();
    own.extensions = paths.extensions;
    for (path, item) in paths.paths {
        let path = segments.iter().fold(path, |path, (segment, value)| path.replacen(segment, value, 1));
        own.paths.insert(path, item);
    }
    (schemas, own, method_router)
}

/// The routes on the kind's own paths, each operation named for the kind (`list_server`,
/// `show_server`, `update_server`, `list_server_changes`: operation ids are unique in the
/// document), its `order_by` listing the kind's orderable fields and, with `answer`, answering
/// 200 with that schema of the kind (its list or its view), which the handlers' annotations
/// cannot name.
fn documented(router: UtoipaMethodRouter<Arc<App>>, kind: &'static KindMeta, answer: Option<String>) -> UtoipaMethodRouter<Arc<App>> {
    let (schemas, mut paths, method_router) = on_kind_paths(router, kind);
    let keyword = kind.keyword().replace('-', "_");
    for item in paths.paths.values_mut() {
        for operation in item.get.iter_mut().chain(item.put.iter_mut()) {
            let handler = operation.operation_id.take().unwrap_or_default();
            operation.operation_id = Some(match handler.as_str() {
                "changes" => format!("list_{keyword}_changes"),
                _ => format!("{handler}_{keyword}"),
            });
            let order_by = order_by_schema(kind);
            let parameters = operation.parameters.iter_mut().flatten();
            for parameter in parameters.filter(|p| p.name == "order_by") {
                parameter.schema = Some(order_by.clone());
            }
            let Some(name) = &answer else { continue };
            if let Some(RefOr::T(ok)) = operation.responses.responses.get_mut("200") {
                ok.content.insert("application/json".to_string(), Content::new(Some(Ref::from_schema_name(name.clone()))));
            }
        }
    }
    (schemas, paths, method_router)
}

/// List objects of this kind visible in the requested scope; filters by account,
/// region, zone, vpc, status, project, tags and the kind's own fields.
#[utoipa::path(get, path = "/{kind}", tag = "resources", params(ListParams),
    responses(
        (status = 200, description = "One page of the kind's objects"),
        (status = 400, description = "Bad input", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Scope or role not allowed", body = ErrorBody)
    ))]
async fn list(
    State(app): State<Arc<App>>,
    Extension(kind): Kind,
    principal: Principal,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<ResourceList>> {
    let request = parse_list(query.as_deref())?;
    let page = app.list_resources(&principal, kind.plural, request).await?;
    Ok(Json(ResourceList { plural: kind.plural, items: page.items, total: page.total, limit: u64::from(page.limit), offset: page.offset }))
}

/// Show one object by id or name.
#[utoipa::path(get, path = "/{kind}/{id}", tag = "resources",
    params(("id" = String, Path, description = "Id or name"), ShowParams),
    responses(
        (status = 200, description = "The object"),
        (status = 400, description = "Bad input", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 404, description = "No such object, or not visible to the caller", body = ErrorBody)
    ))]
async fn show(
    State(app): State<Arc<App>>,
    Extension(kind): Kind,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<ResourceView>> {
    let details = parse_details(query.as_deref())?;
    Ok(Json(app.show_resource(&principal, kind.plural, &id, details).await?))
}

/// Change what a user may change on the mirrored row: delete protection.
#[utoipa::path(put, path = "/{kind}/{id}", tag = "resources", request_body = ResourceUpdate,
    params(("id" = String, Path, description = "Id or name")),
    responses(
        (status = 200, description = "The object as changed"),
        (status = 400, description = "Bad input", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Read-only for the caller", body = ErrorBody),
        (status = 404, description = "No such object, or not visible to the caller", body = ErrorBody)
    ))]
async fn update(
    State(app): State<Arc<App>>,
    Extension(kind): Kind,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<ResourceUpdate>,
) -> ApiResult<Json<ResourceView>> {
    Ok(Json(app.update_resource(&principal, kind.plural, &id, input).await?))
}

/// Change history of one object: every field a sync or an operation changed.
#[utoipa::path(get, path = "/{kind}/{id}/changes", tag = "resources",
    params(("id" = String, Path, description = "Id or name")),
    responses(
        (status = 200, body = ChangeList),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 404, description = "No such object, or not visible to the caller", body = ErrorBody)
    ))]
async fn changes(
    State(app): State<Arc<App>>,
    Extension(kind): Kind,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<ChangeList>> {
    Ok(Json(app.resource_changes(&principal, kind.plural, &id).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_is_documented_under_its_own_paths() {
        let (_, openapi) = routes().split_for_parts();
        let paths: Vec<&str> = openapi.paths.paths.keys().map(String::as_str).collect();
        assert_eq!(paths.len(), 3 * kinds::served().count(), "{paths:?}");
        assert!(paths.iter().all(|p| !p.contains(KIND_SEGMENT)), "{paths:?}");
        for kind in kinds::served() {
            let list = openapi.paths.paths.get(&format!("/{}", kind.plural)).and_then(|item| item.get.as_ref());
            let answer = list.and_then(|o| o.responses.responses.get("200"));
            let Some(RefOr::T(answer)) = answer else { panic!("no documented answer of GET /{}", kind.plural) };
            let schema = serde_json::to_value(&answer.content["application/json"].schema).unwrap();
            assert_eq!(schema["$ref"], format!("#/components/schemas/{}", kind.list_schema_name()));
            assert_eq!(list.and_then(|o| o.operation_id.clone()), Some(format!("list_{}", kind.keyword())));
            let one = &openapi.paths.paths[&format!("/{}/{{id}}", kind.plural)];
            for (operation, id) in [(&one.get, "show"), (&one.put, "update")] {
                let operation = operation.as_ref().expect("documented");
                assert_eq!(operation.operation_id, Some(format!("{id}_{}", kind.keyword())));
                let Some(RefOr::T(answer)) = operation.responses.responses.get("200") else { panic!("no 200 of {id}") };
                let schema = serde_json::to_value(&answer.content["application/json"].schema).unwrap();
                assert_eq!(schema["$ref"], format!("#/components/schemas/{}", kind.view_schema_name()));
            }
        }
    }
}
