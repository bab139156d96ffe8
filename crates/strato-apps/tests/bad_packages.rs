//! Bad packages are refused with a typed error naming the file and the line or field.

mod common;

use std::collections::BTreeMap;

use serde_json::{json, Value};
use strato_apps::{AppPackage, PackageError, Problem};

use common::{copy_of, edit, line_of};

const TEMPLATE: &str = "cluster.yaml.tmpl";
const RENDERED: &str = "cluster.yaml.tmpl (rendered)";

fn load_err(dir: &tempfile::TempDir) -> PackageError {
    AppPackage::load(dir.path()).expect_err("the package should be refused")
}

fn render_err(package: &str, given: &[(&str, Value)]) -> PackageError {
    let package = AppPackage::load(&common::example(package)).unwrap();
    let given: BTreeMap<String, Value> = given.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    package.render(&given).expect_err("the values should be refused")
}

#[test]
fn template_syntax_errors_name_the_line() {
    let dir = copy_of("kvstore");
    edit(dir.path(), TEMPLATE, "count: {{ params.nodes }}", "count: {{ params.nodes }");
    let line = line_of(dir.path(), TEMPLATE, "count: {{ params.nodes }");
    let error = load_err(&dir);
    assert_eq!(error.file, TEMPLATE);
    assert_eq!(error.at.line, Some(line));
    assert!(matches!(error.problem, Problem::TemplateSyntax(_)), "{error}");
    assert!(error.to_string().starts_with(&format!("cluster.yaml.tmpl line {line}: template syntax error")), "{error}");
}

#[test]
fn undeclared_parameters_in_the_template_are_refused_when_loaded() {
    let dir = copy_of("kvstore");
    edit(dir.path(), TEMPLATE, "memory_mb: {{ params.memory_mb }}", "memory_mb: {{ params.memory }}");
    let line = line_of(dir.path(), TEMPLATE, "params.memory }}");
    let error = load_err(&dir);
    assert_eq!((error.file.as_str(), error.at.line), (TEMPLATE, Some(line)));
    assert!(matches!(&error.problem, Problem::UndefinedVariable(name) if name == "params.memory"), "{error}");

    let dir = copy_of("kvstore");
    edit(dir.path(), TEMPLATE, "image: {{ params.image | tojson }}", "image: {{ imagename }}");
    let error = load_err(&dir);
    assert!(matches!(&error.problem, Problem::UndefinedVariable(name) if name == "imagename"), "{error}");
}

#[test]
fn undefined_values_fail_the_render_in_strict_mode() {
    // A lookup the load-time check cannot see: strict mode refuses it when rendering.
    let dir = copy_of("kvstore");
    edit(dir.path(), TEMPLATE, "cpu: 1", "cpu: {{ params['cpus'] }}");
    let line = line_of(dir.path(), TEMPLATE, "params['cpus']");
    let error = load_err(&dir);
    assert_eq!((error.file.as_str(), error.at.line), (TEMPLATE, Some(line)));
    assert!(matches!(error.problem, Problem::UndefinedVariable(_)), "{error}");
}

#[test]
fn missing_required_parameters_are_named() {
    let dir = copy_of("kvstore");
    edit(dir.path(), "config.yaml", "parameters:\n", "parameters:\n  - name: admin_password\n    type: string\n    required: true\n");
    // Loading succeeds (no default to try the template with); rendering without it does not.
    let package = AppPackage::load(dir.path()).unwrap();
    let error = package.render(&BTreeMap::new()).unwrap_err();
    assert_eq!(error.file, "config.yaml");
    assert_eq!(error.at.path.as_deref(), Some("parameters.admin_password"));
    assert!(matches!(&error.problem, Problem::MissingParameter(name) if name == "admin_password"), "{error}");
    let given = BTreeMap::from([("admin_password".to_string(), json!("s3cret"))]);
    assert!(package.render(&given).is_ok());
}

#[test]
fn given_values_of_the_wrong_type_range_or_name_are_refused() {
    let error = render_err("kvstore", &[("port", json!("8080"))]);
    assert_eq!(error.at.path.as_deref(), Some("parameters.port"));
    assert!(matches!(error.problem, Problem::WrongType { .. }), "{error}");
    assert!(error.to_string().contains("must be an integer, got the string \"8080\""), "{error}");

    let error = render_err("kvstore", &[("nodes", json!(2.5))]);
    assert!(matches!(error.problem, Problem::WrongType { .. }), "{error}");

    let error = render_err("kvstore", &[("port", json!(80))]);
    assert!(matches!(error.problem, Problem::OutOfRange { .. }), "{error}");
    assert!(error.to_string().contains("outside [1024, 65535]"), "{error}");

    let error = render_err("kvstore", &[("eviction", json!("random"))]);
    assert!(matches!(error.problem, Problem::NotAllowed { .. }), "{error}");

    let error = render_err("webapp", &[("debug", json!("yes"))]);
    assert!(matches!(error.problem, Problem::WrongType { .. }), "{error}");

    let error = render_err("kvstore", &[("colour", json!("blue"))]);
    assert_eq!(error.at.path.as_deref(), Some("parameters.colour"));
    assert!(matches!(error.problem, Problem::UnknownParameter(_)), "{error}");
}

