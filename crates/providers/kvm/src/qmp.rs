//! A QMP client over a unix socket: greeting, capability negotiation, commands with ids, and a
//! queue of the asynchronous events (DEVICE_DELETED, SHUTDOWN, ...) that arrive in between.
//!
//! QEMU serves one QMP client at a time on a socket, so callers keep a client only for the
//! duration of one operation.

use std::collections::VecDeque;
use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::UnixStream;
use tokio::time::Instant;

/// The longest QMP message accepted; QEMU's replies are far smaller, this only bounds memory.
const MAX_MESSAGE_BYTES: u64 = 8 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum QmpError {
    #[error("connecting to {path}: {source}")]
    Connect { path: String, source: std::io::Error },
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    #[error("timed out after {0:?} waiting for {1}")]
    Timeout(Duration, String),
    #[error("connection closed by qemu")]
    Closed,
    #[error("protocol error: {0}")]
    Protocol(String),
    /// QEMU answered the command with an error.
    #[error("{command}: {class}: {desc}")]
    Command { command: String, class: String, desc: String },
}

/// An asynchronous QMP event.
#[derive(Debug, Clone, PartialEq)]
pub struct QmpEvent {
    pub name: String,
    pub data: Value,
}

/// QEMU's run state as reported by `query-status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QmpStatus {
    pub running: bool,
    /// e.g. "running", "paused", "shutdown", "prelaunch", "inmigrate", "internal-error".
    pub status: String,
}

pub struct QmpClient {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
    events: VecDeque<QmpEvent>,
    next_id: u64,
    timeout: Duration,
    version: String,
}

impl std::fmt::Debug for QmpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QmpClient").field("version", &self.version).finish_non_exhaustive()
    }
}

impl QmpClient {
    /// Connects, reads the greeting and leaves negotiation mode (`qmp_capabilities`).
    /// `timeout` bounds each step and every later command.
    pub async fn connect(path: &Path, timeout: Duration) -> Result<Self, QmpError> {
        let stream = tokio::time::timeout(timeout, UnixStream::connect(path))
            .await
            .map_err(|_| QmpError::Timeout(timeout, format!("connect to {}", path.display())))?
            .map_err(|source| QmpError::Connect { path: path.display().to_string(), source })?;
        let (read, writer) = stream.into_split();
        let mut client = QmpClient {
            reader: BufReader::new(read),
            writer,
            events: VecDeque::new(),
            next_id: 1,
            timeout,
            version: String::new(),
        };
        let deadline = Instant::now() + timeout;
        let greeting = client.read_message(deadline, "greeting").await?;
        let qmp = greeting
            .get("QMP")
            .ok_or_else(|| QmpError::Protocol(format!("expected greeting, got {}", short(&greeting))))?;
        let version = &qmp["version"]["qemu"];
        client.version = format!(
            "{}.{}.{}",
            version["major"].as_u64().unwrap_or(0),
            version["minor"].as_u64().unwrap_or(0),
            version["micro"].as_u64().unwrap_or(0)
        );
        client.execute("qmp_capabilities", None).await?;
        Ok(client)
    }

    /// The QEMU version from the greeting, "major.minor.micro".
    pub fn qemu_version(&self) -> &str {
        &self.version
    }

    /// Runs a command and returns its `return` value. Events read meanwhile are queued.
    pub async fn execute(&mut self, command: &str, arguments: Option<Value>) -> Result<Value, QmpError> {
        let id = self.next_id;
        self.next_id += 1;
        let mut message = json!({ "execute": command, "id": id });
        if let Some(arguments) = arguments {
            message["arguments"] = arguments;
        }
        let mut line = serde_json::to_vec(&message).map_err(|e| QmpError::Protocol(e.to_string()))?;
        line.push(b'\n');
        self.writer.write_all(&line).await?;
        let deadline = Instant::now() + self.timeout;
        loop {
            let reply = self.read_message(deadline, command).await?;
            if reply.get("event").is_some() {
                self.queue_event(reply)?;
                continue;
            }
            if reply.get("id").and_then(Value::as_u64) != Some(id) {
                // A reply to another id cannot happen with one command in flight; skip it.
                tracing::debug!(reply = %short(&reply), "qmp: ignoring reply with unexpected id");
                continue;
            }
            if let Some(error) = reply.get("error") {
                return Err(QmpError::Command {
                    command: command.to_string(),
                    class: error["class"].as_str().unwrap_or("GenericError").to_string(),
                    desc: error["desc"].as_str().unwrap_or("").to_string(),
                });
            }
            return reply
                .get("return")
                .cloned()
                .ok_or_else(|| QmpError::Protocol(format!("reply without return: {}", short(&reply))));
        }
    }

