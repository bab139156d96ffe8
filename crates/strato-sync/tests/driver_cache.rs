//! One connected driver per account: syncs and connects reuse it while the account is
//! unchanged; an updated, disabled or deleted account never gets the kept one; the source
//! admits every use, kept or not.

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use common::{cloud, Env, FakeSource, SMALL};
use strato_cloud::{CloudError, RequestLayer};
use strato_store::cloudaccounts::CloudAccountUpdate;
use strato_store::{CloudAccount, SecretString, Store, StoreError};
use strato_sync::{ConnectedDriver, DriverSource, Reconciler, RunStatus, SyncConfig, SyncError};

/// The fake source, counting the drivers it builds; it can refuse to build, or to admit.
struct Counting {
    inner: FakeSource,
    builds: AtomicUsize,
    fail_connect: AtomicBool,
    refuse: AtomicBool,
}

#[async_trait]
impl DriverSource for Counting {
    fn admit(&self, _account: &CloudAccount) -> Result<(), SyncError> {
        if self.refuse.load(Ordering::SeqCst) {
            return Err(SyncError::Connect(CloudError::forbidden("endpoint not allowed")));
        }
        Ok(())
    }

    async fn connect(&self, store: &Store, account: &CloudAccount) -> Result<ConnectedDriver, SyncError> {
        self.builds.fetch_add(1, Ordering::SeqCst);
        // Slow enough that concurrent first connects overlap.
        tokio::time::sleep(Duration::from_millis(30)).await;
        if self.fail_connect.load(Ordering::SeqCst) {
            return Err(SyncError::Connect(CloudError::unauthorized("bad credentials")));
        }
        self.inner.connect(store, account).await
    }
}

fn counting(env: &Env, config: SyncConfig) -> (Reconciler, Arc<Counting>) {
    let inner = FakeSource { cloud: cloud(SMALL), requests: Arc::new(RequestLayer::default()), wrap: None };
    let source =
        Arc::new(Counting { inner, builds: AtomicUsize::new(0), fail_connect: AtomicBool::new(false), refuse: AtomicBool::new(false) });
    (Reconciler::new(env.store.clone(), source.clone(), config), source)
}

fn builds(source: &Counting) -> usize {
    source.builds.load(Ordering::SeqCst)
}

async fn update(env: &Env, account: strato_types::CloudAccountId, update: CloudAccountUpdate) {
    env.store.cloudaccounts().update(account, update).await.expect("update account");
}

both!(syncs_and_connects_of_one_account_build_one_driver, |env: Env| async move {
    let (rec, source) = counting(&env, SyncConfig::default());
    let account = env.account("a1").await;
    assert_eq!(rec.sync_account(account).await.expect("sync").status, RunStatus::Succeeded);
    assert_eq!(rec.sync_account(account).await.expect("sync again").status, RunStatus::Succeeded);
    let first = rec.connect(account).await.expect("connect");
    let second = rec.clone().connect(account).await.expect("connect on a clone");
    assert_eq!(builds(&source), 1, "two syncs and two connects of one account");
    assert!(Arc::ptr_eq(&first.driver, &second.driver), "the same driver");

    let other = env.account("a2").await;
    rec.connect(other).await.expect("connect another account");
    assert_eq!(builds(&source), 2, "another account has its own driver");

    // Concurrent first connects of a third account build once.
    let third = env.account("a3").await;
    let connects: Vec<_> = (0..6).map(|_| rec.connect(third)).collect();
    for connected in futures::future::join_all(connects).await {
        connected.expect("concurrent connect");
    }
    assert_eq!(builds(&source), 3, "six concurrent first connects");
});

