//! Aliyun request signing, written once (no maintained Rust SDK exists). Three schemes:
//!
//! * **RPC, signature v1** (ECS, VPC): every parameter, common ones included, sorted by name and
//!   percent-encoded; `StringToSign = METHOD & %2F & encode(canonical query)`; the signature is
//!   base64(HMAC-SHA1(secret + "&", StringToSign)), sent as the `Signature` parameter.
//! * **ACS3-HMAC-SHA256** (signature v3, any API style): a canonical request (method, path,
//!   canonical query, signed headers, hex SHA-256 of the body) hashed with SHA-256, then
//!   hex(HMAC-SHA256(secret, "ACS3-HMAC-SHA256\n" + hash)), sent in `Authorization`.
//! * **ROA** (Elasticsearch): `METHOD\nAccept\nContent-MD5\nContent-Type\nDate\n` + the sorted
//!   `x-acs-*` headers + the path with its sorted, unencoded query; base64(HMAC-SHA1(secret, ..)),
//!   sent as `Authorization: acs <AccessKeyId>:<signature>`.
//!
//! Percent-encoding follows Aliyun's rule (RFC 3986): `A-Z a-z 0-9 - _ . ~` stay, every other
//! byte of the UTF-8 text becomes `%XY` in upper-case hex (so a space is `%20`, `*` is `%2A`).
//! The functions are pure: callers pass the time and nonce, so tests can use Aliyun's worked
//! examples. Nothing here logs; the secret only ever enters an HMAC key.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
pub use strato_cloud::signing::{canonical_query, percent_encode, utc_timestamp as timestamp};

/// RPC v1 signature method, version and the ACS3 algorithm name, as sent on the wire.
pub const RPC_SIGNATURE_METHOD: &str = "HMAC-SHA1";
pub const RPC_SIGNATURE_VERSION: &str = "1.0";
pub const ACS3_ALGORITHM: &str = "ACS3-HMAC-SHA256";

/// The RPC v1 string to sign for `params` (every parameter but `Signature`).
pub fn rpc_string_to_sign(method: &str, params: &[(String, String)]) -> String {
    format!("{method}&{}&{}", percent_encode("/"), percent_encode(&canonical_query(params)))
}

/// The RPC v1 signature of `params` (base64).
pub fn rpc_signature(method: &str, params: &[(String, String)], secret: &str) -> String {
    let key = format!("{secret}&");
    base64_hmac_sha1(key.as_bytes(), rpc_string_to_sign(method, params).as_bytes())
}

/// What ACS3 signs: the request line, its query, the headers to sign (names lower-case) and the
/// body's hex SHA-256 (also sent as `x-acs-content-sha256`).
#[derive(Debug, Clone)]
pub struct Acs3Request<'a> {
    pub method: &'a str,
    /// The path as sent (already percent-encoded), `/` for RPC-style calls.
    pub path: &'a str,
    pub query: &'a [(String, String)],
    pub headers: &'a [(String, String)],
    pub payload_sha256: &'a str,
}

/// Hex SHA-256 of a body (`x-acs-content-sha256`).
pub fn sha256_hex(body: &[u8]) -> String {
    hex::encode(Sha256::digest(body))
}

/// The ACS3 canonical request and the `SignedHeaders` list.
pub fn acs3_canonical_request(req: &Acs3Request<'_>) -> (String, String) {
    let mut headers: Vec<(String, String)> = req.headers.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_string())).collect();
    headers.sort_by(|a, b| a.0.cmp(&b.0));
    let canonical_headers: String = headers.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
    let signed_headers = headers.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>().join(";");
    let path = if req.path.is_empty() { "/" } else { req.path };
    let canonical = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        req.method,
        path,
        canonical_query(req.query),
        canonical_headers,
        signed_headers,
        req.payload_sha256
    );
    (canonical, signed_headers)
}

/// The `Authorization` header value of an ACS3 request.
pub fn acs3_authorization(req: &Acs3Request<'_>, access_key_id: &str, secret: &str) -> String {
    let (canonical, signed_headers) = acs3_canonical_request(req);
    let string_to_sign = format!("{ACS3_ALGORITHM}\n{}", sha256_hex(canonical.as_bytes()));
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(string_to_sign.as_bytes());
    let signature = hex::encode(mac.finalize().into_bytes());
    format!("{ACS3_ALGORITHM} Credential={access_key_id},SignedHeaders={signed_headers},Signature={signature}")
}

/// What ROA signs besides the `x-acs-*` headers.
#[derive(Debug, Clone)]
pub struct RoaRequest<'a> {
    pub method: &'a str,
    pub accept: &'a str,
    pub content_md5: &'a str,
    pub content_type: &'a str,
    /// RFC 2616 date, e.g. `Tue, 08 Dec 2026 00:00:00 GMT`.
    pub date: &'a str,
    /// Every header; only the `x-acs-*` ones are signed.
    pub headers: &'a [(String, String)],
    /// The path, unencoded.
    pub path: &'a str,
    /// Query parameters, unencoded.
    pub query: &'a [(String, String)],
}

