//! Raw QingCloud IaaS calls over reqwest, each through the shared request layer (which retries;
//! nothing here does), the listing loop, and the one place QingCloud's `ret_code`s become
//! `CloudError`s.
//!
//! Every call goes to `<endpoint>/iaas/` with the action, the zone and the common parameters,
//! signed afresh on each attempt. Reads (`ApiClass::Describe`) are sent as GET with the signed
//! query; changes as POST with the signed form as body, as the official SDK does for calls
//! that may carry long values (user data). QingCloud answers errors with HTTP 200 and a JSON
//! body `{"ret_code": <n>, "message": ...}`; `ret_code` 0 is success.

use std::time::{Duration, SystemTime};

use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use strato_cloud::{ApiClass, CloudError, CloudResult, DriverConfig, Requests};

use crate::pager;
use crate::sign;
use crate::{LIMITS, PROVIDER};

/// QingCloud's public API endpoint (the zone is a parameter, not part of the host).
pub const DEFAULT_ENDPOINT: &str = "https://api.qingcloud.com";
/// The largest `limit` QingCloud's Describe* APIs take.
pub const MAX_PAGE_SIZE: u32 = 100;

/// Request parameters, in any order (signing sorts them).
pub type Params = Vec<(String, String)>;

pub fn param(name: &str, value: impl ToString) -> (String, String) {
    (name.to_string(), value.to_string())
}

pub struct QingCloudClient {
    http: reqwest::Client,
    access_key_id: String,
    secret: SecretString,
    /// Base URL of the API, without `/iaas/` (replay servers and private clouds replace it).
    endpoint: String,
    pub requests: Requests,
    pub page_size: u32,
}

/// Access key ids are upper-case letters and digits (`QYACCESSKEYIDEXAMPLE`); accepted in any
/// case, as private deployments differ.
fn check_access_key_id(id: &str) -> CloudResult<()> {
    if (8..=128).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(())
    } else {
        Err(CloudError::invalid_input("malformed credential 'access_key_id': expected 8-128 letters and digits"))
    }
}

fn check_secret(secret: &str) -> CloudResult<()> {
    if secret.is_empty() || secret.len() > 4096 || secret.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(CloudError::invalid_input("malformed credential 'secret_access_key': empty or contains whitespace"));
    }
    Ok(())
}

/// Zones are lower-case letters, digits and '-' (`pek3a`, `ap2a`, `sh1b`). Not part of a host
/// name here, but checked so a bad one fails as input before anything is signed.
fn check_zone(zone: &str) -> CloudResult<()> {
    if zone.len() <= 64 && zone.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
        Ok(())
    } else {
        Err(CloudError::invalid_input("malformed zone: expected lower-case letters, digits and '-' (pek3a)"))
    }
}

