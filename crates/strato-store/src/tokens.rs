//! Bearer tokens: login tokens (from a password login) and API tokens (for automation).
//! Only the SHA-256 of a secret is stored; the secret is shown once, at creation.

use chrono::{DateTime, Duration, Utc};
use strato_types::{ListQuery, Page, TokenId, TokenKind, UserId};

use crate::db::{from_micros, now, parse_enum, parse_id, to_micros, with_db, SqlValue};
use crate::error::{on_write, StoreError, StoreResult};
use crate::list::{field, lookup, run_list, Field, FieldType as T, KindSpec, Visibility};
use crate::secrets::{random_secret, sha256_hex, SecretString};
use crate::Store;

/// Secrets start with this, so they are recognisable in leaked-credential scans.
pub const SECRET_PREFIX: &str = "strato_";

/// `last_used_at` is written at most this often per token, so authentication stays a read.
const LAST_USED_RESOLUTION_SECS: i64 = 60;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub id: TokenId,
    pub name: String,
    pub kind: TokenKind,
    pub user_id: UserId,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Filled by `get`, and by `list` with `details`.
    pub user_name: Option<String>,
}

impl Token {
    /// Not revoked and not expired at `at`.
    pub fn is_valid_at(&self, at: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|e| e > at)
    }
}

#[derive(Debug, Clone)]
pub struct NewToken {
    pub name: String,
    pub kind: TokenKind,
    pub user_id: UserId,
    /// `None`: never expires (API tokens only; login tokens should always expire).
    pub expires_in: Option<Duration>,
}

/// A valid token and its owner, from `authenticate`.
#[derive(Debug, Clone)]
pub struct AuthenticatedToken {
    pub token: Token,
    pub user: crate::User,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    name: String,
    kind: String,
    user_id: String,
    expires_at: Option<i64>,
    last_used_at: Option<i64>,
    revoked_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
    #[sqlx(default)]
    user_name: Option<String>,
}

impl Row {
    fn into_record(self) -> StoreResult<Token> {
        Ok(Token {
            id: parse_id(&self.id, "tokens.id")?,
            name: self.name,
            kind: parse_enum(&self.kind, "tokens.kind")?,
            user_id: parse_id(&self.user_id, "tokens.user_id")?,
            expires_at: self.expires_at.map(from_micros),
            last_used_at: self.last_used_at.map(from_micros),
            revoked_at: self.revoked_at.map(from_micros),
            created_at: from_micros(self.created_at),
            updated_at: from_micros(self.updated_at),
            user_name: self.user_name,
        })
    }
}

const SELECT: &str =
    "t.id, t.name, t.kind, t.user_id, t.expires_at, t.last_used_at, t.revoked_at, t.created_at, t.updated_at";
const DETAILS: &str = ", u.name AS user_name";
const JOINS: &str = "LEFT JOIN users u ON u.id = t.user_id ";

/// Filterable / orderable fields of `GET /tokens`.
pub const FIELDS: &[Field] = &[
    field("id", "t.id", T::Id),
    field("name", "t.name", T::Text),
    field("kind", "t.kind", T::Enum(TokenKind::EXPECTED)),
    field("user_id", "t.user_id", T::Id),
    field("expires_at", "t.expires_at", T::Timestamp),
    field("last_used_at", "t.last_used_at", T::Timestamp),
    field("revoked_at", "t.revoked_at", T::Timestamp),
    field("created_at", "t.created_at", T::Timestamp),
    field("updated_at", "t.updated_at", T::Timestamp),
    lookup("user", "(SELECT name FROM users x WHERE x.id = t.user_id)"),
];

const SPEC: KindSpec = KindSpec {
    kind: "token",
    table: "tokens",
    fields: FIELDS,
    domain_column: Some("(SELECT x.domain_id FROM users x WHERE x.id = t.user_id)"),
    project_column: None,
    select: SELECT,
    details_select: DETAILS,
    details_joins: JOINS,
};

pub struct Tokens<'a> {
    pub(crate) store: &'a Store,
}

