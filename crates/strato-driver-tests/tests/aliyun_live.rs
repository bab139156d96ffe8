//! The `aliyun` driver against the real Aliyun, read-only, behind a flag: runs only with
//! `STRATO_TEST_ALIYUN_LIVE=1` and `ALIYUN_ACCESS_KEY_ID` / `ALIYUN_ACCESS_KEY_SECRET` set
//! (region from `ALIYUN_REGION`, default cn-hangzhou); otherwise it says so and passes, as
//! every other test stays on loopback. It lists every kind the driver serves (each listing
//! complete or an error) and reads back the first item of each with `get`.

use std::sync::Arc;

use strato_cloud::kinds;
use strato_cloud::*;
use strato_provider_aliyun::AliyunDriver;

#[tokio::test]
async fn every_kind_lists_and_reads_back_on_the_live_cloud() {
    if std::env::var("STRATO_TEST_ALIYUN_LIVE").as_deref() != Ok("1") {
        eprintln!("skipped: set STRATO_TEST_ALIYUN_LIVE=1 with ALIYUN_ACCESS_KEY_ID/ALIYUN_ACCESS_KEY_SECRET to run against Aliyun");
        return;
    }
    let (Ok(id), Ok(secret)) = (std::env::var("ALIYUN_ACCESS_KEY_ID"), std::env::var("ALIYUN_ACCESS_KEY_SECRET")) else {
        panic!("STRATO_TEST_ALIYUN_LIVE=1 needs ALIYUN_ACCESS_KEY_ID and ALIYUN_ACCESS_KEY_SECRET");
    };
    let region = std::env::var("ALIYUN_REGION").unwrap_or_else(|_| "cn-hangzhou".into());
    let creds = Credentials::new().with("access_key_id", id).with("access_key_secret", secret);
    let mut config = DriverConfig::new("live", creds, Arc::new(RequestLayer::default()));
    config.default_region = Some(region.clone());
    let d = AliyunDriver::connect(&config).expect("connect");
    for kind in kinds::all() {
        let meta = kind.meta();
        if !kind.served_by(&d) {
            continue;
        }
        let listed = kind.list_json(&d, &region).await.unwrap_or_else(|e| panic!("list {}: {e}", meta.kind));
        eprintln!("{}: {} listed", meta.kind, listed.len());
        let Some(first) = listed.first().and_then(|item| item.get("external_id")).and_then(|v| v.as_str()) else { continue };
        match kind.get_json(&d, &region, first).await {
            Ok(got) => assert_eq!(got.get("external_id").and_then(|v| v.as_str()), Some(first)),
            Err(e) if e.is_not_implemented() => {}
            Err(e) => panic!("get {} {first}: {e}", meta.kind),
        }
    }
}
