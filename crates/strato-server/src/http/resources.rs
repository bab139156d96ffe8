//! The synced kinds' routes: `GET /<plural>`, `GET /<plural>/{id}`, `GET /<plural>/{id}/changes`,
//! thin handlers over `app::resources`. One macro line per kind; the paths are spelled out so
//! the OpenAPI document names each.

use std::sync::Arc;

use utoipa_axum::router::OpenApiRouter;

use crate::app::App;

macro_rules! synced_kind {
    ($module:ident, $plural:literal, $list:literal, $show:literal, $changes:literal, $answer:ident) => {
        mod $module {
            use std::sync::Arc;

            use axum::extract::{RawQuery, State};
            use axum::Json;
            use strato_types::api::{$answer, ChangeList, ErrorBody, ResourceUpdate, ResourceView};
            use utoipa_axum::router::OpenApiRouter;
            use utoipa_axum::routes;

            use crate::app::authz::Principal;
            use crate::app::App;
            use crate::error::ApiResult;
            use crate::extract::{ApiJson, ApiPath};
            use crate::http::query::{parse_details, ListParams, ListRequest, ShowParams};

            pub fn routes() -> OpenApiRouter<Arc<App>> {
                OpenApiRouter::new().routes(routes!(list)).routes(routes!(show, update)).routes(routes!(changes))
            }

            /// List objects of this kind visible in the requested scope; filters by account,
            /// region, zone, vpc, status, project, tags and the kind's own fields.
            #[utoipa::path(get, path = $list, tag = "resources", params(ListParams),
                responses(
                    (status = 200, body = $answer),
                    (status = 400, description = "Bad input", body = ErrorBody),
                    (status = 401, description = "Not authenticated", body = ErrorBody),
                    (status = 403, description = "Scope or role not allowed", body = ErrorBody)
                ))]
            async fn list(State(app): State<Arc<App>>, principal: Principal, RawQuery(query): RawQuery) -> ApiResult<Json<$answer>> {
                let request = ListRequest::parse(query.as_deref())?;
                let page = app.list_resources(&principal, $plural, request).await?;
                Ok(Json($answer { $module: page.items, total: page.total, limit: u64::from(page.limit), offset: page.offset }))
            }

            /// Show one object by id or name.
            #[utoipa::path(get, path = $show, tag = "resources",
                params(("id" = String, Path, description = "Id or name"), ShowParams),
                responses(
                    (status = 200, body = ResourceView),
                    (status = 400, description = "Bad input", body = ErrorBody),
                    (status = 401, description = "Not authenticated", body = ErrorBody),
                    (status = 404, description = "No such object, or not visible to the caller", body = ErrorBody)
                ))]
            async fn show(
                State(app): State<Arc<App>>,
                principal: Principal,
                ApiPath(id): ApiPath<String>,
                RawQuery(query): RawQuery,
            ) -> ApiResult<Json<ResourceView>> {
                let details = parse_details(query.as_deref())?;
                Ok(Json(app.show_resource(&principal, $plural, &id, details).await?))
            }

            /// Change what a user may change on the mirrored row: delete protection.
            #[utoipa::path(put, path = $show, tag = "resources", request_body = ResourceUpdate,
                params(("id" = String, Path, description = "Id or name")),
                responses(
                    (status = 200, body = ResourceView),
                    (status = 400, description = "Bad input", body = ErrorBody),
                    (status = 401, description = "Not authenticated", body = ErrorBody),
                    (status = 403, description = "Read-only for the caller", body = ErrorBody),
                    (status = 404, description = "No such object, or not visible to the caller", body = ErrorBody)
                ))]
            async fn update(
                State(app): State<Arc<App>>,
                principal: Principal,
                ApiPath(id): ApiPath<String>,
                ApiJson(input): ApiJson<ResourceUpdate>,
            ) -> ApiResult<Json<ResourceView>> {
                Ok(Json(app.update_resource(&principal, $plural, &id, input).await?))
            }

            /// Change history of one object: every field a sync or an operation changed.
            #[utoipa::path(get, path = $changes, tag = "resources",
                params(("id" = String, Path, description = "Id or name")),
                responses(
                    (status = 200, body = ChangeList),
                    (status = 401, description = "Not authenticated", body = ErrorBody),
                    (status = 404, description = "No such object, or not visible to the caller", body = ErrorBody)
                ))]
            async fn changes(State(app): State<Arc<App>>, principal: Principal, ApiPath(id): ApiPath<String>) -> ApiResult<Json<ChangeList>> {
                Ok(Json(app.resource_changes(&principal, $plural, &id).await?))
            }
        }
    };
}

synced_kind!(vpcs, "vpcs", "/vpcs", "/vpcs/{id}", "/vpcs/{id}/changes", VpcList);
synced_kind!(networks, "networks", "/networks", "/networks/{id}", "/networks/{id}/changes", NetworkList);
synced_kind!(secgroups, "secgroups", "/secgroups", "/secgroups/{id}", "/secgroups/{id}/changes", SecgroupList);
synced_kind!(skus, "skus", "/skus", "/skus/{id}", "/skus/{id}/changes", SkuList);
synced_kind!(disks, "disks", "/disks", "/disks/{id}", "/disks/{id}/changes", DiskList);
synced_kind!(servers, "servers", "/servers", "/servers/{id}", "/servers/{id}/changes", ServerList);
synced_kind!(
    elasticsearches,
    "elasticsearches",
    "/elasticsearches",
    "/elasticsearches/{id}",
    "/elasticsearches/{id}/changes",
    ElasticsearchList
);

pub fn routes() -> OpenApiRouter<Arc<App>> {
    OpenApiRouter::new()
        .merge(vpcs::routes())
        .merge(networks::routes())
        .merge(secgroups::routes())
        .merge(skus::routes())
        .merge(disks::routes())
        .merge(servers::routes())
        .merge(elasticsearches::routes())
}