    /// `query-status`.
    pub async fn query_status(&mut self) -> Result<QmpStatus, QmpError> {
        let value = self.execute("query-status", None).await?;
        Ok(QmpStatus {
            running: value["running"].as_bool().unwrap_or(false),
            status: value["status"].as_str().unwrap_or("unknown").to_string(),
        })
    }

    /// Waits until an event matching `matches` arrives (or is already queued), removes it from
    /// the queue and returns it. Other events stay queued.
    pub async fn wait_event(
        &mut self,
        timeout: Duration,
        what: &str,
        matches: impl Fn(&QmpEvent) -> bool,
    ) -> Result<QmpEvent, QmpError> {
        if let Some(position) = self.events.iter().position(&matches) {
            if let Some(event) = self.events.remove(position) {
                return Ok(event);
            }
        }
        let deadline = Instant::now() + timeout;
        loop {
            let message = self.read_message(deadline, what).await?;
            if message.get("event").is_none() {
                tracing::debug!(message = %short(&message), "qmp: ignoring non-event while waiting");
                continue;
            }
            let event = parse_event(message)?;
            if matches(&event) {
                return Ok(event);
            }
            self.events.push_back(event);
        }
    }

    /// Takes every queued event.
    pub fn take_events(&mut self) -> Vec<QmpEvent> {
        self.events.drain(..).collect()
    }

    fn queue_event(&mut self, message: Value) -> Result<(), QmpError> {
        let event = parse_event(message)?;
        // Bounded: a guest can emit events endlessly while nobody reads them.
        if self.events.len() >= 1024 {
            self.events.pop_front();
        }
        self.events.push_back(event);
        Ok(())
    }

    async fn read_message(&mut self, deadline: Instant, what: &str) -> Result<Value, QmpError> {
        loop {
            let mut line = String::new();
            let mut limited = (&mut self.reader).take(MAX_MESSAGE_BYTES);
            let n = tokio::time::timeout_at(deadline, limited.read_line(&mut line))
                .await
                .map_err(|_| QmpError::Timeout(self.timeout, what.to_string()))??;
            if n == 0 {
                return Err(QmpError::Closed);
            }
            if !line.ends_with('\n') && n as u64 >= MAX_MESSAGE_BYTES {
                return Err(QmpError::Protocol("message too long".into()));
            }
            let trimmed = line.trim();
            if trimmed.is_empty() {
                continue;
            }
            return serde_json::from_str(trimmed)
                .map_err(|e| QmpError::Protocol(format!("bad json ({e}): {}", truncate(trimmed))));
        }
    }
}

fn parse_event(message: Value) -> Result<QmpEvent, QmpError> {
    let name = message
        .get("event")
        .and_then(Value::as_str)
        .ok_or_else(|| QmpError::Protocol(format!("event without name: {}", short(&message))))?
        .to_string();
    let data = message.get("data").cloned().unwrap_or(Value::Null);
    Ok(QmpEvent { name, data })
}

fn short(value: &Value) -> String {
    truncate(&value.to_string())
}

