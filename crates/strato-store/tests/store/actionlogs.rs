//! The action log's store: append, list with visibility and filters; and the task list
//! (owner's project, or the target account's for owner-less rows).

use strato_store::*;
use strato_types::{ActionOutcome, ListQuery, Provider, TaskId};

use crate::both;
use crate::cloud::{account, project};

fn q(pairs: &[(&str, &str)]) -> ListQuery {
    ListQuery::from_pairs(pairs.iter().copied()).unwrap()
}

fn entry(project: Option<&Project>, user: &str, kind: &str, id: &str, action: &str, outcome: ActionOutcome) -> NewActionLog {
    let mut e = NewActionLog::new(kind, id, action, outcome);
    e.project_id = project.map(|p| p.id);
    e.domain_id = project.map(|p| p.domain_id);
    e.user_name = Some(user.to_string());
    e
}

both!(actionlogs_list_visibility_and_filters, |env: crate::common::Env| async move {
    let store = env.open().await;
    let scope = store.system_scope().await.unwrap();
    let p1 = project(&store, "p1").await;
    let p2 = project(&store, "p2").await;
    let logs = store.actionlogs();
    logs.record(entry(Some(&p1), "alice", "cloudaccount", "a1", "create", ActionOutcome::Success)).await.unwrap();
    let mut failed = entry(Some(&p1), "alice", "cloudaccount", "a1", "create", ActionOutcome::Failure);
    failed.error = Some("x".repeat(5000));
    failed.request_id = Some("req-1".into());
    logs.record(failed).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let between = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let mut named = entry(Some(&p2), "bob", "server", "s1", "stop", ActionOutcome::Success);
    named.object_name = Some("web-1".into());
    named.task_id = Some(TaskId::new());
    logs.record(named.clone()).await.unwrap();
    // a domain entry (no project) and a system entry (no domain)
    let mut domain_only = entry(None, "admin", "user", "u1", "create", ActionOutcome::Success);
    domain_only.domain_id = Some(scope.domain_id);
    logs.record(domain_only).await.unwrap();
    logs.record(entry(None, "", "task", "t", "cleanup", ActionOutcome::Failure)).await.unwrap();

    let total = |pairs: Vec<(&'static str, &'static str)>, visibility: Visibility| {
        let store = store.clone();
        async move { store.actionlogs().list(&ListQuery::from_pairs(pairs).unwrap(), &visibility).await.unwrap().total }
    };
    assert_eq!(total(vec![], Visibility::All).await, 5);
    assert_eq!(total(vec![], Visibility::Domain(scope.domain_id)).await, 4, "the system entry is the system admin's only");
    assert_eq!(total(vec![], Visibility::Projects(vec![p1.id])).await, 2);
    assert_eq!(total(vec![], Visibility::Projects(vec![])).await, 0);
    assert_eq!(total(vec![("filter", "outcome.equals(failure)")], Visibility::All).await, 2);
    assert_eq!(total(vec![("filter", "outcome.equals(failure)")], Visibility::Projects(vec![p1.id])).await, 1);
    assert_eq!(total(vec![("filter", "user.equals(alice)")], Visibility::All).await, 2);
    assert_eq!(total(vec![("filter", "action.in(stop,cleanup)")], Visibility::All).await, 2);
    assert_eq!(total(vec![("filter", "object_kind.equals(cloudaccount)"), ("filter", "object_id.equals(a1)")], Visibility::All).await, 2);
    assert_eq!(total(vec![("filter", "request_id.equals(req-1)")], Visibility::All).await, 1);
    assert_eq!(total(vec![("filter", "project.equals(p2)")], Visibility::All).await, 1);
    assert_eq!(total(vec![("search", "WEB")], Visibility::All).await, 1, "search looks in the object name");

    let since = ListQuery::from_pairs([("filter", format!("created_at.ge({between})"))]).unwrap();
    assert_eq!(logs.list(&since, &Visibility::All).await.unwrap().total, 3);
    let until = ListQuery::from_pairs([("filter", format!("created_at.le({between})"))]).unwrap();
    assert_eq!(logs.list(&until, &Visibility::All).await.unwrap().total, 2);

    let page = logs.list(&q(&[("filter", "action.equals(stop)")]), &Visibility::All).await.unwrap();
    let got = &page.items[0];
    assert_eq!(
        (got.entry.project_id, got.entry.user_name.as_deref(), got.entry.object_name.as_deref(), got.entry.task_id, got.entry.outcome),
        (Some(p2.id), Some("bob"), Some("web-1"), named.task_id, ActionOutcome::Success)
    );
    let page = logs.list(&q(&[("filter", "outcome.equals(failure)"), ("filter", "user.equals(alice)")]), &Visibility::All).await.unwrap();
    assert_eq!(page.items[0].entry.error.as_ref().map(|e| e.chars().count()), Some(2000), "long errors are clipped");
    let page = logs.list(&q(&[("order", "desc"), ("limit", "1")]), &Visibility::All).await.unwrap();
    assert_eq!((page.items[0].entry.action.as_str(), page.total), ("cleanup", 5));

    for bad in ["outcome.equals(maybe)", "nosuch.equals(x)", "created_at.ge(yesterday)", "user_id.equals(bob)"] {
        let err = logs.list(&q(&[("filter", bad)]), &Visibility::All).await.unwrap_err();
        assert!(matches!(err, StoreError::InvalidInput { .. }), "{bad}: {err}");
    }
});

