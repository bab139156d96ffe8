use super::*;

#[test]
fn keywords_and_plurals_are_unique_and_dependencies_come_first() {
    let kinds = all();
    for (i, kind) in kinds.iter().enumerate() {
        let meta = kind.meta();
        for other in &kinds[i + 1..] {
            assert_ne!(meta.kind, other.meta().kind);
            assert_ne!(meta.plural, other.meta().plural);
        }
        for dep in meta.depends_on {
            let at = kinds.iter().position(|k| k.meta().kind == *dep).expect("dependency registered");
            assert!(at < i, "{} depends on {dep}, which comes after it", meta.kind);
        }
        assert_eq!(by_keyword(meta.keyword()).map(|k| k.meta().kind), Some(meta.kind));
        assert_eq!(by_plural(meta.plural).map(|k| k.meta().kind), Some(meta.kind));
    }
}

#[test]
fn served_kinds_have_a_table_starting_with_the_id_and_unique_verbs() {
    for meta in served() {
        let api = meta.api.as_ref().expect("served");
        assert_eq!(api.columns.first(), Some(&col("id")), "{}", meta.kind);
        for (j, t) in meta.transitions.iter().enumerate() {
            assert!(meta.transitions[j + 1..].iter().all(|o| o.verb != t.verb), "{} {}", meta.kind, t.verb);
            assert!(t.is_create() || !t.from.is_empty(), "{} {} is accepted from nowhere", meta.kind, t.verb);
            assert!(t.plain.is_none() || !t.is_create(), "a create takes a body");
        }
    }
    let served: Vec<&str> = served().map(|m| m.plural).collect();
    assert_eq!(served, ["skus", "vpcs", "networks", "secgroups", "disks", "servers", "elasticsearches"]);
}

#[test]
fn schema_names_keep_their_published_form() {
    assert_eq!(ResourceKind::Elasticsearch.meta().list_schema_name(), "ElasticsearchList");
    assert_eq!(ResourceKind::Server.meta().view_schema_name(), "ServerView");
    assert_eq!(schema_name("load-balancer", "List"), "LoadBalancerList");
}

#[test]
fn a_row_writes_its_columns_in_their_order() {
    use crate::kinds::elasticsearch::{Elasticsearch, ExtElasticsearch};
    use crate::snapshot::ExtBase;
    struct Ids;
    impl Resolve for Ids {
        fn id(&self, kind: ResourceKind, external_id: &str) -> Option<String> {
            Some(format!("{kind}:{external_id}"))
        }
        fn provider(&self) -> &str {
            "fake"
        }
    }
    let e = ExtElasticsearch {
        base: ExtBase::new("es-1", "search"),
        status: elasticsearch::ElasticsearchStatus::Available,
        engine_version: "OpenSearch_2.11".into(),
        instance_type: "t3.small".into(),
        node_count: 2,
        storage_size_gb: 10,
        endpoint: None,
        vpc_id: Some("vpc-1".into()),
        network_ids: vec!["subnet-1".into()],
    };
    let d = desired::<Elasticsearch>(&e, &Ids);
    let meta = ResourceKind::Elasticsearch.meta();
    assert_eq!(d.values.len() + 1, meta.synced_columns().count());
    let named: Vec<(&str, Option<String>)> = meta.synced_columns().skip(1).map(|c| c.name).zip(d.values.iter().map(Value::render)).collect();
    assert!(named.contains(&("status", Some("available".into()))), "{named:?}");
    assert!(named.contains(&("node_count", Some("2".into()))), "{named:?}");
    assert!(named.contains(&("vpc_id", Some("vpc:vpc-1".into()))), "{named:?}");
    assert!(named.contains(&("network_ids", Some("[\"network:subnet-1\"]".into()))), "{named:?}");
    assert!(named.contains(&("billing_type", Some("postpaid".into()))), "{named:?}");
}

#[test]
fn kinds_parse_from_their_keyword_only() {
    assert_eq!("disk".parse::<ResourceKind>(), Ok(ResourceKind::Disk));
    let err = "vm".parse::<ResourceKind>().unwrap_err();
    assert!(err.contains("known: cloudregion, zone"), "{err}");
    assert_eq!(serde_json::to_string(&ResourceKind::Server).unwrap(), "\"server\"");
    assert!(serde_json::from_str::<ResourceKind>("\"widget\"").is_err());
}
