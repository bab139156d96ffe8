//! The read side of the synced kinds (`Synced::list/get/find`), over rows written by `apply`.

use std::collections::BTreeMap;

use strato_store::synced::{
    kind_by_plural, listed_kinds, Batch, KindDef, ResourceId, Scope, SyncRow, Synced, SyncedRecord, Value,
};
use strato_store::*;
use strato_types::{CloudAccountId, ListQuery, Provider, RegionStatus};

use crate::both;

const VPCS: &KindDef = <strato_cloud::Vpc as strato_cloud::Kind>::META;
const NETWORKS: &KindDef = <strato_cloud::Network as strato_cloud::Kind>::META;
const SECGROUPS: &KindDef = <strato_cloud::Secgroup as strato_cloud::Kind>::META;
const SKUS: &KindDef = <strato_cloud::Sku as strato_cloud::Kind>::META;
const DISKS: &KindDef = <strato_cloud::Disk as strato_cloud::Kind>::META;
const SERVERS: &KindDef = <strato_cloud::Server as strato_cloud::Kind>::META;
const ELASTICSEARCHES: &KindDef = <strato_cloud::Elasticsearch as strato_cloud::Kind>::META;
const ZONES: &KindDef = <strato_cloud::Zone as strato_cloud::Kind>::META;
use crate::cloud::{account, project};

fn q(pairs: &[(&str, &str)]) -> ListQuery {
    ListQuery::from_pairs(pairs.iter().copied()).unwrap()
}

fn t(s: &str) -> Value {
    Value::text(s)
}

fn int(i: i64) -> Value {
    Value::Int(Some(i))
}

fn names(page: &strato_types::Page<SyncedRecord>) -> Vec<&str> {
    page.items.iter().map(|r| r.name.as_str()).collect()
}

/// One account with a region and a zone, where rows are written as sync writes them.
struct Place {
    store: Store,
    scope: Scope,
    zone: String,
}

impl Place {
    async fn new(store: &Store, project: &Project, name: &str, region: &str) -> Place {
        let a = store.cloudaccounts().create(account(name, Provider::Aws, project)).await.unwrap();
        let r = store
            .cloudregions()
            .create(NewCloudRegion { cloudaccount_id: a.id, name: region.into(), external_id: region.into(), status: RegionStatus::Available, attrs: CloudAttrs::default() })
            .await
            .unwrap();
        let zone = format!("{region}a");
        let z = store
            .zones()
            .create(NewZone { cloudregion_id: r.id, name: zone.clone(), external_id: zone, status: RegionStatus::Available, attrs: CloudAttrs::default() })
            .await
            .unwrap();
        let scope = Scope { cloudaccount_id: a.id, domain_id: a.domain_id, project_id: a.project_id, cloudregion_id: Some(r.id) };
        Place { store: store.clone(), scope, zone: z.id.to_string() }
    }

    /// Writes one row of `def` (status, tags, typed values, children) and answers its id.
    async fn put(&self, def: &KindDef, name: &str, status: &str, tags: &[(&str, &str)], typed: Vec<Value>, children: Vec<Vec<Vec<Value>>>) -> String {
        let tags: BTreeMap<&str, &str> = tags.iter().copied().collect();
        let mut values = vec![t(name), t(status), t(&self.zone), t(&serde_json::to_string(&tags).unwrap()), Value::Text(None), Value::Int(None), Value::Bool(false)];
        values.extend(typed);
        let children = if children.is_empty() { vec![vec![]; def.children.len()] } else { children };
        let row = SyncRow { id: ResourceId::new(), external_id: format!("ext-{name}-{}", ResourceId::new()), cloud_name: name.into(), values, children, project_id: None };
        let id = row.id.to_string();
        self.store.synced().apply(def, &self.scope, &Batch { inserts: vec![row], ..Batch::default() }).await.unwrap();
        id
    }
}

struct Fixture {
    store: Store,
    p1: Project,
    p2: Project,
    vpc_a: String,
    sg: String,
    disk_root: String,
    disk_data: String,
    /// srv-00 of account a1 (the older of the two srv-00).
    srv00: String,
    /// srv-00 of account a2 (project p2).
    srv00_b: String,
    account_b: CloudAccountId,
}

