//! The shared request layer every cloud call goes through: token-bucket rate limits keyed by
//! (provider, account, region, api class), retries with exponential backoff and jitter on
//! retryable errors only (honouring Retry-After), per-key counters, and an observer hook for
//! `--debug` tracing. Drivers call `Requests::call` and never retry themselves.

use std::collections::HashMap;
use std::future::Future;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use rand::Rng;

use crate::error::{CloudErrorKind, CloudResult};

/// Rate-limit classes; clouds publish separate budgets for reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ApiClass {
    /// Describe/list/get calls.
    Describe,
    /// Calls that change something.
    Mutate,
}

impl ApiClass {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Describe => "describe",
            Self::Mutate => "mutate",
        }
    }
}

/// A token bucket: `burst` tokens, refilled at `per_second`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub burst: u32,
    pub per_second: u32,
}

/// A provider's limits per api class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProviderLimits {
    pub describe: RateLimit,
    pub mutate: RateLimit,
}

impl ProviderLimits {
    pub fn for_class(&self, class: ApiClass) -> RateLimit {
        match class {
            ApiClass::Describe => self.describe,
            ApiClass::Mutate => self.mutate,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestKey {
    pub provider: &'static str,
    pub account: String,
    pub region: String,
    pub class: ApiClass,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RequestCounters {
    /// Attempts sent to the cloud (first tries and retries).
    pub requests: u64,
    pub retries: u64,
    /// Attempts answered with a throttling error.
    pub throttles: u64,
    /// Calls that finally failed.
    pub failures: u64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in total, including the first.
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { max_attempts: 5, base_delay: Duration::from_millis(200), max_delay: Duration::from_secs(20) }
    }
}

impl RetryPolicy {
    /// Exponential backoff with jitter: a random delay in [d/2, d], d = base * 2^retry, capped.
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = self.base_delay.saturating_mul(1u32 << retry.min(16));
        let capped = exp.min(self.max_delay);
        let half = capped / 2;
        half + capped.saturating_sub(half).mul_f64(rand::thread_rng().gen_range(0.0..=1.0))
    }
}

/// One finished call, for `--debug` tracing. Holds no request parameters, so no secrets.
#[derive(Debug, Clone)]
pub struct CallRecord {
    pub provider: &'static str,
    pub account: String,
    pub region: String,
    pub api: String,
    pub class: ApiClass,
    pub duration: Duration,
    pub retries: u32,
    /// `ok`, or the error kind and cloud code of the last attempt.
    pub status: String,
}

pub type CallObserver = Arc<dyn Fn(&CallRecord) + Send + Sync>;

pub struct RequestLayer {
    retry: RetryPolicy,
    buckets: Mutex<HashMap<RequestKey, Arc<DefaultDirectRateLimiter>>>,
    counters: Mutex<HashMap<RequestKey, RequestCounters>>,
    observer: Mutex<Option<CallObserver>>,
}

impl Default for RequestLayer {
    fn default() -> Self {
        Self::new(RetryPolicy::default())
    }
}

impl std::fmt::Debug for RequestLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestLayer").field("retry", &self.retry).finish_non_exhaustive()
    }
}

impl RequestLayer {
    pub fn new(retry: RetryPolicy) -> Self {
        Self { retry, buckets: Mutex::default(), counters: Mutex::default(), observer: Mutex::new(None) }
    }

    /// Called after every call (success or final failure).
    pub fn set_observer(&self, observer: CallObserver) {
        *lock(&self.observer) = Some(observer);
    }

    /// A handle for one driver: fixes provider, account and limits.
    pub fn scope(self: &Arc<Self>, provider: &'static str, account: impl Into<String>, limits: ProviderLimits) -> Requests {
        Requests { layer: self.clone(), provider, account: account.into(), limits }
    }

    pub fn counters(&self, key: &RequestKey) -> RequestCounters {
        lock(&self.counters).get(key).copied().unwrap_or_default()
    }

    pub fn all_counters(&self) -> Vec<(RequestKey, RequestCounters)> {
        let mut all: Vec<_> = lock(&self.counters).iter().map(|(k, v)| (k.clone(), *v)).collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all
    }

    fn bucket(&self, key: &RequestKey, limit: RateLimit) -> Arc<DefaultDirectRateLimiter> {
        let mut buckets = lock(&self.buckets);
        buckets
            .entry(key.clone())
            .or_insert_with(|| {
                let per_second = NonZeroU32::new(limit.per_second).unwrap_or(NonZeroU32::MIN);
                let burst = NonZeroU32::new(limit.burst).unwrap_or(NonZeroU32::MIN);
                Arc::new(RateLimiter::direct(Quota::per_second(per_second).allow_burst(burst)))
            })
            .clone()
    }

    fn count(&self, key: &RequestKey, f: impl FnOnce(&mut RequestCounters)) {
        f(lock(&self.counters).entry(key.clone()).or_default());
    }
}

/// A poisoned lock only means another thread panicked mid-update of plain counters.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A driver's handle on the request layer.
#[derive(Clone)]
pub struct Requests {
    layer: Arc<RequestLayer>,
    provider: &'static str,
    account: String,
    limits: ProviderLimits,
}

impl std::fmt::Debug for Requests {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Requests").field("provider", &self.provider).field("account", &self.account).finish()
    }
}

impl Requests {
    pub fn layer(&self) -> &Arc<RequestLayer> {
        &self.layer
    }

    pub fn key(&self, region: &str, class: ApiClass) -> RequestKey {
        RequestKey { provider: self.provider, account: self.account.clone(), region: region.to_string(), class }
    }

    /// Run one cloud call: wait for a token, send, retry retryable errors with backoff.
    /// `op` is called once per attempt.
    pub async fn call<T, F, Fut>(&self, region: &str, class: ApiClass, api: &str, mut op: F) -> CloudResult<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = CloudResult<T>>,
    {
        let key = self.key(region, class);
        let bucket = self.layer.bucket(&key, self.limits.for_class(class));
        let started = Instant::now();
        let policy = self.layer.retry;
        let mut retries = 0u32;
        let result = loop {
            bucket.until_ready().await;
            self.layer.count(&key, |c| c.requests += 1);
            match op().await {
                Ok(v) => break Ok(v),
                Err(e) => {
                    if e.kind == CloudErrorKind::Throttled {
                        self.layer.count(&key, |c| c.throttles += 1);
                    }
                    if !e.is_retryable() || retries + 1 >= policy.max_attempts {
                        break Err(e);
                    }
                    let wait = match e.retry_after {
                        Some(after) => after,
                        None => policy.backoff(retries),
                    };
                    tracing::debug!(provider = self.provider, region, api, error = %e, wait_ms = wait.as_millis() as u64, "retrying cloud call");
                    retries += 1;
                    self.layer.count(&key, |c| c.retries += 1);
                    tokio::time::sleep(wait).await;
                }
            }
        };
        if result.is_err() {
            self.layer.count(&key, |c| c.failures += 1);
        }
        let status = match &result {
            Ok(_) => "ok".to_string(),
            Err(e) => match &e.code {
                Some(code) => format!("{} ({code})", e.kind),
                None => e.kind.to_string(),
            },
        };
        let record = CallRecord {
            provider: self.provider,
            account: self.account.clone(),
            region: region.to_string(),
            api: api.to_string(),
            class,
            duration: started.elapsed(),
            retries,
            status,
        };
        tracing::trace!(provider = record.provider, region, api, retries, status = %record.status, "cloud call");
        let observer = lock(&self.layer.observer).clone();
        if let Some(observer) = observer {
            observer(&record);
        }
        result
    }
}
