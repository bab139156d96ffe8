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
