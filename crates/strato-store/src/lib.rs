//! Strato's store: migrations, row models and queries for SQLite (embedded default) and
//! PostgreSQL (scale-out), one file per kind.
//!
//! # API for callers (the server's app layer)
//!
//! - **Open**: `Store::open(StoreOptions { data_dir, database_url, master_key, admin_password, .. })`
//!   (or `StoreOptions::from_env(data_dir, database_url)` which reads `STRATO_MASTER_KEY` and
//!   `STRATO_ADMIN_PASSWORD`). `database_url` `None` means SQLite at `<data-dir>/strato.db`;
//!   `sqlite://...` or `postgres://...` choose explicitly. Open runs the migrations, loads or
//!   creates the master key (refusing a key that does not match the database), and on the first
//!   start creates domain `default`, project `system`, user `admin` (admin on `system`).
//!   It answers `(Store, OpenReport)`; `OpenReport::generated_admin_password` is `Some` exactly
//!   once, on the start that generated it, for `serve` to print.
//! - **Per-kind access**: `store.domains()`, `.projects()`, `.users()`, `.role_assignments()`,
//!   `.tokens()`, `.cloudaccounts()`, `.cloudregions()`, `.zones()`. Each has `create`, `get`
//!   (by typed id), `get_by_name` (where names are unique), `list`, `update` (where writable),
//!   `delete`. Records carry typed ids, enums and `DateTime<Utc>`; `*_name` fields of
//!   referenced objects are filled by `get` always and by `list` when `query.details`.
//! - **Synced kinds** (vpcs, networks, secgroups, skus, disks, servers, elasticsearches), one
//!   generic reader: `store.synced().list(def, &query, &visibility)`, `.get(def, id)`,
//!   `.find(def, id_or_name, &visibility)` with `def = synced::kind_by_plural("servers")`;
//!   records are `synced::SyncedRecord` (typed columns as `attributes`, child tables as JSON
//!   `children`); `Synced::fields(def)` is the filter whitelist, including `tags` (`list.rs`).
//! - **List**: `list(&ListQuery, &Visibility) -> Page<Record>` with `Visibility::All`,
//!   `::Domain(id)` or `::Projects(ids)`. Filters, order_by and search are checked against
//!   each kind's whitelist (`FIELDS` constants in each kind's module); unknown fields or
//!   unfit operators are `StoreError::InvalidInput` naming the field.
//! - **Auth helpers**: `users().verify_password(domain, name, password)`,
//!   `tokens().create(...)` returns the secret once; `tokens().authenticate(secret)`.
//! - **Secrets**: `cloudaccounts().credentials(id)` decrypts; `SecretString` hides values in
//!   Debug. `store.rotate_master_key()` re-encrypts everything under a new key (key file only;
//!   run it with one replica: other replicas keep the old key in memory until restarted with
//!   the new file). A rotation interrupted after its commit is finished by the next `open`.
//! - **Storage**: ids are UUID text, timestamps BIGINT microseconds (UTC), statuses text with
//!   CHECKs, tags/regions JSON text; one migration text serves both backends (`migrations/`).
//! - **Errors**: `StoreError` — `NotFound`, `Conflict` (unique names, objects still in use),
//!   `InvalidInput { field, message }`, and internal ones; `StoreError::class()` gives the API
//!   error class name.
//! - **Operations**: `ping()` for readiness, `pool_stats()` for metrics, `backend()`.

pub mod actionlogs;
pub mod bootstrap;
pub mod cloudaccounts;
pub mod cloudregions;
mod db;
pub mod domains;
pub mod error;
pub mod list;
mod perms;
pub mod projects;
pub mod resource;
pub mod role_assignments;
pub mod secrets;
pub mod synced;
pub mod tasks;
pub mod tokens;
pub mod users;
pub mod zones;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

pub use db::Backend;
use db::{with_db, Db};
pub use error::{StoreError, StoreResult};
pub use list::{FieldType, Visibility};
pub use secrets::{MasterKey, MasterKeySource, SecretString};

pub use actionlogs::{ActionLog, NewActionLog};
pub use cloudaccounts::{CloudAccount, CloudAccountUpdate, NewCloudAccount};
pub use cloudregions::{CloudRegion, NewCloudRegion};
pub use domains::{Domain, DomainUpdate, NewDomain};
pub use projects::{NewProject, Project, ProjectUpdate};
pub use role_assignments::{NewRoleAssignment, RoleAssignment};
pub use tokens::{AuthenticatedToken, NewToken, Token};
pub use users::{NewUser, User, UserUpdate};
pub use zones::{NewZone, Zone};
pub use tasks::{ChildrenSummary, NewTask, StepRecord, TaskOwner, TaskPhase, TaskRecord, TaskStatus, TaskTarget};

