//! Login throttling: failed password logins are counted per (user, source), per source and per
//! user within a window; past a limit the key is locked and further attempts answer 429 with
//! `Retry-After` (without checking the password, so they cost nothing and are not logged).
//! Password checks run under a small semaphore, so a burst of logins cannot exhaust memory
//! (argon2 uses ~19 MiB per check).
//!
//! - (user, source): `user_source_failures` failures in `window` lock that source out of that
//!   user for `lockout`, doubling on each further lockout up to `lockout_max`; a successful
//!   login from that source resets it. Another source can still log in as the user.
//! - source: `source_failures` failures in `window` (any users) lock the source until the
//!   window ends.
//! - user: `user_failures` failures in `window` from all sources together lock the user for
//!   everyone until the window ends (a distributed guess); short on purpose.
//!
//! The source is the peer IP address (IPv6 by its /64), never a forwarded header. The counters
//! are in memory, per replica.

use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::ApiError;

#[derive(Debug, Clone)]
pub struct LoginLimits {
    pub window: Duration,
    pub user_source_failures: u32,
    pub source_failures: u32,
    pub user_failures: u32,
    pub lockout: Duration,
    pub lockout_max: Duration,
    /// Password checks running at once; more wait up to `hash_wait`, then answer 429.
    pub hash_concurrency: usize,
    pub hash_wait: Duration,
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits {
            window: Duration::from_secs(60),
            user_source_failures: 5,
            source_failures: 30,
            user_failures: 100,
            lockout: Duration::from_secs(30),
            lockout_max: Duration::from_secs(900),
            hash_concurrency: default_hash_concurrency(),
            hash_wait: Duration::from_secs(5),
        }
    }
}

/// One per CPU, between 1 and 8.
pub fn default_hash_concurrency() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).clamp(1, 8)
}

/// The source key of a peer address: IPv4 as is, IPv6 by its /64 (one host usually owns one).
fn source_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => {
            let mut segments = v6.segments();
            segments[4..].fill(0);
            IpAddr::V6(segments.into())
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    UserSource(String, String, IpAddr),
    Source(IpAddr),
    User(String, String),
}

#[derive(Debug, Clone)]
struct Counter {
    window_start: Instant,
    failures: u32,
    locked_until: Option<Instant>,
    /// Lockouts in a row (user, source), for the backoff.
    lockouts: u32,
}

impl Counter {
    fn new(now: Instant) -> Self {
        Counter { window_start: now, failures: 0, locked_until: None, lockouts: 0 }
    }
}

/// The outcome of a failed attempt, for the action log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FailureNote {
    /// This failure started a lockout of this long.
    pub locked_for: Option<Duration>,
}

pub struct LoginGuard {
    limits: LoginLimits,
    counters: moka::sync::Cache<Key, Arc<Mutex<Counter>>>,
    hashing: Arc<Semaphore>,
}

/// Who is trying to log in: the names as given and the peer address, when known (requests
/// that did not come over TCP, as in tests, have none and skip the per-source limits).
pub(crate) struct Attempt<'a> {
    pub domain: &'a str,
    pub user: &'a str,
    pub source: Option<IpAddr>,
}

impl Attempt<'_> {
    fn keys(&self) -> Vec<Key> {
        let user = (self.domain.to_lowercase(), self.user.to_string());
        let mut keys = vec![Key::User(user.0.clone(), user.1.clone())];
        if let Some(ip) = self.source.map(source_key) {
            keys.push(Key::UserSource(user.0, user.1, ip));
            keys.push(Key::Source(ip));
        }
        keys
    }
}

impl LoginGuard {
    pub fn new(limits: LoginLimits) -> Self {
        // idle entries go once no window or lockout can still be running
        let keep = limits.window.max(limits.lockout_max) + Duration::from_secs(60);
        LoginGuard {
            hashing: Arc::new(Semaphore::new(limits.hash_concurrency.max(1))),
            counters: moka::sync::Cache::builder().max_capacity(200_000).time_to_idle(keep).build(),
            limits,
        }
    }

    fn counter(&self, key: &Key) -> Option<Arc<Mutex<Counter>>> {
        self.counters.get(key)
    }

    /// 429 when any of the attempt's keys is locked.
    pub(crate) fn check(&self, attempt: &Attempt<'_>) -> Result<(), ApiError> {
        let now = Instant::now();
        let mut wait = Duration::ZERO;
        for key in attempt.keys() {
            let Some(counter) = self.counter(&key) else { continue };
            let counter = counter.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(until) = counter.locked_until.filter(|until| *until > now) {
                wait = wait.max(until - now);
            }
        }
        if wait.is_zero() {
            return Ok(());
        }
        Err(ApiError::TooManyRequests {
            message: "too many failed logins; try again later".into(),
            retry_after_secs: wait.as_secs().max(1) + u64::from(wait.subsec_nanos() > 0),
        })
    }

