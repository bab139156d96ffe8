//! Accepting and serving connections with the limits of `ServerLimits`: a connection cap, a
//! header timeout (hyper's), an idle timeout and a request body deadline (ours), a shutdown
//! deadline, and JSON bodies for the errors hyper answers by itself before any router runs.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;
use tower::ServiceExt;

use crate::error::ApiError;
use crate::limits::{self, DeadlineBody, ServerLimits};
use crate::metrics::Metrics;

/// Serves `router` on `listener` until `shutdown` resolves, then gives open connections
/// `limits.shutdown_timeout` to finish before dropping them.
pub(crate) async fn serve_connections(
    listener: TcpListener,
    router: Router,
    limits: ServerLimits,
    metrics: Arc<Metrics>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
            // reap finished connection tasks so the set does not grow
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
        };
        let (stream, remote) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                // EMFILE and friends: wait a little instead of spinning
                tracing::warn!(%error, "accepting a connection failed");
                tokio::time::sleep(Duration::from_millis(250)).await;
                continue;
            }
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            metrics.connection_refused();
            refuse(stream);
            continue;
        };
        let router = router.clone();
        let limits = limits.clone();
        let stop = stop_rx.clone();
        connections.spawn(async move {
            serve_one(stream, remote, router, &limits, stop).await;
            drop(permit);
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    let open = connections.len();
    if open > 0 {
        tracing::info!(open, deadline_secs = limits.shutdown_timeout.as_secs_f64(), "waiting for open connections");
    }
    let drained = tokio::time::timeout(limits.shutdown_timeout, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(left = connections.len(), "shutdown deadline passed; dropping open connections");
        connections.shutdown().await;
    }
}

/// Over the connection cap: a best-effort JSON 503 without waiting on the client, then close.
fn refuse(stream: TcpStream) {
    let answer = limits::raw_error_response(&ApiError::Unavailable("too many open connections; retry later".into()));
    let _ = stream.try_write(&answer);
}

async fn serve_one(stream: TcpStream, remote: SocketAddr, router: Router, limits: &ServerLimits, mut stop: watch::Receiver<bool>) {
    let _ = stream.set_nodelay(true);
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(GuardedIo::new(stream, activity.clone()));
    let body_timeout = limits.body_timeout;
    let handler_activity = activity.clone();
    let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(remote));
        let request = request.map(|body| Body::new(DeadlineBody::new(Body::new(body), body_timeout)));
        let router = router.clone();
        let running = HandlerRunning::new(handler_activity.clone());
        async move {
            let response = router.oneshot(request).await;
            drop(running);
            response
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout).keep_alive(true);
    let connection = builder.serve_connection(io, service);
    let mut connection = std::pin::pin!(connection);
    let idle_check = (limits.idle_timeout / 4).clamp(Duration::from_millis(50), Duration::from_secs(5));
    let mut ticker = tokio::time::interval(idle_check);
    let mut stopping = false;
    loop {
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(error) = result {
                    tracing::debug!(%error, %remote, "connection ended with an error");
                }
                return;
            }
            changed = stop.changed(), if !stopping => {
                // the sender is dropped only after it sent `true`
                if changed.is_err() || *stop.borrow() {
                    stopping = true;
                    connection.as_mut().graceful_shutdown();
                }
            }
            _ = ticker.tick() => {
                if activity.idle_for() >= limits.idle_timeout {
                    tracing::debug!(%remote, "closing an idle connection");
                    return;
                }
            }
        }
    }
}

/// When bytes last moved on a connection, and whether a handler is running for it.
struct Activity {
    started: Instant,
    last_progress_ms: AtomicU64,
    handlers: AtomicUsize,
}

impl Activity {
    fn new() -> Self {
        Activity { started: Instant::now(), last_progress_ms: AtomicU64::new(0), handlers: AtomicUsize::new(0) }
    }

    fn touch(&self) {
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_progress_ms.store(now, Ordering::Relaxed);
    }

    /// Zero while a handler runs (its own time is not the client's idleness).
    fn idle_for(&self) -> Duration {
        if self.handlers.load(Ordering::Relaxed) > 0 {
            return Duration::ZERO;
        }
        let last = Duration::from_millis(self.last_progress_ms.load(Ordering::Relaxed));
        self.started.elapsed().saturating_sub(last)
    }
}