impl QingCloudClient {
    /// Checks the credentials' shape; needs no network.
    pub fn connect(config: &DriverConfig) -> CloudResult<Self> {
        let creds = &config.credentials;
        let access_key_id = creds.require("access_key_id")?;
        check_access_key_id(access_key_id)?;
        let secret = creds.require("secret_access_key")?;
        check_secret(secret)?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| CloudError::other(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            http,
            access_key_id: access_key_id.to_string(),
            secret: SecretString::from(secret.to_string()),
            endpoint: config.endpoint.as_deref().unwrap_or(DEFAULT_ENDPOINT).trim_end_matches('/').to_string(),
            requests: config.requests.scope(PROVIDER, config.account.clone(), LIMITS),
            page_size: config.page_size.unwrap_or(MAX_PAGE_SIZE).clamp(1, MAX_PAGE_SIZE),
        })
    }

    /// One call through the request layer. `zone` is sent as the `zone` parameter unless empty
    /// (DescribeZones needs none); it also keys the request layer's token bucket.
    pub async fn call(&self, zone: &str, class: ApiClass, action: &str, params: &[(String, String)]) -> CloudResult<Value> {
        check_zone(zone)?;
        self.requests.call(zone, class, action, || self.send(zone, class, action, params)).await
    }

    /// The parameters of one attempt, common ones included, ready to sign.
    fn signed_params(&self, zone: &str, action: &str, params: &[(String, String)], at: SystemTime) -> Params {
        let mut all: Params = params.to_vec();
        all.extend([
            param("action", action),
            param("access_key_id", &self.access_key_id),
            param("signature_method", sign::SIGNATURE_METHOD),
            param("signature_version", sign::SIGNATURE_VERSION),
            param("version", sign::API_VERSION),
            param("time_stamp", sign::timestamp(at)),
        ]);
        if !zone.is_empty() {
            all.push(param("zone", zone));
        }
        all
    }

    /// One attempt: signed afresh (new time stamp) every time, as QingCloud refuses a time stamp
    /// older than 60 seconds.
    async fn send(&self, zone: &str, class: ApiClass, action: &str, params: &[(String, String)]) -> CloudResult<Value> {
        let all = self.signed_params(zone, action, params, SystemTime::now());
        let url = format!("{}{}", self.endpoint, sign::IAAS_PATH);
        if tracing::enabled!(tracing::Level::DEBUG) {
            tracing::debug!(provider = PROVIDER, api = action, url = %url, query = %logged_query(&all), "request");
        }
        let response = match class {
            ApiClass::Describe => {
                let query = sign::signed_query("GET", sign::IAAS_PATH, &all, self.secret.expose_secret());
                self.http.get(format!("{url}?{query}")).send().await
            }
            ApiClass::Mutate => {
                let form = sign::signed_query("POST", sign::IAAS_PATH, &all, self.secret.expose_secret());
                self.http.post(url).header("Content-Type", "application/x-www-form-urlencoded").body(form).send().await
            }
        };
        answer(action, response).await
    }

    /// Every item of a Describe* listing: follows every page until the cloud says there is no
    /// more, or fails; never a partial list. `items` is the answer's list field
    /// (`instance_set`, `volume_set`, ...).
    pub async fn list(&self, zone: &str, action: &str, params: &[(String, String)], items: &str) -> CloudResult<Vec<Value>> {
        let limit = self.page_size;
        let (all, pages) = pager::offsets(action, limit, |offset| async move {
            let mut p = params.to_vec();
            p.extend([param("offset", offset), param("limit", limit)]);
            let page = self.call(zone, ApiClass::Describe, action, &p).await?;
            let total = page.get("total_count").and_then(Value::as_u64).map(|t| t as usize);
            Ok((page.get(items).and_then(Value::as_array).cloned().unwrap_or_default(), total))
        })
        .await?;
        tracing::debug!(provider = PROVIDER, zone, api = action, pages, items = all.len(), "listed");
        Ok(all)
    }
}

/// Parameters that may carry secrets (login password, user data) and the signature, hidden
/// from logs.
const HIDDEN_PARAMS: &[&str] = &["login_passwd", "userdata_value", "signature"];

/// A request's parameters as the debug log shows them: hidden ones replaced by `<redacted>`.
fn logged_query(params: &[(String, String)]) -> String {
    strato_cloud::signing::redacted_query(params, HIDDEN_PARAMS, "signature")
}

/// A response's JSON, or its error classified.
async fn answer(api: &str, response: Result<reqwest::Response, reqwest::Error>) -> CloudResult<Value> {
    let response = response.map_err(|e| unreachable(api, &e))?;
    let status = response.status().as_u16();
    let body = response.bytes().await.map_err(|e| unreachable(api, &e))?;
    read_answer(api, status, &body)
}

/// An answer's JSON when its `ret_code` is 0, else the error it stands for.
fn read_answer(api: &str, status: u16, body: &[u8]) -> CloudResult<Value> {
    let json: Option<Value> = serde_json::from_slice(body).ok();
    let ret_code = json.as_ref().and_then(|j| j.get("ret_code")).and_then(Value::as_i64);
    let message = json.as_ref().and_then(|j| j.get("message")).and_then(Value::as_str).map(str::to_string);
    let message = message.as_deref();
    match (ret_code, json) {
        (Some(0), Some(json)) if (200..300).contains(&status) => Ok(json),
        (Some(0), _) => Err(classify(api, None, message, Some(status))),
        (Some(code), _) => Err(classify(api, Some(code), message, Some(status))),
        (None, _) if (200..300).contains(&status) => Err(CloudError::other(format!("{api}: the answer has no ret_code"))),
        (None, _) => Err(classify(api, None, message, Some(status))),
    }
}

