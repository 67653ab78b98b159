//! Queries on `inbound_refs`: the platform's id of each stored client message (see migration
//! 0014).

use crate::storage::sql::{self, params, Conn};
use switchboard_protocol::Id;

use super::optional;

/// The message stored for `platform_id` on `channel_id`, if any.
pub fn find(conn: &Conn<'_>, channel_id: Id, platform_id: &str) -> sql::Result<Option<Id>> {
    optional(
        conn.prepare_cached(
            "SELECT message_id FROM inbound_refs WHERE channel_account_id = ?1 AND platform_id = ?2",
        )?
        .query_row(params![channel_id, platform_id], |r| r.get(0)),
    )
}

pub fn insert(
    conn: &Conn<'_>,
    channel_id: Id,
    platform_id: &str,
    message_id: Id,
) -> sql::Result<()> {
    conn.prepare_cached(
        "INSERT INTO inbound_refs (channel_account_id, platform_id, message_id) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![channel_id, platform_id, message_id])?;
    Ok(())
}
