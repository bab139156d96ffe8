//! The example packages in examples/apps load, render with defaults and with given values, and
//! load the same from a .tar.gz.

mod common;

use std::collections::BTreeMap;

use serde_json::json;
use strato_apps::{AppPackage, InstanceShape, ParamValue, ServiceCommand};

use common::example;

#[test]
fn kvstore_loads_and_renders_with_defaults() {
    let package = AppPackage::load(&example("kvstore")).unwrap();
    assert_eq!(package.meta.name, "kvstore");
    assert_eq!(package.meta.version, "1.0.0");
    let (params, spec) = package.render(&BTreeMap::new()).unwrap();
    assert_eq!(params.get("port"), Some(&ParamValue::Integer(8080)));
    assert_eq!(spec.roles.len(), 1);
    let store = &spec.roles[0];
    assert_eq!((store.name.as_str(), store.count, store.rolling), ("store", 1, true));
    assert_eq!(store.shape(), Some(InstanceShape::Custom { cpu: 1, memory_mb: 256 }));
    assert_eq!(store.image, "tiny");
    assert_eq!(store.volume.map(|v| (v.size_gb, v.count)), Some((1, 1)));
    assert_eq!(store.env.get("KV_PORT").map(String::as_str), Some("8080"));
    let init = store.command(ServiceCommand::Init).unwrap();
    assert!(init.contains("printf '%s' 'world' > '/var/lib/kvstore'/data/hello"), "{init}");
    assert!(init.contains("echo '1.0.0' > '/var/lib/kvstore'/version"), "{init}");
    for command in ServiceCommand::ALL {
        assert!(store.command(*command).is_some(), "kvstore has no {command}");
    }
}

#[test]
fn kvstore_renders_given_values_and_quotes_them_for_the_shell() {
    let package = AppPackage::load(&example("kvstore")).unwrap();
    let given = BTreeMap::from([
        ("nodes".to_string(), json!(3)),
        ("port".to_string(), json!(9000)),
        ("eviction".to_string(), json!("oldest")),
        ("greeting".to_string(), json!("it's $(reboot)")),
    ]);
    let (_, spec) = package.render(&given).unwrap();
    let store = &spec.roles[0];
    assert_eq!(store.count, 3);
    assert_eq!(store.env.get("KV_EVICTION").map(String::as_str), Some("oldest"));
    let init = store.command(ServiceCommand::Init).unwrap();
    // One single-quoted word: the shell runs nothing from the value.
    assert!(init.contains(r#"printf '%s' 'it'\''s $(reboot)' >"#), "{init}");
    assert!(store.command(ServiceCommand::Start).unwrap().contains("httpd -f -p 9000"));
}

#[test]
fn webapp_loads_with_web_after_db() {
    let package = AppPackage::load(&example("webapp")).unwrap();
    assert_eq!(package.meta.name, "webapp");
    let (_, spec) = package.render(&BTreeMap::from([("title".to_string(), json!("Shop \"Ünïcode\" <b>"))])).unwrap();
    let names: Vec<&str> = spec.roles.iter().map(|role| role.name.as_str()).collect();
    assert_eq!(names, ["db", "web"]);
    let (db, web) = (&spec.roles[0], &spec.roles[1]);
    assert_eq!(db.count + web.count, 3, "the 3-node, 2-role cluster of the issue");
    assert_eq!(web.after, ["db"]);
    assert!(web.rolling && !db.rolling);
    assert!(db.volume.is_some() && web.volume.is_none());
    let levels: Vec<Vec<&str>> = spec.role_levels().iter().map(|level| level.iter().map(|role| role.name.as_str()).collect()).collect();
    assert_eq!(levels, [["db"], ["web"]]);
    assert_eq!(web.env.get("WEB_DEBUG").map(String::as_str), Some("false"));
    let db_init = db.command(ServiceCommand::Init).unwrap();
    assert!(db_init.contains(r#"echo '{"id": 1, "title": "Shop \"Ünïcode\" \u003cb\u003e"}' >"#), "{db_init}");
}

#[test]
fn packages_load_from_tar_gz_at_the_root_or_under_one_directory() {
    for prefix in ["", "kvstore/"] {
        let bytes = tar_gz(&[
            (format!("{prefix}package.yaml"), read("kvstore", "package.yaml")),
            (format!("{prefix}config.yaml"), read("kvstore", "config.yaml")),
            (format!("{prefix}cluster.yaml.tmpl"), read("kvstore", "cluster.yaml.tmpl")),
            (format!("{prefix}README.md"), "not a package file".into()),
        ]);
        let package = AppPackage::from_tar_gz("kvstore.tar.gz", &bytes).unwrap();
        assert_eq!(package.meta.name, "kvstore");
        assert_eq!(package.template.source(), read("kvstore", "cluster.yaml.tmpl"));
    }
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        file.path(),
        tar_gz(&[
            ("package.yaml".into(), read("kvstore", "package.yaml")),
            ("config.yaml".into(), read("kvstore", "config.yaml")),
            ("cluster.yaml.tmpl".into(), read("kvstore", "cluster.yaml.tmpl")),
        ]),
    )
    .unwrap();
    assert_eq!(AppPackage::load(file.path()).unwrap().meta.name, "kvstore");
}

#[test]
fn bad_archives_are_refused_by_name() {
    let two_dirs = tar_gz(&[
        ("a/package.yaml".into(), read("kvstore", "package.yaml")),
        ("b/config.yaml".into(), read("kvstore", "config.yaml")),
        ("b/cluster.yaml.tmpl".into(), read("kvstore", "cluster.yaml.tmpl")),
    ]);
    let error = AppPackage::from_tar_gz("two.tar.gz", &two_dirs).unwrap_err();
    assert!(error.to_string().starts_with("two.tar.gz: package files under more than one"), "{error}");

    let error = AppPackage::from_tar_gz("junk.tar.gz", b"not gzip at all").unwrap_err();
    assert_eq!(error.file, "junk.tar.gz");

    let no_template =
        tar_gz(&[("package.yaml".into(), read("kvstore", "package.yaml")), ("config.yaml".into(), read("kvstore", "config.yaml"))]);
    let error = AppPackage::from_tar_gz("partial.tar.gz", &no_template).unwrap_err();
    assert_eq!(error.to_string(), "cluster.yaml.tmpl: the package has no such file");
}

fn read(package: &str, file: &str) -> String {
    std::fs::read_to_string(example(package).join(file)).unwrap()
}

fn tar_gz(files: &[(String, String)]) -> Vec<u8> {
    let encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut builder = tar::Builder::new(encoder);
    for (name, text) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(text.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder.append_data(&mut header, name, text.as_bytes()).unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}
