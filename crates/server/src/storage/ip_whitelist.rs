//! Queries on `ip_whitelists` (Settings › Advanced "IP address whitelist"; migration 0015).

use rusqlite::{params, Connection};
use switchboard_protocol::Id;

use super::optional;

/// Whether the company's whitelist is on, and its entries as stored; off and empty when never
/// set.
pub fn get(conn: &Connection, company_id: Id) -> rusqlite::Result<(bool, Vec<String>)> {
    let row = optional(
        conn.prepare_cached("SELECT enabled, entries FROM ip_whitelists WHERE company_id = ?1")?
            .query_row([company_id], |r| {
                Ok((r.get::<_, bool>(0)?, r.get::<_, String>(1)?))
            }),
    )?;
    let Some((enabled, entries)) = row else {
        return Ok((false, Vec::new()));
    };
    let entries = serde_json::from_str(&entries).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, Box::new(e))
    })?;
    Ok((enabled, entries))
}

/// Replaces the company's whitelist (entries already validated and canonical).
pub fn set(
    conn: &Connection,
    company_id: Id,
    enabled: bool,
    entries: &[String],
) -> rusqlite::Result<()> {
    let json = serde_json::to_string(entries)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    conn.execute(
        "INSERT INTO ip_whitelists (company_id, enabled, entries) VALUES (?1, ?2, ?3)
         ON CONFLICT (company_id) DO UPDATE SET enabled = excluded.enabled,
             entries = excluded.entries",
        params![company_id, enabled, json],
    )?;
    Ok(())
}
