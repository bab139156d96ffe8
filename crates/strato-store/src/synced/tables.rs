//! A synced kind's table made from its declaration, so a new kind needs no SQL: at open, every
//! declared region kind whose table no migration made gets one, with the common columns, the
//! row's typed columns and the indexes every synced table has (those of `elasticsearches` in
//! the migrations). A typed column `<keyword>_id` naming a kind the kind depends on refers to
//! that kind's table, and is cleared when its row goes, as in the migrations.
//!
//! The built-in kinds' tables come from the migrations; `tests/store/tables.rs` checks they
//! have the shape their declarations would make. Changing an existing table (a new column)
//! is a migration, as ever. Kinds with child tables or listed per account write theirs too.

use strato_cloud::kinds::{self, ColType, Column, KindScope};

use crate::db::{with_db, Backend, Db};
use crate::error::{StoreError, StoreResult};
use crate::synced::KindDef;

/// The common columns of every synced table, before the typed ones (DESIGN.md "Store").
const COMMON: &str = "id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    domain_id TEXT NOT NULL REFERENCES domains (id),
    project_id TEXT NOT NULL REFERENCES projects (id),
    cloudaccount_id TEXT NOT NULL REFERENCES cloudaccounts (id) ON DELETE CASCADE,
    cloudregion_id TEXT NOT NULL REFERENCES cloudregions (id) ON DELETE CASCADE,
    zone_id TEXT REFERENCES zones (id) ON DELETE SET NULL,
    external_id TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '{}',
    billing_type TEXT CHECK (billing_type IN ('postpaid', 'prepaid', 'spot')),
    expires_at BIGINT,
    auto_renew BOOLEAN NOT NULL DEFAULT FALSE,
    disable_delete BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    sync_hash TEXT";

/// (index suffix, columns, unique) of every synced table: the sync merge's unique key, the
/// list orders and filters (0100 and 0102) and the covering sync scan (0104).
const INDEXES: &[(&str, &str, bool)] = &[
    ("external", "cloudaccount_id, external_id", true),
    ("region", "cloudregion_id, created_at, id", false),
    ("project", "project_id, created_at, id", false),
    ("created", "created_at, id", false),
    ("account", "cloudaccount_id, created_at, id", false),
    ("domain", "domain_id, created_at, id", false),
    ("name", "name, id", false),
    ("status", "status, created_at, id", false),
    ("expires", "expires_at", false),
    ("sync_scan", "cloudaccount_id, cloudregion_id, external_id, id, name, sync_hash", false),
];

/// The kind `column` refers to: `vpc_id` -> vpcs, when the kind depends on vpcs.
fn referenced_table(def: &KindDef, column: &Column) -> Option<&'static str> {
    let keyword = column.name.strip_suffix("_id")?;
    def.depends_on.iter().find(|k| k.as_str() == keyword).map(|k| k.meta().plural)
}

fn column_sql(def: &KindDef, column: &Column) -> String {
    let ty = match column.ty {
        ColType::Text => "TEXT",
        ColType::Int => "BIGINT",
        ColType::Bool => "BOOLEAN",
    };
    let mut sql = format!("{} {ty}", column.name);
    if !column.nullable {
        sql.push_str(" NOT NULL");
    }
    if let Some(table) = referenced_table(def, column) {
        sql.push_str(&format!(" REFERENCES {table} (id) ON DELETE SET NULL"));
    }
    sql
}

/// The statements that make `def`'s table and indexes; each is a no-op where they exist.
pub fn create_statements(def: &KindDef) -> Vec<String> {
    let table = def.plural;
    let typed: String = def.columns.iter().map(|c| format!(",\n    {}", column_sql(def, c))).collect();
    let mut statements = vec![format!("CREATE TABLE IF NOT EXISTS {table} (\n    {COMMON}{typed}\n)")];
    for (suffix, columns, unique) in INDEXES {
        let unique = if *unique { "UNIQUE " } else { "" };
        statements.push(format!("CREATE {unique}INDEX IF NOT EXISTS {table}_{suffix} ON {table} ({columns})"));
    }
    for column in def.columns.iter().filter(|c| referenced_table(def, c).is_some()) {
        let keyword = column.name.trim_end_matches("_id");
        statements.push(format!("CREATE INDEX IF NOT EXISTS {table}_{keyword} ON {table} ({})", column.name));
    }
    statements
}

async fn table_exists(db: &Db, table: &str) -> StoreResult<bool> {
    let sql = match db.backend() {
        Backend::Sqlite => "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1",
        Backend::Postgres => "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1",
    };
    let count: i64 = with_db!(db, pool => sqlx::query_scalar(sql).bind(table).fetch_one(pool).await?);
    Ok(count > 0)
}

/// Makes the table of every declared kind that has none (after the migrations ran).
pub(crate) async fn create_missing(db: &Db) -> StoreResult<()> {
    for kind in kinds::all() {
        let def = kind.meta();
        if table_exists(db, def.plural).await? {
            continue;
        }
        if def.scope == KindScope::Account || !def.children.is_empty() {
            return Err(StoreError::Config(format!(
                "the {} kind has no table: a kind listed per account or with child tables needs a migration",
                def.kind
            )));
        }
        let statements = create_statements(def);
        match db {
            Db::Sqlite(pool) => {
                let mut tx = pool.begin().await?;
                for sql in &statements {
                    sqlx::query(sql).execute(&mut *tx).await?;
                }
                tx.commit().await?;
            }
            Db::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                // replicas starting together: one makes the table, the others find it made
                sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))").bind(def.plural).execute(&mut *tx).await?;
                for sql in &statements {
                    sqlx::query(sql).execute(&mut *tx).await?;
                }
                tx.commit().await?;
            }
        }
        tracing::info!(kind = %def.kind, table = def.plural, "made the table of a declared kind");
    }
    Ok(())
}
