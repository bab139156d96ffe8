//! The conformance suite every driver runs. Each check is an async function taking a
//! `Fixture` (a connected driver plus what the suite needs to know about its cloud); a test
//! file per provider builds the fixture and calls every check (see tests/fake.rs, tests/aws.rs).
//! Checks panic with a message on failure, like any test. Parts about kinds the driver does
//! not serve (it has no facet of them) are skipped (a line on stderr says so): kvm has no
//! secgroups or Elasticsearch.

pub mod aliyun_replay;
pub mod qingcloud_replay;
pub mod moto;
mod replay;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use strato_cloud::kinds::{self, act, get, list};
use strato_cloud::*;

/// Makes one resource of a kind named `name` out of band (in the emulator, or the fake cloud's
/// records), for kinds the contract cannot create; its id, or `None` for a kind the fixture
/// cannot make.
pub type Seed = Box<dyn Fn(ResourceKind, String) -> BoxFuture<'static, CloudResult<Option<String>>> + Send + Sync>;

pub struct Fixture {
    pub driver: Arc<dyn CloudDriver>,
    pub region: String,
    /// A zone of `region` for disks and servers.
    pub zone: String,
    pub image_id: String,
    pub instance_type: String,
    /// Another instance type for change-config.
    pub other_instance_type: String,
    /// The driver's list page size (it was connected with it); listing tests create more.
    pub page_size: usize,
    /// Name the driver gives its server-listing call in `CallRecord::api`.
    pub server_list_api: &'static str,
    /// Well-formed ids the cloud has never issued, per kind.
    pub missing_id: fn(ResourceKind) -> String,
    /// Every call the request layer made (collected by an observer).
    pub calls: Arc<Mutex<Vec<CallRecord>>>,
    pub seed: Seed,
}

impl Fixture {
    /// A request layer whose calls are recorded in the returned list.
    pub fn recording_layer() -> (Arc<RequestLayer>, Arc<Mutex<Vec<CallRecord>>>) {
        let layer = Arc::new(RequestLayer::default());
        let calls = Arc::new(Mutex::new(Vec::new()));
        let sink = calls.clone();
        layer.set_observer(Arc::new(move |r: &CallRecord| sink.lock().unwrap_or_else(|p| p.into_inner()).push(r.clone())));
        (layer, calls)
    }

    /// Whether the driver serves `kind`; prints the skip when it does not.
    fn serves(&self, kind: ResourceKind, what: &str) -> bool {
        let serves = kinds::lookup(kind).served_by(self.driver.as_ref());
        if !serves {
            eprintln!("skipped {what}: the {} driver does not serve {kind}", self.driver.provider());
        }
        serves
    }

    /// Whether the driver performs the plain action `verb` of `kind`; prints the skip when not.
    fn performs(&self, kind: ResourceKind, verb: &str, what: &str) -> bool {
        let performs = kinds::lookup(kind).verbs(self.driver.as_ref()).contains(&verb);
        if !performs {
            eprintln!("skipped {what}: the {} driver does not {verb} a {kind}", self.driver.provider());
        }
        performs
    }

    fn calls_to(&self, api: &str) -> usize {
        self.calls.lock().unwrap_or_else(|p| p.into_inner()).iter().filter(|c| c.api == api).count()
    }

    fn server_input(&self, name: &str) -> ServerCreate {
        ServerCreate {
            name: name.to_string(),
            instance_type: self.instance_type.clone(),
            image_id: self.image_id.clone(),
            zone: Some(self.zone.clone()),
            tags: [("suite".to_string(), "conformance".to_string())].into(),
            ..Default::default()
        }
    }

    fn disk_input(&self, name: &str, size_gb: u64) -> DiskCreate {
        DiskCreate { name: name.to_string(), zone: self.zone.clone(), size_gb, ..Default::default() }
    }
}

fn ids<T: ExtResource>(items: &[T]) -> BTreeSet<String> {
    items.iter().map(|i| i.external_id().to_string()).collect()
}

#[track_caller]
fn expect_not_found<T: std::fmt::Debug>(what: &str, r: CloudResult<T>) {
    match r {
        Err(e) if e.is_not_found() => {}
        other => panic!("{what}: expected not_found, got {other:?}"),
    }
}

