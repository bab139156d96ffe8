//! The `qingcloud` provider, in progress: QingCloud's IaaS API over reqwest. No maintained Rust
//! SDK exists: `sign` holds the request signing (signature version 1, HMAC-SHA256), written
//! once. Not registered yet: it serves no kinds.
//!
//! Layout (as every provider): lib.rs, client.rs (raw calls, paging and error mapping),
//! sign.rs, one file per kind.

pub mod sign;

pub const PROVIDER: &str = "qingcloud";
