//! The QingCloud replay server's write side, spoken to through the signed client alone: each
//! write is accepted with a `job_id`, the objects show their transition until the job ends
//! (after the configured delay), and DescribeJobs follows the job. Refusals use QingCloud's
//! ret_codes (1400 wrong status or in transition, 2100 not found).

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use strato_cloud::*;
use strato_driver_tests::qingcloud_replay::QingCloudReplay;
use strato_provider_qingcloud::client::param;
use strato_provider_qingcloud::QingCloudClient;

const ZONE: &str = "pek3a";

fn start() -> (QingCloudReplay, QingCloudClient) {
    let replay = QingCloudReplay::start().unwrap_or_else(|e| panic!("{e}"));
    let creds = Credentials::new().with("access_key_id", &replay.access_key_id).with("secret_access_key", &replay.secret_access_key);
    let layer = Arc::new(RequestLayer::new(RetryPolicy { max_attempts: 1, base_delay: Duration::from_millis(5), max_delay: Duration::from_millis(5) }));
    let mut config = DriverConfig::new("replay", creds, layer);
    config.endpoint = Some(replay.url());
    let client = QingCloudClient::connect(&config).expect("connect");
    (replay, client)
}

async fn write(client: &QingCloudClient, action: &str, params: &[(String, String)]) -> CloudResult<Value> {
    client.call(ZONE, ApiClass::Mutate, action, params).await
}

async fn job_status(client: &QingCloudClient, job: &str) -> String {
    let answer = client.call(ZONE, ApiClass::Describe, "DescribeJobs", &[param("jobs.1", job)]).await.expect("DescribeJobs");
    answer["job_set"][0]["status"].as_str().expect("job status").to_string()
}

async fn object(client: &QingCloudClient, action: &str, ids: &str, id: &str, set: &str) -> Value {
    let answer = client.call(ZONE, ApiClass::Describe, action, &[param(&format!("{ids}.1"), id)]).await.expect("describe");
    answer[set][0].clone()
}

