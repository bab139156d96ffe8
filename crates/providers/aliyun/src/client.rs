//! Raw Aliyun calls: RPC (ECS, VPC; signature v1, POSTed forms) and ROA (Elasticsearch) over reqwest,
//! each through the shared request layer (which retries; nothing here does), the paging loops,
//! and the one place Aliyun error codes become `CloudError`s.

use std::time::{Duration, SystemTime};

use chrono::{DateTime, NaiveDateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use strato_cloud::{ApiClass, BillingType, CloudError, CloudResult, DriverConfig, Requests, Tags};

use crate::pager;
use crate::sign::{self, percent_encode, RoaRequest};
use crate::{LIMITS, PROVIDER};

/// Region used for account-wide calls (DescribeRegions) when the account names none.
pub const DEFAULT_REGION: &str = "cn-hangzhou";
/// Elasticsearch's API version (ROA).
pub const ELASTICSEARCH_VERSION: &str = "2017-06-13";

/// The RPC products the driver calls, with their API versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Product {
    Ecs,
    Vpc,
}

impl Product {
    pub fn version(self) -> &'static str {
        match self {
            Self::Ecs => "2014-05-26",
            Self::Vpc => "2016-04-28",
        }
    }
    fn host_prefix(self) -> &'static str {
        match self {
            Self::Ecs => "ecs",
            Self::Vpc => "vpc",
        }
    }
}

/// Request parameters, in any order (signing sorts them).
pub type Params = Vec<(String, String)>;

pub fn param(name: &str, value: impl ToString) -> (String, String) {
    (name.to_string(), value.to_string())
}

/// How a listing API pages.
#[derive(Debug, Clone, Copy)]
pub enum Paging {
    /// PageNumber/PageSize, with TotalCount in the answer; `max` is the API's largest page.
    Numbered { max: u32 },
    /// NextToken/MaxResults.
    Token { max: u32 },
}

pub struct AliyunClient {
    http: reqwest::Client,
    access_key_id: String,
    secret: SecretString,
    /// Base URL replacing every product's public endpoint (replay servers, private endpoints).
    endpoint: Option<String>,
    pub requests: Requests,
    pub page_size: u32,
    pub default_region: String,
}

/// AccessKey ids are letters and digits (`LTAI...`).
fn check_access_key_id(id: &str) -> CloudResult<()> {
    if (8..=128).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(())
    } else {
        Err(CloudError::invalid_input("malformed credential 'access_key_id': expected 8-128 letters and digits"))
    }
}

/// The secret's field name in `strato cloudaccount-create --secret` (AWS's own name).
const GENERIC_SECRET_FIELD: &str = "secret_access_key";

fn check_secret(secret: &str) -> CloudResult<()> {
    if secret.is_empty() || secret.len() > 4096 || secret.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(CloudError::invalid_input("malformed credential 'access_key_secret': empty or contains whitespace"));
    }
    Ok(())
}