pub use bootstrap::{SystemScope, ADMIN_USER, DEFAULT_DOMAIN, SYSTEM_PROJECT};
pub use resource::{CloudAttrs, CloudResourceCommon};
pub use role_assignments::RoleTarget;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Meta row holding a ciphertext under the master key, to detect a wrong key on open.
const KEY_CHECK: &str = "master_key_check";
const KEY_CHECK_PLAINTEXT: &[u8] = b"strato master key check";

/// How to open the store.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub data_dir: PathBuf,
    /// `None`: SQLite at `<data_dir>/strato.db`.
    pub database_url: Option<String>,
    /// `None`: `<data_dir>/master.key`.
    pub master_key: Option<MasterKeySource>,
    /// Password for the bootstrap `admin`; `None` generates one (reported once).
    pub admin_password: Option<SecretString>,
    /// Pool size; default 8 for SQLite, 16 for PostgreSQL.
    pub max_connections: Option<u32>,
}

impl StoreOptions {
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        StoreOptions { data_dir: data_dir.into(), database_url: None, master_key: None, admin_password: None, max_connections: None }
    }

    /// Reads `STRATO_MASTER_KEY` and `STRATO_ADMIN_PASSWORD` from the environment.
    pub fn from_env(data_dir: impl Into<PathBuf>, database_url: Option<String>) -> Self {
        let mut options = StoreOptions::new(data_dir);
        options.database_url = database_url.filter(|u| !u.is_empty());
        options.master_key = std::env::var("STRATO_MASTER_KEY")
            .ok()
            .filter(|k| !k.trim().is_empty())
            .map(|k| MasterKeySource::Inline(SecretString::new(k)));
        options.admin_password =
            std::env::var("STRATO_ADMIN_PASSWORD").ok().filter(|p| !p.is_empty()).map(SecretString::new);
        options
    }

    fn key_file(&self) -> PathBuf {
        self.data_dir.join("master.key")
    }
}

/// What happened while opening.
#[derive(Debug, Clone, Default)]
pub struct OpenReport {
    /// True when this open created the default domain, project and admin.
    pub bootstrapped: bool,
    /// The generated admin password, on the one start that generated it.
    pub generated_admin_password: Option<SecretString>,
    /// True when this open created the master key file.
    pub created_master_key: bool,
}

/// A handle on the store; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    db: Db,
    key: RwLock<MasterKey>,
    key_source: MasterKeySource,
}

impl Store {
    pub async fn open(options: StoreOptions) -> StoreResult<(Store, OpenReport)> {
        if options.data_dir.is_dir() {
            // tightened at every start, whatever created it
            perms::private_dir(&options.data_dir)?;
        }
        let db = connect(&options).await?;
        with_db!(&db, pool => MIGRATOR.run(pool).await?);
        synced::tables::create_missing(&db).await?;
        let mut report = OpenReport::default();
        let key_source = options.master_key.clone().unwrap_or_else(|| MasterKeySource::File(options.key_file()));
        let stored_check = read_meta(&db, KEY_CHECK).await?;
        let key = load_key(&key_source, stored_check.as_deref(), &mut report)?;
        match stored_check {
            Some(check) => verify_key_check(&key, &check)?,
            None => {
                let check = key.encrypt(KEY_CHECK_PLAINTEXT)?;
                with_db!(&db, pool => sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
                    .bind(KEY_CHECK).bind(&check).execute(pool).await.map(|r| r.rows_affected())?);
                // another replica may have won the race with its own key
                if let Some(stored) = read_meta(&db, KEY_CHECK).await? {
                    verify_key_check(&key, &stored)?;
                }
            }
        }
        let store = Store { inner: Arc::new(Inner { db, key: RwLock::new(key), key_source }) };
        bootstrap::run(&store, options.admin_password.as_ref(), &mut report).await?;
        if store.backend() == Backend::Sqlite {
            // cheap with analysis_limit; gives the planner statistics for the indexes
            store.analyze().await?;
        }
        Ok((store, report))
    }

    pub(crate) fn db(&self) -> &Db {
        &self.inner.db
    }

    pub fn backend(&self) -> Backend {
        self.inner.db.backend()
    }

    /// The current master key's id.
    pub fn master_key_id(&self) -> String {
        self.key().id().to_string()
    }

