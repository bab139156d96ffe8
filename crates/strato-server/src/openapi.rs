//! The OpenAPI document, assembled from the `#[utoipa::path]` annotations on the handlers
//! (see `http::router`), so it cannot drift from the code. docs/openapi.json is a checked-in
//! copy that a test compares against.

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Strato",
        description = "Multi-cloud control plane REST API. Errors answer `{\"error\": {\"code\", \"class\", \"message\", \"details\"}}`.",
        license(name = "Apache-2.0")
    ),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    // Order and Scope: the list parameters refer to them
    components(schemas(strato_types::api::ErrorBody, strato_types::api::ErrorDetail, strato_types::Order, strato_types::Scope)),
    tags(
        (name = "auth", description = "Login and the caller's identity"),
        (name = "identity", description = "Domains, projects, users, role assignments and API tokens"),
        (name = "cloud", description = "Cloud accounts and what is synced from them"),
        (name = "operations", description = "Health, readiness, metrics"),
        (name = "lifecycle", description = "Operations on cloud resources: asynchronous, each answers 202 with its task"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

/// The document as served at /openapi.json and checked in at docs/openapi.json.
pub fn document() -> utoipa::openapi::OpenApi {
    let (_router, openapi) = crate::http::api_router().split_for_parts();
    openapi
}

/// Pretty JSON with a trailing newline, the exact form checked in.
pub fn document_json() -> String {
    let mut text = document().to_pretty_json().unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}