impl AliyunClient {
    pub fn connect(config: &DriverConfig) -> CloudResult<Self> {
        let creds = &config.credentials;
        let access_key_id = creds.require("access_key_id")?;
        check_access_key_id(access_key_id)?;
        // `strato cloudaccount-create --secret` sends every provider's secret as the generic
        // `secret_access_key`; Aliyun's own name is `access_key_secret`.
        let secret = match creds.get(GENERIC_SECRET_FIELD).filter(|s| !s.is_empty()) {
            Some(secret) if creds.get("access_key_secret").is_none() => secret,
            _ => creds.require("access_key_secret")?,
        };
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
            endpoint: config.endpoint.as_ref().map(|e| e.trim_end_matches('/').to_string()),
            requests: config.requests.scope(PROVIDER, config.account.clone(), LIMITS),
            page_size: config.page_size.unwrap_or(100).clamp(1, 1000),
            default_region: config.default_region.clone().unwrap_or_else(|| DEFAULT_REGION.to_string()),
        })
    }

    /// The product's endpoint in `region`. The region becomes part of a host name, so it must
    /// look like one of Aliyun's (`cn-hangzhou`): anything else could send a signed request
    /// elsewhere.
    fn base_url(&self, host_prefix: &str, region: &str) -> CloudResult<String> {
        if region.is_empty() || region.len() > 64 || !region.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
            return Err(CloudError::invalid_input("malformed region: expected lower-case letters, digits and '-' (cn-hangzhou)"));
        }
        Ok(match &self.endpoint {
            Some(endpoint) => endpoint.clone(),
            None => format!("https://{host_prefix}.{region}.aliyuncs.com"),
        })
    }

    /// One RPC call through the request layer.
    pub async fn rpc(&self, region: &str, class: ApiClass, product: Product, action: &str, params: &[(String, String)]) -> CloudResult<Value> {
        self.requests.call(region, class, action, || self.send_rpc(region, product, action, params)).await
    }

    /// One attempt: signed afresh (new nonce and timestamp) every time.
    async fn send_rpc(&self, region: &str, product: Product, action: &str, params: &[(String, String)]) -> CloudResult<Value> {
        let mut all: Params = params.to_vec();
        all.extend([
            param("Action", action),
            param("Version", product.version()),
            param("Format", "JSON"),
            param("AccessKeyId", &self.access_key_id),
            param("SignatureMethod", sign::RPC_SIGNATURE_METHOD),
            param("SignatureVersion", sign::RPC_SIGNATURE_VERSION),
            param("SignatureNonce", uuid::Uuid::new_v4()),
            param("Timestamp", sign::timestamp(SystemTime::now())),
        ]);
        let base = self.base_url(product.host_prefix(), region)?;
        // POST with a form body: RunInstances' UserData alone may be 32 KiB, too long for a URL.
        let signature = sign::rpc_signature("POST", &all, self.secret.expose_secret());
        let form = sign::canonical_query(&all);
        if tracing::enabled!(tracing::Level::DEBUG) {
            tracing::debug!(provider = PROVIDER, api = action, url = %base, body = %logged_form(&all), "request");
        }
        let body = format!("{form}&Signature={}", percent_encode(&signature));
        let response = self.http.post(format!("{base}/")).header("Content-Type", "application/x-www-form-urlencoded").body(body).send().await;
        answer(action, response).await
    }

    /// One ROA call (Elasticsearch) through the request layer. `path` and `query` unencoded.
    pub async fn roa(&self, region: &str, class: ApiClass, api: &str, method: reqwest::Method, path: &str, query: &[(String, String)]) -> CloudResult<Value> {
        self.requests.call(region, class, api, || self.send_roa(region, api, method.clone(), path, query)).await
    }

    async fn send_roa(&self, region: &str, api: &str, method: reqwest::Method, path: &str, query: &[(String, String)]) -> CloudResult<Value> {
        let date = httpdate::fmt_http_date(SystemTime::now());
        let headers: Params = vec![
            param("x-acs-signature-method", "HMAC-SHA1"),
            param("x-acs-signature-nonce", uuid::Uuid::new_v4()),
            param("x-acs-signature-version", "1.0"),
            param("x-acs-version", ELASTICSEARCH_VERSION),
            param("x-acs-region-id", region),
        ];
        let request = RoaRequest { method: method.as_str(), accept: "application/json", content_md5: "", content_type: "", date: &date, headers: &headers, path, query };
        let authorization = sign::roa_authorization(&request, &self.access_key_id, self.secret.expose_secret());
        let encoded_path: String = path.split('/').map(percent_encode).collect::<Vec<_>>().join("/");
        let mut url = format!("{}{encoded_path}", self.base_url("elasticsearch", region)?);
        if !query.is_empty() {
            url.push('?');
            url.push_str(&sign::canonical_query(query));
        }
        tracing::debug!(provider = PROVIDER, api, %method, url = %url, "request");
        let mut builder = self.http.request(method, &url).header("Accept", "application/json").header("Date", &date).header("Authorization", authorization);
        for (k, v) in &headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        answer(api, builder.send().await).await
    }

    /// Every item of an RPC listing: follows every page until the cloud says there is no more,
    /// or fails; never a partial list. `items` is the JSON pointer of a page's items.
    pub async fn rpc_list(&self, region: &str, product: Product, action: &str, params: &[(String, String)], paging: Paging, items: &str) -> CloudResult<Vec<Value>> {
        let (all, pages) = match paging {
            Paging::Numbered { max } => {
                let size = self.page_size.min(max);
                pager::numbered(action, size, |number| async move {
                    let mut p = params.to_vec();
                    p.extend([param("PageNumber", number), param("PageSize", size)]);
                    let page = self.rpc(region, ApiClass::Describe, product, action, &p).await?;
                    let total = page.get("TotalCount").and_then(Value::as_u64).map(|t| t as usize);
                    Ok((array(&page, items), total))
                })
                .await?
            }
            Paging::Token { max } => {
                let size = self.page_size.min(max);
                pager::tokens(action, |token| async move {
                    let mut p = params.to_vec();
                    p.push(param("MaxResults", size));
                    p.extend(token.map(|t| param("NextToken", t)));
                    let page = self.rpc(region, ApiClass::Describe, product, action, &p).await?;
                    Ok((array(&page, items), text(&page, "/NextToken").to_string()))
                })
                .await?
            }
        };
        tracing::debug!(provider = PROVIDER, region, api = action, pages, items = all.len(), "listed");
        Ok(all)
    }
}

