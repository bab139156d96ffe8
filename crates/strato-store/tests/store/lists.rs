use strato_store::*;
use strato_types::{ListQuery, Provider};

use crate::both;
use crate::cloud::{account, project};

fn q(pairs: &[(&str, &str)]) -> ListQuery {
    ListQuery::from_pairs(pairs.iter().copied()).unwrap()
}

fn names<T>(page: &strato_types::Page<T>, name: impl Fn(&T) -> &str) -> Vec<String> {
    page.items.iter().map(|i| name(i).to_string()).collect()
}

both!(paging_totals_ordering_and_search, |env: crate::common::Env| async move {
    let store = env.open().await;
    for i in 0..25 {
        project(&store, &format!("proj-{i:02}")).await;
    }
    // 25 + the bootstrap project "system"
    let page = store.projects().list(&q(&[("limit", "10"), ("offset", "20")]), &Visibility::All).await.unwrap();
    assert_eq!((page.total, page.items.len(), page.limit, page.offset), (26, 6, 10, 20));
    let page = store.projects().list(&q(&[("order_by", "name"), ("order", "desc"), ("limit", "3")]), &Visibility::All).await.unwrap();
    assert_eq!(names(&page, |p| &p.name), ["system", "proj-24", "proj-23"]);
    let page = store.projects().list(&q(&[("order_by", "name"), ("limit", "2")]), &Visibility::All).await.unwrap();
    assert_eq!(names(&page, |p| &p.name), ["proj-00", "proj-01"]);
    // default order: creation
    let page = store.projects().list(&q(&[("limit", "2")]), &Visibility::All).await.unwrap();
    assert_eq!(names(&page, |p| &p.name), ["system", "proj-00"]);
    let page = store.projects().list(&q(&[("search", "J-1"), ("order_by", "name")]), &Visibility::All).await.unwrap();
    assert_eq!(page.total, 10, "search is case-insensitive: {:?}", names(&page, |p| &p.name));
    let page = store.projects().list(&q(&[("search", "%")]), &Visibility::All).await.unwrap();
    assert_eq!(page.total, 0, "LIKE wildcards in input are literal");
    assert!(page.items.is_empty());
    let page = store.projects().list(&q(&[]), &Visibility::All).await.unwrap();
    assert!(page.items.iter().all(|p| p.domain_name.is_none()), "names only with details");
    let page = store.projects().list(&q(&[("details", "true")]), &Visibility::All).await.unwrap();
    assert!(page.items.iter().all(|p| p.domain_name.as_deref() == Some(DEFAULT_DOMAIN)));
});

both!(filters, |env: crate::common::Env| async move {
    let store = env.open().await;
    let p1 = project(&store, "p1").await;
    let p2 = project(&store, "p2").await;
    // kvm is left out: a store holds one enabled kvm account (this host).
    let providers = [Provider::Aws, Provider::Aliyun, Provider::Qingcloud, Provider::Fake];
    for i in 0..12 {
        let p = if i % 2 == 0 { &p1 } else { &p2 };
        let mut new = account(&format!("acct_{i:02}"), providers[i % 4], p);
        if i % 3 == 0 {
            new.endpoint = None;
        }
        store.cloudaccounts().create(new).await.unwrap();
    }
    let total = |pairs: Vec<(&'static str, &'static str)>| {
        let store = store.clone();
        async move { store.cloudaccounts().list(&ListQuery::from_pairs(pairs).unwrap(), &Visibility::All).await.unwrap().total }
    };
    assert_eq!(total(vec![("filter", "provider.equals(aws)")]).await, 3);
    assert_eq!(total(vec![("filter", "provider.in(aws, qingcloud)")]).await, 6);
    assert_eq!(total(vec![("filter", "provider.notin(aws,qingcloud)")]).await, 6);
    assert_eq!(total(vec![("filter", "provider.notequals(fake)")]).await, 9);
    assert_eq!(total(vec![("filter", "name.startswith(acct_1)")]).await, 2);
    assert_eq!(total(vec![("filter", "name.endswith(_05)")]).await, 1);
    assert_eq!(total(vec![("filter", "name.contains(\"_\")")]).await, 12, "underscore is literal");
    assert_eq!(total(vec![("filter", "name.contains(t_0, t_1)")]).await, 12);
    assert_eq!(total(vec![("filter", "endpoint.isnull()")]).await, 4);
    assert_eq!(total(vec![("filter", "endpoint.isnotnull")]).await, 8);
    assert_eq!(total(vec![("filter", "name.ge(acct_10)")]).await, 2);
    assert_eq!(total(vec![("filter", "name.lt(acct_02)")]).await, 2);
    assert_eq!(total(vec![("filter", "enabled.equals(true)")]).await, 12);
    assert_eq!(total(vec![("filter", "created_at.ge(2000-01-01T00:00:00Z)")]).await, 12);
    assert_eq!(total(vec![("filter", "created_at.lt(2000-01-01T00:00:00Z)")]).await, 0);
    assert_eq!(total(vec![("filter", "project.equals(p1)")]).await, 6);
    assert_eq!(total(vec![("filter", "provider.equals(aws)"), ("filter", "project.equals(p1)")]).await, 3);
    let id_filter: &'static str = Box::leak(format!("project_id.equals({})", p2.id).into_boxed_str());
    assert_eq!(total(vec![("filter", id_filter)]).await, 6);

    let page = store
        .cloudaccounts()
        .list(&q(&[("filter", "provider.equals(qingcloud)"), ("order_by", "name"), ("order", "desc"), ("limit", "1")]), &Visibility::All)
        .await
        .unwrap();
    assert_eq!((page.total, names(&page, |a| &a.name)), (3, vec!["acct_10".to_string()]));
});

