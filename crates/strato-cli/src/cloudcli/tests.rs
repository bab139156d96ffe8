//! cloudcli against a real moto_server, the Aliyun replay server and the fake provider,
//! including bad input.

use std::io::Write;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use strato_driver_tests::aliyun_replay::AliyunReplay;
use strato_driver_tests::moto::MotoServer;

use super::{run_with, Io};

const KEY: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET: &str = "cloudcli-test-secret-value";

#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);

impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buf {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
    }
}

struct Ran {
    code: u8,
    out: String,
    err: String,
}

async fn cloudcli(args: &[&str], env: &[(&str, &str)]) -> Ran {
    let (out, err) = (Buf::default(), Buf::default());
    let env: Vec<(String, String)> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let mut io = Io {
        out: Box::new(out.clone()),
        err: Arc::new(Mutex::new(Box::new(err.clone()))),
        env: Box::new(move |k| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())),
    };
    let mut argv = vec!["cloudcli".into()];
    argv.extend(args.iter().map(|a| a.into()));
    let code = run_with(argv, &mut io).await;
    let ran = Ran { code, out: out.text(), err: err.text() };
    assert!(!ran.out.contains(SECRET) && !ran.err.contains(SECRET), "secret echoed: {} {}", ran.out, ran.err);
    ran
}

fn aws_env(moto: &MotoServer) -> Vec<(&'static str, String)> {
    vec![("AWS_ACCESS_KEY_ID", KEY.into()), ("AWS_SECRET_ACCESS_KEY", SECRET.into()), ("AWS_DEFAULT_REGION", "us-east-1".into()), ("MOTO", moto.url())]
}

/// Run against moto with credentials from the environment.
async fn aws(moto: &MotoServer, args: &[&str]) -> Ran {
    let env = aws_env(moto);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let url = moto.url();
    let mut full = vec!["aws", "--endpoint", url.as_str()];
    full.extend_from_slice(args);
    cloudcli(&full, &env).await
}

fn json(r: &Ran) -> Value {
    assert_eq!(r.code, 0, "failed: {}", r.err);
    serde_json::from_str(&r.out).unwrap_or_else(|e| panic!("not json ({e}): {}", r.out))
}

async fn moto_image(moto: &MotoServer) -> String {
    let mut config = strato_cloud::DriverConfig::new(
        "t",
        strato_cloud::Credentials::new().with("access_key_id", KEY).with("secret_access_key", SECRET),
        Arc::new(strato_cloud::RequestLayer::default()),
    );
    config.endpoint = Some(moto.url());
    let driver = strato_provider_aws::AwsDriver::connect(&config).await.expect("connect");
    let images = driver.list_images("us-east-1", "amazon").await.expect("describe images");
    images.first().expect("moto knows images").image_id.clone()
}

#[tokio::test]
async fn aws_server_and_disk_commands_against_moto() {
    let moto = MotoServer::start().unwrap_or_else(|e| panic!("{e}"));
    let regions = json(&aws(&moto, &["region-list", "--output", "json"]).await);
    assert!(regions.as_array().is_some_and(|r| r.iter().any(|x| x["external_id"] == "us-east-1")));
    for list in ["zone-list", "vpc-list", "network-list", "secgroup-list", "sku-list", "server-list", "disk-list", "elasticsearch-list"] {
        let r = aws(&moto, &[list]).await;
        assert_eq!(r.code, 0, "{list}: {}", r.err);
    }
    let image = moto_image(&moto).await;
    let created = json(
        &aws(&moto, &["server-create", "--name", "web-1", "--instance-type", "t2.micro", "--image", &image, "--tag", "env=test", "--user-data", SECRET, "-o", "json"])
            .await,
    );
    let id = created["external_id"].as_str().expect("id").to_string();
    let table = aws(&moto, &["server-list"]).await;
    assert!(table.out.contains(&id) && table.out.contains("web-1") && table.out.contains("running"), "{}", table.out);
    let shown = json(&aws(&moto, &["server-show", &id, "--output", "json"]).await);
    assert_eq!(shown["tags"]["env"], "test");
    assert_eq!(aws(&moto, &["server-stop", &id]).await.code, 0);
    assert_eq!(json(&aws(&moto, &["server-show", &id, "-o", "json"]).await)["status"], "stopped");
    assert_eq!(aws(&moto, &["server-start", &id]).await.code, 0);

    let disk = json(&aws(&moto, &["disk-create", "--name", "d1", "--zone", "us-east-1a", "--size-gb", "5", "-o", "json"]).await);
    let disk_id = disk["external_id"].as_str().expect("disk id").to_string();
    assert!(aws(&moto, &["disk-list"]).await.out.contains(&disk_id));
    assert_eq!(aws(&moto, &["disk-delete", &disk_id]).await.code, 0);

    let deleted = aws(&moto, &["server-delete", &id]).await;
    assert_eq!(deleted.code, 0, "{}", deleted.err);
    let gone = aws(&moto, &["server-show", &id]).await;
    assert_eq!(gone.code, 1);
    assert!(gone.err.starts_with("error: not_found") && gone.err.trim().lines().count() == 1, "{}", gone.err);
}

