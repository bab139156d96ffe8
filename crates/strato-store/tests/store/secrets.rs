use strato_store::*;
use strato_types::Provider;

use crate::both;
use crate::cloud::{account, project};

both!(data_and_secrets_survive_reopen, |env: crate::common::Env| async move {
    let store = env.open().await;
    let p = project(&store, "p1").await;
    let a = store.cloudaccounts().create(account("a1", Provider::Aws, &p)).await.unwrap();
    let key_id = store.master_key_id();
    store.close().await;
    drop(store);
    let key_file = env.key_file();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "key file mode");
    }
    let store = env.open().await;
    assert_eq!(store.master_key_id(), key_id);
    assert_eq!(store.cloudaccounts().get(a.id).await.unwrap().name, "a1");
    assert!(store.cloudaccounts().credentials(a.id).await.unwrap().expose().contains("very-secret-a1"));
});

both!(a_wrong_master_key_is_refused, |env: crate::common::Env| async move {
    let store = env.open().await;
    let right = store.master_key_id();
    store.close().await;
    let wrong = MasterKey::generate();
    let mut options = env.options.clone();
    options.master_key = Some(MasterKeySource::Inline(wrong.to_base64()));
    let err = Store::open(options).await.unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, StoreError::MasterKey(_)), "{message}");
    assert_eq!(message, format!("master key {} does not match this database, which was encrypted with key {right}", wrong.id()));
    assert!(!message.contains(wrong.to_base64().expose()));

    std::fs::remove_file(env.key_file()).unwrap();
    let err = Store::open(env.options.clone()).await.unwrap_err();
    assert!(err.to_string().contains("does not exist"), "a lost key file is not silently replaced: {err}");

    let mut options = env.options.clone();
    options.master_key = Some(MasterKeySource::Inline(SecretString::new("not base64!")));
    assert!(matches!(Store::open(options).await.unwrap_err(), StoreError::MasterKey(_)));
});

both!(an_inline_master_key_works, |env: crate::common::Env| async move {
    let key = MasterKey::generate();
    let mut options = env.options.clone();
    options.master_key = Some(MasterKeySource::Inline(key.to_base64()));
    let (store, _) = Store::open(options.clone()).await.unwrap();
    assert_eq!(store.master_key_id(), key.id());
    assert!(!env.key_file().exists(), "no key file when the key is given");
    let p = project(&store, "p1").await;
    let a = store.cloudaccounts().create(account("a1", Provider::Kvm, &p)).await.unwrap();
    store.close().await;
    let (store, _) = Store::open(options).await.unwrap();
    assert!(store.cloudaccounts().credentials(a.id).await.unwrap().expose().contains("very-secret-a1"));
    assert!(matches!(store.rotate_master_key().await.unwrap_err(), StoreError::MasterKey(_)));
});

both!(rotation_keeps_data_readable, |env: crate::common::Env| async move {
    let store = env.open().await;
    let p = project(&store, "p1").await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(store.cloudaccounts().create(account(&format!("a{i}"), Provider::Aws, &p)).await.unwrap().id);
    }
    let before = std::fs::read_to_string(env.key_file()).unwrap();
    let (old, new) = store.rotate_master_key().await.unwrap();
    assert_ne!(old, new);
    assert_eq!(store.master_key_id(), new);
    for (i, id) in ids.iter().enumerate() {
        assert!(store.cloudaccounts().credentials(*id).await.unwrap().expose().contains(&format!("very-secret-a{i}")));
    }
    let after = std::fs::read_to_string(env.key_file()).unwrap();
    assert_ne!(before, after);
    let kept = env.key_file().with_file_name(format!("master.key.old-{old}"));
    assert_eq!(std::fs::read_to_string(&kept).unwrap(), before, "the old key is kept");
    store.close().await;

    let store = env.open().await;
    assert_eq!(store.master_key_id(), new);
    assert!(store.cloudaccounts().credentials(ids[0]).await.unwrap().expose().contains("very-secret-a0"));
    store.close().await;
    let mut options = env.options.clone();
    options.master_key = Some(MasterKeySource::Inline(SecretString::new(before.trim())));
    let err = Store::open(options).await.unwrap_err();
    assert!(err.to_string().contains("does not match"), "{err}");
});

both!(an_interrupted_rotation_is_finished_or_ignored, |env: crate::common::Env| async move {
    let store = env.open().await;
    let p = project(&store, "p1").await;
    let a = store.cloudaccounts().create(account("a1", Provider::Aws, &p)).await.unwrap();
    let key_file = env.key_file();
    let new_file = key_file.with_file_name("master.key.new");

    // Crash before the commit: a stray new key file; the database still uses the old key.
    std::fs::write(&new_file, MasterKey::generate().to_base64().expose()).unwrap();
    let first = store.master_key_id();
    store.close().await;
    let store = env.open().await;
    assert_eq!(store.master_key_id(), first, "a key that does not match is not adopted");

    // Crash after the commit, before the files were switched.
    let (old, new) = store.rotate_master_key().await.unwrap();
    assert_eq!(old, first);
    store.close().await;
    let old_file = key_file.with_file_name(format!("master.key.old-{old}"));
    std::fs::rename(&key_file, &new_file).unwrap();
    std::fs::rename(&old_file, &key_file).unwrap();
    let store = env.open().await;
    assert_eq!(store.master_key_id(), new, "the committed rotation is finished on open");
    assert!(!new_file.exists());
    assert!(old_file.exists(), "the old key is kept");
    assert!(store.cloudaccounts().credentials(a.id).await.unwrap().expose().contains("very-secret-a1"));
});