fn truncate(text: &str) -> String {
    const MAX: usize = 200;
    match text.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}...", &text[..i]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncBufReadExt;
    use tokio::net::UnixListener;

    /// A scripted peer: sends the greeting, then answers each command line with `answer(line)`.
    async fn serve(listener: UnixListener, greeting: &'static str, answer: fn(&Value) -> Vec<String>) {
        let (stream, _) = listener.accept().await.expect("accept");
        let (read, mut write) = stream.into_split();
        write.write_all(greeting.as_bytes()).await.expect("greeting");
        let mut lines = BufReader::new(read).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            let request: Value = serde_json::from_str(&line).expect("client sends json");
            for reply in answer(&request) {
                if write.write_all(reply.as_bytes()).await.is_err() {
                    return;
                }
            }
        }
    }

    const GREETING: &str =
        "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7}}, \"capabilities\": []}}\r\n";

    fn socket() -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("qmp.sock");
        (dir, path)
    }

    #[tokio::test]
    async fn commands_events_and_errors() {
        let (_dir, path) = socket();
        let listener = UnixListener::bind(&path).expect("bind");
        tokio::spawn(serve(listener, GREETING, |request| {
            let id = &request["id"];
            match request["execute"].as_str() {
                Some("qmp_capabilities") => vec![format!("{{\"return\": {{}}, \"id\": {id}}}\r\n")],
                Some("device_del") => vec![
                    format!("{{\"return\": {{}}, \"id\": {id}}}\r\n"),
                    "{\"event\": \"DEVICE_DELETED\", \"data\": {\"device\": \"d1\"}, \"timestamp\": {}}\r\n".into(),
                ],
                Some("query-status") => vec![
                    "{\"event\": \"RESUME\", \"timestamp\": {}}\r\n".into(),
                    format!("{{\"return\": {{\"running\": true, \"status\": \"running\"}}, \"id\": {id}}}\r\n"),
                ],
                _ => vec![format!(
                    "{{\"error\": {{\"class\": \"CommandNotFound\", \"desc\": \"no such command\"}}, \"id\": {id}}}\r\n"
                )],
            }
        }));
        let mut client = QmpClient::connect(&path, Duration::from_secs(5)).await.expect("connect");
        assert_eq!(client.qemu_version(), "7.2.22");
        let status = client.query_status().await.expect("status");
        assert_eq!(status, QmpStatus { running: true, status: "running".into() });
        client.execute("device_del", Some(json!({"id": "d1"}))).await.expect("device_del");
        let event = client
            .wait_event(Duration::from_secs(5), "DEVICE_DELETED", |e| e.name == "DEVICE_DELETED")
            .await
            .expect("event");
        assert_eq!(event.data["device"], "d1");
        // The RESUME read while waiting for query-status's reply stayed queued.
        assert_eq!(client.take_events().iter().map(|e| e.name.as_str()).collect::<Vec<_>>(), ["RESUME"]);
        match client.execute("nope", None).await {
            Err(QmpError::Command { class, .. }) => assert_eq!(class, "CommandNotFound"),
            other => panic!("expected a command error, got {other:?}"),
        }
        match client.wait_event(Duration::from_millis(200), "SHUTDOWN", |e| e.name == "SHUTDOWN").await {
            Err(QmpError::Timeout(..)) => {}
            other => panic!("expected a timeout, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn bad_input_is_an_error_not_a_panic() {
        let (_dir, path) = socket();
        let listener = UnixListener::bind(&path).expect("bind");
        tokio::spawn(serve(listener, "{\"not\": \"a greeting\"}\n", |_| vec![]));
        assert!(matches!(
            QmpClient::connect(&path, Duration::from_secs(5)).await,
            Err(QmpError::Protocol(_))
        ));

        let (_dir2, path2) = socket();
        let listener = UnixListener::bind(&path2).expect("bind");
        tokio::spawn(serve(listener, GREETING, |_| vec!["{garbage\n".into()]));
        assert!(matches!(
            QmpClient::connect(&path2, Duration::from_secs(5)).await,
            Err(QmpError::Protocol(_))
        ));

        let (_dir3, path3) = socket();
        let listener = UnixListener::bind(&path3).expect("bind");
        tokio::spawn(async move {
            // Accept, then hang up without a greeting.
            let _ = listener.accept().await;
        });
        assert!(matches!(
            QmpClient::connect(&path3, Duration::from_secs(5)).await,
            Err(QmpError::Closed) | Err(QmpError::Io(_))
        ));

        let missing = _dir3.path().join("missing.sock");
        assert!(matches!(
            QmpClient::connect(&missing, Duration::from_secs(5)).await,
            Err(QmpError::Connect { .. })
        ));
    }
}
