//! `/auth`: password login and the caller's identity.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use strato_types::api::{ErrorBody, LoginRequest, LoginResponse, WhoAmI};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::authz::Principal;
use crate::app::App;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ClientAddr};

pub fn routes() -> OpenApiRouter<Arc<App>> {
    OpenApiRouter::new().routes(routes!(login)).routes(routes!(whoami))
}

/// Log in with a password; answers a bearer token that expires after the server's token TTL.
#[utoipa::path(post, path = "/auth/login", tag = "auth", security(()), request_body = LoginRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 400, description = "Bad input", body = ErrorBody),
        (status = 401, description = "Wrong user, domain or password", body = ErrorBody),
        (status = 429, description = "Too many failed logins from this source or for this user, or too many \
            logins at once; `Retry-After` says when to try again", body = ErrorBody)
    ))]
async fn login(
    State(app): State<Arc<App>>,
    ClientAddr(source): ClientAddr,
    ApiJson(input): ApiJson<LoginRequest>,
) -> ApiResult<Json<LoginResponse>> {
    Ok(Json(app.login(input, source).await?))
}

/// Who the caller is: user, domain, role assignments, and whether they are the system admin.
#[utoipa::path(get, path = "/auth/whoami", tag = "auth",
    responses(
        (status = 200, body = WhoAmI),
        (status = 401, description = "Not authenticated", body = ErrorBody)
    ))]
async fn whoami(State(app): State<Arc<App>>, principal: Principal) -> ApiResult<Json<WhoAmI>> {
    Ok(Json(app.whoami(&principal).await?))
}
