//! Queries on `api_tokens` (seed API integrations) and `sessions` (app logins). Only sha256
//! hashes of tokens are stored.

use crate::storage::sql::{self, params, Conn};
use switchboard_protocol::Id;

use super::optional;

pub fn insert_api_token(
    conn: &Conn<'_>,
    company_id: Id,
    name: &str,
    hash: &str,
    now: i64,
) -> sql::Result<Id> {
    conn.insert(
        "INSERT INTO api_tokens (company_id, name, token_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
        "id",
        params![company_id, name, hash, now],
    )
}

/// `(token id, company id)` of a live API token.
pub fn find_api_token(conn: &Conn<'_>, hash: &str) -> sql::Result<Option<(Id, Id)>> {
    optional(conn.query_row(
        "SELECT id, company_id FROM api_tokens WHERE token_hash = ?1 AND revoked_at IS NULL",
        [hash],
        |r| Ok((r.get(0)?, r.get(1)?)),
    ))
}

pub fn insert_session(conn: &Conn<'_>, operator_id: Id, hash: &str, now: i64) -> sql::Result<()> {
    conn.execute(
        "INSERT INTO sessions (token_hash, operator_id, created_at, last_used_at)
         VALUES (?1, ?2, ?3, ?3)",
        params![hash, operator_id, now],
    )?;
    Ok(())
}

/// A live session, as authentication finds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiveSession {
    pub operator_id: Id,
    pub company_id: Id,
    pub last_used_at: i64,
}

/// The session with this hash if it is not revoked, was created after `created_after`, was
/// last used after `used_after`, and its operator is active.
pub fn find_session(
    conn: &Conn<'_>,
    hash: &str,
    created_after: i64,
    used_after: i64,
) -> sql::Result<Option<LiveSession>> {
    optional(conn.query_row(
        "SELECT s.operator_id, o.company_id, COALESCE(s.last_used_at, s.created_at)
         FROM sessions s JOIN operators o ON o.id = s.operator_id
         WHERE s.token_hash = ?1 AND s.revoked_at IS NULL AND o.active = TRUE
           AND s.created_at > ?2 AND COALESCE(s.last_used_at, s.created_at) > ?3",
        params![hash, created_after, used_after],
        |r| {
            Ok(LiveSession {
                operator_id: r.get(0)?,
                company_id: r.get(1)?,
                last_used_at: r.get(2)?,
            })
        },
    ))
}

/// Slides the session's idle window: it was used at `now`.
pub fn touch_session(conn: &Conn<'_>, hash: &str, now: i64) -> sql::Result<()> {
    conn.execute(
        "UPDATE sessions SET last_used_at = ?2 WHERE token_hash = ?1 AND last_used_at < ?2",
        params![hash, now],
    )?;
    Ok(())
}

pub fn revoke_session(conn: &Conn<'_>, hash: &str, now: i64) -> sql::Result<()> {
    conn.execute(
        "UPDATE sessions SET revoked_at = ?2 WHERE token_hash = ?1 AND revoked_at IS NULL",
        params![hash, now],
    )?;
    Ok(())
}

/// Whether the API token with this id is still live.
pub fn api_token_live(conn: &Conn<'_>, id: Id) -> sql::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM api_tokens WHERE id = ?1 AND revoked_at IS NULL)",
        [id],
        |r| r.get(0),
    )
}

/// An API token as `token list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiTokenRow {
    pub id: Id,
    pub company_id: Id,
    pub name: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

pub fn list_api_tokens(conn: &Conn<'_>) -> sql::Result<Vec<ApiTokenRow>> {
    let mut stmt = conn.prepare(
        "SELECT id, company_id, name, created_at, revoked_at FROM api_tokens ORDER BY id",
    )?;
    let rows = stmt.query_map((), |r| {
        Ok(ApiTokenRow {
            id: r.get(0)?,
            company_id: r.get(1)?,
            name: r.get(2)?,
            created_at: r.get(3)?,
            revoked_at: r.get(4)?,
        })
    })?;
    rows.collect()
}