/// Parameters that may carry secrets (user data) and the signature, hidden from logs.
const HIDDEN_PARAMS: &[&str] = &["UserData", "Password", "Signature"];

/// An RPC form as the debug log shows it: hidden parameters replaced by `<redacted>`.
fn logged_form(params: &[(String, String)]) -> String {
    strato_cloud::signing::redacted_query(params, HIDDEN_PARAMS, "Signature")
}

/// A response's JSON, or its error classified.
async fn answer(api: &str, response: Result<reqwest::Response, reqwest::Error>) -> CloudResult<Value> {
    let response = response.map_err(|e| unreachable(api, &e))?;
    let status = response.status().as_u16();
    let body = response.bytes().await.map_err(|e| unreachable(api, &e))?;
    let json: Option<Value> = serde_json::from_slice(&body).ok();
    if (200..300).contains(&status) {
        return json.ok_or_else(|| CloudError::other(format!("{api}: the answer is not JSON")));
    }
    let code = json.as_ref().and_then(|j| j.get("Code")).and_then(Value::as_str);
    let message = json.as_ref().and_then(|j| j.get("Message")).and_then(Value::as_str);
    Err(classify(api, code, message, Some(status)))
}

fn unreachable(api: &str, err: &reqwest::Error) -> CloudError {
    // One error for refused, reset, timed out, TLS, DNS: its text does not tell ports apart.
    tracing::warn!(provider = PROVIDER, api, error = %err, "Aliyun endpoint could not be reached");
    CloudError::unreachable(api)
}

/// Aliyun error code (and HTTP status) -> our error kind. Messages are Aliyun's own text, which
/// never holds our secret.
pub fn classify(api: &str, code: Option<&str>, message: Option<&str>, status: Option<u16>) -> CloudError {
    let text = format!("{api}: {}", message.unwrap_or("request failed"));
    let Some(code) = code else {
        return match status {
            Some(429) => CloudError::throttled(text),
            Some(s) if s >= 500 => CloudError::transient(text),
            Some(401) => CloudError::unauthorized(text),
            Some(403) => CloudError::forbidden(text),
            Some(404) => CloudError::not_found(text),
            _ => CloudError::other(text),
        };
    };
    let prefix = |p: &str| code == p || code.starts_with(&format!("{p}."));
    let err = if prefix("Throttling") || prefix("ServiceUnavailable") || code == "Throttling.User" {
        CloudError::throttled(text)
    // Before *.NotFound: an unknown key (InvalidAccessKeyId.NotFound) is bad credentials.
    } else if prefix("InvalidAccessKeyId") || prefix("SignatureDoesNotMatch") || prefix("IncompleteSignature") || prefix("InvalidTimeStamp")
        || prefix("InvalidSecurityToken") || prefix("MissingSecurityToken")
    {
        CloudError::unauthorized(text)
    } else if prefix("Forbidden") || prefix("NoPermission") || prefix("Forbidden.RAM") || code == "UnauthorizedOperation" {
        CloudError::forbidden(text)
    } else if prefix("InternalError") || prefix("UnknownError") || code == "SignatureNonceUsed" || code == "LastTokenProcessing" {
        CloudError::transient(text)
    } else if prefix("IncorrectInstanceStatus") || prefix("IncorrectDiskStatus") || prefix("IncorrectVpcStatus") || prefix("DependencyViolation")
        || prefix("OperationConflict") || prefix("IdempotentParameterMismatch") || prefix("InvalidStatus")
    {
        CloudError::conflict(text)
    } else if code.contains("QuotaExceed") || prefix("OperationDenied.NoStock") || prefix("QuotaExceeded") {
        CloudError::quota_exceeded(text)
    } else if code == "InvalidAction.NotFound" {
        CloudError::not_implemented(text)
    } else if code.ends_with(".NotFound") || code == "InstanceNotFound" {
        CloudError::not_found(text)
    } else if prefix("MissingParameter") || prefix("InvalidParameter") || code.ends_with(".Malformed") || code.contains("ValueNotSupported")
        || code.starts_with("Invalid")
    {
        CloudError::invalid_input(text)
    } else {
        match status {
            Some(s) if s >= 500 => CloudError::transient(text),
            Some(403) => CloudError::forbidden(text),
            Some(404) => CloudError::not_found(text),
            Some(s) if (400..500).contains(&s) => CloudError::invalid_input(text),
            _ => CloudError::other(text),
        }
    };
    err.with_code(code)
}

