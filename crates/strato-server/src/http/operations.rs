//! Lifecycle operations: thin handlers over `app::ops`. Each answers 202 with the task.

use std::sync::Arc;

use axum::extract::State;
use strato_types::api::{DiskAttach, DiskCreate, DiskResize, ErrorBody, ServerChangeConfig, ServerCreate, TaskView};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::authz::Principal;
use crate::app::App;
use crate::extract::{ApiJson, ApiPath};
use crate::http::{accepted, Accepted};

pub fn routes() -> OpenApiRouter<Arc<App>> {
    OpenApiRouter::new()
        .routes(routes!(create_server))
        .routes(routes!(delete_server))
        .routes(routes!(start_server))
        .routes(routes!(stop_server))
        .routes(routes!(restart_server))
        .routes(routes!(change_server_config))
        .routes(routes!(create_disk))
        .routes(routes!(delete_disk))
        .routes(routes!(attach_disk))
        .routes(routes!(detach_disk))
        .routes(routes!(resize_disk))
        .routes(routes!(delete_elasticsearch))
}

/// Create a server: its row appears at once (status creating); the task makes it in the cloud.
#[utoipa::path(post, path = "/servers", tag = "lifecycle", request_body = ServerCreate,
    responses(
        (status = 202, body = TaskView),
        (status = 400, description = "Bad input, checked with the cloud before anything is made (unknown account, region, zone, network, secgroup, sku or image; more vcpus, memory or disk than the cloud can give)", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Read-only for the caller", body = ErrorBody),
        (status = 409, description = "Name taken, or the account is disabled", body = ErrorBody)
    ))]
async fn create_server(State(app): State<Arc<App>>, principal: Principal, ApiJson(input): ApiJson<ServerCreate>) -> Accepted {
    accepted(app.create_server(&principal, input).await?)
}

/// Delete a server (refused while delete protection is on).
#[utoipa::path(delete, path = "/servers/{id}", tag = "lifecycle",
    params(("id" = String, Path, description = "Id or name")),
    responses(
        (status = 202, body = TaskView),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Read-only for the caller", body = ErrorBody),
        (status = 404, description = "No such object, or not visible to the caller", body = ErrorBody),
        (status = 409, description = "Not allowed from the current status, or delete protection is on", body = ErrorBody)
    ))]
async fn delete_server(State(app): State<Arc<App>>, principal: Principal, ApiPath(id): ApiPath<String>) -> Accepted {
    accepted(app.server_action(&principal, &id, "delete").await?)
}

macro_rules! server_action {
    ($name:ident, $path:literal, $verb:literal, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "lifecycle",
            params(("id" = String, Path, description = "Id or name")),
            responses(
                (status = 202, body = TaskView),
                (status = 401, description = "Not authenticated", body = ErrorBody),
                (status = 403, description = "Read-only for the caller", body = ErrorBody),
                (status = 404, description = "No such object, or not visible to the caller", body = ErrorBody),
                (status = 409, description = "Not allowed from the current status", body = ErrorBody)
            ))]
        async fn $name(State(app): State<Arc<App>>, principal: Principal, ApiPath(id): ApiPath<String>) -> Accepted {
            accepted(app.server_action(&principal, &id, $verb).await?)
        }
    };
}

server_action!(start_server, "/servers/{id}/start", "start", "Start a stopped server.");
server_action!(stop_server, "/servers/{id}/stop", "stop", "Stop a running server.");
server_action!(restart_server, "/servers/{id}/restart", "restart", "Restart a running server.");

/// Change a stopped server's instance type.
#[utoipa::path(post, path = "/servers/{id}/change_config", tag = "lifecycle", request_body = ServerChangeConfig,
    params(("id" = String, Path, description = "Id or name")),
    responses(
        (status = 202, body = TaskView),
        (status = 400, description = "Bad input (unknown or unchanged sku; more than the cloud can give)", body = ErrorBody),
        (status = 404, description = "No such object, or not visible to the caller", body = ErrorBody),
        (status = 409, description = "Not allowed from the current status", body = ErrorBody)
    ))]
async fn change_server_config(
    State(app): State<Arc<App>>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<ServerChangeConfig>,
) -> Accepted {
    accepted(app.change_server_config(&principal, &id, input).await?)
}

