//! The action-log middleware: every write request (POST, PUT, PATCH, DELETE) that reached an
//! authenticated caller leaves one entry, success or failure, and so does every login attempt.
//! It is done here once, for every route, from the path and the answer, so no handler can
//! forget it and new endpoints are covered without a line of their own.
//!
//! - object kind: the singular of the first path segment (`elasticsearches` -> `elasticsearch`);
//!   object id: the second segment as given, or for a create the answer's `id`;
//! - action: `create`, `update`, `delete`, or the action segment (`/servers/{id}/stop` -> `stop`);
//! - outcome: success for 2xx, failure otherwise, with the error message the caller got;
//! - a 202 answer is a task: its id becomes the entry's `task_id`.
//!
//! Throttled requests (429) leave no entry: login throttling (`app::login_guard`) bounds the
//! failed logins that are written, and counts the refused ones in `/metrics`.
//!
//! Only a few fields of the answer are kept (id, name, project, domain, error message); request
//! bodies are never read, except the login's user and domain names.

use std::sync::{Arc, OnceLock};

use axum::body::{Body, HttpBody};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::Value;

use crate::app::actionlogs::{Actor, RequestEntry};
use crate::app::authz::Principal;
use crate::app::App;
use crate::error::ApiError;
use crate::BODY_LIMIT_BYTES;

const LOGIN_PATH: &str = "/auth/login";
/// Answers larger than this are passed on unread (a write answers one object).
const ANSWER_MAX: usize = 256 * 1024;
/// Longest user or domain name taken from a login body.
const LOGIN_NAME_MAX: usize = 256;

/// Filled by the `Principal` extractor, so the middleware learns who made a request without
/// authenticating it a second time (and only when the handler really authenticated it).
#[derive(Clone, Default)]
pub(crate) struct PrincipalSlot(Arc<OnceLock<Principal>>);

impl PrincipalSlot {
    pub(crate) fn fill(&self, principal: &Principal) {
        let _ = self.0.set(principal.clone());
    }
}

/// Adds the middleware to the router (inside the shared stack, so the request id is set).
pub fn layer(router: Router, app: Arc<App>) -> Router {
    router.layer(middleware::from_fn_with_state(app, record))
}

fn is_write(method: &Method) -> bool {
    matches!(*method, Method::POST | Method::PUT | Method::PATCH | Method::DELETE)
}

async fn record(State(app): State<Arc<App>>, mut request: Request, next: Next) -> Response {
    if !is_write(request.method()) {
        return next.run(request).await;
    }
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let request_id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_string);
    let mut login = None;
    if method == Method::POST && path == LOGIN_PATH && !declared_too_large(request.headers()) {
        // The body is read here only for the user and domain names, and handed on unchanged.
        let (parts, body) = request.into_parts();
        let bytes = match axum::body::to_bytes(body, BODY_LIMIT_BYTES).await {
            Ok(bytes) => bytes,
            Err(error) if crate::limits::is_body_timeout_error(&error) => {
                return crate::limits::body_timeout_error().into_response()
            }
            Err(_) => {
                return ApiError::PayloadTooLarge(format!("request body is larger than {BODY_LIMIT_BYTES} bytes")).into_response()
            }
        };
        login = Some(login_names(&bytes));
        request = Request::from_parts(parts, Body::from(bytes));
    }
    let slot = PrincipalSlot::default();
    request.extensions_mut().insert(slot.clone());
    let response = next.run(request).await;
    if response.status() == StatusCode::TOO_MANY_REQUESTS {
        // throttled: refused before any work, counted in /metrics (strato_login_throttled_total),
        // not logged, so a flood of attempts cannot flood the log
        return response;
    }
    let actor = match (slot.0.get(), &login) {
        (Some(principal), _) => Actor::Principal(principal),
        (None, Some((user, domain))) => Actor::Login { user, domain },
        // not authenticated: nobody to name
        (None, None) => return response,
    };
    let (response, answer) = read_answer(response).await;
    let mut entry = entry_for(&method, &path, response.status(), answer.as_ref());
    entry.request_id = request_id;
    app.record_request(actor, entry).await;
    response
}

