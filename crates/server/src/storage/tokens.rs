//! Queries on `api_tokens` (seed API integrations) and `sessions` (app logins). Only sha256
//! hashes of tokens are stored.

use rusqlite::{params, Connection};
use switchboard_protocol::Id;

use super::optional;

pub fn insert_api_token(
    conn: &Connection,
    company_id: Id,
    name: &str,
    hash: &str,
    now: i64,
) -> rusqlite::Result<Id> {
    conn.execute(
        "INSERT INTO api_tokens (company_id, name, token_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![company_id, name, hash, now],
    )?;
    Ok(conn.last_insert_rowid())
}

/// `(token id, company id)` of a live API token.
pub fn find_api_token(conn: &Connection, hash: &str) -> rusqlite::Result<Option<(Id, Id)>> {
    optional(conn.query_row(
        "SELECT id, company_id FROM api_tokens WHERE token_hash = ?1 AND revoked_at IS NULL",
        [hash],
        |r| Ok((r.get(0)?, r.get(1)?)),
    ))
}

pub fn insert_session(
    conn: &Connection,
    operator_id: Id,
    hash: &str,
    now: i64,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO sessions (token_hash, operator_id, created_at) VALUES (?1, ?2, ?3)",
        params![hash, operator_id, now],
    )?;
    Ok(())
}

/// `(operator id, company id)` of a live session of an active operator.
pub fn find_session(conn: &Connection, hash: &str) -> rusqlite::Result<Option<(Id, Id)>> {
    optional(conn.query_row(
        "SELECT s.operator_id, o.company_id FROM sessions s JOIN operators o ON o.id = s.operator_id
         WHERE s.token_hash = ?1 AND s.revoked_at IS NULL AND o.active = 1",
        [hash],
        |r| Ok((r.get(0)?, r.get(1)?)),
    ))
}

pub fn revoke_session(conn: &Connection, hash: &str, now: i64) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE sessions SET revoked_at = ?2 WHERE token_hash = ?1 AND revoked_at IS NULL",
        params![hash, now],
    )?;
    Ok(())
}
