//! One connected driver per cloud account, reused by sync runs, operation steps, polls and
//! preflight checks instead of decrypting the credentials and building a client (for AWS:
//! loading its SDK config) on every call.
//!
//! An entry serves only a caller that read the same account row it was built from: it is keyed
//! by account id and checked against a [`DriverKey`] (provider, endpoint, regions and
//! `updated_at`, which the store bumps on every update of the account, credentials included).
//! A changed account gets a new driver; a deleted one fails to load before the cache is asked;
//! a disabled one is never cached (see `Reconciler::driver_for`). The cache holds at most
//! `max_entries` accounts (the least recently used goes first) and drops an entry unused for
//! `idle`, so a driver whose process-level state went stale (an SDK's connection pool, a
//! credentials provider) is rebuilt. A failed connect leaves nothing cached.
//!
//! Concurrent first connects of one account build once: they share one `OnceCell`, and the
//! others wait for the first. If that build fails, the next waiter builds in turn.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use strato_store::CloudAccount;
use strato_types::{CloudAccountId, Provider};
use tokio::sync::OnceCell;

/// What a driver is built from, as read from the account row. A cached driver is handed only
/// to a caller whose row has the same key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DriverKey {
    provider: Provider,
    endpoint: Option<String>,
    regions: Vec<String>,
    /// Bumped by every update of the account (new credentials included). Re-encrypting the
    /// credentials under a new master key does not bump it, and need not: the plaintext, and
    /// so the driver, is the same.
    updated_at: DateTime<Utc>,
}

impl DriverKey {
    pub(crate) fn of(account: &CloudAccount) -> Self {
        DriverKey {
            provider: account.provider,
            endpoint: account.endpoint.clone(),
            regions: account.regions.clone(),
            updated_at: account.updated_at,
        }
    }
}

struct Entry<T> {
    key: DriverKey,
    /// Empty until the first connect succeeds (a failure leaves it empty).
    cell: Arc<OnceCell<T>>,
    last_used: Instant,
    /// Order of last use (the least recently used is evicted first; instants can tie).
    use_seq: u64,
}

struct Entries<T> {
    by_account: HashMap<CloudAccountId, Entry<T>>,
    uses: u64,
}

/// Connected drivers by account (generic so its bounds are tested without a cloud).
pub(crate) struct DriverCache<T> {
    entries: Mutex<Entries<T>>,
    max_entries: usize,
    idle: Duration,
}

impl<T: Clone> DriverCache<T> {
    /// `max_entries` 0 caches nothing.
    pub(crate) fn new(max_entries: usize, idle: Duration) -> Self {
        DriverCache { entries: Mutex::new(Entries { by_account: HashMap::new(), uses: 0 }), max_entries, idle }
    }