both!(an_updated_account_gets_a_new_driver, |env: Env| async move {
    let (rec, source) = counting(&env, SyncConfig::default());
    let account = env.account("a1").await;
    let before = rec.connect(account).await.expect("connect").driver;

    update(&env, account, CloudAccountUpdate { credentials: Some(SecretString::new(r#"{"seed":"2"}"#)), ..Default::default() }).await;
    let after = rec.connect(account).await.expect("connect after new credentials").driver;
    assert_eq!(builds(&source), 2, "new credentials: a new driver");
    assert!(!Arc::ptr_eq(&before, &after));
    rec.connect(account).await.expect("connect again");
    assert_eq!(builds(&source), 2, "then kept");

    update(&env, account, CloudAccountUpdate { endpoint: Some(Some("https://api.fake.invalid".into())), ..Default::default() }).await;
    rec.connect(account).await.expect("connect after a new endpoint");
    assert_eq!(builds(&source), 3, "a new endpoint: a new driver");

    update(&env, account, CloudAccountUpdate { regions: Some(vec!["fake-region-2".into()]), ..Default::default() }).await;
    rec.sync_account(account).await.expect("sync after new regions");
    assert_eq!(builds(&source), 4, "new regions: a new driver (sync runs use the cache too)");

    // A disabled account's driver is built each time, never kept; enabled again, it is kept.
    update(&env, account, CloudAccountUpdate { enabled: Some(false), ..Default::default() }).await;
    rec.connect(account).await.expect("connect disabled");
    rec.connect(account).await.expect("connect disabled again");
    assert_eq!(builds(&source), 6, "not kept while disabled");
    update(&env, account, CloudAccountUpdate { enabled: Some(true), ..Default::default() }).await;
    rec.connect(account).await.expect("connect enabled");
    rec.connect(account).await.expect("connect enabled again");
    assert_eq!(builds(&source), 7, "kept once enabled");
});

both!(a_deleted_account_is_not_served_from_the_cache, |env: Env| async move {
    let (rec, source) = counting(&env, SyncConfig::default());
    let account = env.account("a1").await;
    rec.sync_account(account).await.expect("sync");
    env.store.cloudaccounts().delete(account).await.expect("delete account");
    let refused = rec.connect(account).await.err().expect("a deleted account does not connect");
    assert!(matches!(refused, SyncError::Store(StoreError::NotFound { .. })), "{refused:?}");
    assert!(rec.sync_account(account).await.is_err(), "nor sync");
    assert_eq!(builds(&source), 1);
});

both!(failed_connects_are_not_kept_and_every_use_is_admitted, |env: Env| async move {
    let (rec, source) = counting(&env, SyncConfig::default());
    let account = env.account("a1").await;
    source.fail_connect.store(true, Ordering::SeqCst);
    assert!(matches!(rec.connect(account).await, Err(SyncError::Connect(_))));
    source.fail_connect.store(false, Ordering::SeqCst);
    rec.connect(account).await.expect("connect once the cloud accepts");
    assert_eq!(builds(&source), 2, "the failure was not kept");

    // The source refuses the account (its endpoint is no longer allowed): the kept driver is not used.
    source.refuse.store(true, Ordering::SeqCst);
    assert!(matches!(rec.connect(account).await, Err(SyncError::Connect(_))), "refused although kept");
    assert!(rec.sync_account(account).await.is_err(), "a sync is refused too");
    source.refuse.store(false, Ordering::SeqCst);
    rec.connect(account).await.expect("admitted again");
    assert_eq!(builds(&source), 2, "admitted again: the kept driver");
});

both!(an_idle_driver_is_rebuilt_and_the_cache_is_bounded, |env: Env| async move {
    let idle = SyncConfig { driver_idle: Duration::from_secs(1), ..SyncConfig::default() };
    let (rec, source) = counting(&env, idle);
    let account = env.account("a1").await;
    rec.connect(account).await.expect("connect");
    rec.connect(account).await.expect("connect at once");
    assert_eq!(builds(&source), 1, "kept within the idle time");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    rec.connect(account).await.expect("connect after the idle time");
    assert_eq!(builds(&source), 2, "idle too long: rebuilt");

    let (rec, source) = counting(&env, SyncConfig { driver_cache_entries: 1, ..SyncConfig::default() });
    let other = env.account("a2").await;
    rec.connect(account).await.expect("connect a1");
    rec.connect(other).await.expect("connect a2");
    rec.connect(other).await.expect("connect a2 again");
    assert_eq!(builds(&source), 2, "a2 kept");
    rec.connect(account).await.expect("connect a1 again");
    assert_eq!(builds(&source), 3, "one entry: a2 evicted a1");
});
