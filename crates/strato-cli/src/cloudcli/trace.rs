//! `--debug`: besides the request layer's one line per call, the drivers' own debug events
//! (each Aliyun request's URL and form body, with the signature and secrets already replaced
//! by the driver) go to stderr as `[debug] ...` lines. Only events of the provider crates
//! (`strato_provider_*`): SDK internals (aws-smithy) may log headers, signatures among them.

use std::io::Write;
use std::sync::{Arc, Mutex};

use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::Layer;

type Stderr = Arc<Mutex<Box<dyn Write + Send>>>;

/// The subscriber to run one cloudcli command under (scoped to that command's future).
pub(super) fn debug_subscriber(err: Stderr) -> impl tracing::Subscriber + Send + Sync + 'static {
    let lines = tracing_subscriber::fmt::layer()
        .with_writer(DebugLines(err))
        .with_ansi(false)
        .without_time()
        .with_level(false)
        .with_target(false)
        .with_filter(filter_fn(|meta| meta.target().starts_with("strato_provider_") && *meta.level() <= tracing::Level::DEBUG));
    tracing_subscriber::registry().with(lines)
}

struct DebugLines(Stderr);

impl<'a> MakeWriter<'a> for DebugLines {
    type Writer = DebugLine;
    fn make_writer(&'a self) -> DebugLine {
        DebugLine { err: self.0.clone(), text: Vec::new() }
    }
}

/// One event, written out with its prefix when the formatter is done with it.
struct DebugLine {
    err: Stderr,
    text: Vec<u8>,
}

impl Write for DebugLine {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.text.extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for DebugLine {
    fn drop(&mut self) {
        let text = String::from_utf8_lossy(&self.text);
        let mut err = self.err.lock().unwrap_or_else(|p| p.into_inner());
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let _ = writeln!(err, "[debug] {}", crate::output::printable(line));
        }
    }
}
