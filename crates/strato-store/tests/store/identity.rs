use chrono::Duration;
use strato_store::*;
use strato_types::{ListQuery, Role, TokenKind};

use crate::both;
use crate::common::ADMIN_PASSWORD;

fn pw(p: &str) -> SecretString {
    SecretString::new(p)
}

both!(bootstrap_creates_the_system_admin_once, |env: crate::common::Env| async move {
    let (store, report) = Store::open(env.options.clone()).await.unwrap();
    assert!(report.bootstrapped);
    assert!(report.generated_admin_password.is_none(), "password was given");
    let scope = store.system_scope().await.unwrap();
    let domain = store.domains().get_by_name(DEFAULT_DOMAIN).await.unwrap();
    assert_eq!(domain.id, scope.domain_id);
    let admin = store.users().verify_password(domain.id, ADMIN_USER, &pw(ADMIN_PASSWORD)).await.unwrap().unwrap();
    assert!(store.users().verify_password(domain.id, ADMIN_USER, &pw("wrong")).await.unwrap().is_none());
    assert!(store.users().verify_password(domain.id, "nobody", &pw(ADMIN_PASSWORD)).await.unwrap().is_none());
    let roles = store.role_assignments().for_user(admin.id).await.unwrap();
    assert_eq!(roles.len(), 1);
    assert_eq!((roles[0].role, roles[0].project_id), (Role::Admin, Some(scope.project_id)));
    assert_eq!(roles[0].project_name.as_deref(), Some(SYSTEM_PROJECT));
    store.close().await;

    let (again, report) = Store::open(env.options.clone()).await.unwrap();
    assert!(!report.bootstrapped);
    assert_eq!(again.system_scope().await.unwrap(), scope);
});

both!(bootstrap_generates_a_password_when_none_is_given, |env: crate::common::Env| async move {
    let mut options = env.options.clone();
    options.admin_password = None;
    let (store, report) = Store::open(options.clone()).await.unwrap();
    let generated = report.generated_admin_password.expect("generated password");
    assert!(generated.expose().len() >= 16);
    let scope = store.system_scope().await.unwrap();
    assert!(store.users().verify_password(scope.domain_id, ADMIN_USER, &generated).await.unwrap().is_some());
    store.close().await;
    let (_, report) = Store::open(options).await.unwrap();
    assert!(report.generated_admin_password.is_none(), "printed once only");
});

both!(domains_crud_and_conflicts, |env: crate::common::Env| async move {
    let store = env.open().await;
    let d = store.domains().create(NewDomain { name: "acme".into(), description: "ACME".into() }).await.unwrap();
    assert_eq!(store.domains().find("acme").await.unwrap().id, d.id);
    assert_eq!(store.domains().find(&d.id.to_string()).await.unwrap().name, "acme");
    let err = store.domains().create(NewDomain { name: "acme".into(), ..Default::default() }).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err}");
    let err = store.domains().create(NewDomain { name: d.id.to_string(), ..Default::default() }).await.unwrap_err();
    assert!(matches!(err, StoreError::InvalidInput { .. }), "{err}");
    let u = store
        .domains()
        .update(d.id, DomainUpdate { name: Some("acme2".into()), enabled: Some(false), ..Default::default() })
        .await
        .unwrap();
    assert_eq!((u.name.as_str(), u.enabled, u.description.as_str()), ("acme2", false, "ACME"));
    assert!(u.updated_at >= d.updated_at);
    let err = store.domains().update(d.id, DomainUpdate { name: Some(DEFAULT_DOMAIN.into()), ..Default::default() }).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err}");
    let p = store.projects().create(NewProject { name: "p".into(), domain_id: d.id, description: String::new() }).await.unwrap();
    let err = store.domains().delete(d.id).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "domain in use: {err}");
    store.projects().delete(p.id).await.unwrap();
    store.domains().delete(d.id).await.unwrap();
    assert!(matches!(store.domains().get(d.id).await.unwrap_err(), StoreError::NotFound { .. }));
    assert!(matches!(store.domains().delete(d.id).await.unwrap_err(), StoreError::NotFound { .. }));
});

both!(projects_are_unique_per_domain, |env: crate::common::Env| async move {
    let store = env.open().await;
    let scope = store.system_scope().await.unwrap();
    let other = store.domains().create(NewDomain { name: "other".into(), ..Default::default() }).await.unwrap();
    let p1 = store.projects().create(NewProject { name: "p1".into(), domain_id: scope.domain_id, description: "one".into() }).await.unwrap();
    assert_eq!(p1.domain_name.as_deref(), Some(DEFAULT_DOMAIN));
    let err = store.projects().create(NewProject { name: "p1".into(), domain_id: scope.domain_id, description: String::new() }).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err}");
    assert!(err.to_string().contains("p1"));
    let p1_other = store.projects().create(NewProject { name: "p1".into(), domain_id: other.id, description: String::new() }).await.unwrap();
    assert_ne!(p1.id, p1_other.id);
    assert_eq!(store.projects().find(other.id, "p1").await.unwrap().id, p1_other.id);
    let renamed = store.projects().update(p1.id, ProjectUpdate { name: Some("p2".into()), description: None }).await.unwrap();
    assert_eq!((renamed.name.as_str(), renamed.description.as_str()), ("p2", "one"));
    assert!(matches!(store.projects().get_by_name(scope.domain_id, "p1").await.unwrap_err(), StoreError::NotFound { .. }));
});