    /// A slot for one password check; 429 when none frees up within `hash_wait`.
    pub(crate) async fn hashing_permit(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        let busy = || ApiError::TooManyRequests {
            message: "too many logins in progress; try again shortly".into(),
            retry_after_secs: 1,
        };
        match tokio::time::timeout(self.limits.hash_wait, self.hashing.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(busy()),
        }
    }

    pub(crate) fn failed(&self, attempt: &Attempt<'_>) -> FailureNote {
        let now = Instant::now();
        let mut note = FailureNote { locked_for: None };
        for key in attempt.keys() {
            let limit = match key {
                Key::UserSource(..) => self.limits.user_source_failures,
                Key::Source(_) => self.limits.source_failures,
                Key::User(..) => self.limits.user_failures,
            };
            let counter = self.counters.get_with(key.clone(), || Arc::new(Mutex::new(Counter::new(now))));
            let mut counter = counter.lock().unwrap_or_else(|e| e.into_inner());
            if now.duration_since(counter.window_start) >= self.limits.window {
                counter.window_start = now;
                counter.failures = 0;
            }
            counter.failures += 1;
            if counter.failures < limit.max(1) {
                continue;
            }
            let locked_for = match key {
                Key::UserSource(..) => {
                    let factor = 2u32.saturating_pow(counter.lockouts.min(16));
                    counter.lockouts += 1;
                    self.limits.lockout.saturating_mul(factor).min(self.limits.lockout_max)
                }
                // the rest of the window
                _ => self.limits.window.saturating_sub(now.duration_since(counter.window_start)).max(Duration::from_secs(1)),
            };
            counter.locked_until = Some(now + locked_for);
            counter.failures = 0;
            counter.window_start = now;
            note.locked_for = Some(note.locked_for.map_or(locked_for, |d| d.max(locked_for)));
        }
        note
    }

    /// A successful login clears its (user, source) counter, backoff included.
    pub(crate) fn succeeded(&self, attempt: &Attempt<'_>) {
        for key in attempt.keys() {
            if matches!(key, Key::UserSource(..)) {
                self.counters.invalidate(&key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> LoginLimits {
        LoginLimits {
            window: Duration::from_secs(60),
            user_source_failures: 3,
            source_failures: 5,
            user_failures: 100,
            lockout: Duration::from_secs(10),
            lockout_max: Duration::from_secs(25),
            hash_concurrency: 1,
            hash_wait: Duration::from_millis(10),
        }
    }

    fn attempt<'a>(user: &'a str, ip: &str) -> Attempt<'a> {
        Attempt { domain: "default", user, source: Some(ip.parse().expect("ip")) }
    }

    #[test]
    fn user_source_lockout_backs_off_and_spares_other_sources() {
        let guard = LoginGuard::new(LoginLimits { source_failures: 100, ..limits() });
        let a = attempt("alice", "10.0.0.1");
        assert_eq!(guard.failed(&a).locked_for, None);
        assert_eq!(guard.failed(&a).locked_for, None);
        assert_eq!(guard.failed(&a).locked_for, Some(Duration::from_secs(10)));
        let refused = guard.check(&a).expect_err("locked");
        assert!(matches!(refused, ApiError::TooManyRequests { retry_after_secs: 10, .. }), "{refused:?}");
        // another source may still try alice
        guard.check(&attempt("alice", "10.0.0.2")).expect("other source");
        // the next lockout of the same pair doubles, capped at lockout_max
        for _ in 0..3 {
            guard.failed(&a);
        }
        assert!(matches!(guard.check(&a), Err(ApiError::TooManyRequests { retry_after_secs: 20, .. })));
        for _ in 0..3 {
            guard.failed(&a);
        }
        assert!(matches!(guard.check(&a), Err(ApiError::TooManyRequests { retry_after_secs: 25, .. })));
    }

    #[test]
    fn sources_and_users_are_limited_across_each_other() {
        let guard = LoginGuard::new(limits());
        for user in ["u1", "u2", "u3", "u4", "u5"] {
            guard.failed(&attempt(user, "10.0.0.9"));
        }
        assert!(guard.check(&attempt("u6", "10.0.0.9")).is_err(), "the source is locked for every user");
        assert!(guard.check(&attempt("u6", "10.0.0.10")).is_ok());
        // IPv6 sources count by /64
        assert_eq!(source_key("2001:db8::1".parse().unwrap()), source_key("2001:db8::ffff:1".parse().unwrap()));
        let guard = LoginGuard::new(LoginLimits { user_failures: 8, ..limits() });
        for i in 0..8 {
            guard.failed(&attempt("bob", &format!("10.1.0.{i}")));
        }
        assert!(guard.check(&attempt("bob", "10.2.0.1")).is_err(), "the user is locked for every source");
    }

    #[tokio::test]
    async fn password_checks_are_bounded() {
        let guard = LoginGuard::new(limits());
        let held = guard.hashing_permit().await.expect("first permit");
        assert!(matches!(guard.hashing_permit().await, Err(ApiError::TooManyRequests { .. })));
        drop(held);
        let _permit = guard.hashing_permit().await.expect("permit after release");
    }
}
