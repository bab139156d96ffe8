//! An app package: `package.yaml` (what it is), `config.yaml` (its parameters) and
//! `cluster.yaml.tmpl` (the cluster it makes), from a directory or a `.tar.gz`.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::{ConfigSchema, CONFIG_FILE};
use crate::error::{cut, PackageError, Position, Problem};
use crate::params::Parameters;
use crate::spec::ClusterSpec;
use crate::template::{AppContext, ClusterTemplate, TEMPLATE_FILE};

pub const PACKAGE_FILE: &str = "package.yaml";
const PACKAGE_FILES: [&str; 3] = [PACKAGE_FILE, CONFIG_FILE, TEMPLATE_FILE];

/// `package.yaml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackageMeta {
    pub name: String,
    pub version: String,
    #[serde(default)]
    pub description: String,
    /// A URL or a file name in the package; kept as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
}

/// A loaded package: every file parsed and checked.
#[derive(Debug, Clone)]
pub struct AppPackage {
    pub meta: PackageMeta,
    pub config: ConfigSchema,
    pub template: ClusterTemplate,
}

impl AppPackage {
    /// Loads a package directory, or a `.tar.gz` file.
    pub fn load(path: &Path) -> Result<Self, PackageError> {
        if path.is_dir() {
            Self::load_dir(path)
        } else {
            let label = path.display().to_string();
            let bytes = std::fs::read(path).map_err(|e| PackageError::new(&label, Position::none(), Problem::Io(e)))?;
            Self::from_tar_gz(&label, &bytes)
        }
    }

    pub fn load_dir(dir: &Path) -> Result<Self, PackageError> {
        let mut files = BTreeMap::new();
        for name in PACKAGE_FILES {
            match std::fs::read_to_string(dir.join(name)) {
                Ok(text) => {
                    files.insert(name.to_string(), text);
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(PackageError::new(name, Position::none(), Problem::Io(e))),
            }
        }
        Self::from_files(&files)
    }

    /// A package from a gzip-compressed tar; `label` names it in errors.
    pub fn from_tar_gz(label: &str, bytes: &[u8]) -> Result<Self, PackageError> {
        Self::from_files(&crate::archive::read_tar_gz(label, bytes, &PACKAGE_FILES)?)
    }

    /// A package from its files' contents by name. When every parameter has a default or is
    /// optional, the template is also rendered once with those, so a package whose cluster spec
    /// is wrong is refused when loaded rather than when deployed.
    pub fn from_files(files: &BTreeMap<String, String>) -> Result<Self, PackageError> {
        let file = |name: &str| files.get(name).ok_or_else(|| PackageError::new(name, Position::none(), Problem::MissingFile));
        let meta: PackageMeta = crate::yaml::parse(PACKAGE_FILE, file(PACKAGE_FILE)?)?;
        check_meta(&meta)?;
        let config = ConfigSchema::parse(file(CONFIG_FILE)?)?;
        let template = ClusterTemplate::compile(file(TEMPLATE_FILE)?.clone(), &config)?;
        let package = Self { meta, config, template };
        if let Ok(defaults) = package.config.validate(&BTreeMap::new()) {
            package.render_validated(&defaults)?;
        }
        Ok(package)
    }

    /// Validates `given` parameter values and renders the cluster spec with them.
    pub fn render(&self, given: &BTreeMap<String, Value>) -> Result<(Parameters, ClusterSpec), PackageError> {
        let params = self.config.validate(given)?;
        let spec = self.render_validated(&params)?;
        Ok((params, spec))
    }

    fn render_validated(&self, params: &Parameters) -> Result<ClusterSpec, PackageError> {
        let app = AppContext { name: &self.meta.name, version: &self.meta.version };
        ClusterSpec::parse(&self.template.render(params, app)?)
    }
}

fn check_meta(meta: &PackageMeta) -> Result<(), PackageError> {
    let invalid = |field: &str, message: String| PackageError::new(PACKAGE_FILE, Position::path(field), Problem::Invalid(message));
    let name_ok = meta.name.len() <= 64
        && meta.name.starts_with(|c: char| c.is_ascii_lowercase())
        && meta.name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !name_ok {
        return Err(invalid(
            "name",
            format!("{:?} must be 1-64 lower-case letters, digits or '-', starting with a letter", cut(&meta.name, 40)),
        ));
    }
    let version_ok = !meta.version.is_empty()
        && meta.version.len() <= 64
        && meta.version.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+' | '_'));
    if !version_ok {
        return Err(invalid("version", format!("{:?} must be 1-64 letters, digits, '.', '-', '+' or '_'", cut(&meta.version, 40))));
    }
    Ok(())
}