impl Tokens<'_> {
    /// Creates a token and answers it with its secret (shown once; only its hash is kept).
    pub async fn create(&self, new: NewToken) -> StoreResult<(Token, SecretString)> {
        if new.name.is_empty() || new.name.chars().count() > 128 || new.name.chars().any(char::is_control) {
            return Err(StoreError::invalid("name", "token name must be 1 to 128 printable characters"));
        }
        if let Some(d) = new.expires_in {
            if d <= Duration::zero() {
                return Err(StoreError::invalid("expires_in_secs", "must be positive"));
            }
        }
        let secret = SecretString::new(format!("{SECRET_PREFIX}{}", random_secret(32).expose()));
        let id = TokenId::new();
        let created = now();
        let expires_at = match new.expires_in {
            Some(d) => Some(to_micros(created.checked_add_signed(d).ok_or_else(|| StoreError::invalid("expires_in_secs", "is too large"))?)),
            None => None,
        };
        with_db!(self.store.db(), pool => sqlx::query(
            "INSERT INTO tokens (id, name, kind, user_id, secret_hash, expires_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)")
            .bind(id.to_string()).bind(&new.name).bind(new.kind.as_str()).bind(new.user_id.to_string())
            .bind(sha256_hex(secret.expose().as_bytes())).bind(expires_at).bind(to_micros(created))
            .execute(pool).await.map(|r| r.rows_affected())
            .map_err(on_write("token", || "token already exists".to_string()))?);
        Ok((self.get(id).await?, secret))
    }

    pub async fn get(&self, id: TokenId) -> StoreResult<Token> {
        let sql = format!("SELECT {SELECT}{DETAILS} FROM tokens t {JOINS}WHERE t.id = $1");
        let row: Option<Row> = with_db!(self.store.db(), pool =>
            sqlx::query_as(&sql).bind(id.to_string()).fetch_optional(pool).await?);
        row.ok_or_else(|| StoreError::not_found("token", id))?.into_record()
    }

    /// The token and its user when `secret` is a valid (known, unrevoked, unexpired) token of
    /// an enabled user; `None` otherwise. Records `last_used_at` (at most once a minute).
    pub async fn authenticate(&self, secret: &str) -> StoreResult<Option<AuthenticatedToken>> {
        if !secret.starts_with(SECRET_PREFIX) || secret.len() > 256 {
            return Ok(None);
        }
        let hash = sha256_hex(secret.as_bytes());
        let sql = format!("SELECT {SELECT}{DETAILS} FROM tokens t {JOINS}WHERE t.secret_hash = $1");
        let row: Option<Row> = with_db!(self.store.db(), pool =>
            sqlx::query_as(&sql).bind(&hash).fetch_optional(pool).await?);
        let Some(row) = row else { return Ok(None) };
        let token = row.into_record()?;
        let at = now();
        if !token.is_valid_at(at) {
            return Ok(None);
        }
        let user = match self.store.users().get(token.user_id).await {
            Ok(u) if u.enabled => u,
            Ok(_) | Err(StoreError::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        let stale = token.last_used_at.is_none_or(|l| (at - l).num_seconds() >= LAST_USED_RESOLUTION_SECS);
        if stale {
            with_db!(self.store.db(), pool => sqlx::query("UPDATE tokens SET last_used_at = $1 WHERE id = $2")
                .bind(to_micros(at)).bind(token.id.to_string()).execute(pool).await.map(|r| r.rows_affected())?);
        }
        Ok(Some(AuthenticatedToken { token, user }))
    }

    /// Lists tokens; `owner` restricts to one user's tokens.
    pub async fn list(&self, query: &ListQuery, visibility: &Visibility, owner: Option<UserId>) -> StoreResult<Page<Token>> {
        let db = self.store.db();
        let extra: Vec<(&'static str, SqlValue)> =
            owner.map(|u| ("t.user_id", SqlValue::Text(u.to_string()))).into_iter().collect();
        run_list!(db, SPEC.build_with(db.backend(), query, visibility, &extra)?, query, Row, Row::into_record)
    }

    /// Revokes a token (idempotent); it stays listed with `revoked_at` set.
    pub async fn revoke(&self, id: TokenId) -> StoreResult<Token> {
        let t = to_micros(now());
        let done = with_db!(self.store.db(), pool => sqlx::query(
            "UPDATE tokens SET revoked_at = COALESCE(revoked_at, $1), updated_at = $1 WHERE id = $2")
            .bind(t).bind(id.to_string()).execute(pool).await.map(|r| r.rows_affected())?);
        if done == 0 {
            return Err(StoreError::not_found("token", id));
        }
        self.get(id).await
    }

    /// Revokes every live token (login and API) of a user, except `keep`; answers how many.
    pub async fn revoke_all_of_user(&self, user: UserId, keep: Option<TokenId>) -> StoreResult<u64> {
        let t = to_micros(now());
        let keep = keep.map(|k| k.to_string()).unwrap_or_default();
        Ok(with_db!(self.store.db(), pool => sqlx::query(
            "UPDATE tokens SET revoked_at = $1, updated_at = $1 WHERE user_id = $2 AND revoked_at IS NULL AND id <> $3")
            .bind(t).bind(user.to_string()).bind(keep).execute(pool).await.map(|r| r.rows_affected())?))
    }

    /// Deletes expired and revoked tokens older than `older_than`; answers how many.
    pub async fn purge(&self, older_than: Duration) -> StoreResult<u64> {
        let cutoff = to_micros(now() - older_than);
        Ok(with_db!(self.store.db(), pool => sqlx::query(
            "DELETE FROM tokens WHERE (revoked_at IS NOT NULL AND revoked_at < $1) OR (expires_at IS NOT NULL AND expires_at < $1)")
            .bind(cutoff).execute(pool).await.map(|r| r.rows_affected())?))
    }
}