fn server(vpc: &str, cpu: i64) -> Vec<Value> {
    vec![t("on"), t("t3.small"), Value::Text(None), int(cpu), int(2048), t("ami-1"), t(vpc), Value::Text(None), t("[\"10.0.0.5\"]"), t("[]"), Value::Text(None)]
}

async fn fixture(env: &crate::common::Env) -> Fixture {
    let store = env.open().await;
    let p1 = project(&store, "p1").await;
    let p2 = project(&store, "p2").await;
    let a = Place::new(&store, &p1, "a1", "us-east-1").await;
    let b = Place::new(&store, &p2, "a2", "eu-west-1").await;

    let vpc_a = a.put(VPCS, "vpc-a", "available", &[], vec![t("10.0.0.0/16"), Value::Bool(true)], vec![]).await;
    let net = a.put(NETWORKS, "net-a", "available", &[], vec![t(&vpc_a), t("10.0.1.0/24"), int(250)], vec![]).await;
    let rules = vec![
        vec![int(1), t("egress"), t("all"), Value::Int(None), Value::Int(None), t("0.0.0.0/0"), Value::Text(None)],
        vec![int(0), t("ingress"), t("tcp"), int(443), int(443), t("0.0.0.0/0"), t("https")],
    ];
    let sg = a.put(SECGROUPS, "sg-web", "available", &[], vec![t(&vpc_a), t("web")], vec![rules]).await;
    a.put(SKUS, "t3.small", "available", &[], vec![int(2), int(2048), t("x86_64")], vec![]).await;
    a.put(SKUS, "m5.large", "available", &[], vec![int(4), int(8192), t("x86_64")], vec![]).await;
    let disk_root = a.put(DISKS, "disk-root", "in_use", &[], vec![int(10), t("gp3"), Value::Bool(true)], vec![]).await;
    let disk_data = a.put(DISKS, "disk-data", "in_use", &[], vec![int(100), t("gp3"), Value::Bool(false)], vec![]).await;
    a.put(ELASTICSEARCHES, "es-1", "available", &[], vec![t("OpenSearch_2.11"), t("r6g.large"), int(3), int(100), Value::Text(None), t(&vpc_a), t(&format!("[\"{net}\"]"))], vec![]).await;

    let attached = vec![vec![vec![t(&disk_root), t("/dev/sda")], vec![t(&disk_data), t("/dev/sdb")]], vec![vec![t(&sg)]]];
    let srv00 = a.put(SERVERS, "srv-00", "running", &[("env", "prod")], server(&vpc_a, 1), attached).await;
    for i in 1..25 {
        let env = if i % 2 == 0 { "prod" } else { "dev" };
        let status = if i % 5 == 0 { "stopped" } else { "running" };
        a.put(SERVERS, &format!("srv-{i:02}"), status, &[("env", env), ("team", "t1")], server(&vpc_a, i % 4 + 1), vec![]).await;
    }
    // tags that a careless text match would confuse with env=prod
    a.put(SERVERS, "tricky-1", "running", &[("a\"env", "prod"), ("x", "env\":\"prod")], server(&vpc_a, 1), vec![]).await;
    a.put(SERVERS, "tricky-2", "running", &[("env", "Prod"), ("pct", "50%_off")], server(&vpc_a, 1), vec![]).await;

    let vpc_b = b.put(VPCS, "vpc-b", "available", &[], vec![t("10.1.0.0/16"), Value::Bool(false)], vec![]).await;
    let srv00_b = b.put(SERVERS, "srv-00", "running", &[], server(&vpc_b, 8), vec![]).await;
    Fixture { store, p1, p2, vpc_a, sg, disk_root, disk_data, srv00, srv00_b, account_b: b.scope.cloudaccount_id }
}

