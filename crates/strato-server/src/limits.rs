//! Limits that protect the server from hostile or broken clients: timeouts, the connection cap,
//! the shutdown deadline (enforced in `conn`), the request body deadline (here), login
//! throttling (`app::login_guard`), action-log retention and the `/metrics` token. Defaults and
//! settings are listed in docs/server.md "Limits and timeouts".

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::rejection::BytesRejection;
use http_body::Frame;

use crate::app::login_guard::LoginLimits;
use crate::error::ApiError;

/// Every hostile-client setting of one server.
#[derive(Debug, Clone)]
pub struct Limits {
    pub server: ServerLimits,
    pub login: LoginLimits,
    /// Action-log entries older than this are purged hourly; `None` keeps them forever.
    pub action_log_retention: Option<Duration>,
    /// `/metrics` answers only with a valid bearer token.
    pub metrics_token_required: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            server: ServerLimits::default(),
            login: LoginLimits::default(),
            action_log_retention: Some(Duration::from_secs(90 * 86_400)),
            metrics_token_required: false,
        }
    }
}

/// Connection-level limits of `run`.
#[derive(Debug, Clone)]
pub struct ServerLimits {
    /// A client must send a complete request head within this, counted from when the server
    /// waits for it; so a keep-alive connection idle this long is closed too.
    pub header_timeout: Duration,
    /// A request body must have arrived completely within this after its head (408 otherwise).
    pub body_timeout: Duration,
    /// A connection on which no byte moves for this long while no handler runs is closed
    /// (a client that stops reading its answer).
    pub idle_timeout: Duration,
    /// Open connections at most; more are answered 503 and closed at once.
    pub max_connections: usize,
    /// After the shutdown signal, in-flight requests get this long; then connections are dropped.
    pub shutdown_timeout: Duration,
}

impl Default for ServerLimits {
    fn default() -> Self {
        ServerLimits {
            header_timeout: Duration::from_secs(15),
            body_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            max_connections: 1024,
            shutdown_timeout: Duration::from_secs(10),
        }
    }
}

/// What a request body yields once its deadline has passed.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive within the body timeout")]
pub struct BodyTimedOut;

/// A request body that fails with `BodyTimedOut` once `deadline` has passed without its end.
pub struct DeadlineBody {
    inner: Body,
    sleep: Pin<Box<tokio::time::Sleep>>,
    done: bool,
}

impl DeadlineBody {
    pub fn new(inner: Body, timeout: Duration) -> Self {
        DeadlineBody { inner, sleep: Box::pin(tokio::time::sleep(timeout)), done: false }
    }
}

impl HttpBody for DeadlineBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        if self.done {
            return Poll::Ready(None);
        }
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            if frame.is_none() {
                self.done = true;
            }
            return Poll::Ready(frame);
        }
        if std::future::Future::poll(self.sleep.as_mut(), cx).is_ready() {
            self.done = true;
            return Poll::Ready(Some(Err(axum::Error::new(BodyTimedOut))));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.done || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// Whether a body read failed because of `DeadlineBody`'s deadline.
pub(crate) fn is_body_timeout(rejection: &BytesRejection) -> bool {
    caused_by_timeout(rejection)
}

/// Same check for a body read through `axum::body::to_bytes`.
pub(crate) fn is_body_timeout_error(error: &axum::Error) -> bool {
    caused_by_timeout(error)
}

fn caused_by_timeout(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(error) = cause {
        if error.is::<BodyTimedOut>() {
            return true;
        }
        cause = error.source();
    }
    false
}

pub(crate) fn body_timeout_error() -> ApiError {
    ApiError::RequestTimeout("the request body did not arrive within the body timeout".into())
}

/// The JSON answer for a hyper parse error, given its status (see `conn::JsonParseErrors`).
pub(crate) fn parse_error(status: u16) -> ApiError {
    match status {
        414 => ApiError::UriTooLong("the request URI is longer than 65534 bytes".into()),
        431 => ApiError::HeadersTooLarge("the request head is too large (at most 100 headers, about 400 KiB)".into()),
        _ => ApiError::invalid("malformed HTTP request"),
    }
}

/// The bytes of a complete HTTP/1.1 error answer that closes the connection, for the places
/// that answer before any router runs (parse errors, the connection cap).
pub(crate) fn raw_error_response(error: &ApiError) -> Vec<u8> {
    let body = serde_json::to_vec(&error.body()).unwrap_or_default();
    let status = error.status();
    let mut head = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or(""),
        body.len()
    );
    if let ApiError::TooManyRequests { retry_after_secs, .. } = error {
        head.push_str(&format!("retry-after: {retry_after_secs}\r\n"));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(&body);
    bytes
}