    /// The driver cached for `account` under `key`, or the one `connect` builds (then cached).
    pub(crate) async fn get_or_connect<E, F, Fut>(&self, account: CloudAccountId, key: DriverKey, connect: F) -> Result<T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        if self.max_entries == 0 {
            return connect().await;
        }
        let cell = self.cell_for(account, key, Instant::now());
        cell.get_or_try_init(connect).await.cloned()
    }

    /// Drops what is cached for `account` (deleted, disabled).
    pub(crate) fn forget(&self, account: CloudAccountId) {
        self.lock().by_account.remove(&account);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().by_account.len()
    }

    fn lock(&self) -> MutexGuard<'_, Entries<T>> {
        // Any state of the map is a valid cache, so a poisoned lock is used as it is.
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The account's cell under `key`: the cached one when its key matches and it was used
    /// within `idle`, else a new empty one in its place (dropping idle entries, and the least
    /// recently used ones beyond `max_entries`).
    fn cell_for(&self, account: CloudAccountId, key: DriverKey, now: Instant) -> Arc<OnceCell<T>> {
        let mut guard = self.lock();
        let Entries { by_account, uses } = &mut *guard;
        *uses += 1;
        if let Some(entry) = by_account.get_mut(&account) {
            if entry.key == key && now.saturating_duration_since(entry.last_used) < self.idle {
                entry.last_used = now;
                entry.use_seq = *uses;
                return entry.cell.clone();
            }
        }
        by_account.remove(&account);
        by_account.retain(|_, e| now.saturating_duration_since(e.last_used) < self.idle);
        while by_account.len() >= self.max_entries {
            let Some(oldest) = by_account.iter().min_by_key(|(_, e)| e.use_seq).map(|(id, _)| *id) else { break };
            by_account.remove(&oldest);
        }
        let cell = Arc::new(OnceCell::new());
        by_account.insert(account, Entry { key, cell: cell.clone(), last_used: now, use_seq: *uses });
        cell
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn key(updated_at: i64) -> DriverKey {
        DriverKey {
            provider: Provider::Fake,
            endpoint: None,
            regions: vec![],
            updated_at: DateTime::from_timestamp(updated_at, 0).expect("a valid timestamp"),
        }
    }

    /// Connects through `cache`, counting the builds; the value is the build's number.
    async fn connect(cache: &DriverCache<usize>, builds: &AtomicUsize, account: CloudAccountId, k: DriverKey) -> usize {
        cache
            .get_or_connect(account, k, || async { Ok::<_, ()>(builds.fetch_add(1, Ordering::SeqCst) + 1) })
            .await
            .expect("connects")
    }

    #[tokio::test]
    async fn a_changed_key_builds_anew_and_failures_are_not_kept() {
        let cache = DriverCache::new(8, Duration::from_secs(600));
        let builds = AtomicUsize::new(0);
        let a = CloudAccountId::new();
        assert_eq!(connect(&cache, &builds, a, key(1)).await, 1);
        assert_eq!(connect(&cache, &builds, a, key(1)).await, 1, "the same row: the cached driver");
        assert_eq!(connect(&cache, &builds, a, key(2)).await, 2, "an updated row: a new driver");
        let mut moved = key(2);
        moved.endpoint = Some("http://127.0.0.1:1/".into());
        assert_eq!(connect(&cache, &builds, a, moved).await, 3, "another endpoint: a new driver");

        let b = CloudAccountId::new();
        let failed: Result<usize, &str> = cache.get_or_connect(b, key(1), || async { Err("refused") }).await;
        assert_eq!(failed, Err("refused"));
        assert_eq!(connect(&cache, &builds, b, key(1)).await, 4, "a failure is not cached");
        cache.forget(b);
        assert_eq!(connect(&cache, &builds, b, key(1)).await, 5, "forgotten");
    }

    #[tokio::test]
    async fn bounded_by_count_and_idle_time() {
        let cache = DriverCache::new(2, Duration::from_secs(600));
        let builds = AtomicUsize::new(0);
        let (a, b, c) = (CloudAccountId::new(), CloudAccountId::new(), CloudAccountId::new());
        connect(&cache, &builds, a, key(1)).await;
        connect(&cache, &builds, b, key(1)).await;
        connect(&cache, &builds, a, key(1)).await; // b is now the least recently used
        connect(&cache, &builds, c, key(1)).await;
        assert_eq!(cache.len(), 2);
        assert_eq!(builds.load(Ordering::SeqCst), 3);
        assert_eq!(connect(&cache, &builds, a, key(1)).await, 1, "a was kept");
        assert_eq!(connect(&cache, &builds, b, key(1)).await, 4, "b was evicted");

        let idle = DriverCache::new(8, Duration::from_secs(60));
        let now = Instant::now();
        let first = idle.cell_for(a, key(1), now);
        first.set(1).expect("empty");
        let later = idle.cell_for(a, key(1), now + Duration::from_secs(59));
        assert!(Arc::ptr_eq(&first, &later), "used within the idle time: kept");
        let stale = idle.cell_for(a, key(1), now + Duration::from_secs(59 + 60));
        assert!(!Arc::ptr_eq(&first, &stale) && stale.get().is_none(), "idle for the idle time: rebuilt");
        idle.cell_for(b, key(1), now + Duration::from_secs(59 + 60 + 61));
        assert_eq!(idle.len(), 1, "an idle entry is dropped at the next miss");

        let off = DriverCache::new(0, Duration::from_secs(600));
        assert_eq!(connect(&off, &builds, a, key(1)).await, 5);
        assert_eq!(connect(&off, &builds, a, key(1)).await, 6, "max_entries 0 caches nothing");
        assert_eq!(off.len(), 0);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_first_connects_build_once() {
        let cache = Arc::new(DriverCache::new(8, Duration::from_secs(600)));
        let builds = Arc::new(AtomicUsize::new(0));
        let a = CloudAccountId::new();
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let (cache, builds) = (cache.clone(), builds.clone());
            tasks.push(tokio::spawn(async move {
                cache
                    .get_or_connect(a, key(1), || async {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        Ok::<_, ()>(builds.fetch_add(1, Ordering::SeqCst) + 1)
                    })
                    .await
            }));
        }
        for task in tasks {
            assert_eq!(task.await.expect("joined"), Ok(1));
        }
        assert_eq!(builds.load(Ordering::SeqCst), 1);
    }
}