both!(paging_totals_and_every_kind, |env: crate::common::Env| async move {
    let f = fixture(&env).await;
    let synced = f.store.synced();
    // 25 + 2 tricky in a1, 1 in a2
    for (pairs, total, len) in [
        (vec![("limit", "10")], 28, 10),
        (vec![("limit", "10"), ("offset", "20")], 28, 8),
        (vec![("limit", "10"), ("offset", "40")], 28, 0),
        (vec![("limit", "28")], 28, 28),
        (vec![("limit", "2000")], 28, 28),
    ] {
        let page = synced.list(SERVERS, &q(&pairs), &Visibility::All).await.unwrap();
        assert_eq!((page.total, page.items.len()), (total, len), "{pairs:?}");
    }
    let page = synced.list(SERVERS, &q(&[("order_by", "name"), ("limit", "3"), ("offset", "1")]), &Visibility::All).await.unwrap();
    assert_eq!(names(&page), ["srv-00", "srv-01", "srv-02"]);
    let page = synced.list(SERVERS, &q(&[("limit", "2")]), &Visibility::All).await.unwrap();
    assert_eq!(names(&page), ["srv-00", "srv-01"], "default order: creation");
    let page = synced.list(SERVERS, &q(&[("search", "TRICKY")]), &Visibility::All).await.unwrap();
    assert_eq!(page.total, 2);

    let expected = [("vpc", 2), ("network", 1), ("secgroup", 1), ("sku", 2), ("disk", 2), ("server", 28), ("elasticsearch", 1)];
    assert_eq!(listed_kinds().len(), expected.len());
    for def in listed_kinds() {
        let want = expected.iter().find(|(k, _)| *k == def.keyword()).map(|(_, n)| *n).unwrap();
        let page = synced.list(def, &q(&[("details", "true")]), &Visibility::All).await.unwrap();
        assert_eq!(page.total, want, "{}", def.kind);
        assert!(page.items.iter().all(|r| r.kind == def.keyword() && r.common.project_name.is_some()));
        assert_eq!(kind_by_plural(def.plural).map(|d| d.kind), Some(def.kind));
        // every field is valid SQL on this backend, as a filter and (where orderable) an order
        for field in Synced::fields(def) {
            let filter = format!("{}.isnotnull()", field.name);
            let mut pairs = vec![("filter", filter.as_str())];
            if field.orderable {
                pairs.push(("order_by", field.name));
            }
            synced.list(def, &q(&pairs), &Visibility::All).await.unwrap_or_else(|e| panic!("{}.{}: {e}", def.kind, field.name));
        }
    }
    assert!(kind_by_plural("zones").is_none());
});