/// A not_found about something an input refers to (image, vswitch, type) is bad input.
pub fn input_error(e: CloudError) -> CloudError {
    if e.is_not_found() {
        CloudError { kind: strato_cloud::CloudErrorKind::InvalidInput, ..e }
    } else {
        e
    }
}

// --- reading answers ---------------------------------------------------------------------------

/// The items at `pointer` (an array), or none.
pub fn array(v: &Value, pointer: &str) -> Vec<Value> {
    v.pointer(pointer).and_then(Value::as_array).cloned().unwrap_or_default()
}

/// The text at `pointer`, or "".
pub fn text<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or_default()
}

/// The text at `pointer` when not empty.
pub fn opt_text(v: &Value, pointer: &str) -> Option<String> {
    Some(text(v, pointer)).filter(|s| !s.is_empty()).map(str::to_string)
}

pub fn number(v: &Value, pointer: &str) -> Option<f64> {
    v.pointer(pointer).and_then(|n| n.as_f64().or_else(|| n.as_str().and_then(|s| s.parse().ok())))
}

/// Aliyun's times: `2017-12-10T04:04Z` (minutes), `2021-06-07T06:08:56Z`, `...56.253Z`.
pub fn time(v: &Value, pointer: &str) -> Option<DateTime<Utc>> {
    let s = text(v, pointer);
    if s.is_empty() {
        return None;
    }
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%MZ").ok().map(|t| t.and_utc()))
}

/// Tags in any of Aliyun's spellings: {"Tag": [{"TagKey"|"Key", "TagValue"|"Value"}]} or
/// [{"tagKey", "tagValue"}] (Elasticsearch).
pub fn tags(v: &Value, pointer: &str) -> Tags {
    let list = v.pointer(pointer).map(|t| t.get("Tag").unwrap_or(t)).and_then(Value::as_array).cloned().unwrap_or_default();
    list.iter()
        .filter_map(|t| {
            let key = ["TagKey", "Key", "tagKey"].iter().find_map(|k| t.get(*k).and_then(Value::as_str))?;
            let value = ["TagValue", "Value", "tagValue"].iter().find_map(|k| t.get(*k).and_then(Value::as_str)).unwrap_or_default();
            Some((key.to_string(), value.to_string()))
        })
        .filter(|(k, _)| !k.starts_with("acs:"))
        .collect()
}

/// Aliyun's charge types: `PrePaid` / `PostPaid` (ECS), `prepaid` / `postpaid` (Elasticsearch).
pub fn billing_type(charge: &str) -> BillingType {
    if charge.eq_ignore_ascii_case("prepaid") {
        BillingType::Prepaid
    } else {
        BillingType::Postpaid
    }
}

