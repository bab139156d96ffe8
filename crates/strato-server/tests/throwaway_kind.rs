//! Adding a kind the way docs/adding-a-resource.md says, with a throwaway kind
//! (fixtures/widget.rs): its declaration, registered (the test's stand-in for its `BUILTIN`
//! line), and nothing else. The store makes its table from the declaration, the fake driver
//! serves it from its records, and the generic layers do the rest: sync mirrors it, the REST
//! routes list, show and delete it (as a durable task), and OpenAPI documents it.

mod common;
#[path = "fixtures/widget.rs"]
mod widget;

use std::sync::{Arc, Once};

use common::{wait_task, Backend, TestApp};
use serde_json::json;
use strato_cloud::kinds::{self, Of};
use strato_cloud::{Credentials, DriverConfig, ExtBase, RequestLayer};
use strato_provider_fake::{FakeDriver, FakeProvider};
use widget::{ExtWidget, Widget, WidgetStatus};

/// Registers the widget before anything reads the kind registry (once per process).
fn install_widget() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| kinds::install_extra(&[&Of::<Widget>::ERASED]).expect("the kind registry was read before the widget was added"));
}

async fn widget_is_synced_listed_and_deleted(backend: Backend) {
    install_widget();
    let fake = Arc::new(FakeProvider::default());
    let provider = fake.clone();
    let t = TestApp::start_configured(backend, move |config| {
        let mut registry = strato_cloud::ProviderRegistry::new();
        registry.register(provider).expect("register fake");
        config.providers = registry;
    })
    .await;
    let admin = t.admin_token.clone();
    let account = t.synced_fake_account("f1").await;
    let created = t.get(&format!("/cloudaccounts/{account}"), &admin).await.assert_status(200).clone();
    assert!(created["capabilities"].as_array().expect("capabilities").iter().any(|c| c == "widgets"), "{created}");
    assert!(created["capabilities"].as_array().expect("capabilities").iter().any(|c| c == "widget_delete"), "{created}");

    // Two widgets appear in the cloud out of band, one in a VPC.
    let cloud = fake.cloud(&account).expect("the account's fake cloud");
    let vpcs = t.get("/vpcs?limit=1", &admin).await.assert_status(200).clone();
    let vpc = vpcs["vpcs"][0]["external_id"].as_str().expect("a synced vpc").to_string();
    let vpc_region = vpcs["vpcs"][0]["cloudregion_id"].as_str().expect("its region");
    let region = t.get(&format!("/cloudregions/{vpc_region}"), &admin).await.assert_status(200)["external_id"].as_str().expect("region").to_string();
    let region = region.as_str();
    let make = |size: u32, vpc: Option<String>| move |base: ExtBase| ExtWidget { base, status: WidgetStatus::Available, size, vpc_id: vpc };
    let small = cloud.insert::<Widget>(region, "small", make(1, Some(vpc))).expect("insert");
    cloud.insert::<Widget>(region, "large", make(9, None)).expect("insert");

    // Sync mirrors them, as a task of the account.
    let task = t.post(&format!("/cloudaccounts/{account}/sync"), &admin, json!({"kinds": ["widget"]})).await.assert_status(202).clone();
    assert_eq!(wait_task(&t, &admin, task["id"].as_str().expect("task id")).await["status"], "succeeded");
    let listed = t.get("/widgets?order_by=name&details=true", &admin).await.assert_status(200).clone();
    assert_eq!(listed["total"], 2, "{listed}");
    let rows = listed["widgets"].as_array().expect("widgets");
    assert_eq!((rows[0]["name"].as_str(), rows[0]["size"].as_i64()), (Some("large"), Some(9)), "{listed}");
    assert_eq!((rows[1]["name"].as_str(), rows[1]["external_id"].as_str()), (Some("small"), Some(small.as_str())), "{listed}");
    assert!(rows[1]["vpc_id"].is_string() && rows[0]["vpc_id"].is_null(), "the VPC reference resolves to the local VPC: {listed}");
    let filtered = t.get("/widgets?filter=size.ge(5)", &admin).await.assert_status(200).clone();
    assert_eq!(filtered["total"], 1, "{filtered}");
    let id = rows[1]["id"].as_str().expect("id").to_string();
    assert_eq!(t.get(&format!("/widgets/{id}"), &admin).await.assert_status(200)["status"], "available");

    // Deleted through its declared plain action: a task, then gone here and in the cloud.
    let task = t.delete(&format!("/widgets/{id}"), &admin).await.assert_status(202).clone();
    assert_eq!(task["kind"], "widget.delete", "{task}");
    let done = wait_task(&t, &admin, task["id"].as_str().expect("task id")).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    t.get(&format!("/widgets/{id}"), &admin).await.assert_error(404, "NotFoundError");
    assert_eq!(t.get("/widgets", &admin).await.assert_status(200)["total"], 1);
    let driver = FakeDriver::new(cloud.clone(), &DriverConfig::new("probe", Credentials::new(), Arc::new(RequestLayer::default())));
    let gone = kinds::get::<Widget>(&driver, region, &small).await.expect_err("the deleted widget is still in the cloud");
    assert!(gone.is_not_found(), "{gone}");
    // A member of another project sees none of them (the generic scoping applies).
    let member = t.user_in_project("wanda", "elsewhere", "member").await;
    assert_eq!(t.get("/widgets", &member).await.assert_status(200)["total"], 0);

    // The OpenAPI document has its routes.
    let doc: serde_json::Value = serde_json::from_str(&strato_server::openapi::document_json()).expect("OpenAPI JSON");
    assert!(doc["paths"]["/widgets"]["get"].is_object() && doc["paths"]["/widgets/{id}"]["delete"].is_object(), "no widget routes in OpenAPI");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn widget_is_synced_listed_and_deleted_sqlite() {
    widget_is_synced_listed_and_deleted(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn widget_is_synced_listed_and_deleted_postgres() {
    widget_is_synced_listed_and_deleted(Backend::Postgres).await;
}
