//! The `qingcloud` provider, in progress: QingCloud's IaaS API over reqwest. No maintained Rust
//! SDK exists: `sign` holds the request signing (signature version 1, HMAC-SHA256), written
//! once; `client` the raw calls through the shared request layer, the listing loop and the
//! error mapping. Not registered yet: it has no driver and serves no kinds.
//!
//! Layout (as every provider): lib.rs, client.rs (raw calls, paging and error mapping),
//! pager.rs, sign.rs, and later one file per kind.

pub mod client;
mod pager;
pub mod sign;

use strato_cloud::{ProviderLimits, RateLimit};

pub use client::{classify, QingCloudClient, DEFAULT_ENDPOINT, DEFAULT_ZONE};

pub const PROVIDER: &str = "qingcloud";

/// Request-layer buckets per (account, zone, API class). QingCloud publishes no per-API rate
/// figures; it answers 5100 (server busy) or 2500 (over quota) when callers go too fast. These
/// are deliberately modest until measured against the real cloud.
pub const LIMITS: ProviderLimits =
    ProviderLimits { describe: RateLimit { burst: 20, per_second: 10 }, mutate: RateLimit { burst: 10, per_second: 2 } };