both!(task_list_by_owner_or_target_account, |env: crate::common::Env| async move {
    let store = env.open().await;
    let p1 = project(&store, "p1").await;
    let p2 = project(&store, "p2").await;
    let a2 = store.cloudaccounts().create(account("a2", Provider::Fake, &p2)).await.unwrap();
    let mut owned = NewTask::new("server.stop", serde_json::json!({}));
    owned.owner = Some(TaskOwner { domain_id: p1.domain_id, project_id: p1.id, user_id: None, user_name: Some("alice".into()) });
    owned.target = Some(TaskTarget { kind: "server".into(), id: "s1".into() });
    store.tasks().create(&owned).await.unwrap();
    // enqueued before tasks had owners: it belongs to its account's project
    let mut legacy = NewTask::new("cloudaccount.sync", serde_json::json!({}));
    legacy.target = Some(TaskTarget { kind: "cloudaccount".into(), id: a2.id.to_string() });
    store.tasks().create(&legacy).await.unwrap();
    // neither owner nor account: the system admin's only
    store.tasks().create(&NewTask::new("cleanup", serde_json::json!({}))).await.unwrap();

    let list = |pairs: &[(&str, &str)], visibility: Visibility| {
        let store = store.clone();
        let query = q(pairs);
        async move { store.tasks().list(&query, &visibility).await.unwrap() }
    };
    assert_eq!(list(&[], Visibility::All).await.total, 3);
    let mine = list(&[], Visibility::Projects(vec![p1.id])).await;
    assert_eq!((mine.total, mine.items[0].id), (1, owned.id));
    let theirs = list(&[], Visibility::Projects(vec![p2.id])).await;
    assert_eq!((theirs.total, theirs.items[0].id), (1, legacy.id));
    assert_eq!(list(&[], Visibility::Domain(p1.domain_id)).await.total, 2);
    let by_project = format!("project_id.equals({})", p2.id);
    assert_eq!(list(&[("filter", by_project.as_str())], Visibility::All).await.total, 1);
    assert_eq!(list(&[("filter", "status.equals(queued)"), ("filter", "user.equals(alice)")], Visibility::All).await.total, 1);
    assert_eq!(list(&[("filter", "kind.startswith(cloudaccount.)")], Visibility::All).await.total, 1);
    assert_eq!(list(&[("filter", "target_kind.equals(server)"), ("filter", "target_id.equals(s1)")], Visibility::All).await.total, 1);
    assert_eq!(list(&[("search", "STOP")], Visibility::All).await.total, 1, "search looks in the kind");
    let err = store.tasks().list(&q(&[("filter", "status.equals(sleeping)")]), &Visibility::All).await.unwrap_err();
    assert!(matches!(err, StoreError::InvalidInput { .. }), "{err}");
});
