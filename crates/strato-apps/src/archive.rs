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
/// Most bytes unpacked from the gzip stream, skipped entries included (a small archive can
/// unpack to gigabytes).
pub const MAX_UNPACKED_BYTES: u64 = 16 << 20;

/// Reads at most `left` bytes, then fails (where `Read::take` would end quietly, which tar
/// would report as a truncated archive).
struct Limited<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            return Err(std::io::Error::other(format!("it unpacks to more than {MAX_UNPACKED_BYTES} bytes")));
        }
        let max = buf.len().min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let read = self.inner.read(&mut buf[..max])?;
        self.left -= read as u64;
        Ok(read)
    }
}

/// The package files (by bare name) found in the gzip-compressed tar `bytes`. `label` names the
/// archive in errors.
pub fn read_tar_gz(label: &str, bytes: &[u8], wanted: &[&str]) -> Result<BTreeMap<String, String>, PackageError> {
    let error = |message: String| PackageError::new(label, Position::none(), Problem::Archive(message));
    let mut archive = tar::Archive::new(Limited { inner: flate2::read::GzDecoder::new(bytes), left: MAX_UNPACKED_BYTES });
    let mut files = BTreeMap::new();
    let mut top_dirs = std::collections::BTreeSet::new();
    let entries = archive.entries().map_err(|e| error(format!("cannot read it as a .tar.gz: {e}")))?;
    for (count, entry) in entries.enumerate() {
        if count >= MAX_ENTRIES {
            return Err(error(format!("more than {MAX_ENTRIES} entries")));
        }
        let mut entry = entry.map_err(|e| error(format!("cannot read it as a .tar.gz: {e}")))?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn tar_gz(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
        let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best()));
        for (name, data) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            builder.append_data(&mut header, name, data.as_slice()).unwrap();
        }
        builder.into_inner().unwrap().finish().unwrap()
    }

    #[test]
    fn archives_that_unpack_too_large_are_refused() {
        // 20 MiB of zeros in a file that is not even wanted: a few KiB packed.
        let bomb = tar_gz(&[("padding.bin", vec![0; 20 << 20]), ("package.yaml", b"name: x".to_vec())]);
        assert!(bomb.len() < 100_000);
        let error = read_tar_gz("bomb.tar.gz", &bomb, &["package.yaml"]).unwrap_err();
        assert!(error.to_string().contains("unpacks to more than"), "{error}");
    }

    #[test]
    fn oversized_package_files_are_refused_by_name() {
        let big = tar_gz(&[("config.yaml", vec![b'#'; (MAX_FILE_BYTES + 1) as usize])]);
        let error = read_tar_gz("big.tar.gz", &big, &["config.yaml"]).unwrap_err();
        assert_eq!(error.file, "config.yaml");
        assert!(error.to_string().contains("larger than"), "{error}");
    }

    #[test]
    fn deeper_files_and_other_names_are_ignored() {
        let archive =
            tar_gz(&[("pkg/package.yaml", b"a".to_vec()), ("pkg/sub/config.yaml", b"b".to_vec()), ("pkg/notes.txt", b"c".to_vec())]);
        let files = read_tar_gz("x.tar.gz", &archive, &["package.yaml", "config.yaml"]).unwrap();
        assert_eq!(files.into_iter().collect::<Vec<_>>(), [("package.yaml".to_string(), "a".to_string())]);
    }
}