    pub(crate) fn key(&self) -> MasterKey {
        match self.inner.key.read() {
            Ok(k) => k.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Checks the database answers (for `/readyz`).
    pub async fn ping(&self) -> StoreResult<()> {
        with_db!(self.db(), pool => sqlx::query("SELECT 1").execute(pool).await.map(|r| r.rows_affected())?);
        Ok(())
    }

    /// Rows of an account in one of its tables (tests and the purge check). Only the tables
    /// that carry `cloudaccount_id` are accepted.
    pub async fn count_account_rows(&self, table: &str, account: strato_types::CloudAccountId) -> StoreResult<i64> {
        let table = cloudaccounts::account_tables()
            .find(|t| *t == table)
            .ok_or_else(|| StoreError::invalid("table", format!("no account rows in {table:?}")))?;
        let sql = format!("SELECT COUNT(*) FROM {table} WHERE cloudaccount_id = $1");
        Ok(with_db!(self.db(), pool => sqlx::query_scalar::<_, i64>(&sql).bind(account.to_string()).fetch_one(pool).await?))
    }

    /// (connections open, idle connections) of the pool.
    pub fn pool_stats(&self) -> (u32, usize) {
        with_db!(self.db(), pool => (pool.size(), pool.num_idle()))
    }

    /// Refreshes the query planner's statistics (SQLite `ANALYZE` with a row limit,
    /// PostgreSQL `VACUUM (ANALYZE)`). Worth calling after bulk loads; `open` does it for SQLite.
    pub async fn analyze(&self) -> StoreResult<()> {
        match self.db() {
            Db::Sqlite(pool) => {
                let mut conn = pool.acquire().await?;
                sqlx::query("PRAGMA analysis_limit = 1000").execute(&mut *conn).await?;
                sqlx::query("ANALYZE").execute(&mut *conn).await?;
            }
            Db::Postgres(pool) => {
                // VACUUM also sets the visibility map, so COUNTs become index-only scans
                sqlx::query("VACUUM (ANALYZE)").execute(pool).await?;
            }
        }
        Ok(())
    }

    pub async fn close(&self) {
        with_db!(self.db(), pool => pool.close().await)
    }

    /// Ids of domain `default` and project `system`: admin there is the system admin.
    pub async fn system_scope(&self) -> StoreResult<SystemScope> {
        bootstrap::system_scope(self).await
    }

    pub fn domains(&self) -> domains::Domains<'_> {
        domains::Domains { store: self }
    }
    pub fn projects(&self) -> projects::Projects<'_> {
        projects::Projects { store: self }
    }
    pub fn users(&self) -> users::Users<'_> {
        users::Users { store: self }
    }
    pub fn role_assignments(&self) -> role_assignments::RoleAssignments<'_> {
        role_assignments::RoleAssignments { store: self }
    }
    pub fn tokens(&self) -> tokens::Tokens<'_> {
        tokens::Tokens { store: self }
    }
    pub fn cloudaccounts(&self) -> cloudaccounts::CloudAccounts<'_> {
        cloudaccounts::CloudAccounts { store: self }
    }
    pub fn cloudregions(&self) -> cloudregions::CloudRegions<'_> {
        cloudregions::CloudRegions { store: self }
    }
    pub fn zones(&self) -> zones::Zones<'_> {
        zones::Zones { store: self }
    }
    pub fn tasks(&self) -> tasks::Tasks<'_> {
        tasks::Tasks { store: self }
    }
    pub fn actionlogs(&self) -> actionlogs::ActionLogs<'_> {
        actionlogs::ActionLogs { store: self }
    }

    /// Generates a new master key and re-encrypts every ciphertext under it in one
    /// transaction. The new key is written to `master.key.new` before the transaction; after
    /// the commit the old file is kept as `master.key.old-<old id>` and the new one takes its
    /// place. Only for a key file; an inline key (`STRATO_MASTER_KEY`) must be rotated by its
    /// owner. Answers (old id, new id).
    pub async fn rotate_master_key(&self) -> StoreResult<(String, String)> {
        let MasterKeySource::File(path) = &self.inner.key_source else {
            return Err(StoreError::MasterKey(
                "the master key comes from STRATO_MASTER_KEY; rotation needs a key file (<data-dir>/master.key)".into(),
            ));
        };
        let old = self.key();
        let new = MasterKey::generate();
        let new_path = sibling(path, ".new");
        match std::fs::remove_file(&new_path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(StoreError::io(&new_path, e)),
        }
        secrets::write_key_file(&new_path, &new)?;
        let new_check = new.encrypt(KEY_CHECK_PLAINTEXT)?;
        with_db!(self.db(), pool => {
            let mut tx = pool.begin().await?;
            let rows: Vec<(String, String)> = sqlx::query_as("SELECT id, credentials FROM cloudaccounts")
                .fetch_all(&mut *tx).await?;
            for (id, ciphertext) in rows {
                let plain = old.decrypt(&ciphertext)?;
                let fresh = new.encrypt(&plain)?;
                sqlx::query("UPDATE cloudaccounts SET credentials = $1 WHERE id = $2")
                    .bind(fresh).bind(id).execute(&mut *tx).await?;
            }
            sqlx::query("UPDATE meta SET value = $1 WHERE key = $2").bind(&new_check).bind(KEY_CHECK)
                .execute(&mut *tx).await?;
            tx.commit().await?;
        });
        let old_path = sibling(path, &format!(".old-{}", old.id()));
        std::fs::rename(path, &old_path).map_err(|e| StoreError::io(path, e))?;
        std::fs::rename(&new_path, path).map_err(|e| StoreError::io(&new_path, e))?;
        secrets::sync_parent(path);
        match self.inner.key.write() {
            Ok(mut k) => *k = new.clone(),
            Err(poisoned) => *poisoned.into_inner() = new.clone(),
        }
        tracing::info!(old = old.id(), new = new.id(), "master key rotated");
        Ok((old.id().to_string(), new.id().to_string()))
    }
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(suffix);
    path.with_file_name(name)
}

