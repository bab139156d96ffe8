//! Users: log in with a password (argon2 hash) and get roles through role assignments.
//! Names are unique per domain. The hash never leaves this module.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::{DateTime, Utc};
use strato_types::{DomainId, ListQuery, Page, UserId};

use crate::db::{from_micros, now, parse_id, to_micros, validate_name, with_db};
use crate::error::{on_delete, on_write, StoreError, StoreResult};
use crate::list::{field, lookup, run_list, Field, FieldType as T, KindSpec, Visibility};
use crate::secrets::SecretString;
use crate::Store;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub name: String,
    pub domain_id: DomainId,
    pub display_name: String,
    pub email: Option<String>,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Filled by `get`, and by `list` with `details`.
    pub domain_name: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub name: String,
    pub domain_id: DomainId,
    pub password: SecretString,
    pub display_name: String,
    pub email: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct UserUpdate {
    pub name: Option<String>,
    pub display_name: Option<String>,
    /// `Some(None)` clears the email.
    pub email: Option<Option<String>>,
    pub enabled: Option<bool>,
    pub password: Option<SecretString>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    name: String,
    domain_id: String,
    display_name: String,
    email: Option<String>,
    enabled: bool,
    created_at: i64,
    updated_at: i64,
    #[sqlx(default)]
    domain_name: Option<String>,
}

impl Row {
    fn into_record(self) -> StoreResult<User> {
        Ok(User {
            id: parse_id(&self.id, "users.id")?,
            name: self.name,
            domain_id: parse_id(&self.domain_id, "users.domain_id")?,
            display_name: self.display_name,
            email: self.email,
            enabled: self.enabled,
            created_at: from_micros(self.created_at),
            updated_at: from_micros(self.updated_at),
            domain_name: self.domain_name,
        })
    }
}

const SELECT: &str = "t.id, t.name, t.domain_id, t.display_name, t.email, t.enabled, t.created_at, t.updated_at";
const DETAILS: &str = ", d.name AS domain_name";
const JOINS: &str = "LEFT JOIN domains d ON d.id = t.domain_id ";

/// Filterable / orderable fields of `GET /users`.
pub const FIELDS: &[Field] = &[
    field("id", "t.id", T::Id),
    field("name", "t.name", T::Text),
    field("domain_id", "t.domain_id", T::Id),
    field("display_name", "t.display_name", T::Text),
    field("email", "t.email", T::Text),
    field("enabled", "t.enabled", T::Bool),
    field("created_at", "t.created_at", T::Timestamp),
    field("updated_at", "t.updated_at", T::Timestamp),
    lookup("domain", "(SELECT name FROM domains x WHERE x.id = t.domain_id)"),
];

const SPEC: KindSpec = KindSpec {
    kind: "user",
    table: "users",
    fields: FIELDS,
    domain_column: Some("t.domain_id"),
    project_column: None,
    select: SELECT,
    details_select: DETAILS,
    details_joins: JOINS,
};

/// Hashes on a blocking thread: argon2 is deliberately slow.
pub(crate) async fn hash_password(password: &SecretString) -> StoreResult<String> {
    if password.expose().is_empty() {
        return Err(StoreError::invalid("password", "must not be empty"));
    }
    if password.expose().len() > 1024 {
        return Err(StoreError::invalid("password", "is longer than 1024 bytes"));
    }
    let password = password.clone();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        Argon2::default()
            .hash_password(password.expose().as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| StoreError::Crypto(format!("password hashing failed: {e}")))
    })
    .await
    .map_err(|e| StoreError::Crypto(format!("password hashing task failed: {e}")))?
}

/// A hash of a random password with the same parameters as real ones: checking a login of an
/// unknown user against it costs what a real check costs, so timing does not tell whether a
/// user exists.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        let random = uuid::Uuid::new_v4().to_string();
        Argon2::default().hash_password(random.as_bytes(), &salt).map(|h| h.to_string()).unwrap_or_default()
    })
}

/// Spends one password check's time and memory on nothing, for a login that fails before a
/// user is found (unknown user or domain, malformed name), so it answers as slowly as a wrong
/// password.
pub async fn verify_nobody(password: &SecretString) {
    let password = password.clone();
    let _ = tokio::task::spawn_blocking(move || {
        if let Ok(parsed) = PasswordHash::new(dummy_hash()) {
            let _ = Argon2::default().verify_password(password.expose().as_bytes(), &parsed);
        }
    })
    .await;
}

async fn verify_hash(hash: String, password: SecretString) -> bool {
    tokio::task::spawn_blocking(move || match PasswordHash::new(&hash) {
        Ok(parsed) => Argon2::default().verify_password(password.expose().as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    })
    .await
    .unwrap_or(false)
}

pub struct Users<'a> {
    pub(crate) store: &'a Store,
}

