//! Lifecycle operations with a body (creates, `change_config`, `attach`, `detach`, `resize`):
//! thin handlers over `app::ops`. Each answers 202 with the task. The plain actions (delete,
//! start, stop, ...) are declared with their kind and mounted by `plain_actions.rs`.

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
        .routes(routes!(change_server_config))
        .routes(routes!(create_disk))
        .routes(routes!(attach_disk))
        .routes(routes!(detach_disk))
        .routes(routes!(resize_disk))
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

/// Change a stopped server's instance type.
#[utoipa::path(post, path = "/servers/{id}/change_config", tag = "lifecycle", request_body = ServerChangeConfig,
    params(("id" = String, Path, description = "Id or name")),
    responses(
        (status = 202, body = TaskView),
        (status = 400, description = "Bad input (unknown or unchanged sku; more than the cloud can give)", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Read-only for the caller", body = ErrorBody),
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

/// Attach an available disk to a server of its account and zone.
#[utoipa::path(post, path = "/disks/{id}/attach", tag = "lifecycle", request_body = DiskAttach,
    params(("id" = String, Path, description = "Id or name")),
    responses(
        (status = 202, body = TaskView),
        (status = 400, description = "Bad input (unknown server, other zone)", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Read-only for the caller", body = ErrorBody),
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
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Read-only for the caller", body = ErrorBody),
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
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Read-only for the caller", body = ErrorBody),
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