/// Regions, zones, skus, vpcs, networks and secgroups list, and hang together.
pub async fn lists_the_catalogue(f: &Fixture) {
    let d = f.driver.as_ref();
    let regions = list::<CloudRegion>(d, "").await.expect("list regions");
    assert!(regions.iter().any(|r| r.base.external_id == f.region), "region {} not listed", f.region);
    let zones = list::<Zone>(d, &f.region).await.expect("list zones");
    assert!(zones.iter().any(|z| z.base.name == f.zone && z.region == f.region), "zone {} not listed", f.zone);
    let skus = list::<Sku>(d, &f.region).await.expect("list skus");
    let sku = skus.iter().find(|s| s.base.external_id == f.instance_type).expect("instance type in sku list");
    assert!(sku.cpu > 0 && sku.memory_mb > 0, "sku without size: {sku:?}");
    let vpcs = list::<Vpc>(d, &f.region).await.expect("list vpcs");
    assert!(!vpcs.is_empty(), "no vpc");
    let networks = list::<Network>(d, &f.region).await.expect("list networks");
    let vpc_ids = ids(&vpcs);
    for n in &networks {
        assert!(vpc_ids.contains(&n.vpc_id), "network {} in unknown vpc {}", n.base.external_id, n.vpc_id);
    }
    // get by id agrees with the listing.
    let vpc = get::<Vpc>(d, &f.region, &vpcs[0].base.external_id).await.expect("get vpc");
    assert_eq!(vpc, vpcs[0]);
    if let Some(n) = networks.first() {
        assert_eq!(&get::<Network>(d, &f.region, &n.base.external_id).await.expect("get network"), n);
    }
    if f.serves(ResourceKind::Secgroup, "secgroup listing") {
        let secgroups = list::<Secgroup>(d, &f.region).await.expect("list secgroups");
        assert!(!secgroups.is_empty(), "no secgroup");
        let g = get::<Secgroup>(d, &f.region, &secgroups[0].base.external_id).await.expect("get secgroup");
        assert_eq!(g, secgroups[0]);
    }
}

/// More servers than one page holds (one per create call, so one per reservation on AWS):
/// every one comes back, and the listing really took more than one page.
pub async fn lists_servers_beyond_one_page(f: &Fixture) {
    let count = f.page_size * 2 + 1;
    let mut created = BTreeSet::new();
    for i in 0..count {
        let s = f.driver.create_server(&f.region, &f.server_input(&format!("page-{i}"))).await.expect("create server");
        created.insert(s.base.external_id);
    }
    let before = f.calls_to(f.server_list_api);
    let listed = list::<Server>(f.driver.as_ref(), &f.region).await.expect("list servers");
    let pages = f.calls_to(f.server_list_api) - before;
    let listed_ids = ids(&listed);
    assert!(created.is_subset(&listed_ids), "missing servers: {:?}", created.difference(&listed_ids).collect::<Vec<_>>());
    assert_eq!(listed.len(), listed_ids.len(), "a server was listed twice");
    assert!(pages >= 3, "{count} servers with page size {} took {pages} page(s)", f.page_size);
}

/// More disks than one page holds all come back.
pub async fn lists_disks_beyond_one_page(f: &Fixture) {
    let mut created = BTreeSet::new();
    for i in 0..(f.page_size + 2) {
        let d = f.driver.create_disk(&f.region, &f.disk_input(&format!("page-disk-{i}"), 1)).await.expect("create disk");
        created.insert(d.base.external_id);
    }
    let listed = ids(&list::<Disk>(f.driver.as_ref(), &f.region).await.expect("list disks"));
    assert!(created.is_subset(&listed), "missing disks: {:?}", created.difference(&listed).collect::<Vec<_>>());
}

/// Create -> get -> list -> stop -> change-config -> start -> restart -> delete -> gone.
pub async fn server_round_trip(f: &Fixture) {
    let d = f.driver.as_ref();
    let mut input = f.server_input("round-trip");
    input.root_disk_gb = Some(12);
    input.data_disks_gb = vec![3];
    input.user_data = Some("#cloud-config\n".into());
    let created = d.create_server(&f.region, &input).await.expect("create server");
    let id = created.base.external_id.clone();
    assert_eq!(created.base.name, "round-trip");
    assert_eq!(created.instance_type, f.instance_type);

    let got = get::<Server>(d, &f.region, &id).await.expect("get server");
    assert_eq!(got.base.external_id, id);
    assert_eq!(got.image_id.as_deref(), Some(f.image_id.as_str()));
    assert_eq!(got.zone, f.zone);
    assert!(matches!(got.status, ServerStatus::Running | ServerStatus::Pending), "status {}", got.status);
    assert!(got.cpu.unwrap_or(0) > 0 && got.memory_mb.unwrap_or(0) > 0, "no size: {got:?}");
    assert_eq!(got.base.tags.get("suite").map(String::as_str), Some("conformance"));
    assert!(got.disks.len() >= 2, "root and data disk expected: {:?}", got.disks);
    assert!(ids(&list::<Server>(d, &f.region).await.expect("list")).contains(&id));

    act::<Server>(d, &f.region, &id, "stop").await.expect("stop");
    assert_eq!(get::<Server>(d, &f.region, &id).await.expect("get").status, ServerStatus::Stopped);
    d.change_server_config(&f.region, &id, &f.other_instance_type).await.expect("change config");
    assert_eq!(get::<Server>(d, &f.region, &id).await.expect("get").instance_type, f.other_instance_type);
    act::<Server>(d, &f.region, &id, "start").await.expect("start");
    assert_eq!(get::<Server>(d, &f.region, &id).await.expect("get").status, ServerStatus::Running);
    act::<Server>(d, &f.region, &id, "restart").await.expect("restart");

    act::<Server>(d, &f.region, &id, "delete").await.expect("delete");
    expect_not_found("get deleted server", get::<Server>(d, &f.region, &id).await);
    assert!(!ids(&list::<Server>(d, &f.region).await.expect("list")).contains(&id), "deleted server still listed");
}

