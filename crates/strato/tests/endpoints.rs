//! Cloud account endpoints through the real binary and the AWS driver (issue 13, item 3): an
//! endpoint the operator did not allow is refused before any connection is made, and an
//! allowed one that does not answer as a cloud reads the same whether its port is open or
//! closed (no port probing through the API); the detail is in the server log only.

mod common;

use std::io::Write;
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{serve_with, Backend, ADMIN_PASSWORD};
use serde_json::{json, Value};

/// A loopback port that accepts connections, counts them, answers a non-HTTP banner and closes.
struct CountingPort {
    port: u16,
    accepted: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl CountingPort {
    fn open() -> CountingPort {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        listener.set_nonblocking(true).expect("non-blocking");
        let port = listener.local_addr().expect("local addr").port();
        let (accepted, stop) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicBool::new(false)));
        let (count, stopping) = (accepted.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !stopping.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((mut stream, _)) => {
                        count.fetch_add(1, Ordering::Relaxed);
                        // A service that is not HTTP, as a probed port often is (an SSH banner).
                        let _ = stream.write_all(b"SSH-2.0-OpenSSH_9.2\r\n");
                        drop(stream);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        CountingPort { port, accepted, stop, thread: Some(thread) }
    }

    fn connections(&self) -> usize {
        self.accepted.load(Ordering::Relaxed)
    }
}

impl Drop for CountingPort {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A loopback port nothing listens on (bound, then released).
fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    listener.local_addr().expect("local addr").port()
}

fn aws_account(name: &str, endpoint: &str) -> Value {
    json!({
        "name": name, "provider": "aws", "regions": ["us-east-1"], "endpoint": endpoint,
        "credentials": {"access_key_id": "AKIAPROBE00000001", "secret_access_key": "probe-secret-key"}
    })
}

#[test]
fn an_endpoint_not_allowed_is_refused_before_any_connection() {
    let port = CountingPort::open();
    // The default: no allowed endpoints at all.
    let s = serve_with(Backend::Sqlite, |options| options.allowed_endpoints = Vec::new());
    let http = s.http();
    let admin = http.login("admin", ADMIN_PASSWORD);
    for endpoint in [
        format!("http://127.0.0.1:{}", port.port),
        format!("http://localhost:{}/", port.port),
        format!("http://2130706433:{}/", port.port),
        format!("http://0x7f.1:{}/", port.port),
    ] {
        let reply = http.call("POST", "/cloudaccounts", Some(&admin), Some(&aws_account("probe", &endpoint)));
        assert_eq!(reply.error_class(400), "InvalidInputError");
        assert_eq!(reply.body["error"]["details"]["field"], "endpoint", "{}", reply.body);
        assert!(reply.body["error"]["message"].as_str().unwrap_or_default().contains("allowed-endpoint"), "{}", reply.body);
    }
    let list = http.get("/cloudaccounts", &admin);
    assert_eq!(list.body["total"], 0, "nothing saved: {}", list.body);
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(port.connections(), 0, "the server never connected to the endpoint");
}

#[test]
fn unreachable_endpoints_read_the_same_open_or_closed() {
    let open = CountingPort::open();
    let closed = closed_port();
    let s = serve_with(Backend::Sqlite, |_| {}); // loopback allowed, as the harness does for moto
    let http = s.http();
    let admin = http.login("admin", ADMIN_PASSWORD);
    let mut messages = Vec::new();
    for (name, port) in [("open", open.port), ("closed", closed)] {
        let reply = http.call("POST", "/cloudaccounts", Some(&admin), Some(&aws_account(name, &format!("http://127.0.0.1:{port}"))));
        assert_eq!(reply.error_class(400), "InvalidInputError");
        assert_eq!(reply.body["error"]["details"], json!({"field": "endpoint"}), "{}", reply.body);
        messages.push(reply.body["error"]["message"].as_str().unwrap_or_default().to_string());
    }
    assert!(open.connections() > 0, "the allowed endpoint was tried");
    assert_eq!(messages[0], messages[1], "open and closed ports answer alike");
    assert_eq!(messages[0], "the cloud endpoint could not be reached");
    let list = http.get("/cloudaccounts", &admin);
    assert_eq!(list.body["total"], 0, "nothing saved: {}", list.body);
    let log = s.stderr_log();
    assert!(log.contains("could not be reached"), "the detail is logged for the operator:\n{log}");
}

/// moto allowed by `host:port`: the account works; the same host on another port does not.
#[test]
fn moto_allowed_by_host_and_port_only() {
    let moto = strato_driver_tests::moto::MotoServer::start().expect("moto");
    let moto_url = moto.url();
    let host_port = moto_url.trim_start_matches("http://").trim_end_matches('/').to_string();
    let other = CountingPort::open();
    let s = serve_with(Backend::Sqlite, |options| options.allowed_endpoints = vec![host_port.clone()]);
    let http = s.http();
    let admin = http.login("admin", ADMIN_PASSWORD);
    let created = http.call("POST", "/cloudaccounts", Some(&admin), Some(&aws_account("moto", &moto_url)));
    assert_eq!(created.status, 201, "{}", created.body);
    let refused = http.call("POST", "/cloudaccounts", Some(&admin), Some(&aws_account("other", &format!("http://127.0.0.1:{}", other.port))));
    assert_eq!(refused.error_class(400), "InvalidInputError");
    assert_eq!(other.connections(), 0, "the port not on the list was never contacted");
}