both!(filters_on_typed_columns_tags_and_names, |env: crate::common::Env| async move {
    let f = fixture(&env).await;
    let synced = f.store.synced();
    let total = |def: &'static KindDef, filters: Vec<String>| {
        let synced = f.store.synced();
        async move {
            let pairs: Vec<(&str, &str)> = filters.iter().map(|v| ("filter", v.as_str())).collect();
            synced.list(def, &q(&pairs), &Visibility::All).await.unwrap().total
        }
    };
    let s = |v: &str| v.to_string();
    // int columns: srv-01..24 have cpu i%4+1, srv-00 and both tricky 1, srv-00 of a2 8
    assert_eq!(total(SERVERS, vec![s("cpu.ge(2)")]).await, 19);
    assert_eq!(total(SERVERS, vec![s("cpu.equals(4)")]).await, 6);
    assert_eq!(total(SERVERS, vec![s("cpu.in(1, 8)")]).await, 10);
    assert_eq!(total(SERVERS, vec![s("cpu.lt(2)"), s("status.equals(running)")]).await, 8);
    assert_eq!(total(DISKS, vec![s("size_gb.gt(10)")]).await, 1);
    assert_eq!(total(SKUS, vec![s("cpu.le(2)")]).await, 1);
    assert_eq!(total(NETWORKS, vec![s("available_ips.ge(250)")]).await, 1);
    assert_eq!(total(DISKS, vec![s("is_root.equals(true)")]).await, 1);
    assert_eq!(total(SERVERS, vec![format!("vpc_id.equals({})", f.vpc_a.to_uppercase())]).await, 27, "ids compare case-insensitively");
    assert_eq!(total(SERVERS, vec![s("sku_id.isnull()")]).await, 28);
    assert_eq!(total(SERVERS, vec![s("instance_type.startswith(t3.)")]).await, 28);
    // tags: srv-00 + even srv-02..24 have env=prod; odd ones env=dev
    assert_eq!(total(SERVERS, vec![s("tags.equals(env=prod)")]).await, 13, "exact and case-sensitive, whole key and value");
    assert_eq!(total(SERVERS, vec![s("tags.in(env=prod, env=dev)")]).await, 25);
    assert_eq!(total(SERVERS, vec![s("tags.equals(env=prod)"), s("tags.equals(team=t1)")]).await, 12);
    assert_eq!(total(SERVERS, vec![s("tags.contains(env)")]).await, 26);
    assert_eq!(total(SERVERS, vec![s("tags.contains(team, pct)")]).await, 25);
    assert_eq!(total(SERVERS, vec![s("tags.notequals(env=prod)")]).await, 15);
    assert_eq!(total(SERVERS, vec![s("tags.equals(env=Prod)")]).await, 1);
    assert_eq!(total(SERVERS, vec![s("tags.equals(pct=50%_off)")]).await, 1);
    assert_eq!(total(SERVERS, vec![s("tags.equals(pct=50%)")]).await, 0, "no wildcards");
    assert_eq!(total(SERVERS, vec![s(r#"tags.equals('a"env=prod')"#)]).await, 1);
    assert_eq!(total(SERVERS, vec![s("tags.isnull()")]).await, 1);
    assert_eq!(total(SERVERS, vec![s("tags.isnotnull()")]).await, 27);
    // names of referenced objects
    assert_eq!(total(SERVERS, vec![s("cloudregion.equals(eu-west-1)")]).await, 1);
    assert_eq!(total(SERVERS, vec![s("cloudregion.in(us-east-1)")]).await, 27);
    assert_eq!(total(SERVERS, vec![s("zone.equals(us-east-1a)")]).await, 27);
    assert_eq!(total(SERVERS, vec![s("vpc.equals(vpc-b)")]).await, 1);
    assert_eq!(total(NETWORKS, vec![s("vpc.equals(vpc-a)")]).await, 1);
    assert_eq!(total(SERVERS, vec![s("cloudaccount.equals(a2)")]).await, 1);
    assert_eq!(total(SERVERS, vec![s("project.equals(p1)")]).await, 27);
    assert_eq!(total(SERVERS, vec![format!("cloudaccount_id.equals({})", f.account_b)]).await, 1);

    let page = synced
        .list(SERVERS, &q(&[("filter", "status.equals(stopped)"), ("order_by", "name"), ("order", "desc")]), &Visibility::All)
        .await
        .unwrap();
    assert_eq!(names(&page), ["srv-20", "srv-15", "srv-10", "srv-05"]);
    let page = synced.list(SERVERS, &q(&[("order_by", "cpu"), ("order", "desc"), ("limit", "1")]), &Visibility::All).await.unwrap();
    assert_eq!((names(&page), page.items[0].attribute("cpu")), (vec!["srv-00"], Some(&Value::Int(Some(8)))));
});

both!(details_find_visibility_and_children, |env: crate::common::Env| async move {
    let f = fixture(&env).await;
    let synced = f.store.synced();
    let plain = synced.list(SERVERS, &q(&[("limit", "1")]), &Visibility::All).await.unwrap();
    let r = &plain.items[0];
    assert_eq!((r.common.domain_name.as_ref(), r.cloudregion_name.as_ref(), r.vpc_name.as_ref()), (None, None, None), "names only with details");
    assert_eq!(r.child("disks").and_then(|d| d.as_array()).map(Vec::len), Some(2), "children always");

    let page = synced.list(SERVERS, &q(&[("details", "true"), ("limit", "1")]), &Visibility::All).await.unwrap();
    let r = &page.items[0];
    assert_eq!(r.id.to_string(), f.srv00);
    assert_eq!(
        (r.common.domain_name.as_deref(), r.common.project_name.as_deref(), r.common.cloudaccount_name.as_deref()),
        (Some(DEFAULT_DOMAIN), Some("p1"), Some("a1"))
    );
    assert_eq!((r.cloudregion_name.as_deref(), r.zone_name.as_deref(), r.vpc_name.as_deref()), (Some("us-east-1"), Some("us-east-1a"), Some("vpc-a")));
    assert_eq!((r.kind, r.status.as_str(), r.common.tags.get("env").map(String::as_str)), ("server", "running", Some("prod")));
    let attribute_names: Vec<&str> = r.attributes.iter().map(|(n, _)| *n).collect();
    assert_eq!(attribute_names, SERVERS.columns.iter().map(|c| c.name).collect::<Vec<_>>());
    assert_eq!(r.attribute("vpc_id"), Some(&Value::text(f.vpc_a.clone())), "references stay ids");
    let skus = synced.list(SKUS, &q(&[("details", "true")]), &Visibility::All).await.unwrap();
    assert!(skus.items.iter().all(|s| s.vpc_name.is_none() && s.zone_name.as_deref() == Some("us-east-1a")));

    // children: server disks and secgroups, secgroup rules (ordered by position)
    let id: ResourceId = f.srv00.parse().unwrap();
    let srv = synced.get(SERVERS, id).await.unwrap();
    assert_eq!(srv.common.cloudaccount_name.as_deref(), Some("a1"), "get fills the names");
    let mut disks: Vec<(String, String)> = srv.child("disks").unwrap().as_array().unwrap().iter()
        .map(|d| (d["disk_id"].as_str().unwrap().to_string(), d["device"].as_str().unwrap().to_string()))
        .collect();
    disks.sort_by(|a, b| a.1.cmp(&b.1));
    assert_eq!(disks, [(f.disk_root.clone(), "/dev/sda".to_string()), (f.disk_data.clone(), "/dev/sdb".to_string())]);
    assert_eq!(srv.child("secgroups"), Some(&serde_json::json!([{ "secgroup_id": f.sg }])));
    let sg = synced.get(SECGROUPS, f.sg.parse().unwrap()).await.unwrap();
    let rules = sg.child("rules").unwrap();
    assert_eq!(rules[0], serde_json::json!({"position": 0, "direction": "ingress", "protocol": "tcp", "from_port": 443, "to_port": 443, "peer": "0.0.0.0/0", "description": "https"}));
    assert_eq!((rules[1]["position"].as_i64(), rules[1]["from_port"].is_null()), (Some(1), true));
    let other = synced.list(SERVERS, &q(&[("filter", "name.equals(srv-01)")]), &Visibility::All).await.unwrap();
    assert_eq!(other.items[0].children, vec![("disks", serde_json::json!([])), ("secgroups", serde_json::json!([]))]);
    assert!(synced.list(VPCS, &q(&[]), &Visibility::All).await.unwrap().items.iter().all(|v| v.children.is_empty()));

    // find: by id, by name within visibility; a name several visible rows share is a conflict
    // listing them, never an arbitrary one
    assert_eq!(synced.find(SERVERS, &f.srv00, &Visibility::All).await.unwrap().name, "srv-00");
    assert_eq!(synced.find(SERVERS, &f.srv00.to_uppercase(), &Visibility::All).await.unwrap().id, id);
    let err = synced.find(SERVERS, "srv-00", &Visibility::All).await.unwrap_err();
    assert!(matches!(&err, StoreError::Conflict { kind: "server", .. }), "{err}");
    assert!(err.to_string().contains(&f.srv00) && err.to_string().contains(&f.srv00_b), "{err}");
    let b = synced.find(SERVERS, "srv-00", &Visibility::Projects(vec![f.p2.id])).await.unwrap();
    assert_eq!((b.id.to_string(), b.common.project_name.as_deref()), (f.srv00_b.clone(), Some("p2")));
    assert_eq!(synced.find(VPCS, "vpc-a", &Visibility::Domain(f.p1.domain_id)).await.unwrap().id.to_string(), f.vpc_a);
    for (key, visibility) in [
        (f.srv00.as_str(), Visibility::Projects(vec![f.p2.id])),
        ("srv-01", Visibility::Projects(vec![f.p2.id])),
        ("srv-01", Visibility::Projects(vec![])),
        ("no-such-server", Visibility::All),
    ] {
        let err = synced.find(SERVERS, key, &visibility).await.unwrap_err();
        assert!(matches!(&err, StoreError::NotFound { kind: "server", .. }), "{key} {visibility:?}: {err}");
    }
    let page = synced.list(SERVERS, &q(&[]), &Visibility::Projects(vec![f.p2.id])).await.unwrap();
    assert_eq!((page.total, names(&page)), (1, vec!["srv-00"]));
    let err = synced.get(SERVERS, ResourceId::new()).await.unwrap_err();
    assert!(matches!(&err, StoreError::NotFound { kind: "server", .. }), "{err}");
    let err = synced.get(DISKS, id).await.unwrap_err();
    assert!(err.to_string().starts_with("disk "), "{err}");
});

both!(bad_input_is_invalid_not_a_panic, |env: crate::common::Env| async move {
    let f = fixture(&env).await;
    let synced = f.store.synced();
    for (pairs, field) in [
        (vec![("filter", "colour.equals(red)")], "colour"),
        (vec![("filter", "cpu.equals(two)")], "cpu"),
        (vec![("filter", "cpu.contains(2)")], "cpu"),
        (vec![("filter", "tags.equals(env)")], "tags"),
        (vec![("filter", "tags.lt(env=prod)")], "tags"),
        (vec![("filter", "vpc_id.equals(vpc-a)")], "vpc_id"),
        (vec![("filter", "created_at.gt(yesterday)")], "created_at"),
        (vec![("order_by", "tags")], "order_by"),
        (vec![("order_by", "vpc")], "order_by"),
        (vec![("order_by", "colour")], "colour"),
    ] {
        let err = synced.list(SERVERS, &q(&pairs), &Visibility::All).await.unwrap_err();
        match &err {
            StoreError::InvalidInput { field: got, .. } => assert_eq!(got, field, "{pairs:?}: {err}"),
            other => panic!("{pairs:?}: expected InvalidInput, got {other}"),
        }
        assert_eq!(err.class(), "InvalidInputError");
    }
    let err = synced.list(SERVERS, &q(&[("filter", "colour.equals(red)")]), &Visibility::All).await.unwrap_err();
    let message = err.to_string();
    assert!(message.contains("known fields") && message.contains("cpu") && message.contains("tags"), "{message}");
    assert!(matches!(synced.list(ZONES, &q(&[]), &Visibility::All).await.unwrap_err(), StoreError::InvalidInput { .. }));
    assert!(Synced::fields(ZONES).is_empty());
    let query = ListQuery { limit: 0, ..ListQuery::default() };
    assert!(matches!(synced.list(SERVERS, &query, &Visibility::All).await.unwrap_err(), StoreError::InvalidInput { .. }));
});

/// The exact totals stay cheap at scale only if SQLite counts over the narrow indexes of 0102.
#[tokio::test]
async fn sqlite_counts_use_the_narrow_indexes() {
    let env = crate::common::Env::new(crate::common::Backend::Sqlite).await;
    let store = env.open().await;
    let path = env.options.data_dir.join("strato.db");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display())).await.unwrap();
    let plan = |sql: String| {
        let pool = pool.clone();
        async move {
            let rows: Vec<(i64, i64, i64, String)> = sqlx::query_as(&format!("EXPLAIN QUERY PLAN {sql}")).fetch_all(&pool).await.unwrap();
            rows.into_iter().map(|r| r.3).collect::<Vec<_>>().join("; ")
        }
    };
    for def in listed_kinds() {
        let p = plan(format!("SELECT COUNT(*) FROM {} t", def.plural)).await;
        assert!(p.contains(&format!("{}_expires", def.plural)), "{}: {p}", def.plural);
    }
    let p = plan("SELECT COUNT(*) FROM servers t WHERE t.project_id IN ('p') AND t.status IN ('running')".into()).await;
    assert!(p.contains("servers_project_status"), "{p}");
    let p = plan("SELECT t.id FROM servers t WHERE t.status IN ('running') ORDER BY t.name ASC, t.id ASC LIMIT 20".into()).await;
    assert!(p.contains("servers_status_name") && !p.contains("TEMP B-TREE"), "{p}");
    pool.close().await;
    store.close().await;
}
