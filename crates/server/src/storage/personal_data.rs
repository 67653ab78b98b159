//! Queries on `personal_data_settings` and `personal_data_exempt_groups` (Settings › Advanced
//! "Hide personal data from operators"; migration 0019).

use crate::storage::sql::{self, params, Conn};
use switchboard_protocol::{Id, PersonalDataSettings};

use super::optional;

/// The company's settings; off, with no exempt group, when never set.
pub fn get(conn: &Conn<'_>, company_id: Id) -> sql::Result<PersonalDataSettings> {
    let flags = optional(
        conn.prepare_cached(
            "SELECT enabled, hide_avatars FROM personal_data_settings WHERE company_id = ?1",
        )?
        .query_row([company_id], |r| Ok((r.get(0)?, r.get(1)?))),
    )?;
    let Some((enabled, hide_avatars)) = flags else {
        return Ok(PersonalDataSettings::default());
    };
    let exempt_group_ids = conn
        .prepare_cached(
            "SELECT group_id FROM personal_data_exempt_groups WHERE company_id = ?1
             ORDER BY group_id",
        )?
        .query_map([company_id], |r| r.get(0))?
        .collect::<sql::Result<Vec<Id>>>()?;
    Ok(PersonalDataSettings {
        enabled,
        hide_avatars,
        exempt_group_ids,
    })
}

/// Replaces the company's settings (exempt groups already checked to be the company's).
pub fn set(conn: &Conn<'_>, company_id: Id, s: &PersonalDataSettings) -> sql::Result<()> {
    conn.execute(
        "INSERT INTO personal_data_settings (company_id, enabled, hide_avatars) VALUES (?1, ?2, ?3)
         ON CONFLICT (company_id) DO UPDATE SET enabled = excluded.enabled,
             hide_avatars = excluded.hide_avatars",
        params![company_id, s.enabled, s.hide_avatars],
    )?;
    conn.execute(
        "DELETE FROM personal_data_exempt_groups WHERE company_id = ?1",
        [company_id],
    )?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO personal_data_exempt_groups (company_id, group_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
    )?;
    for g in &s.exempt_group_ids {
        insert.execute(params![company_id, g])?;
    }
    Ok(())
}