/// Polls (the test's stand-in for the operations layer) until the job has ended.
async fn until_done(client: &QingCloudClient, job: &str) {
    for _ in 0..100 {
        if job_status(client, job).await == "successful" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("job {job} did not end");
}

#[tokio::test]
async fn an_instance_goes_through_its_transitions_as_jobs() {
    let (replay, client) = start();
    replay.set_job_delay(Duration::from_millis(300)).await.expect("delay");
    let run = write(&client, "RunInstances", &[param("image_id", "centos7x64"), param("instance_type", "c1m1"), param("login_mode", "passwd"), param("login_passwd", "Pw12345678")])
        .await
        .expect("RunInstances");
    let id = run["instances"][0].as_str().expect("instance id").to_string();
    let job = run["job_id"].as_str().expect("job id").to_string();
    let i = object(&client, "DescribeInstances", "instances", &id, "instance_set").await;
    assert_eq!((i["status"].as_str(), i["transition_status"].as_str()), (Some("pending"), Some("creating")));
    assert_eq!(job_status(&client, &job).await, "working");
    // A second operation while the first is under way is refused as QingCloud does.
    let err = write(&client, "StopInstances", &[param("instances.1", &id)]).await.expect_err("stop while creating");
    assert!(err.to_string().contains("transition"), "{err}");
    until_done(&client, &job).await;
    assert_eq!(object(&client, "DescribeInstances", "instances", &id, "instance_set").await["status"], "running");

    let stop = write(&client, "StopInstances", &[param("instances.1", &id)]).await.expect("stop");
    assert_eq!(object(&client, "DescribeInstances", "instances", &id, "instance_set").await["transition_status"], "stopping");
    until_done(&client, stop["job_id"].as_str().expect("job")).await;
    let resize = write(&client, "ResizeInstances", &[param("instances.1", &id), param("instance_type", "c2m4")]).await.expect("resize");
    until_done(&client, resize["job_id"].as_str().expect("job")).await;
    let i = object(&client, "DescribeInstances", "instances", &id, "instance_set").await;
    assert_eq!((i["status"].as_str(), i["vcpus_current"].as_i64(), i["memory_current"].as_i64()), (Some("stopped"), Some(2), Some(4096)));
    // Resizing a running instance is refused: QingCloud resizes stopped ones only.
    let start = write(&client, "StartInstances", &[param("instances.1", &id)]).await.expect("start");
    until_done(&client, start["job_id"].as_str().expect("job")).await;
    let err = write(&client, "ResizeInstances", &[param("instances.1", &id), param("instance_type", "c4m8")]).await.expect_err("resize running");
    assert!(err.to_string().contains("1400"), "{err}");
    let restart = write(&client, "RestartInstances", &[param("instances.1", &id)]).await.expect("restart");
    assert_eq!(object(&client, "DescribeInstances", "instances", &id, "instance_set").await["transition_status"], "restarting");
    until_done(&client, restart["job_id"].as_str().expect("job")).await;
    let end = write(&client, "TerminateInstances", &[param("instances.1", &id)]).await.expect("terminate");
    until_done(&client, end["job_id"].as_str().expect("job")).await;
    assert_eq!(object(&client, "DescribeInstances", "instances", &id, "instance_set").await["status"], "terminated");
    let err = write(&client, "StartInstances", &[param("instances.1", "i-missing")]).await.expect_err("unknown instance");
    assert_eq!(err.kind, CloudErrorKind::NotFound, "{err}");
}

#[tokio::test]
async fn volumes_attach_detach_resize_and_delete_as_jobs() {
    let (replay, client) = start();
    replay.set_job_delay(Duration::from_millis(50)).await.expect("delay");
    let instance = replay.seed("instance", ZONE, json!({"status": "running"})).await.expect("seed");
    let created = write(&client, "CreateVolumes", &[param("size", 20), param("volume_type", 3), param("volume_name", "data")]).await.expect("create");
    let vol = created["volumes"][0].as_str().expect("volume id").to_string();
    assert_eq!(object(&client, "DescribeVolumes", "volumes", &vol, "volume_set").await["transition_status"], "creating");
    until_done(&client, created["job_id"].as_str().expect("job")).await;
    assert_eq!(object(&client, "DescribeVolumes", "volumes", &vol, "volume_set").await["status"], "available");

    let attach = write(&client, "AttachVolumes", &[param("volumes.1", &vol), param("instance", &instance)]).await.expect("attach");
    until_done(&client, attach["job_id"].as_str().expect("job")).await;
    let v = object(&client, "DescribeVolumes", "volumes", &vol, "volume_set").await;
    assert_eq!((v["status"].as_str(), v["instance"]["instance_id"].as_str(), v["instance"]["device"].as_str()), (Some("in-use"), Some(instance.as_str()), Some("/dev/sdb")));
    let err = write(&client, "ResizeVolumes", &[param("volumes.1", &vol), param("size", 30)]).await.expect_err("resize attached");
    assert!(err.to_string().contains("1400"), "{err}");
    let detach = write(&client, "DetachVolumes", &[param("volumes.1", &vol), param("instance", &instance)]).await.expect("detach");
    until_done(&client, detach["job_id"].as_str().expect("job")).await;
    let resize = write(&client, "ResizeVolumes", &[param("volumes.1", &vol), param("size", 30)]).await.expect("resize");
    until_done(&client, resize["job_id"].as_str().expect("job")).await;
    assert_eq!(object(&client, "DescribeVolumes", "volumes", &vol, "volume_set").await["size"], 30);
    let delete = write(&client, "DeleteVolumes", &[param("volumes.1", &vol)]).await.expect("delete");
    until_done(&client, delete["job_id"].as_str().expect("job")).await;
    assert_eq!(object(&client, "DescribeVolumes", "volumes", &vol, "volume_set").await["status"], "deleted");
    let jobs = client.call(ZONE, ApiClass::Describe, "DescribeJobs", &[param("job_action", "AttachVolumes")]).await.expect("jobs");
    assert_eq!(jobs["total_count"], 1);
}

#[tokio::test]
async fn tags_attach_to_instances_and_list_their_resources() {
    let (replay, client) = start();
    let instance = replay.seed("instance", ZONE, json!({"status": "running"})).await.expect("seed");
    let tag = write(&client, "CreateTag", &[param("tag_name", "strato-token=abc")]).await.expect("create tag");
    let tag = tag["tag_id"].as_str().expect("tag id").to_string();
    let pair = [param("resource_tag_pairs.1.tag_id", &tag), param("resource_tag_pairs.1.resource_type", "instance"), param("resource_tag_pairs.1.resource_id", &instance)];
    write(&client, "AttachTags", &pair).await.expect("attach tags");
    let i = object(&client, "DescribeInstances", "instances", &instance, "instance_set").await;
    assert_eq!(i["tags"][0]["tag_name"], "strato-token=abc");
    let tags = client.call(ZONE, ApiClass::Describe, "DescribeTags", &[param("search_word", "strato-token")]).await.expect("describe tags");
    assert_eq!(tags["tag_set"][0]["resource_tag_pairs"][0]["resource_id"], instance.as_str());
    write(&client, "DetachTags", &pair).await.expect("detach tags");
    assert_eq!(object(&client, "DescribeInstances", "instances", &instance, "instance_set").await["tags"], json!([]));
}