both!(users_passwords_and_updates, |env: crate::common::Env| async move {
    let store = env.open().await;
    let scope = store.system_scope().await.unwrap();
    let alice = store
        .users()
        .create(NewUser { name: "alice".into(), domain_id: scope.domain_id, password: pw("s3cret-pass"), display_name: "Alice".into(), email: Some("a@example.com".into()) })
        .await
        .unwrap();
    assert!(!format!("{alice:?}").contains("s3cret"));
    let err = store
        .users()
        .create(NewUser { name: "alice".into(), domain_id: scope.domain_id, password: pw("x"), display_name: String::new(), email: None })
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err}");
    let err = store
        .users()
        .create(NewUser { name: "bob".into(), domain_id: scope.domain_id, password: pw(""), display_name: String::new(), email: None })
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidInput { ref field, .. } if field == "password"), "{err}");
    let updated = store
        .users()
        .update(alice.id, UserUpdate { email: Some(None), password: Some(pw("new-pass")), enabled: Some(false), ..Default::default() })
        .await
        .unwrap();
    assert_eq!((updated.email, updated.enabled, updated.display_name.as_str()), (None, false, "Alice"));
    assert!(store.users().verify_password(scope.domain_id, "alice", &pw("s3cret-pass")).await.unwrap().is_none());
    assert!(store.users().verify_password(scope.domain_id, "alice", &pw("new-pass")).await.unwrap().is_some());
});

both!(role_assignments_and_cascades, |env: crate::common::Env| async move {
    let store = env.open().await;
    let scope = store.system_scope().await.unwrap();
    let p = store.projects().create(NewProject { name: "p1".into(), domain_id: scope.domain_id, description: String::new() }).await.unwrap();
    let bob = store
        .users()
        .create(NewUser { name: "bob".into(), domain_id: scope.domain_id, password: pw("pw-bob-1"), display_name: String::new(), email: None })
        .await
        .unwrap();
    let ra = store.role_assignments().create(NewRoleAssignment { user_id: bob.id, target: RoleTarget::Project(p.id), role: Role::Member }).await.unwrap();
    assert_eq!((ra.domain_id, ra.project_id, ra.user_name.as_deref()), (scope.domain_id, Some(p.id), Some("bob")));
    let err = store.role_assignments().create(NewRoleAssignment { user_id: bob.id, target: RoleTarget::Project(p.id), role: Role::Member }).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err}");
    store.role_assignments().create(NewRoleAssignment { user_id: bob.id, target: RoleTarget::Project(p.id), role: Role::Viewer }).await.unwrap();
    let dom = store.role_assignments().create(NewRoleAssignment { user_id: bob.id, target: RoleTarget::Domain(scope.domain_id), role: Role::Admin }).await.unwrap();
    assert_eq!(dom.project_id, None);
    let err = store.role_assignments().create(NewRoleAssignment { user_id: bob.id, target: RoleTarget::Domain(scope.domain_id), role: Role::Admin }).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "domain-wide duplicates too: {err}");
    assert_eq!(store.role_assignments().for_user(bob.id).await.unwrap().len(), 3);
    store.role_assignments().delete(dom.id).await.unwrap();
    store.projects().delete(p.id).await.unwrap();
    assert!(store.role_assignments().for_user(bob.id).await.unwrap().is_empty(), "project assignments go with the project");
    let (token, _) = store.tokens().create(NewToken { name: "t".into(), kind: TokenKind::Api, user_id: bob.id, expires_in: None }).await.unwrap();
    store.users().delete(bob.id).await.unwrap();
    assert!(matches!(store.tokens().get(token.id).await.unwrap_err(), StoreError::NotFound { .. }));
});

both!(tokens_authenticate_expire_and_revoke, |env: crate::common::Env| async move {
    let store = env.open().await;
    let scope = store.system_scope().await.unwrap();
    let admin = store.users().get_by_name(scope.domain_id, ADMIN_USER).await.unwrap();
    let (token, secret) = store.tokens().create(NewToken { name: "ci".into(), kind: TokenKind::Api, user_id: admin.id, expires_in: None }).await.unwrap();
    assert_eq!(format!("{secret:?}"), "***");
    assert!(token.last_used_at.is_none());
    let auth = store.tokens().authenticate(secret.expose()).await.unwrap().expect("valid token");
    assert_eq!((auth.token.id, auth.user.id), (token.id, admin.id));
    assert!(store.tokens().get(token.id).await.unwrap().last_used_at.is_some());
    assert!(store.tokens().authenticate("strato_nope").await.unwrap().is_none());
    assert!(store.tokens().authenticate("").await.unwrap().is_none());

    let (short, short_secret) = store
        .tokens()
        .create(NewToken { name: "login".into(), kind: TokenKind::Login, user_id: admin.id, expires_in: Some(Duration::milliseconds(300)) })
        .await
        .unwrap();
    assert!(short.expires_at.is_some());
    assert!(store.tokens().authenticate(short_secret.expose()).await.unwrap().is_some());
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert!(store.tokens().authenticate(short_secret.expose()).await.unwrap().is_none(), "expired");

    let revoked = store.tokens().revoke(token.id).await.unwrap();
    assert!(revoked.revoked_at.is_some());
    assert!(store.tokens().authenticate(secret.expose()).await.unwrap().is_none(), "revoked");

    let page = store.tokens().list(&ListQuery::default(), &Visibility::All, Some(admin.id)).await.unwrap();
    assert_eq!(page.total, 2);
    let q = ListQuery::from_pairs([("filter", "kind.equals(api)")]).unwrap();
    assert_eq!(store.tokens().list(&q, &Visibility::All, Some(admin.id)).await.unwrap().total, 1);
    let err = store.tokens().create(NewToken { name: "x".into(), kind: TokenKind::Api, user_id: admin.id, expires_in: Some(Duration::zero()) }).await.unwrap_err();
    assert!(matches!(err, StoreError::InvalidInput { .. }));
});