fn declared_too_large(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|n| n > BODY_LIMIT_BYTES as u64)
}

/// The user and domain a login body names; the rest of it (the password) is not kept.
fn login_names(body: &[u8]) -> (String, String) {
    let value: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let name = |key: &str, default: &str| {
        value.get(key).and_then(Value::as_str).unwrap_or(default).chars().take(LOGIN_NAME_MAX).collect::<String>()
    };
    (name("username", ""), name("domain", crate::app::DEFAULT_DOMAIN))
}

/// The answer, and its body as JSON when it is small JSON.
async fn read_answer(response: Response) -> (Response, Option<Value>) {
    let is_json = response.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    let small = response.body().size_hint().upper().is_some_and(|n| n <= ANSWER_MAX as u64);
    if !is_json || !small {
        return (response, None);
    }
    let (parts, body) = response.into_parts();
    match axum::body::to_bytes(body, ANSWER_MAX).await {
        Ok(bytes) => {
            let value = serde_json::from_slice(&bytes).ok();
            (Response::from_parts(parts, Body::from(bytes)), value)
        }
        Err(error) => {
            tracing::warn!(%error, "reading an answer for the action log failed");
            (Response::from_parts(parts, Body::empty()), None)
        }
    }
}

/// `servers` -> `server`, `elasticsearches` -> `elasticsearch`, `policies` -> `policy`. A
/// resource kind's keyword comes from its declaration; other objects' by English rules.
pub(crate) fn singular(plural: &str) -> String {
    if let Some(kind) = strato_cloud::kinds::by_plural(plural) {
        return kind.meta().keyword().to_string();
    }
    for suffix in ["sses", "ches", "shes", "xes"] {
        if plural.ends_with(suffix) {
            return plural[..plural.len() - 2].to_string();
        }
    }
    if let Some(stem) = plural.strip_suffix("ies") {
        return format!("{stem}y");
    }
    plural.strip_suffix('s').unwrap_or(plural).to_string()
}

/// (object id, action) of a write, from its method and path segments.
fn object_and_action(method: &Method, segments: &[&str]) -> (String, String) {
    let id = segments.get(1).map(|s| s.to_string()).unwrap_or_default();
    let verb = match *method {
        Method::POST => "create",
        Method::DELETE => "delete",
        _ => "update",
    };
    match segments {
        [] | [_] => (String::new(), verb.to_string()),
        // `/auth/login`: the second segment is the action, there is no object id
        [_, action] if *method == Method::POST => (String::new(), action.to_string()),
        [_, _] => (id, verb.to_string()),
        [.., action] if *method == Method::POST => (id, action.to_string()),
        [.., sub] => (id, format!("{verb}_{sub}")),
    }
}

fn text<'a>(body: &'a serde_json::Map<String, Value>, key: &str) -> Option<&'a str> {
    body.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// The entry of one request, from the path and the answer (without the actor).