/// The same idempotency token twice makes one server.
pub async fn server_create_is_idempotent(f: &Fixture) {
    let mut input = f.server_input("idempotent");
    input.idempotency_token = Some("conformance-token-1".into());
    let a = f.driver.create_server(&f.region, &input).await.expect("create");
    let b = f.driver.create_server(&f.region, &input).await.expect("create again");
    assert_eq!(a.base.external_id, b.base.external_id);
    let listed = list::<Server>(f.driver.as_ref(), &f.region).await.expect("list");
    assert_eq!(listed.iter().filter(|s| s.base.name == "idempotent").count(), 1);
}

/// Create -> get -> list -> resize -> attach -> detach -> delete -> gone.
pub async fn disk_round_trip(f: &Fixture) {
    let d = f.driver.as_ref();
    let server = d.create_server(&f.region, &f.server_input("disk-host")).await.expect("create server");
    let sid = server.base.external_id.clone();
    let mut input = f.disk_input("data-1", 4);
    input.tags = [("role".to_string(), "data".to_string())].into();
    let disk = d.create_disk(&f.region, &input).await.expect("create disk");
    let did = disk.base.external_id.clone();
    let got = get::<Disk>(d, &f.region, &did).await.expect("get disk");
    assert_eq!(got.size_gb, 4);
    assert_eq!(got.zone, f.zone);
    assert_eq!(got.base.name, "data-1");
    assert_eq!(got.base.tags.get("role").map(String::as_str), Some("data"));
    assert_eq!(got.status, DiskStatus::Available);
    assert!(ids(&list::<Disk>(d, &f.region).await.expect("list")).contains(&did));

    d.resize_disk(&f.region, &did, 8).await.expect("resize");
    assert_eq!(get::<Disk>(d, &f.region, &did).await.expect("get").size_gb, 8);

    let device = d.attach_disk(&f.region, &did, &sid, None).await.expect("attach");
    let attached = get::<Disk>(d, &f.region, &did).await.expect("get");
    assert_eq!(attached.status, DiskStatus::InUse);
    assert_eq!(attached.server_id.as_deref(), Some(sid.as_str()));
    assert_eq!(attached.device.as_deref(), Some(device.as_str()));
    let host = get::<Server>(d, &f.region, &sid).await.expect("get server");
    assert!(host.disks.iter().any(|x| x.disk_id == did && x.device == device), "server does not show the disk: {:?}", host.disks);
    let err = act::<Disk>(d, &f.region, &did, "delete").await.expect_err("deleting an attached disk must fail");
    assert_eq!(err.kind, CloudErrorKind::Conflict, "{err}");

    d.detach_disk(&f.region, &did, &sid).await.expect("detach");
    let detached = get::<Disk>(d, &f.region, &did).await.expect("get");
    assert_eq!(detached.status, DiskStatus::Available);
    assert_eq!(detached.server_id, None);

    act::<Disk>(d, &f.region, &did, "delete").await.expect("delete");
    expect_not_found("get deleted disk", get::<Disk>(d, &f.region, &did).await);
    assert!(!ids(&list::<Disk>(d, &f.region).await.expect("list")).contains(&did));
    act::<Server>(d, &f.region, &sid, "delete").await.expect("delete server");
}

