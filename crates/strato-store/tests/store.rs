//! Store tests; every case runs on SQLite (temp dir) and on PostgreSQL (a fresh database in
//! `STRATO_TEST_DATABASE_URL`, which `scripts/test` provides).

mod common;
#[path = "store/actionlogs.rs"]
mod actionlogs;
#[path = "store/cloud.rs"]
mod cloud;
#[path = "store/identity.rs"]
mod identity;
#[path = "store/lists.rs"]
mod lists;
#[path = "store/secrets.rs"]
mod secrets;
#[path = "store/synced_query.rs"]
mod synced_query;
#[path = "store/tables.rs"]
mod tables;
