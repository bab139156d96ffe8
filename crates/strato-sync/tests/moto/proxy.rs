//! A loopback HTTP proxy in front of moto that can break one EC2 action in one region: the
//! region is read from the SigV4 credential scope (`Credential=AKID/DATE/REGION/ec2/aws4_request`),
//! the action from the form body (`Action=DescribeInstances`). Everything else is forwarded.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

/// EC2's error document for a 503; the driver maps `Unavailable` to a transient error.
const UNAVAILABLE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>Unavailable</Code><Message>The service is unavailable (injected by the test proxy).</Message></Error></Errors><RequestID>proxy-1</RequestID></Response>"#;

#[derive(Clone)]
struct Shared {
    upstream: String,
    client: reqwest::Client,
    /// (region, action) answered 503 while set.
    fail: Arc<Mutex<Option<(String, String)>>>,
    /// Requests seen per (region, action), failed or forwarded.
    hits: Arc<Mutex<HashMap<(String, String), u32>>>,
}

pub struct Proxy {
    pub url: String,
    shared: Shared,
    server: tokio::task::JoinHandle<()>,
}

impl Proxy {
    pub async fn start(upstream: &str) -> Proxy {
        let shared = Shared {
            upstream: upstream.trim_end_matches('/').to_string(),
            // straight to moto: no HTTP(S)_PROXY from the environment
            client: reqwest::Client::builder().no_proxy().build().expect("proxy client"),
            fail: Arc::default(),
            hits: Arc::default(),
        };
        let app = axum::Router::new().fallback(forward).with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy on loopback");
        let url = format!("http://{}", listener.local_addr().expect("proxy address"));
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Proxy { url, shared, server }
    }

    /// Answers 503 Unavailable to `action` in `region` from now on (`None`: forward all).
    pub fn fail(&self, target: Option<(&str, &str)>) {
        *self.shared.fail.lock().expect("fail switch") = target.map(|(r, a)| (r.to_string(), a.to_string()));
    }

    pub fn hits(&self, region: &str, action: &str) -> u32 {
        self.shared.hits.lock().expect("hits").get(&(region.to_string(), action.to_string())).copied().unwrap_or(0)
    }

    pub fn reset_hits(&self) {
        self.shared.hits.lock().expect("hits").clear();
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        // stops the listener: the proxy lives no longer than its test
        self.server.abort();
    }
}

/// The region of a SigV4 `Authorization` header.
fn signed_region(headers: &HeaderMap) -> Option<String> {
    let auth = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let scope = auth.split("Credential=").nth(1)?.split(',').next()?;
    scope.split('/').nth(2).map(str::to_string)
}

/// The `Action` of a query-protocol form body (EC2); OpenSearch's REST calls have none.
fn action(body: &[u8]) -> Option<String> {
    let body = std::str::from_utf8(body).ok()?;
    body.split('&').find_map(|pair| pair.strip_prefix("Action=")).map(str::to_string)
}

async fn forward(State(s): State<Shared>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let Ok(body) = to_bytes(body, 64 << 20).await else {
        return (StatusCode::BAD_REQUEST, "unreadable body").into_response();
    };
    let region = signed_region(&parts.headers).unwrap_or_default();
    let action = action(&body).unwrap_or_else(|| parts.uri.path().to_string());
    let key = (region, action);
    *s.hits.lock().expect("hits").entry(key.clone()).or_default() += 1;
    if s.fail.lock().expect("fail switch").as_ref() == Some(&key) {
        return (StatusCode::SERVICE_UNAVAILABLE, [(header::CONTENT_TYPE, "text/xml")], UNAVAILABLE).into_response();
    }
    let path = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let mut headers = parts.headers.clone();
    headers.remove(header::HOST);
    let upstream = s.client.request(parts.method.clone(), format!("{}{path}", s.upstream)).headers(headers).body(body).send().await;
    let resp = match upstream {
        Ok(r) => r,
        Err(e) => return (StatusCode::BAD_GATEWAY, format!("proxy: moto unreachable: {e}")).into_response(),
    };
    let status = resp.status();
    let mut headers = resp.headers().clone();
    // the body is re-sent whole: its length is set anew
    headers.remove(header::TRANSFER_ENCODING);
    headers.remove(header::CONTENT_LENGTH);
    let Ok(bytes) = resp.bytes().await else {
        return (StatusCode::BAD_GATEWAY, "proxy: moto's answer broke off").into_response();
    };
    let mut out = Response::new(Body::from(bytes));
    *out.status_mut() = status;
    *out.headers_mut() = headers;
    out
}