/// Create a disk in a zone (the region's only zone when none is named).
#[utoipa::path(post, path = "/disks", tag = "lifecycle", request_body = DiskCreate,
    responses(
        (status = 202, body = TaskView),
        (status = 400, description = "Bad input (unknown account, region or zone; bad size; more than the cloud's free space)", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Read-only for the caller", body = ErrorBody),
        (status = 409, description = "Name taken, or the account is disabled", body = ErrorBody)
    ))]
async fn create_disk(State(app): State<Arc<App>>, principal: Principal, ApiJson(input): ApiJson<DiskCreate>) -> Accepted {
    accepted(app.create_disk(&principal, input).await?)
}

/// Delete a disk (it must be detached; refused while delete protection is on).
#[utoipa::path(delete, path = "/disks/{id}", tag = "lifecycle",
    params(("id" = String, Path, description = "Id or name")),
    responses(
        (status = 202, body = TaskView),
        (status = 404, description = "No such object, or not visible to the caller", body = ErrorBody),
        (status = 409, description = "Not allowed from the current status, or delete protection is on", body = ErrorBody)
    ))]
async fn delete_disk(State(app): State<Arc<App>>, principal: Principal, ApiPath(id): ApiPath<String>) -> Accepted {
    accepted(app.delete_disk(&principal, &id).await?)
}

/// Attach an available disk to a server of its account and zone.
#[utoipa::path(post, path = "/disks/{id}/attach", tag = "lifecycle", request_body = DiskAttach,
    params(("id" = String, Path, description = "Id or name")),
    responses(
        (status = 202, body = TaskView),
        (status = 400, description = "Bad input (unknown server, other zone)", body = ErrorBody),
        (status = 404, description = "No such object, or not visible to the caller", body = ErrorBody),
        (status = 409, description = "Attached elsewhere (as the inventory or the cloud says), or not allowed from the current status", body = ErrorBody)
    ))]
async fn attach_disk(
    State(app): State<Arc<App>>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<DiskAttach>,
) -> Accepted {
    accepted(app.attach_disk(&principal, &id, input).await?)
}

/// Detach a disk from its server (not a boot disk).
#[utoipa::path(post, path = "/disks/{id}/detach", tag = "lifecycle",
    params(("id" = String, Path, description = "Id or name")),
    responses(
        (status = 202, body = TaskView),
        (status = 400, description = "A boot disk", body = ErrorBody),
        (status = 404, description = "No such object, or not visible to the caller", body = ErrorBody),
        (status = 409, description = "Not attached (as the cloud says), or not allowed from the current status", body = ErrorBody)
    ))]
async fn detach_disk(State(app): State<Arc<App>>, principal: Principal, ApiPath(id): ApiPath<String>) -> Accepted {
    accepted(app.detach_disk(&principal, &id).await?)
}

/// Grow a disk.
#[utoipa::path(post, path = "/disks/{id}/resize", tag = "lifecycle", request_body = DiskResize,
    params(("id" = String, Path, description = "Id or name")),
    responses(
        (status = 202, body = TaskView),
        (status = 400, description = "Not larger than now, or more than the cloud's free space", body = ErrorBody),
        (status = 404, description = "No such object, or not visible to the caller", body = ErrorBody),
        (status = 409, description = "Not allowed from the current status", body = ErrorBody)
    ))]
async fn resize_disk(
    State(app): State<Arc<App>>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<DiskResize>,
) -> Accepted {
    accepted(app.resize_disk(&principal, &id, input).await?)
}

/// Delete an Elasticsearch domain (refused while delete protection is on).
#[utoipa::path(delete, path = "/elasticsearches/{id}", tag = "lifecycle",
    params(("id" = String, Path, description = "Id or name")),
    responses(
        (status = 202, body = TaskView),
        (status = 404, description = "No such object, or not visible to the caller", body = ErrorBody),
        (status = 409, description = "Not allowed from the current status, or delete protection is on", body = ErrorBody)
    ))]
async fn delete_elasticsearch(State(app): State<Arc<App>>, principal: Principal, ApiPath(id): ApiPath<String>) -> Accepted {
    accepted(app.delete_elasticsearch(&principal, &id).await?)
}