async fn connect(options: &StoreOptions) -> StoreResult<Db> {
    let url = options.database_url.clone().unwrap_or_default();
    if url.is_empty() || url.starts_with("sqlite:") {
        let base = if url.is_empty() {
            // the default: a file in the data dir (no URL parsing, so any path works)
            perms::private_dir(&options.data_dir)?;
            SqliteConnectOptions::new().filename(options.data_dir.join("strato.db"))
        } else {
            SqliteConnectOptions::from_str(&url).map_err(|e| StoreError::Config(format!("bad SQLite URL: {e}")))?
        };
        let file = base.get_filename().to_path_buf();
        let on_disk = !file.as_os_str().is_empty() && file.as_os_str() != ":memory:" && !url.contains("mode=memory");
        if on_disk {
            perms::private_sqlite_files(&file)?;
        }
        let connect = base
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            .pragma("temp_store", "memory")
            .pragma("cache_size", "-32000");
        let pool = SqlitePoolOptions::new()
            .max_connections(options.max_connections.unwrap_or(8))
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(connect)
            .await?;
        if on_disk {
            // the WAL and shared-memory files now exist
            perms::private_sqlite_files(&file)?;
        }
        Ok(Db::Sqlite(pool))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections.unwrap_or(16))
            .acquire_timeout(Duration::from_secs(30))
            .connect(&url)
            .await?;
        Ok(Db::Postgres(pool))
    } else {
        Err(StoreError::Config("database URL must start with sqlite:// or postgres://".into()))
    }
}

pub(crate) async fn read_meta(db: &Db, key: &str) -> StoreResult<Option<String>> {
    Ok(with_db!(db, pool => sqlx::query_scalar::<_, String>("SELECT value FROM meta WHERE key = $1")
        .bind(key).fetch_optional(pool).await?))
}

fn verify_key_check(key: &MasterKey, check: &str) -> StoreResult<()> {
    let db_key = secrets::ciphertext_key_id(check).unwrap_or("?");
    match key.decrypt(check) {
        Ok(plain) if plain == KEY_CHECK_PLAINTEXT => Ok(()),
        _ => Err(StoreError::MasterKey(format!(
            "master key {} does not match this database, which was encrypted with key {db_key}",
            key.id()
        ))),
    }
}

/// Loads the master key; creates the key file only for a database that has no key yet.
/// Finishes a rotation that was interrupted after its commit (`master.key.new` matches).
fn load_key(source: &MasterKeySource, stored_check: Option<&str>, report: &mut OpenReport) -> StoreResult<MasterKey> {
    match source {
        MasterKeySource::Inline(text) => MasterKey::from_base64(text.expose())
            .map_err(|e| StoreError::MasterKey(format!("STRATO_MASTER_KEY: {e}"))),
        MasterKeySource::File(path) => {
            let new_path = sibling(path, ".new");
            if let Some(check) = stored_check {
                if new_path.exists() {
                    let pending = secrets::read_key_file(&new_path)?;
                    if verify_key_check(&pending, check).is_ok() {
                        if path.exists() {
                            let current = secrets::read_key_file(path)?;
                            let old_path = sibling(path, &format!(".old-{}", current.id()));
                            std::fs::rename(path, &old_path).map_err(|e| StoreError::io(path, e))?;
                        }
                        std::fs::rename(&new_path, path).map_err(|e| StoreError::io(&new_path, e))?;
                        secrets::sync_parent(path);
                        tracing::warn!(key = pending.id(), "finished an interrupted master key rotation");
                        return Ok(pending);
                    }
                }
            }
            if path.exists() {
                perms::private_file(path)?;
                return secrets::read_key_file(path);
            }
            if let Some(check) = stored_check {
                return Err(StoreError::MasterKey(format!(
                    "{} does not exist, but this database was encrypted with key {}; restore the key file or set STRATO_MASTER_KEY",
                    path.display(),
                    secrets::ciphertext_key_id(check).unwrap_or("?")
                )));
            }
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
                perms::private_dir(dir)?;
            }
            let key = MasterKey::generate();
            secrets::write_key_file(path, &key)?;
            report.created_master_key = true;
            Ok(key)
        }
    }
}
