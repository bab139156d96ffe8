//! QingCloud request signing (IaaS API, signature version 1), written once: no maintained Rust
//! SDK exists.
//!
//! Every parameter of the request, the common ones included (`access_key_id`, `action`, `zone`,
//! `time_stamp`, `version`, `signature_method`, `signature_version`), but not `signature`
//! itself, is sorted by name, and names and values are percent-encoded; the pairs joined with
//! `&` form the canonical query. The string to sign is `METHOD\n/iaas/\n<canonical query>`; the
//! signature is base64(HMAC-SHA256(secret, string to sign)), sent percent-encoded as the
//! `signature` parameter after the others.
//!
//! Percent-encoding keeps `A-Z a-z 0-9 - _ . ~` and turns every other byte of the UTF-8 text
//! into `%XY` with upper-case hex: a space is `%20` (never `+`), `:` is `%3A`. The functions are
//! pure (the caller passes the time), so tests can use QingCloud's worked example. Nothing here
//! logs; the secret only ever enters an HMAC key.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
pub use strato_cloud::signing::{canonical_query, percent_encode, utc_timestamp as timestamp};

/// The signature method and version, as sent on the wire.
pub const SIGNATURE_METHOD: &str = "HmacSHA256";
pub const SIGNATURE_VERSION: &str = "1";
/// The IaaS API's version parameter.
pub const API_VERSION: &str = "1";
/// The path every IaaS call is sent to, and signed with.
pub const IAAS_PATH: &str = "/iaas/";

/// The string to sign for `params` (every parameter but `signature`) sent with `method`
/// (`GET` or `POST`) to `path` (`/iaas/`).
pub fn string_to_sign(method: &str, path: &str, params: &[(String, String)]) -> String {
    format!("{method}\n{path}\n{}", canonical_query(params))
}

/// The signature of `params` (base64, not yet percent-encoded).
pub fn signature(method: &str, path: &str, params: &[(String, String)], secret: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(string_to_sign(method, path, params).as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The whole signed query string (or form body): the canonical query, then
/// `&signature=<percent-encoded signature>`.
pub fn signed_query(method: &str, path: &str, params: &[(String, String)], secret: &str) -> String {
    format!("{}&signature={}", canonical_query(params), percent_encode(&signature(method, path, params, secret)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    /// QingCloud's worked example ("签名方法" in the API docs: RunInstances with
    /// `QYACCESSKEYIDEXAMPLE` / `SECRETACCESSKEY`, zone pek3a), byte for byte.
    #[test]
    fn matches_the_documented_example() {
        let params = pairs(&[
            ("count", "1"),
            ("vxnets.1", "vxnet-0"),
            ("zone", "pek3a"),
            ("instance_type", "small_b"),
            ("signature_version", "1"),
            ("signature_method", "HmacSHA256"),
            ("instance_name", "demo"),
            ("image_id", "centos64x86a"),
            ("login_mode", "passwd"),
            ("login_passwd", "QingCloud20130712"),
            ("version", "1"),
            ("access_key_id", "QYACCESSKEYIDEXAMPLE"),
            ("action", "RunInstances"),
            ("time_stamp", "2013-08-27T14:30:10Z"),
        ]);
        let expected_query = "access_key_id=QYACCESSKEYIDEXAMPLE&action=RunInstances&count=1&image_id=centos64x86a\
            &instance_name=demo&instance_type=small_b&login_mode=passwd&login_passwd=QingCloud20130712\
            &signature_method=HmacSHA256&signature_version=1&time_stamp=2013-08-27T14%3A30%3A10Z&version=1\
            &vxnets.1=vxnet-0&zone=pek3a";
        assert_eq!(string_to_sign("GET", IAAS_PATH, &params), format!("GET\n/iaas/\n{expected_query}"));
        assert_eq!(signature("GET", IAAS_PATH, &params, "SECRETACCESSKEY"), "byjccvWIvAftaq+oublemagH3bYAlDWxxLFAzAsyslw=");
        assert_eq!(
            signed_query("GET", IAAS_PATH, &params, "SECRETACCESSKEY"),
            format!("{expected_query}&signature=byjccvWIvAftaq%2BoublemagH3bYAlDWxxLFAzAsyslw%3D")
        );
    }

    #[test]
    fn percent_encoding_uses_upper_case_hex_and_no_plus() {
        assert_eq!(percent_encode("AZaz09-_.~"), "AZaz09-_.~");
        assert_eq!(percent_encode("a b*c+d/e=f&g:h"), "a%20b%2Ac%2Bd%2Fe%3Df%26g%3Ah");
        assert_eq!(percent_encode("\"é"), "%22%C3%A9");
    }

    #[test]
    fn the_method_and_the_secret_are_signed() {
        let params = pairs(&[("action", "DescribeZones")]);
        let get = signature("GET", IAAS_PATH, &params, "s1");
        assert_ne!(get, signature("POST", IAAS_PATH, &params, "s1"));
        assert_ne!(get, signature("GET", IAAS_PATH, &params, "s2"));
    }

    #[test]
    fn timestamps_are_utc_seconds() {
        let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_377_613_810);
        assert_eq!(timestamp(at), "2013-08-27T14:30:10Z");
    }
}