/// Counts a running handler while alive; the last moment it ran counts as progress.
struct HandlerRunning(Arc<Activity>);

impl HandlerRunning {
    fn new(activity: Arc<Activity>) -> Self {
        activity.handlers.fetch_add(1, Ordering::Relaxed);
        HandlerRunning(activity)
    }
}

impl Drop for HandlerRunning {
    fn drop(&mut self) {
        self.0.touch();
        self.0.handlers.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The TCP stream as hyper sees it: records progress for the idle timeout, and replaces the
/// empty answers hyper writes on its own for unparsable requests (400, 414, 431) with our JSON
/// error. Those are recognised as one whole response head with `content-length: 0` and
/// neither `content-type` nor `x-request-id`, which every answer of the router carries.
struct GuardedIo {
    stream: TcpStream,
    activity: Arc<Activity>,
    replacement: Option<(Vec<u8>, usize)>,
}

impl GuardedIo {
    fn new(stream: TcpStream, activity: Arc<Activity>) -> Self {
        GuardedIo { stream, activity, replacement: None }
    }
}

impl AsyncRead for GuardedIo {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.stream).poll_read(cx, buf);
        if matches!(result, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.touch();
        }
        result
    }
}

impl AsyncWrite for GuardedIo {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.replacement.is_none() {
            if let Some(status) = hyper_error_status(buf) {
                this.replacement = Some((limits::raw_error_response(&limits::parse_error(status)), 0));
            }
        }
        if let Some((bytes, written)) = &mut this.replacement {
            while *written < bytes.len() {
                match Pin::new(&mut this.stream).poll_write(cx, &bytes[*written..]) {
                    Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                    Poll::Ready(Ok(n)) => {
                        *written += n;
                        this.activity.touch();
                    }
                    Poll::Ready(Err(error)) => return Poll::Ready(Err(error)),
                    Poll::Pending => return Poll::Pending,
                }
            }
            // hyper closes the connection after such an answer; its own bytes count as sent
            return Poll::Ready(Ok(buf.len()));
        }
        let result = Pin::new(&mut this.stream).poll_write(cx, buf);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            this.activity.touch();
        }
        result
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The status of an answer hyper wrote by itself for a request it could not parse, if `buf`
/// is exactly such an answer.
fn hyper_error_status(buf: &[u8]) -> Option<u16> {
    let rest = buf.strip_prefix(b"HTTP/1.1 ")?;
    let status = match rest.get(..4)? {
        b"400 " => 400,
        b"414 " => 414,
        b"431 " => 431,
        _ => return None,
    };
    let head = buf.strip_suffix(b"\r\n\r\n")?;
    if head.len() > 512 || contains(head, b"\r\n\r\n") {
        return None;
    }
    let head = head.to_ascii_lowercase();
    if contains(&head, b"content-type:") || contains(&head, b"x-request-id:") || !contains(&head, b"content-length: 0") {
        return None;
    }
    Some(status)
}

#[cfg(test)]
mod tests {
    use super::hyper_error_status;

    #[test]
    fn only_hyper_own_error_heads_are_recognised() {
        let date = "date: Fri, 04 Dec 2026 16:00:00 GMT\r\n";
        let own = format!("HTTP/1.1 414 URI Too Long\r\ncontent-length: 0\r\n{date}\r\n");
        assert_eq!(hyper_error_status(own.as_bytes()), Some(414));
        let own = format!("HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\n{date}\r\n");
        assert_eq!(hyper_error_status(own.as_bytes()), Some(431));
        let ours = format!("HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 0\r\n{date}\r\n");
        assert_eq!(hyper_error_status(ours.as_bytes()), None);
        let ours = format!("HTTP/1.1 400 Bad Request\r\nx-request-id: a\r\ncontent-length: 0\r\n{date}\r\n");
        assert_eq!(hyper_error_status(ours.as_bytes()), None);
        let with_body = format!("HTTP/1.1 400 Bad Request\r\ncontent-length: 2\r\n{date}\r\n{{}}");
        assert_eq!(hyper_error_status(with_body.as_bytes()), None);
        assert_eq!(hyper_error_status(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"), None);
    }
}
