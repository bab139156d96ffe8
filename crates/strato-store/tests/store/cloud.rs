use std::collections::BTreeMap;

use strato_store::*;
use strato_types::{CloudAccountStatus, Provider, RegionStatus};

use crate::both;

pub async fn project(store: &Store, name: &str) -> Project {
    let scope = store.system_scope().await.unwrap();
    store.projects().create(NewProject { name: name.into(), domain_id: scope.domain_id, description: String::new() }).await.unwrap()
}

pub fn account(name: &str, provider: Provider, project: &Project) -> NewCloudAccount {
    NewCloudAccount {
        name: name.into(),
        provider,
        project_id: project.id,
        endpoint: Some("http://127.0.0.1:5000".into()),
        regions: vec!["us-east-1".into()],
        description: String::new(),
        credentials: SecretString::new(format!(r#"{{"access_key_id":"AKIA{name}","secret_access_key":"very-secret-{name}"}}"#)),
        sync_interval_secs: strato_store::cloudaccounts::DEFAULT_SYNC_INTERVAL_SECS,
        project_rules: vec![],
        connected: None,
    }
}

both!(one_enabled_kvm_account_per_store, |env: crate::common::Env| async move {
    let store = env.open().await;
    let p1 = project(&store, "p1").await;
    let p2 = project(&store, "p2").await;
    // Two creates at once: exactly one wins, the other is a conflict naming the winner.
    let (accounts_a, accounts_b) = (store.cloudaccounts(), store.cloudaccounts());
    let (a, b) = tokio::join!(
        accounts_a.create(account("host_a", Provider::Kvm, &p1)),
        accounts_b.create(account("host_b", Provider::Kvm, &p2)),
    );
    let (won, lost) = match (a, b) {
        (Ok(won), Err(lost)) | (Err(lost), Ok(won)) => (won, lost),
        other => panic!("exactly one kvm account may be created: {other:?}"),
    };
    match &lost {
        StoreError::Conflict { message, .. } => assert!(message.contains(&format!("{:?}", won.name)), "names the existing one: {message}"),
        other => panic!("expected a conflict, got {other}"),
    }
    let kvm = strato_types::ListQuery::from_pairs(vec![("filter", "provider.equals(kvm)")]).unwrap();
    assert_eq!(store.cloudaccounts().list(&kvm, &Visibility::All).await.unwrap().total, 1, "nothing else created");
    assert_eq!(store.cloudaccounts().host_account().await.unwrap().map(|a| a.id), Some(won.id));
    // Other providers are not limited.
    store.cloudaccounts().create(account("aws_1", Provider::Aws, &p1)).await.unwrap();
    store.cloudaccounts().create(account("aws_2", Provider::Aws, &p2)).await.unwrap();
    // The rule is on enabled accounts: a disabled one (a store from before the rule) cannot
    // be enabled next to the enabled one.
    store.cloudaccounts().update(won.id, CloudAccountUpdate { enabled: Some(false), ..Default::default() }).await.unwrap();
    let second = store.cloudaccounts().create(account("host_c", Provider::Kvm, &p2)).await.unwrap();
    let err = store.cloudaccounts().update(won.id, CloudAccountUpdate { enabled: Some(true), ..Default::default() }).await.unwrap_err();
    assert!(matches!(&err, StoreError::Conflict { message, .. } if message.contains("\"host_c\"")), "{err}");
    assert!(!store.cloudaccounts().get(won.id).await.unwrap().enabled, "left disabled");
    assert_eq!(store.cloudaccounts().host_account().await.unwrap().map(|a| a.id), Some(second.id), "the enabled one first");
});

both!(cloudaccounts_crud_and_credentials, |env: crate::common::Env| async move {
    let store = env.open().await;
    let p = project(&store, "p1").await;
    let a = store.cloudaccounts().create(account("a1", Provider::Aws, &p)).await.unwrap();
    assert_eq!((a.provider, a.status, a.enabled), (Provider::Aws, CloudAccountStatus::Unknown, true));
    assert_eq!((a.domain_id, a.project_name.as_deref()), (p.domain_id, Some("p1")));
    assert_eq!(a.regions, vec!["us-east-1".to_string()]);
    assert!(!format!("{a:?}").contains("very-secret"), "records never carry credentials");
    let creds = store.cloudaccounts().credentials(a.id).await.unwrap();
    assert!(creds.expose().contains("very-secret-a1"));

    let err = store.cloudaccounts().create(account("a1", Provider::Kvm, &p)).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err}");
    let p2 = project(&store, "p2").await;
    let err = store.cloudaccounts().create(account("a1", Provider::Kvm, &p2)).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "names are per domain, not per project: {err}");

    let u = store
        .cloudaccounts()
        .update(
            a.id,
            CloudAccountUpdate {
                endpoint: Some(None),
                regions: Some(vec![]),
                status: Some(CloudAccountStatus::Connected),
                credentials: Some(SecretString::new("{\"k\":\"rotated\"}")),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!((u.endpoint, u.regions.len(), u.status, u.name.as_str()), (None, 0, CloudAccountStatus::Connected, "a1"));
    assert_eq!(store.cloudaccounts().credentials(a.id).await.unwrap().expose(), "{\"k\":\"rotated\"}");
    assert_eq!(store.cloudaccounts().find(p.domain_id, "a1").await.unwrap().id, a.id);

    let err = store.projects().delete(p.id).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "project in use: {err}");
    store.cloudaccounts().delete(a.id).await.unwrap();
    assert!(matches!(store.cloudaccounts().get(a.id).await.unwrap_err(), StoreError::NotFound { .. }));
    store.projects().delete(p.id).await.unwrap();
});

both!(regions_and_zones, |env: crate::common::Env| async move {
    let store = env.open().await;
    let p = project(&store, "p1").await;
    let a = store.cloudaccounts().create(account("a1", Provider::Aws, &p)).await.unwrap();
    let b = store.cloudaccounts().create(account("b1", Provider::Aws, &p)).await.unwrap();
    let mut tags = BTreeMap::new();
    tags.insert("env".to_string(), "test".to_string());
    let r = store
        .cloudregions()
        .create(NewCloudRegion {
            cloudaccount_id: a.id,
            name: "us-east-1".into(),
            external_id: "aws/us-east-1".into(),
            status: RegionStatus::Available,
            attrs: CloudAttrs { tags: tags.clone(), ..Default::default() },
        })
        .await
        .unwrap();
    assert_eq!((r.provider, r.common.project_id, r.common.tags.clone()), (Provider::Aws, p.id, tags));
    assert_eq!(r.common.cloudaccount_name.as_deref(), Some("a1"));
    let dup = NewCloudRegion {
        cloudaccount_id: a.id,
        name: "again".into(),
        external_id: "aws/us-east-1".into(),
        status: RegionStatus::Available,
        attrs: CloudAttrs::default(),
    };
    let err = store.cloudregions().create(dup.clone()).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err}");
    store.cloudregions().create(NewCloudRegion { cloudaccount_id: b.id, ..dup }).await.expect("same external id, other account");
    assert_eq!(store.cloudregions().get_by_external_id(a.id, "aws/us-east-1").await.unwrap().id, r.id);

    let z = store
        .zones()
        .create(NewZone { cloudregion_id: r.id, name: "us-east-1a".into(), external_id: "us-east-1a".into(), status: RegionStatus::Available, attrs: CloudAttrs::default() })
        .await
        .unwrap();
    assert_eq!((z.cloudregion_id, z.common.cloudaccount_id, z.cloudregion_name.as_deref()), (r.id, a.id, Some("us-east-1")));
    let q = strato_types::ListQuery::from_pairs([("filter", "cloudregion.equals(us-east-1)"), ("details", "true")]).unwrap();
    let page = store.zones().list(&q, &Visibility::Projects(vec![p.id])).await.unwrap();
    assert_eq!((page.total, page.items[0].common.domain_name.as_deref()), (1, Some(DEFAULT_DOMAIN)));
    assert_eq!(store.zones().find("us-east-1a", &Visibility::All).await.unwrap().id, z.id);

    store.cloudaccounts().delete(a.id).await.unwrap();
    assert!(matches!(store.cloudregions().get(r.id).await.unwrap_err(), StoreError::NotFound { .. }), "synced rows go with the account");
    assert!(matches!(store.zones().get(z.id).await.unwrap_err(), StoreError::NotFound { .. }));
});
