//! Queries on the email whitelist (`email_whitelist_settings`, `email_whitelist`).

use crate::storage::sql::{self, params, Conn};
use switchboard_protocol::{EmailWhitelist, Id};

use super::optional;

/// The company's whitelist; not restricted and empty when never set.
pub fn get(conn: &Conn<'_>, company_id: Id) -> sql::Result<EmailWhitelist> {
    let restrict = optional(conn.query_row(
        "SELECT restrict_addresses FROM email_whitelist_settings WHERE company_id = ?1",
        [company_id],
        |r| r.get::<bool>(0),
    ))?
    .unwrap_or(false);
    let mut stmt = conn.prepare_cached(
        "SELECT address FROM email_whitelist WHERE company_id = ?1 ORDER BY address",
    )?;
    let addresses = stmt
        .query_map([company_id], |r| r.get(0))?
        .collect::<sql::Result<Vec<String>>>()?;
    Ok(EmailWhitelist {
        restrict,
        addresses,
    })
}

/// Replaces the company's whitelist (addresses already normalized).
pub fn set(conn: &Conn<'_>, company_id: Id, w: &EmailWhitelist) -> sql::Result<()> {
    conn.execute(
        "INSERT INTO email_whitelist_settings (company_id, restrict_addresses) VALUES (?1, ?2)
         ON CONFLICT (company_id) DO UPDATE SET restrict_addresses = excluded.restrict_addresses",
        params![company_id, w.restrict],
    )?;
    conn.execute(
        "DELETE FROM email_whitelist WHERE company_id = ?1",
        [company_id],
    )?;
    let mut stmt = conn.prepare_cached(
        "INSERT INTO email_whitelist (company_id, address) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
    )?;
    for a in &w.addresses {
        stmt.execute(params![company_id, a])?;
    }
    Ok(())
}