#[tokio::test]
async fn aws_elasticsearch_commands_and_debug_trace() {
    let moto = MotoServer::start().unwrap_or_else(|e| panic!("{e}"));
    let mut config = strato_cloud::DriverConfig::new(
        "t",
        strato_cloud::Credentials::new().with("access_key_id", KEY).with("secret_access_key", SECRET),
        Arc::new(strato_cloud::RequestLayer::default()),
    );
    config.endpoint = Some(moto.url());
    let driver = strato_provider_aws::AwsDriver::connect(&config).await.expect("connect");
    let es = driver.create_elasticsearch("us-east-1", "logs").await.expect("create domain");
    let listed = aws(&moto, &["elasticsearch-list", "--debug"]).await;
    assert!(listed.out.contains("logs"), "{}", listed.out);
    assert!(listed.err.contains("[debug] aws us-east-1 api=ListDomainNames") && listed.err.contains("status=ok"), "{}", listed.err);
    let shown = json(&aws(&moto, &["elasticsearch-show", "logs", "-o", "json"]).await);
    assert_eq!(shown["external_id"], es.base.external_id.as_str());
    assert_eq!(aws(&moto, &["elasticsearch-delete", &es.base.external_id]).await.code, 0);
    let again = aws(&moto, &["elasticsearch-delete", "logs"]).await;
    assert_eq!(again.code, 1);
    assert!(again.err.contains("not_found"), "{}", again.err);
}

#[tokio::test]
async fn bad_input_is_one_line_and_non_zero() {
    let moto = MotoServer::start().unwrap_or_else(|e| panic!("{e}"));
    let url = moto.url();
    let check = |r: &Ran, needle: &str| {
        assert_ne!(r.code, 0, "should fail: {}", r.out);
        assert_eq!(r.err.trim().lines().count(), 1, "not one line: {}", r.err);
        assert!(r.err.starts_with("error: ") && r.err.contains(needle), "expected '{needle}' in: {}", r.err);
    };
    check(&cloudcli(&["gcp", "server-list"], &[]).await, "unknown provider 'gcp'");
    check(&cloudcli(&[], &[]).await, "missing provider");
    check(&cloudcli(&["aws", "--endpoint", &url, "--region", "us-east-1", "server-list"], &[]).await, "missing credential access_key_id");
    check(
        &cloudcli(&["aws", "--endpoint", &url, "--access-key-id", KEY, "--region", "us-east-1", "server-list"], &[]).await,
        "missing credential secret_access_key",
    );
    check(
        &cloudcli(&["aws", "--endpoint", &url, "--access-key-id", SECRET, "--secret-access-key", SECRET, "server-list"], &[]).await,
        "malformed credential 'access_key_id'",
    );
    check(
        &cloudcli(&["aws", "--endpoint", &url, "--access-key-id", KEY, "--secret-access-key", "has space", "server-list"], &[]).await,
        "malformed credential 'secret_access_key'",
    );
    check(&aws(&moto, &["--region", "mars-north-1", "server-list"]).await, "unknown region 'mars-north-1'");
    check(&aws(&moto, &["server-explode"]).await, "unknown command 'server-explode'");
    check(&aws(&moto, &["server-show"]).await, "ID");
    check(&aws(&moto, &["--output", "xml", "server-list"]).await, "xml");
    check(&aws(&moto, &["server-create", "--name", "x", "--instance-type", "t2.micro", "--image", "ami-0123456789abcdef0"]).await, "invalid_input");
    check(&aws(&moto, &["server-stop", "i-0123456789abcdef0"]).await, "not_found");
    let help = aws(&moto, &["--help"]).await;
    assert_eq!(help.code, 0);
    assert!(help.out.contains("server-create") && help.out.contains("AWS_SECRET_ACCESS_KEY"), "{}", help.out);
}

#[tokio::test]
async fn fake_provider_works_without_credentials() {
    let r = cloudcli(&["fake", "--region", "fake-region-1", "server-list"], &[]).await;
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(r.out.contains("3 server(s)"), "{}", r.out);
    let r = cloudcli(&["fake", "region-list", "-o", "json"], &[]).await;
    assert_eq!(json(&r).as_array().map(Vec::len), Some(2));
    let r = cloudcli(&["fake", "server-list"], &[]).await;
    assert!(r.code != 0 && r.err.contains("no region given"), "{}", r.err);
}

