//! Queries on `iframe_settings` (Settings › Advanced › Iframe integration, migration 0015).

use crate::storage::sql::{self, params, Conn};
use switchboard_protocol::{Id, IframeSettings};

use super::optional;

/// A company's settings and the key its links are signed with; `None` before the first save.
pub fn get(conn: &Conn<'_>, company_id: Id) -> sql::Result<Option<(IframeSettings, String)>> {
    optional(conn.query_row(
        "SELECT enabled, origins, link_minutes, signing_key FROM iframe_settings
         WHERE company_id = ?1",
        [company_id],
        |r| {
            let origins: String = r.get(1)?;
            Ok((
                IframeSettings {
                    enabled: r.get(0)?,
                    // Written only by `put`, from a checked list.
                    origins: serde_json::from_str(&origins).unwrap_or_default(),
                    link_minutes: r.get(2)?,
                },
                r.get(3)?,
            ))
        },
    ))
}

/// Saves the settings; `new_key` is kept only when the company has none yet.
pub fn put(conn: &Conn<'_>, company_id: Id, s: &IframeSettings, new_key: &str) -> sql::Result<()> {
    let origins = serde_json::to_string(&s.origins).unwrap_or_else(|_| "[]".into());
    conn.execute(
        "INSERT INTO iframe_settings (company_id, enabled, origins, link_minutes, signing_key)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (company_id) DO UPDATE SET enabled = excluded.enabled,
            origins = excluded.origins, link_minutes = excluded.link_minutes",
        params![company_id, s.enabled, origins, s.link_minutes, new_key],
    )?;
    Ok(())
}