#[test]
fn unknown_roles_in_after_are_named_by_path() {
    let dir = copy_of("webapp");
    edit(dir.path(), TEMPLATE, "    after: [db]", "    after: [database]");
    let error = load_err(&dir);
    assert_eq!(error.file, RENDERED);
    assert_eq!(error.at.path.as_deref(), Some("roles[1].after[0]"));
    assert!(matches!(&error.problem, Problem::UnknownRole(name) if name == "database"), "{error}");
}

#[test]
fn cycles_in_after_are_refused_with_the_cycle() {
    let dir = copy_of("webapp");
    edit(dir.path(), TEMPLATE, "  - name: db\n", "  - name: db\n    after: [web]\n");
    let error = load_err(&dir);
    assert!(matches!(&error.problem, Problem::Cycle(cycle) if cycle == &["db", "web", "db"]), "{error}");
    assert!(error.to_string().contains("db -> web -> db"), "{error}");

    let dir = copy_of("kvstore");
    edit(dir.path(), TEMPLATE, "rolling: true", "rolling: true\n    after: [store]");
    assert!(matches!(load_err(&dir).problem, Problem::Cycle(_)));
}

#[test]
fn zero_counts_and_duplicate_roles_are_refused() {
    let dir = copy_of("webapp");
    edit(dir.path(), TEMPLATE, "count: 1", "count: 0");
    let error = load_err(&dir);
    assert_eq!(error.at.path.as_deref(), Some("roles[0].count"));
    assert!(matches!(error.problem, Problem::ZeroCount), "{error}");

    let dir = copy_of("webapp");
    edit(dir.path(), TEMPLATE, "  - name: web\n", "  - name: db\n");
    let error = load_err(&dir);
    assert_eq!(error.at.path.as_deref(), Some("roles[1].name"));
    assert!(matches!(&error.problem, Problem::DuplicateRole(name) if name == "db"), "{error}");
}

#[test]
fn unknown_keys_are_refused_in_every_file_with_their_line() {
    let dir = copy_of("kvstore");
    edit(dir.path(), "package.yaml", "version: 1.0.0\n", "version: 1.0.0\nmaintainer: someone\n");
    let error = load_err(&dir);
    assert_eq!((error.file.as_str(), error.at.line), ("package.yaml", Some(3)));
    assert!(error.to_string().contains("unknown field `maintainer`"), "{error}");

    let dir = copy_of("kvstore");
    edit(dir.path(), "config.yaml", "    default: 8080\n", "    default: 8080\n    step: 2\n");
    let line = line_of(dir.path(), "config.yaml", "step: 2");
    let error = load_err(&dir);
    assert_eq!((error.file.as_str(), error.at.line), ("config.yaml", Some(line)));
    assert_eq!(error.at.path.as_deref(), Some("parameters[4].step"));

    let dir = copy_of("kvstore");
    edit(dir.path(), TEMPLATE, "    rolling: true\n", "    rolling: true\n    replicas: 2\n");
    let error = load_err(&dir);
    assert_eq!(error.file, RENDERED);
    assert!(error.at.line.is_some(), "{error}");
    assert!(error.to_string().contains("unknown field `replicas`"), "{error}");
}

#[test]
fn bad_parameter_declarations_are_refused() {
    for (from, to, path) in [
        ("    default: 8080\n", "    default: 80\n", "parameters[4].default"),
        ("    default: 8080\n", "    default: \"8080\"\n", "parameters[4].default"),
        ("    values: [none, oldest]\n", "    values: []\n", "parameters[6].values"),
        ("  - name: port\n", "  - name: Port\n", "parameters[4].name"),
        ("  - name: port\n", "  - name: nodes\n", "parameters[4].name"),
        ("    type: string\n    description: The image", "    type: string\n    min: 1\n    description: The image", "parameters[3].min"),
    ] {
        let dir = copy_of("kvstore");
        edit(dir.path(), "config.yaml", from, to);
        let error = load_err(&dir);
        assert_eq!(error.file, "config.yaml", "{error}");
        assert_eq!(error.at.path.as_deref(), Some(path), "{error}");
    }
}

#[test]
fn bad_shapes_and_names_in_the_spec_are_refused() {
    for (from, to, path) in [
        ("    cpu: 1\n", "    sku: t3.micro\n    cpu: 1\n", "roles[0].sku"),
        ("    cpu: 1\n", "", "roles[0].sku"),
        ("  - name: store\n", "  - name: Store_1\n", "roles[0].name"),
        ("      size_gb: {{ params.volume_size_gb }}\n", "      size_gb: 0\n", "roles[0].volume.size_gb"),
        ("      KV_PORT:", "      1KV_PORT:", "roles[0].env.1KV_PORT"),
    ] {
        let dir = copy_of("kvstore");
        edit(dir.path(), TEMPLATE, from, to);
        let error = load_err(&dir);
        assert_eq!(error.file, RENDERED, "{error}");
        assert_eq!(error.at.path.as_deref(), Some(path), "{error}");
    }
}

#[test]
fn missing_files_and_bad_metadata_are_named() {
    let dir = copy_of("kvstore");
    std::fs::remove_file(dir.path().join("config.yaml")).unwrap();
    assert_eq!(load_err(&dir).to_string(), "config.yaml: the package has no such file");

    let dir = copy_of("kvstore");
    edit(dir.path(), "package.yaml", "version: 1.0.0", "version: \"1.0 beta\"");
    let error = load_err(&dir);
    assert_eq!((error.file.as_str(), error.at.path.as_deref()), ("package.yaml", Some("version")));
}
