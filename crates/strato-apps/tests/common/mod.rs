//! Helpers shared by the integration tests: the example packages' paths and a writable copy.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

pub fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/apps").join(name)
}

/// A temporary copy of an example package, to break one file of it.
pub fn copy_of(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for file in ["package.yaml", "config.yaml", "cluster.yaml.tmpl"] {
        std::fs::copy(example(name).join(file), dir.path().join(file)).expect("copy package file");
    }
    dir
}

/// Replaces `from` (which must be there) with `to` in `file` of the package in `dir`.
pub fn edit(dir: &Path, file: &str, from: &str, to: &str) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).expect("read package file");
    assert!(text.contains(from), "{file} has no {from:?}");
    std::fs::write(&path, text.replacen(from, to, 1)).expect("write package file");
}

/// The 1-based line of `file` in `dir` that contains `needle`.
pub fn line_of(dir: &Path, file: &str, needle: &str) -> usize {
    let text = std::fs::read_to_string(dir.join(file)).expect("read package file");
    text.lines().position(|line| line.contains(needle)).expect("needle in file") + 1
}