/// Run against the Aliyun replay server with its key pair from the environment.
async fn aliyun(replay: &AliyunReplay, args: &[&str]) -> Ran {
    let env = [("ALIYUN_ACCESS_KEY_ID", replay.access_key_id.as_str()), ("ALIYUN_ACCESS_KEY_SECRET", replay.access_key_secret.as_str())];
    let url = replay.url();
    let mut full = vec!["aliyun", "--endpoint", url.as_str()];
    full.extend_from_slice(args);
    let ran = cloudcli(&full, &env).await;
    assert!(!ran.out.contains(&replay.access_key_secret) && !ran.err.contains(&replay.access_key_secret), "secret echoed: {} {}", ran.out, ran.err);
    ran
}

#[tokio::test]
async fn aliyun_commands_against_the_replay_server_and_a_redacted_debug_trace() {
    let replay = AliyunReplay::start().unwrap_or_else(|e| panic!("{e}"));
    let regions = json(&aliyun(&replay, &["region-list", "-o", "json"]).await);
    assert!(regions.as_array().is_some_and(|r| r.iter().any(|x| x["external_id"] == "cn-shanghai")), "{regions}");
    let zones = aliyun(&replay, &["--region", "cn-shanghai", "zone-list"]).await;
    assert!(zones.code == 0 && zones.out.contains("cn-shanghai-e"), "{} {}", zones.out, zones.err);

    let created = json(
        &aliyun(
            &replay,
            &["--region", "cn-hangzhou", "server-create", "--name", "web-1", "--instance-type", "ecs.g6.large", "--image", "ubuntu_22_04_x64_20G_alibase_20230907.vhd",
              "--zone", "cn-hangzhou-h", "--user-data", SECRET, "-o", "json"],
        )
        .await,
    );
    let id = created["external_id"].as_str().expect("instance id").to_string();
    assert!(id.starts_with("i-"), "{created}");
    assert_eq!(aliyun(&replay, &["--region", "cn-hangzhou", "server-stop", &id]).await.code, 0);
    assert_eq!(json(&aliyun(&replay, &["--region", "cn-hangzhou", "server-show", &id, "-o", "json"]).await)["status"], "stopped");
    let es = replay.seed_elasticsearch("cn-hangzhou", "logs").await.expect("seed elasticsearch");

    // --debug: the request layer's record and the driver's request line (RPC form, ROA URL),
    // and no signature the server received, nor the secret, nor the user data.
    let listed = aliyun(&replay, &["--region", "cn-hangzhou", "--debug", "server-list"]).await;
    assert!(listed.code == 0 && listed.out.contains(&id), "{} {}", listed.out, listed.err);
    assert!(listed.err.contains("[debug] aliyun cn-hangzhou api=DescribeInstances") && listed.err.contains("status=ok"), "{}", listed.err);
    assert!(listed.err.contains("Action=DescribeInstances") && listed.err.contains("Signature=<redacted>"), "{}", listed.err);
    let searched = aliyun(&replay, &["--region", "cn-hangzhou", "--debug", "elasticsearch-list"]).await;
    assert!(searched.code == 0 && searched.out.contains(&es), "{} {}", searched.out, searched.err);
    assert!(searched.err.contains("/openapi/instances"), "{}", searched.err);
    let signatures = replay.signatures().await.expect("signatures");
    assert!(signatures.len() >= 4, "{signatures:?}");
    for trace in [&listed.err, &searched.err] {
        assert!(!trace.contains(SECRET) && !trace.contains("Authorization") && !trace.contains("acs LTAI"), "{trace}");
        for signature in &signatures {
            assert!(!trace.contains(signature.as_str()) && !trace.contains(&percent_encoded(signature)), "signature {signature} in {trace}");
        }
    }

    assert_eq!(aliyun(&replay, &["--region", "cn-hangzhou", "server-delete", &id]).await.code, 0);
    let gone = aliyun(&replay, &["--region", "cn-hangzhou", "server-show", &id]).await;
    assert!(gone.code == 1 && gone.err.starts_with("error: not_found"), "{}", gone.err);
    let missing = cloudcli(&["aliyun", "--endpoint", &replay.url(), "region-list"], &[]).await;
    assert!(missing.code == 2 && missing.err.contains("missing credential access_key_id") && missing.err.contains("ALIYUN_ACCESS_KEY_ID"), "{}", missing.err);
}

/// A signature as it would appear in a form body.
fn percent_encoded(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}