pub(crate) fn entry_for(method: &Method, path: &str, status: StatusCode, answer: Option<&Value>) -> RequestEntry {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let (object_id, action) = object_and_action(method, &segments);
    let mut entry = RequestEntry {
        object_kind: segments.first().map(|s| singular(s)).unwrap_or_default(),
        object_id,
        action,
        success: status.is_success(),
        ..RequestEntry::default()
    };
    if !entry.success {
        let message = answer.and_then(|a| a.pointer("/error/message")).and_then(Value::as_str);
        entry.error = Some(message.or(status.canonical_reason()).unwrap_or("failed").to_string());
        return entry;
    }
    let Some(Value::Object(body)) = answer else { return entry };
    let creating = entry.action == "create";
    if status == StatusCode::ACCEPTED {
        // an asynchronous action: the answer is its task
        entry.task_id = text(body, "id").and_then(|id| id.parse().ok());
        if creating {
            entry.object_id = text(body, "target_id").unwrap_or_default().to_string();
        }
    } else {
        if creating {
            entry.object_id = text(body, "id").unwrap_or_default().to_string();
        }
        entry.object_name = text(body, "name").map(str::to_string);
        // a project (domain) is its own project (domain)
        match entry.object_kind.as_str() {
            "project" => entry.project_id = text(body, "id").and_then(|id| id.parse().ok()),
            "domain" => entry.domain_id = text(body, "id").and_then(|id| id.parse().ok()),
            _ => {}
        }
    }
    entry.project_id = entry.project_id.or_else(|| text(body, "project_id").and_then(|id| id.parse().ok()));
    entry.domain_id = entry.domain_id.or_else(|| text(body, "domain_id").and_then(|id| id.parse().ok()));
    entry
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kinds_are_singular() {
        for (plural, kind) in [
            ("servers", "server"),
            ("elasticsearches", "elasticsearch"),
            ("role_assignments", "role_assignment"),
            ("cloudaccounts", "cloudaccount"),
            ("skus", "sku"),
            ("addresses", "address"),
            ("policies", "policy"),
            ("auth", "auth"),
        ] {
            assert_eq!(singular(plural), kind);
        }
    }

    #[test]
    fn actions_come_from_method_and_path() {
        let shape = |m: Method, p: &str| {
            let e = entry_for(&m, p, StatusCode::OK, None);
            (e.object_kind, e.object_id, e.action)
        };
        let s = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
        assert_eq!(shape(Method::POST, "/servers"), s("server", "", "create"));
        assert_eq!(shape(Method::PUT, "/servers/web-1"), s("server", "web-1", "update"));
        assert_eq!(shape(Method::PATCH, "/servers/web-1"), s("server", "web-1", "update"));
        assert_eq!(shape(Method::DELETE, "/role_assignments/x"), s("role_assignment", "x", "delete"));
        assert_eq!(shape(Method::POST, "/servers/web-1/stop"), s("server", "web-1", "stop"));
        assert_eq!(shape(Method::POST, "/auth/login"), s("auth", "", "login"));
        assert_eq!(shape(Method::DELETE, "/servers/a/disks/b"), s("server", "a", "delete_b"));
    }

    #[test]
    fn answers_fill_ids_names_projects_and_errors() {
        let project = strato_types::ProjectId::new();
        let created = json!({"id": "0190a5d0-0000-7000-8000-000000000001", "name": "a1", "project_id": project.to_string()});
        let e = entry_for(&Method::POST, "/cloudaccounts", StatusCode::CREATED, Some(&created));
        assert_eq!(
            (e.object_id.as_str(), e.object_name.as_deref(), e.project_id),
            ("0190a5d0-0000-7000-8000-000000000001", Some("a1"), Some(project))
        );
        let task = strato_types::TaskId::new();
        let accepted = json!({"id": task.to_string(), "target_id": "t", "project_id": project.to_string()});
        let e = entry_for(&Method::POST, "/cloudaccounts/a1/sync", StatusCode::ACCEPTED, Some(&accepted));
        assert_eq!((e.object_id.as_str(), e.task_id, e.object_name), ("a1", Some(task), None));
        let failed = json!({"error": {"code": 409, "message": "already exists"}});
        let e = entry_for(&Method::POST, "/projects", StatusCode::CONFLICT, Some(&failed));
        assert_eq!((e.success, e.error.as_deref()), (false, Some("already exists")));
        let e = entry_for(&Method::DELETE, "/projects/p", StatusCode::NOT_FOUND, None);
        assert_eq!(e.error.as_deref(), Some("Not Found"));
    }

    #[test]
    fn login_keeps_only_names() {
        let (user, domain) = login_names(br#"{"username": "alice", "password": "hunter2"}"#);
        assert_eq!((user.as_str(), domain.as_str()), ("alice", "default"));
        assert_eq!(login_names(b"not json"), (String::new(), "default".to_string()));
    }
}