both!(visibility, |env: crate::common::Env| async move {
    let store = env.open().await;
    let p1 = project(&store, "p1").await;
    let p2 = project(&store, "p2").await;
    let other = store.domains().create(NewDomain { name: "other".into(), ..Default::default() }).await.unwrap();
    let p3 = store.projects().create(NewProject { name: "p3".into(), domain_id: other.id, description: String::new() }).await.unwrap();
    for (p, n) in [(&p1, "a"), (&p2, "b"), (&p3, "c")] {
        store.cloudaccounts().create(account(n, Provider::Fake, p)).await.unwrap();
    }
    let all = q(&[("order_by", "name")]);
    let see = |v: Visibility| {
        let store = store.clone();
        let all = all.clone();
        async move { names(&store.cloudaccounts().list(&all, &v).await.unwrap(), |a| &a.name) }
    };
    assert_eq!(see(Visibility::All).await, ["a", "b", "c"]);
    assert_eq!(see(Visibility::Domain(p1.domain_id)).await, ["a", "b"]);
    assert_eq!(see(Visibility::Domain(other.id)).await, ["c"]);
    assert_eq!(see(Visibility::Projects(vec![p2.id, p3.id])).await, ["b", "c"]);
    assert!(see(Visibility::Projects(vec![])).await.is_empty());
    let projects = store.projects().list(&all, &Visibility::Projects(vec![p1.id])).await.unwrap();
    assert_eq!(names(&projects, |p| &p.name), ["p1"]);
    let domains = store.domains().list(&all, &Visibility::Domain(other.id)).await.unwrap();
    assert_eq!(names(&domains, |d| &d.name), ["other"]);
    let users = store.users().list(&all, &Visibility::Domain(other.id)).await.unwrap();
    assert_eq!(users.total, 0);
    assert_eq!(store.users().list(&all, &Visibility::Projects(vec![p1.id])).await.unwrap().total, 0);
});

both!(bad_filters_are_rejected, |env: crate::common::Env| async move {
    let store = env.open().await;
    for (pairs, field) in [
        (vec![("filter", "colour.equals(red)")], "colour"),
        (vec![("filter", "enabled.contains(tr)")], "enabled"),
        (vec![("filter", "enabled.equals(maybe)")], "enabled"),
        (vec![("filter", "provider.equals(gcp)")], "provider"),
        (vec![("filter", "project_id.equals(p1)")], "project_id"),
        (vec![("filter", "created_at.gt(yesterday)")], "created_at"),
        (vec![("filter", "enabled.lt(true)")], "enabled"),
        (vec![("order_by", "colour")], "colour"),
        (vec![("order_by", "project")], "order_by"),
    ] {
        let query = ListQuery::from_pairs(pairs.clone()).unwrap();
        let err = store.cloudaccounts().list(&query, &Visibility::All).await.unwrap_err();
        match &err {
            StoreError::InvalidInput { field: f, .. } => assert_eq!(f, field, "{pairs:?}: {err}"),
            other => panic!("{pairs:?}: expected InvalidInput, got {other}"),
        }
        assert_eq!(err.class(), "InvalidInputError");
    }
    let err = store.cloudaccounts().list(&q(&[("filter", "colour.equals(red)")]), &Visibility::All).await.unwrap_err();
    assert!(err.to_string().contains("known fields"), "{err}");
    // A hand-built query is validated too.
    let query = ListQuery { limit: 0, ..ListQuery::default() };
    assert!(matches!(store.domains().list(&query, &Visibility::All).await.unwrap_err(), StoreError::InvalidInput { .. }));
});
