//! File modes of what the store keeps on disk: the data dir is 0700 and the files in it (the
//! SQLite database, its WAL and shared-memory files, the master key) 0600, so other local users
//! read none of it. Existing ones are tightened at every start.

use std::path::Path;

use crate::error::{StoreError, StoreResult};

/// Creates `dir` if needed and makes it 0700.
pub(crate) fn private_dir(dir: &Path) -> StoreResult<()> {
    std::fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, e))?;
    set_mode(dir, 0o700)
}

/// Makes `file` 0600 if it exists.
pub(crate) fn private_file(file: &Path) -> StoreResult<()> {
    if file.exists() {
        set_mode(file, 0o600)?;
    }
    Ok(())
}

/// A SQLite database file and its `-wal` / `-shm` companions, 0600; the database is created
/// empty with that mode when missing, so SQLite (which gives the companions the database's
/// mode) never creates them readable by others.
pub(crate) fn private_sqlite_files(db: &Path) -> StoreResult<()> {
    if !db.exists() {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        match options.open(db) {
            Ok(_) => {}
            // another process won the race; tightened below
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(StoreError::io(db, e)),
        }
    }
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = db.as_os_str().to_os_string();
        name.push(suffix);
        private_file(Path::new(&name))?;
    }
    Ok(())
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> StoreResult<()> {
    use std::os::unix::fs::PermissionsExt;
    let current = std::fs::metadata(path).map_err(|e| StoreError::io(path, e))?.permissions().mode() & 0o777;
    if current & !mode == 0 {
        return Ok(());
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(current & mode)).map_err(|e| StoreError::io(path, e))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> StoreResult<()> {
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn existing_dirs_and_files_are_tightened() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("data");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let db = dir.join("strato.db");
        std::fs::write(&db, b"").unwrap();
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
        let wal = dir.join("strato.db-wal");
        std::fs::write(&wal, b"").unwrap();
        std::fs::set_permissions(&wal, std::fs::Permissions::from_mode(0o664)).unwrap();
        private_dir(&dir).unwrap();
        private_sqlite_files(&db).unwrap();
        assert_eq!((mode(&dir), mode(&db), mode(&wal)), (0o700, 0o600, 0o600));
        let fresh = dir.join("new.db");
        private_sqlite_files(&fresh).unwrap();
        assert_eq!(mode(&fresh), 0o600);
    }
}