/// The ROA string to sign.
pub fn roa_string_to_sign(req: &RoaRequest<'_>) -> String {
    let mut acs: Vec<(String, &str)> =
        req.headers.iter().filter(|(k, _)| k.to_ascii_lowercase().starts_with("x-acs-")).map(|(k, v)| (k.to_ascii_lowercase(), v.as_str())).collect();
    acs.sort_by(|a, b| a.0.cmp(&b.0));
    let canonical_headers: String = acs.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
    let mut query: Vec<&(String, String)> = req.query.iter().collect();
    query.sort_by(|a, b| a.0.cmp(&b.0));
    let mut resource = req.path.to_string();
    if !query.is_empty() {
        // An empty value is signed as the bare name.
        let parts: Vec<String> = query.iter().map(|(k, v)| if v.is_empty() { k.clone() } else { format!("{k}={v}") }).collect();
        resource.push('?');
        resource.push_str(&parts.join("&"));
    }
    format!("{}\n{}\n{}\n{}\n{}\n{canonical_headers}{resource}", req.method, req.accept, req.content_md5, req.content_type, req.date)
}

/// The ROA signature (base64) and the `Authorization` header value carrying it.
pub fn roa_authorization(req: &RoaRequest<'_>, access_key_id: &str, secret: &str) -> String {
    let signature = base64_hmac_sha1(secret.as_bytes(), roa_string_to_sign(req).as_bytes());
    format!("acs {access_key_id}:{signature}")
}

/// base64 of the MD5 of a body (`Content-MD5` of ROA requests with a body).
pub fn content_md5(body: &[u8]) -> String {
    use md5::Md5;
    base64::engine::general_purpose::STANDARD.encode(Md5::digest(body))
}

fn base64_hmac_sha1(key: &[u8], message: &[u8]) -> String {
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(message);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    /// Aliyun's worked example of signature v1 (ECS "Request signatures": DescribeRegions with
    /// AccessKeyId `testid`, secret `testsecret`), byte for byte.
    #[test]
    fn rpc_v1_matches_the_documented_example() {
        let params = pairs(&[
            ("Timestamp", "2016-02-23T12:46:24Z"),
            ("Format", "XML"),
            ("AccessKeyId", "testid"),
            ("Action", "DescribeRegions"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
            ("Version", "2014-05-26"),
            ("SignatureVersion", "1.0"),
        ]);
        assert_eq!(
            rpc_string_to_sign("GET", &params),
            "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1\
             %26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0\
             %26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26"
        );
        assert_eq!(rpc_signature("GET", &params, "testsecret"), "OLeaidS1JvxuMvnyHOwuJ+uX5qY=");
    }

    /// Aliyun's worked example of signature v3 ("Request syntax and signature method V3", the
    /// fixed-value RunInstances example), byte for byte, hashed canonical request included.
    #[test]
    fn acs3_matches_the_documented_example() {
        let query = pairs(&[("ImageId", "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd"), ("RegionId", "cn-shanghai")]);
        let empty = sha256_hex(b"");
        assert_eq!(empty, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        let headers = pairs(&[
            ("host", "ecs.cn-shanghai.aliyuncs.com"),
            ("x-acs-action", "RunInstances"),
            ("x-acs-version", "2014-05-26"),
            ("x-acs-date", "2023-10-26T10:22:32Z"),
            ("x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"),
            ("x-acs-content-sha256", &empty),
        ]);
        let req = Acs3Request { method: "POST", path: "/", query: &query, headers: &headers, payload_sha256: &empty };
        let (canonical, signed) = acs3_canonical_request(&req);
        assert_eq!(signed, "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version");
        assert_eq!(sha256_hex(canonical.as_bytes()), "7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259");
        assert_eq!(
            acs3_authorization(&req, "YourAccessKeyId", "YourAccessKeySecret"),
            "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;\
             x-acs-signature-nonce;x-acs-version,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
        );
    }

    #[test]
    fn percent_encoding_follows_rfc3986() {
        assert_eq!(percent_encode("AZaz09-_.~"), "AZaz09-_.~");
        assert_eq!(percent_encode("a b*c+d/e=f&g:h"), "a%20b%2Ac%2Bd%2Fe%3Df%26g%3Ah");
        assert_eq!(percent_encode("\"é"), "%22%C3%A9");
    }

    #[test]
    fn roa_string_to_sign_has_the_documented_layout() {
        let headers = pairs(&[("x-acs-version", "2017-06-13"), ("X-Acs-Signature-Nonce", "n1"), ("Host", "h"), ("x-acs-signature-method", "HMAC-SHA1")]);
        let query = pairs(&[("size", "10"), ("page", "1")]);
        let req = RoaRequest {
            method: "GET",
            accept: "application/json",
            content_md5: "",
            content_type: "",
            date: "Thu, 22 Feb 2018 07:46:12 GMT",
            headers: &headers,
            path: "/openapi/instances",
            query: &query,
        };
        assert_eq!(
            roa_string_to_sign(&req),
            "GET\napplication/json\n\n\nThu, 22 Feb 2018 07:46:12 GMT\nx-acs-signature-method:HMAC-SHA1\n\
             x-acs-signature-nonce:n1\nx-acs-version:2017-06-13\n/openapi/instances?page=1&size=10"
        );
    }
}