/// Revokes an API token; false if there is no live one with this id.
pub fn revoke_api_token(conn: &Conn<'_>, id: Id, now: i64) -> sql::Result<bool> {
    Ok(conn.execute(
        "UPDATE api_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
        params![id, now],
    )? > 0)
}

/// A session as `token list` shows it: the start of its hash names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub hash_prefix: String,
    pub operator_email: String,
    pub created_at: i64,
    pub last_used_at: i64,
}

/// Digits of the hash that name a session in `token list` and `token revoke`.
pub const SESSION_ID_LEN: i64 = 12;

/// Sessions that are not revoked, expired (by the same cutoffs as [`find_session`]) or of a
/// deactivated operator, newest first.
pub fn list_live_sessions(
    conn: &Conn<'_>,
    created_after: i64,
    used_after: i64,
) -> sql::Result<Vec<SessionRow>> {
    let mut stmt = conn.prepare(
        "SELECT substr(s.token_hash, 1, CAST(CAST(?3 AS BIGINT) AS INTEGER)), o.email, s.created_at,
                COALESCE(s.last_used_at, s.created_at)
         FROM sessions s JOIN operators o ON o.id = s.operator_id
         WHERE s.revoked_at IS NULL AND o.active = TRUE
           AND s.created_at > ?1 AND COALESCE(s.last_used_at, s.created_at) > ?2
         ORDER BY s.created_at DESC",
    )?;
    let rows = stmt.query_map(params![created_after, used_after, SESSION_ID_LEN], |r| {
        Ok(SessionRow {
            hash_prefix: r.get(0)?,
            operator_email: r.get(1)?,
            created_at: r.get(2)?,
            last_used_at: r.get(3)?,
        })
    })?;
    rows.collect()
}

/// Revokes the live sessions whose hash starts with `prefix` (hex digits only); returns how
/// many there were, without revoking any when there is more than one.
pub fn revoke_session_by_prefix(conn: &Conn<'_>, prefix: &str, now: i64) -> sql::Result<usize> {
    let pattern = format!("{prefix}%");
    let matching: i64 = conn.query_row(
        "SELECT COUNT(*) FROM sessions WHERE token_hash LIKE ?1 AND revoked_at IS NULL",
        [&pattern],
        |r| r.get(0),
    )?;
    if matching == 1 {
        conn.execute(
            "UPDATE sessions SET revoked_at = ?2 WHERE token_hash LIKE ?1 AND revoked_at IS NULL",
            params![pattern, now],
        )?;
    }
    Ok(usize::try_from(matching).unwrap_or(0))
}

/// Revokes every live session of an operator (found by email); returns how many.
pub fn revoke_sessions_of(conn: &Conn<'_>, email: &str, now: i64) -> sql::Result<usize> {
    conn.execute(
        "UPDATE sessions SET revoked_at = ?2
         WHERE revoked_at IS NULL
           AND operator_id IN (SELECT id FROM operators WHERE lower(email) = lower(?1))",
        params![email, now],
    )
}

/// Ends every session of the operator but `keep` (a password change keeps the asking app in).
pub fn revoke_other_sessions(
    conn: &Conn<'_>,
    operator_id: Id,
    keep: &str,
    now: i64,
) -> sql::Result<usize> {
    conn.execute(
        "UPDATE sessions SET revoked_at = ?3
         WHERE revoked_at IS NULL AND operator_id = ?1 AND token_hash <> ?2",
        params![operator_id, keep, now],
    )
}

/// Whether the session `hash` (live or not) belongs to a deactivated operator: the refusal
/// then says why, so the app can tell its operator.
pub fn of_deactivated_operator(conn: &Conn<'_>, hash: &str) -> sql::Result<bool> {
    Ok(optional(conn.query_row(
        "SELECT o.active FROM sessions s JOIN operators o ON o.id = s.operator_id
         WHERE s.token_hash = ?1",
        [hash],
        |r| r.get::<bool>(0),
    ))?
    .is_some_and(|active| !active))
}
