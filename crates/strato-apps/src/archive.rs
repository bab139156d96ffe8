//! Reading a package from a `.tar.gz`: its three files, at the archive's root or under one
//! top-level directory (`kvstore/package.yaml`), as Helm charts are packed.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use crate::error::{PackageError, Position, Problem};

/// Largest package file read from an archive, and most entries looked at: a package is a few
/// small text files, so anything bigger is refused rather than unpacked.
pub const MAX_FILE_BYTES: u64 = 1 << 20;
pub const MAX_ENTRIES: usize = 1000;

/// The package files (by bare name) found in the gzip-compressed tar `bytes`. `label` names the
/// archive in errors.
pub fn read_tar_gz(label: &str, bytes: &[u8], wanted: &[&str]) -> Result<BTreeMap<String, String>, PackageError> {
    let error = |message: String| PackageError::new(label, Position::none(), Problem::Archive(message));
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
    let mut files = BTreeMap::new();
    let mut top_dirs = std::collections::BTreeSet::new();
    let entries = archive.entries().map_err(|e| error(format!("not a .tar.gz: {e}")))?;
    for (count, entry) in entries.enumerate() {
        if count >= MAX_ENTRIES {
            return Err(error(format!("more than {MAX_ENTRIES} entries")));
        }
        let mut entry = entry.map_err(|e| error(format!("not a .tar.gz: {e}")))?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let path = entry.path().map_err(|e| error(format!("bad entry name: {e}")))?.into_owned();
        let Some((dir, name)) = package_file_name(&path) else { continue };
        if !wanted.contains(&name.as_str()) {
            continue;
        }
        top_dirs.insert(dir);
        if entry.size() > MAX_FILE_BYTES {
            return Err(PackageError::new(&name, Position::none(), Problem::Archive(format!("larger than {MAX_FILE_BYTES} bytes"))));
        }
        let mut text = String::new();
        entry
            .by_ref()
            .take(MAX_FILE_BYTES)
            .read_to_string(&mut text)
            .map_err(|e| PackageError::new(&name, Position::none(), Problem::Archive(format!("not UTF-8 text: {e}"))))?;
        files.insert(name, text);
    }
    if top_dirs.len() > 1 {
        return Err(error("package files under more than one top-level directory".into()));
    }
    Ok(files)
}

/// `package.yaml` -> ("", "package.yaml"), `dir/package.yaml` -> ("dir", "package.yaml");
/// deeper paths are not package files.
fn package_file_name(path: &Path) -> Option<(String, String)> {
    let parts: Vec<String> = path
        .components()
        .filter_map(|c| match c {
            std::path::Component::Normal(part) => Some(part.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    match parts.as_slice() {
        [name] => Some((String::new(), name.clone())),
        [dir, name] => Some((dir.clone(), name.clone())),
        _ => None,
    }
}
