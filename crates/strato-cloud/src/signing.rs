//! Request-signing pieces that the clouds Strato signs for itself share (Aliyun, QingCloud: no
//! maintained Rust SDK exists for either): RFC 3986 percent-encoding, the sorted canonical
//! query, and the UTC timestamp form. Each provider's `sign.rs` builds its scheme on these.

/// RFC 3986 percent-encoding of one name or value: `A-Z a-z 0-9 - _ . ~` stay, every other byte
/// of the UTF-8 text becomes `%XY` in upper-case hex (a space is `%20`, `*` is `%2A`).
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `name=value&...`, names sorted by bytes (for UTF-8, code-point order), both sides
/// percent-encoded.
pub fn canonical_query(params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    sorted.iter().map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v))).collect::<Vec<_>>().join("&")
}

/// The canonical query as a debug log may show it: the values of `hidden` parameters (secrets,
/// user data) replaced by `<redacted>`, and `signature_param` appended as `<redacted>` too.
pub fn redacted_query(params: &[(String, String)], hidden: &[&str], signature_param: &str) -> String {
    let shown: Vec<(String, String)> =
        params.iter().map(|(k, v)| (k.clone(), if hidden.contains(&k.as_str()) { "<redacted>".to_string() } else { v.clone() })).collect();
    format!("{}&{signature_param}=<redacted>", canonical_query(&shown))
}

/// `2026-12-08T00:30:00Z`: UTC to the second.
pub fn utc_timestamp(at: std::time::SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(at).format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_as_rfc_3986_and_sorts_by_name() {
        assert_eq!(percent_encode("a b*c~d/é"), "a%20b%2Ac~d%2F%C3%A9");
        let params = [("b".to_string(), "2 3".to_string()), ("a".to_string(), "1".to_string())];
        assert_eq!(canonical_query(&params), "a=1&b=2%203");
        assert_eq!(utc_timestamp(std::time::UNIX_EPOCH), "1970-01-01T00:00:00Z");
        let with_secret = [("Password".to_string(), "s3cret".to_string()), ("a".to_string(), "1".to_string())];
        assert_eq!(redacted_query(&with_secret, &["Password"], "Signature"), "Password=%3Credacted%3E&a=1&Signature=<redacted>");
    }
}
