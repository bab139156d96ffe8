#![allow(dead_code)]

use sqlx::{Connection, Executor};
use strato_store::{MasterKeySource, SecretString, Store, StoreOptions};
use tempfile::TempDir;

pub const ADMIN_PASSWORD: &str = "admin-password-1";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A place to open stores: a temp data dir and, for PostgreSQL, a fresh database.
pub struct Env {
    pub dir: TempDir,
    pub options: StoreOptions,
    pub backend: Backend,
}

impl Env {
    pub async fn new(backend: Backend) -> Env {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut options = StoreOptions::new(dir.path().join("data"));
        options.admin_password = Some(SecretString::new(ADMIN_PASSWORD));
        options.max_connections = Some(4);
        if backend == Backend::Postgres {
            options.database_url = Some(fresh_postgres_database().await);
        }
        Env { dir, options, backend }
    }

    pub async fn open(&self) -> Store {
        Store::open(self.options.clone()).await.expect("open store").0
    }

    pub fn key_file(&self) -> std::path::PathBuf {
        match &self.options.master_key {
            Some(MasterKeySource::File(p)) => p.clone(),
            _ => self.options.data_dir.join("master.key"),
        }
    }
}

async fn fresh_postgres_database() -> String {
    let base = std::env::var("STRATO_TEST_DATABASE_URL").unwrap_or_default();
    assert!(
        !base.is_empty(),
        "STRATO_TEST_DATABASE_URL is not set: run the tests through scripts/test (it starts a throwaway PostgreSQL)"
    );
    let name = format!("strato_store_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(&base).await.expect("connect to STRATO_TEST_DATABASE_URL");
    conn.execute(format!("CREATE DATABASE {name}").as_str()).await.expect("create test database");
    conn.close().await.ok();
    // replace the database part of the URL (everything after the last '/', before any '?')
    let (without_query, query) = match base.split_once('?') {
        Some((a, q)) => (a, format!("?{q}")),
        None => (base.as_str(), String::new()),
    };
    let slash = without_query.rfind('/').filter(|i| *i > "postgres://".len()).expect("database URL has a path");
    format!("{}/{name}{query}", &without_query[..slash])
}

/// Runs an async test body on both backends: `both!(name, |env| async move { ... })`.
#[macro_export]
macro_rules! both {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test]
            async fn sqlite() {
                let env = $crate::common::Env::new($crate::common::Backend::Sqlite).await;
                ($body)(env).await;
            }
            #[tokio::test]
            async fn postgres() {
                let env = $crate::common::Env::new($crate::common::Backend::Postgres).await;
                ($body)(env).await;
            }
        }
    };
}