/// `Tag.N.Key` / `Tag.N.Value` parameters.
pub fn tag_params(tags: &Tags) -> Params {
    tags.iter()
        .enumerate()
        .flat_map(|(i, (k, v))| [param(&format!("Tag.{}.Key", i + 1), k), param(&format!("Tag.{}.Value", i + 1), v)])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use strato_cloud::CloudErrorKind as K;

    #[test]
    fn the_secret_is_read_under_its_own_or_the_generic_name() {
        let layer = std::sync::Arc::new(strato_cloud::RequestLayer::default());
        let connect = |creds: strato_cloud::Credentials| AliyunClient::connect(&DriverConfig::new("a", creds, layer.clone())).err();
        let id = strato_cloud::Credentials::new().with("access_key_id", "LTAI5tExampleKey01");
        assert!(connect(id.clone().with("access_key_secret", "secret-1")).is_none());
        assert!(connect(id.clone().with(GENERIC_SECRET_FIELD, "secret-1")).is_none());
        let missing = connect(id.clone()).map(|e| e.message).unwrap_or_default();
        assert!(missing.contains("'access_key_secret'"), "{missing}");
        // Its own name wins: an empty one is refused, not replaced by the generic field.
        let empty = connect(id.with("access_key_secret", "").with(GENERIC_SECRET_FIELD, "secret-1")).map(|e| e.message).unwrap_or_default();
        assert!(empty.contains("'access_key_secret'"), "{empty}");
    }

    #[test]
    fn aliyun_codes_map_to_kinds() {
        let cases = [
            ("Throttling", 400, K::Throttled),
            ("Throttling.User", 400, K::Throttled),
            ("Throttling.Api", 400, K::Throttled),
            ("ServiceUnavailable", 503, K::Throttled),
            ("InvalidAccessKeyId.NotFound", 404, K::Unauthorized),
            ("InvalidAccessKeyId.Inactive", 400, K::Unauthorized),
            ("SignatureDoesNotMatch", 400, K::Unauthorized),
            ("IncompleteSignature", 400, K::Unauthorized),
            ("Forbidden.RAM", 403, K::Forbidden),
            ("Forbidden", 403, K::Forbidden),
            ("InvalidInstanceId.NotFound", 404, K::NotFound),
            ("InvalidDiskId.NotFound", 404, K::NotFound),
            ("InstanceNotFound", 404, K::NotFound),
            ("IncorrectInstanceStatus", 403, K::Conflict),
            ("IncorrectDiskStatus", 403, K::Conflict),
            ("QuotaExceed.ElasticQuota", 403, K::QuotaExceeded),
            ("InvalidInstanceType.ValueNotSupported", 400, K::InvalidInput),
            ("MissingParameter", 400, K::InvalidInput),
            ("InternalError", 500, K::Transient),
            ("InvalidAction.NotFound", 404, K::NotImplemented),
        ];
        for (code, status, kind) in cases {
            let e = classify("Api", Some(code), Some("m"), Some(status));
            assert_eq!(e.kind, kind, "{code}");
            assert_eq!(e.code.as_deref(), Some(code));
        }
        assert_eq!(classify("Api", None, None, Some(503)).kind, K::Transient);
        assert_eq!(classify("Api", Some("Weird"), None, Some(500)).kind, K::Transient);
        assert_eq!(classify("Api", Some("Weird"), None, Some(400)).kind, K::InvalidInput);
    }

    #[test]
    fn malformed_credentials_are_rejected_without_echo() {
        let e = check_access_key_id("not a key").unwrap_err();
        assert!(!e.to_string().contains("not a key"));
        assert!(check_access_key_id("LTAI5tExampleKey0000").is_ok());
        let e = check_secret("has space").unwrap_err();
        assert!(!e.to_string().contains("has space"));
    }

    #[test]
    fn a_region_cannot_change_the_endpoint_host() {
        let config = DriverConfig::new(
            "a",
            strato_cloud::Credentials::new().with("access_key_id", "LTAI5tExampleKey0000").with("access_key_secret", "s"),
            std::sync::Arc::new(strato_cloud::RequestLayer::default()),
        );
        let c = AliyunClient::connect(&config).expect("connect");
        assert_eq!(c.base_url("ecs", "cn-hangzhou").expect("url"), "https://ecs.cn-hangzhou.aliyuncs.com");
        for bad in ["evil.example.com#", "cn-hangzhou/x", "", "CN-HANGZHOU", "a b"] {
            assert_eq!(c.base_url("ecs", bad).expect_err(bad).kind, K::InvalidInput, "{bad}");
        }
    }

    #[test]
    fn logged_forms_hide_user_data_and_the_signature() {
        let shown = logged_form(&[param("Action", "RunInstances"), param("UserData", "c2VjcmV0"), param("Password", "p@ss")]);
        assert_eq!(shown, "Action=RunInstances&Password=%3Credacted%3E&UserData=%3Credacted%3E&Signature=<redacted>");
    }

    #[test]
    fn times_in_every_spelling_parse() {
        let v = serde_json::json!({"a": "2017-12-10T04:04Z", "b": "2021-06-07T06:08:56Z", "c": "2018-07-13T03:58:07.253Z"});
        assert_eq!(time(&v, "/a").map(|t| t.to_rfc3339()), Some("2017-12-10T04:04:00+00:00".into()));
        assert!(time(&v, "/b").is_some() && time(&v, "/c").is_some());
    }

    #[test]
    fn tags_in_every_spelling_read() {
        let v = serde_json::json!({
            "ecs": {"Tag": [{"TagKey": "a", "TagValue": "1"}, {"TagKey": "acs:system", "TagValue": "x"}]},
            "vpc": {"Tag": [{"Key": "b", "Value": "2"}]},
            "es": [{"tagKey": "c", "tagValue": "3"}],
        });
        assert_eq!(tags(&v, "/ecs"), Tags::from([("a".into(), "1".into())]));
        assert_eq!(tags(&v, "/vpc"), Tags::from([("b".into(), "2".into())]));
        assert_eq!(tags(&v, "/es"), Tags::from([("c".into(), "3".into())]));
    }
}