fn unreachable(api: &str, err: &reqwest::Error) -> CloudError {
    // One error for refused, reset, timed out, TLS, DNS: its text does not tell ports apart.
    tracing::warn!(provider = PROVIDER, api, error = %err, "QingCloud endpoint could not be reached");
    CloudError::unreachable(api)
}

/// QingCloud `ret_code` (and HTTP status) -> our error kind, by the families of QingCloud's
/// "错误码" page. Messages are QingCloud's own text, which never holds our secret.
///
/// * 1100 malformed message, 1101 unknown action or bad value -> invalid_input
/// * 1200 authentication failed, 1300 expired `time_stamp` (clock skew) -> unauthorized
/// * 1400 access denied (not the caller's resource, no permission, or a state that forbids the
///   change) -> forbidden
/// * 2100 resource not found -> not_found
/// * 2400 balance too low, 2500 over quota -> quota_exceeded
/// * 5000 internal error -> transient; 5100 server busy -> throttled (the SDK retries both)
pub fn classify(api: &str, ret_code: Option<i64>, message: Option<&str>, status: Option<u16>) -> CloudError {
    let text = format!("{api}: {}", message.unwrap_or("request failed"));
    let Some(code) = ret_code else {
        return match status {
            Some(429) => CloudError::throttled(text),
            Some(s) if s >= 500 => CloudError::transient(text),
            Some(401) => CloudError::unauthorized(text),
            Some(403) => CloudError::forbidden(text),
            Some(404) => CloudError::not_found(text),
            _ => CloudError::other(text),
        };
    };
    let err = match code {
        1100..=1199 => CloudError::invalid_input(text),
        1200..=1399 => CloudError::unauthorized(text),
        1400..=1499 => CloudError::forbidden(text),
        2100..=2199 => CloudError::not_found(text),
        2400..=2599 => CloudError::quota_exceeded(text),
        5100..=5199 => CloudError::throttled(text),
        5000..=5999 => CloudError::transient(text),
        1000..=4999 => CloudError::invalid_input(text),
        _ => CloudError::other(text),
    };
    err.with_code(code.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use strato_cloud::CloudErrorKind as K;

    #[test]
    fn ret_codes_map_to_kinds() {
        let cases = [
            (1100, K::InvalidInput),
            (1101, K::InvalidInput),
            (1200, K::Unauthorized),
            (1300, K::Unauthorized),
            (1400, K::Forbidden),
            (2100, K::NotFound),
            (2400, K::QuotaExceeded),
            (2500, K::QuotaExceeded),
            (5000, K::Transient),
            (5100, K::Throttled),
            (5101, K::Throttled),
            (5200, K::Transient),
            (1500, K::InvalidInput),
            (-1, K::Other),
        ];
        for (code, kind) in cases {
            let e = classify("DescribeInstances", Some(code), Some("m"), Some(200));
            assert_eq!(e.kind, kind, "{code}");
            assert_eq!(e.code.as_deref(), Some(code.to_string().as_str()));
            assert!(e.to_string().contains("DescribeInstances"), "{e}");
        }
        assert_eq!(classify("Api", None, None, Some(503)).kind, K::Transient);
        assert_eq!(classify("Api", None, None, Some(429)).kind, K::Throttled);
        assert_eq!(classify("Api", None, None, Some(400)).kind, K::Other);
    }

    #[test]
    fn answers_are_read_by_ret_code_not_by_status() {
        let ok = read_answer("DescribeZones", 200, br#"{"action":"DescribeZonesResponse","ret_code":0,"zone_set":[]}"#).expect("success");
        assert_eq!(ok["action"], "DescribeZonesResponse");
        // QingCloud answers errors with HTTP 200.
        let e = read_answer("RunInstances", 200, br#"{"ret_code":5100,"message":"ServerBusy"}"#).expect_err("busy");
        assert_eq!((e.kind, e.code.as_deref()), (K::Throttled, Some("5100")));
        assert!(e.to_string().contains("ServerBusy"));
        let e = read_answer("DescribeInstances", 200, br#"{"ret_code":2100,"message":"ResourceNotFound"}"#).expect_err("gone");
        assert_eq!(e.kind, K::NotFound);
        // Not JSON, or no ret_code: never taken for success.
        assert_eq!(read_answer("Api", 200, b"<html>").expect_err("html").kind, K::Other);
        assert_eq!(read_answer("Api", 502, b"<html>").expect_err("gateway").kind, K::Transient);
        assert_eq!(read_answer("Api", 200, br#"{"action":"X"}"#).expect_err("no ret_code").kind, K::Other);
    }

    fn client(endpoint: Option<&str>) -> QingCloudClient {
        let mut config = DriverConfig::new(
            "a",
            strato_cloud::Credentials::new().with("access_key_id", "QYACCESSKEYIDEXAMPLE").with("secret_access_key", "SECRETACCESSKEY"),
            std::sync::Arc::new(strato_cloud::RequestLayer::default()),
        );
        config.endpoint = endpoint.map(str::to_string);
        QingCloudClient::connect(&config).expect("connect")
    }

    #[test]
    fn malformed_credentials_are_rejected_without_echo() {
        let e = check_access_key_id("not a key").expect_err("malformed");
        assert!(!e.to_string().contains("not a key"));
        assert!(check_access_key_id("QYACCESSKEYIDEXAMPLE").is_ok());
        let e = check_secret("has space").expect_err("malformed");
        assert!(!e.to_string().contains("has space"));
        let config = DriverConfig::new("a", strato_cloud::Credentials::new().with("access_key_id", "QYACCESSKEYIDEXAMPLE"), std::sync::Arc::new(strato_cloud::RequestLayer::default()));
        assert!(QingCloudClient::connect(&config).is_err(), "a missing secret is refused");
    }

    #[test]
    fn connect_defaults_to_the_public_endpoint_and_caps_the_page_size() {
        let c = client(None);
        assert_eq!((c.endpoint.as_str(), c.page_size), (DEFAULT_ENDPOINT, MAX_PAGE_SIZE));
        assert_eq!(client(Some("http://127.0.0.1:9/")).endpoint, "http://127.0.0.1:9");
    }

    #[test]
    fn malformed_zones_are_refused() {
        for good in ["pek3a", "ap2a", ""] {
            assert!(check_zone(good).is_ok(), "{good}");
        }
        for bad in ["PEK3A", "pek3a&action=x", "a b", "pek3a/"] {
            assert_eq!(check_zone(bad).expect_err(bad).kind, K::InvalidInput, "{bad}");
        }
    }

    #[test]
    fn every_call_carries_the_common_parameters() {
        let c = client(None);
        let at = std::time::UNIX_EPOCH + Duration::from_secs(1_377_613_810);
        let all = c.signed_params("pek3a", "DescribeInstances", &[param("limit", 10)], at);
        let get = |name: &str| all.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        assert_eq!(get("action"), Some("DescribeInstances"));
        assert_eq!(get("access_key_id"), Some("QYACCESSKEYIDEXAMPLE"));
        assert_eq!(get("signature_method"), Some("HmacSHA256"));
        assert_eq!(get("signature_version"), Some("1"));
        assert_eq!(get("version"), Some("1"));
        assert_eq!(get("time_stamp"), Some("2013-08-27T14:30:10Z"));
        assert_eq!(get("zone"), Some("pek3a"));
        assert_eq!(get("limit"), Some("10"));
        assert!(get("signature").is_none(), "the signature is added when the query is signed");
        let zoneless = c.signed_params("", "DescribeZones", &[], at);
        assert!(!zoneless.iter().any(|(k, _)| k == "zone"));
    }

    #[test]
    fn logged_queries_hide_passwords_user_data_and_the_signature() {
        let shown = logged_query(&[param("action", "RunInstances"), param("login_passwd", "p@ss"), param("userdata_value", "c2VjcmV0")]);
        assert_eq!(shown, "action=RunInstances&login_passwd=%3Credacted%3E&userdata_value=%3Credacted%3E&signature=<redacted>");
    }
}