/// Domains beyond one describe batch list completely; get and delete work.
pub async fn elasticsearch_round_trip(f: &Fixture) {
    if !f.serves(ResourceKind::Elasticsearch, "elasticsearch_round_trip") {
        return;
    }
    let d = f.driver.as_ref();
    let mut created = BTreeSet::new();
    for i in 0..7 {
        let id = (f.seed)(ResourceKind::Elasticsearch, format!("suite-es-{i}")).await.expect("seed elasticsearch");
        created.insert(id.expect("the fixture makes Elasticsearch domains"));
    }
    let listed = list::<Elasticsearch>(d, &f.region).await.expect("list");
    assert!(created.is_subset(&ids(&listed)), "missing domains");
    let id = created.iter().next().cloned().unwrap_or_default();
    let got = get::<Elasticsearch>(d, &f.region, &id).await.expect("get");
    assert_eq!(got.base.external_id, id);
    assert!(got.node_count > 0 && !got.engine_version.is_empty(), "{got:?}");
    act::<Elasticsearch>(d, &f.region, &id, "delete").await.expect("delete");
    match get::<Elasticsearch>(d, &f.region, &id).await {
        Err(e) if e.is_not_found() => {}
        Ok(es) if es.status == ElasticsearchStatus::Deleting => {}
        other => panic!("deleted domain: {other:?}"),
    }
}

/// One round trip per kind the driver serves, from the kinds' declarations alone: the listing
/// holds no id twice and has what the fixture made out of band; `get` agrees with it; an id the
/// cloud never issued is not_found for `get` and for every plain action; and the made resource,
/// deleted through its declared plain delete, is gone or in the delete's `during` status.
pub async fn every_kind_round_trips(f: &Fixture) {
    let (d, region) = (f.driver.as_ref(), f.region.as_str());
    for kind in kinds::all() {
        let meta = kind.meta();
        if !f.serves(meta.kind, "its round trip") {
            continue;
        }
        let made = (f.seed)(meta.kind, format!("round-trip-{}", meta.keyword())).await.unwrap_or_else(|e| panic!("make a {}: {e}", meta.kind));
        let listed = kind.list_json(d, region).await.unwrap_or_else(|e| panic!("list {}: {e}", meta.plural));
        let ids: Vec<&str> = listed.iter().map(|item| text(item, "external_id")).collect();
        assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), ids.len(), "a {} was listed twice: {ids:?}", meta.kind);
        if let Some(id) = &made {
            assert!(ids.contains(&id.as_str()), "the {} made out of band ({id}) is not listed", meta.kind);
        }
        for (item, id) in listed.iter().zip(&ids).take(3) {
            match kind.get_json(d, region, id).await {
                Ok(got) => {
                    for field in ["external_id", "name", "status"] {
                        assert_eq!(got.get(field), item.get(field), "get and list of {} {id} disagree on {field}", meta.kind);
                    }
                }
                // kinds only ever listed (regions, zones, skus on some clouds)
                Err(e) if e.is_not_implemented() => break,
                Err(e) => panic!("get {} {id}: {e}", meta.kind),
            }
        }
        let missing = (f.missing_id)(meta.kind);
        match kind.get_json(d, region, &missing).await {
            Err(e) if e.is_not_found() || e.is_not_implemented() => {}
            other => panic!("get of the never-issued {} {missing}: expected not_found, got {other:?}", meta.kind),
        }
        for verb in kind.verbs(d) {
            expect_not_found(&format!("{verb} of the never-issued {} {missing}", meta.kind), kind.act(d, region, &missing, verb).await);
        }
        let delete = meta.plain_actions().map(|(t, _)| t).find(|t| t.is_delete() && kind.verbs(d).contains(&t.verb));
        if let (Some(id), Some(delete)) = (made, delete) {
            kind.act(d, region, &id, delete.verb).await.unwrap_or_else(|e| panic!("delete {} {id}: {e}", meta.kind));
            match kind.status(d, region, &id).await {
                Ok(None) => {}
                Ok(Some(status)) if status == delete.during => {}
                other => panic!("the deleted {} {id}: expected gone or {}, got {other:?}", meta.kind, delete.during),
            }
        }
    }
}

fn text<'a>(item: &'a serde_json::Value, field: &str) -> &'a str {
    item.get(field).and_then(serde_json::Value::as_str).unwrap_or_else(|| panic!("a snapshot without {field}: {item}"))
}

