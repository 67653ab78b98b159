//! Queries on `ip_whitelists` (Settings › Advanced "IP address whitelist"; migration 0015).

use crate::storage::sql::{self, params, Conn};
use switchboard_protocol::Id;

use super::optional;

/// Whether the company's whitelist is on, and its entries as stored; off and empty when never
/// set.
pub fn get(conn: &Conn<'_>, company_id: Id) -> sql::Result<(bool, Vec<String>)> {
    let row = optional(
        conn.prepare_cached("SELECT enabled, entries FROM ip_whitelists WHERE company_id = ?1")?
            .query_row([company_id], |r| {
                Ok((r.get::<bool>(0)?, r.get::<String>(1)?))
            }),
    )?;
    let Some((enabled, entries)) = row else {
        return Ok((false, Vec::new()));
    };
    let entries = serde_json::from_str(&entries).map_err(|e| sql::Error::decode(1, Box::new(e)))?;
    Ok((enabled, entries))
}

/// Replaces the company's whitelist (entries already validated and canonical).
pub fn set(conn: &Conn<'_>, company_id: Id, enabled: bool, entries: &[String]) -> sql::Result<()> {
    let json = serde_json::to_string(entries).map_err(sql::Error::encode)?;
    conn.execute(
        "INSERT INTO ip_whitelists (company_id, enabled, entries) VALUES (?1, ?2, ?3)
         ON CONFLICT (company_id) DO UPDATE SET enabled = excluded.enabled,
             entries = excluded.entries",
        params![company_id, enabled, json],
    )?;
    Ok(())
}