impl Users<'_> {
    pub async fn create(&self, new: NewUser) -> StoreResult<User> {
        validate_name("user", &new.name)?;
        let hash = hash_password(&new.password).await?;
        let id = UserId::new();
        let t = to_micros(now());
        let name = new.name.clone();
        with_db!(self.store.db(), pool => sqlx::query(
            "INSERT INTO users (id, name, domain_id, display_name, email, enabled, password_hash, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, TRUE, $6, $7, $7)")
            .bind(id.to_string()).bind(&new.name).bind(new.domain_id.to_string()).bind(&new.display_name)
            .bind(&new.email).bind(hash).bind(t)
            .execute(pool).await.map(|r| r.rows_affected())
            .map_err(on_write("user", || format!("user {name:?} already exists in this domain")))?);
        self.get(id).await
    }

    async fn fetch_one(&self, condition: &str, a: String, b: Option<String>) -> StoreResult<Option<User>> {
        let sql = format!("SELECT {SELECT}{DETAILS} FROM users t {JOINS}WHERE {condition}");
        let row: Option<Row> = with_db!(self.store.db(), pool => {
            let q = sqlx::query_as(&sql).bind(a);
            let q = match b { Some(b) => q.bind(b), None => q };
            q.fetch_optional(pool).await?
        });
        row.map(Row::into_record).transpose()
    }

    pub async fn get(&self, id: UserId) -> StoreResult<User> {
        self.fetch_one("t.id = $1", id.to_string(), None).await?.ok_or_else(|| StoreError::not_found("user", id))
    }

    pub async fn get_by_name(&self, domain: DomainId, name: &str) -> StoreResult<User> {
        self.fetch_one("t.domain_id = $1 AND t.name = $2", domain.to_string(), Some(name.to_string()))
            .await?
            .ok_or_else(|| StoreError::not_found("user", format!("{name:?}")))
    }

    /// By id when `key` is a UUID, else by name within `domain`.
    pub async fn find(&self, domain: DomainId, key: &str) -> StoreResult<User> {
        match key.parse::<UserId>() {
            Ok(id) => self.get(id).await,
            Err(_) => self.get_by_name(domain, key).await,
        }
    }

    /// The user when `password` is theirs; `None` for an unknown user or a wrong password
    /// (callers answer both the same way). Does not check `enabled`.
    pub async fn verify_password(&self, domain: DomainId, name: &str, password: &SecretString) -> StoreResult<Option<User>> {
        let hash: Option<(String, String)> = with_db!(self.store.db(), pool =>
            sqlx::query_as("SELECT id, password_hash FROM users WHERE domain_id = $1 AND name = $2")
                .bind(domain.to_string()).bind(name).fetch_optional(pool).await?);
        let Some((id, hash)) = hash else {
            verify_nobody(password).await;
            return Ok(None);
        };
        if !verify_hash(hash, password.clone()).await {
            return Ok(None);
        }
        Ok(Some(self.get(parse_id(&id, "users.id")?).await?))
    }

    pub async fn list(&self, query: &ListQuery, visibility: &Visibility) -> StoreResult<Page<User>> {
        let db = self.store.db();
        run_list!(db, SPEC.build(db.backend(), query, visibility)?, query, Row, Row::into_record)
    }

    pub async fn update(&self, id: UserId, update: UserUpdate) -> StoreResult<User> {
        if let Some(name) = &update.name {
            validate_name("user", name)?;
        }
        let hash = match &update.password {
            Some(p) => Some(hash_password(p).await?),
            None => None,
        };
        let name = update.name.clone().unwrap_or_default();
        let (set_email, email) = match update.email {
            Some(e) => (true, e),
            None => (false, None),
        };
        let done = with_db!(self.store.db(), pool => sqlx::query(
            "UPDATE users SET name = COALESCE($1, name), display_name = COALESCE($2, display_name), \
             email = CASE WHEN $3 THEN $4 ELSE email END, enabled = COALESCE($5, enabled), \
             password_hash = COALESCE($6, password_hash), updated_at = $7 WHERE id = $8")
            .bind(update.name).bind(update.display_name).bind(set_email).bind(email).bind(update.enabled)
            .bind(hash).bind(to_micros(now())).bind(id.to_string())
            .execute(pool).await.map(|r| r.rows_affected())
            .map_err(on_write("user", || format!("user {name:?} already exists in this domain")))?);
        if done == 0 {
            return Err(StoreError::not_found("user", id));
        }
        self.get(id).await
    }

    /// Deletes the user with their role assignments and tokens.
    pub async fn delete(&self, id: UserId) -> StoreResult<()> {
        let done = with_db!(self.store.db(), pool => sqlx::query("DELETE FROM users WHERE id = $1")
            .bind(id.to_string()).execute(pool).await.map(|r| r.rows_affected())
            .map_err(on_delete("user", id.to_string()))?);
        if done == 0 {
            return Err(StoreError::not_found("user", id));
        }
        Ok(())
    }
}