/// Ids the cloud never issued are not_found on get.
pub async fn missing_ids_are_not_found(f: &Fixture) {
    let (d, r) = (f.driver.as_ref(), f.region.as_str());
    expect_not_found("server", get::<Server>(d, r, &(f.missing_id)(ResourceKind::Server)).await);
    expect_not_found("disk", get::<Disk>(d, r, &(f.missing_id)(ResourceKind::Disk)).await);
    expect_not_found("vpc", get::<Vpc>(d, r, &(f.missing_id)(ResourceKind::Vpc)).await);
    expect_not_found("network", get::<Network>(d, r, &(f.missing_id)(ResourceKind::Network)).await);
    if f.serves(ResourceKind::Secgroup, "missing secgroup") {
        expect_not_found("secgroup", get::<Secgroup>(d, r, &(f.missing_id)(ResourceKind::Secgroup)).await);
    }
    if f.serves(ResourceKind::Elasticsearch, "missing elasticsearch") {
        expect_not_found("elasticsearch", get::<Elasticsearch>(d, r, &(f.missing_id)(ResourceKind::Elasticsearch)).await);
    }
}

/// Deleting what is not there is not_found (callers treat it as done).
pub async fn deleting_missing_is_not_found(f: &Fixture) {
    let (d, r) = (f.driver.as_ref(), f.region.as_str());
    expect_not_found("delete server", act::<Server>(d, r, &(f.missing_id)(ResourceKind::Server), "delete").await);
    expect_not_found("delete disk", act::<Disk>(d, r, &(f.missing_id)(ResourceKind::Disk), "delete").await);
    if f.performs(ResourceKind::Elasticsearch, "delete", "deleting a missing elasticsearch") {
        expect_not_found("delete elasticsearch", act::<Elasticsearch>(d, r, &(f.missing_id)(ResourceKind::Elasticsearch), "delete").await);
    }
    // A server deleted twice: the second delete is not_found too.
    let s = d.create_server(r, &f.server_input("twice")).await.expect("create");
    act::<Server>(d, r, &s.base.external_id, "delete").await.expect("delete");
    expect_not_found("second delete", act::<Server>(d, r, &s.base.external_id, "delete").await);
}

/// Tags merge, replace, and read back through get.
pub async fn tags_round_trip(f: &Fixture) {
    let d = f.driver.as_ref();
    let s = d.create_server(&f.region, &f.server_input("tagged")).await.expect("create");
    let id = s.base.external_id;
    let extra: Tags = [("env".to_string(), "test".to_string()), ("team".to_string(), "core".to_string())].into();
    d.set_tags(&f.region, ResourceKind::Server, &id, &extra, false).await.expect("merge tags");
    let tags = get::<Server>(d, &f.region, &id).await.expect("get").base.tags;
    assert_eq!(tags.get("suite").map(String::as_str), Some("conformance"), "{tags:?}");
    assert_eq!(tags.get("env").map(String::as_str), Some("test"), "{tags:?}");
    let only: Tags = [("env".to_string(), "prod".to_string())].into();
    d.set_tags(&f.region, ResourceKind::Server, &id, &only, true).await.expect("replace tags");
    let got = get::<Server>(d, &f.region, &id).await.expect("get");
    assert_eq!(got.base.tags, only);
    assert_eq!(got.base.name, "tagged", "replacing tags must keep the name");

    let disk = d.create_disk(&f.region, &f.disk_input("tagged-disk", 1)).await.expect("create disk");
    d.set_tags(&f.region, ResourceKind::Disk, &disk.base.external_id, &only, true).await.expect("disk tags");
    assert_eq!(get::<Disk>(d, &f.region, &disk.base.external_id).await.expect("get").base.tags, only);
    expect_not_found("tag missing server", d.set_tags(&f.region, ResourceKind::Server, &(f.missing_id)(ResourceKind::Server), &only, false).await);
}

/// Bad input is invalid_input, not a panic or an "other".
pub async fn bad_create_input_is_invalid_input(f: &Fixture) {
    let mut input = f.server_input("bad-type");
    input.instance_type = "no.such-type".into();
    let e = f.driver.create_server(&f.region, &input).await.expect_err("unknown instance type");
    assert_eq!(e.kind, CloudErrorKind::InvalidInput, "{e}");
    let mut input = f.server_input("bad-image");
    input.image_id = (f.missing_id)(ResourceKind::Server).replace("i-", "ami-");
    let e = f.driver.create_server(&f.region, &input).await.expect_err("unknown image");
    assert_eq!(e.kind, CloudErrorKind::InvalidInput, "{e}");
}

/// Runs a named check; the test files use this to have one #[test] per check.
#[macro_export]
macro_rules! conformance_tests {
    ($fixture:path; $($check:ident),+ $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $check() {
            let (fixture, _guard) = $fixture().await;
            $crate::$check(&fixture).await;
        }
    )+};
}
