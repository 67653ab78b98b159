//! Queries on `clients` (the people who write in through a channel).

use crate::storage::sql::{self, params, Conn, Row};
use switchboard_protocol::{Client, ClientContact, Id};

use super::optional;

pub(crate) const COLUMNS: &str = "cl.id, cl.channel_account_id, cl.external_id, cl.original_name,
    cl.display_name, cl.blacklisted, cl.pinned_operator_id, cl.created_at, cl.phone, cl.email,
    cl.username, cl.profile_url, cl.avatar_url";

/// Maps the [`COLUMNS`] starting at column `first`.
pub(crate) fn row_to_client(r: &Row<'_>, first: usize) -> sql::Result<Client> {
    Ok(Client {
        id: r.get(first)?,
        channel_account_id: r.get(first + 1)?,
        external_id: r.get(first + 2)?,
        original_name: r.get(first + 3)?,
        display_name: r.get(first + 4)?,
        blacklisted: r.get(first + 5)?,
        pinned_operator_id: r.get(first + 6)?,
        created_at: r.get(first + 7)?,
        contact: ClientContact {
            phone: r.get(first + 8)?,
            email: r.get(first + 9)?,
            username: r.get(first + 10)?,
            profile_url: r.get(first + 11)?,
            avatar_url: r.get(first + 12)?,
        },
        contact_hidden: false,
    })
}

pub fn insert(
    conn: &Conn<'_>,
    company_id: Id,
    channel_account_id: Id,
    external_id: &str,
    name: &str,
    now: i64,
) -> sql::Result<Id> {
    // Cached, like the lookups: every new client of a channel comes in this way.
    conn.insert(
        "INSERT INTO clients (company_id, channel_account_id, external_id, original_name,
            display_name, created_at)
         VALUES (?1, ?2, ?3, ?4, ?4, ?5)",
        "id",
        params![company_id, channel_account_id, external_id, name, now],
    )
}

pub fn get(conn: &Conn<'_>, company_id: Id, id: Id) -> sql::Result<Option<Client>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM clients cl WHERE cl.company_id = ?1 AND cl.id = ?2"
        ))?
        .query_row(params![company_id, id], |r| row_to_client(r, 0)),
    )
}

pub fn find_by_external_id(
    conn: &Conn<'_>,
    channel_account_id: Id,
    external_id: &str,
) -> sql::Result<Option<Client>> {
    // Cached: every inbound message looks its client up this way.
    optional(conn.prepare_cached(
        &format!(
            "SELECT {COLUMNS} FROM clients cl WHERE cl.channel_account_id = ?1 AND cl.external_id = ?2"
        ))?.query_row(
        params![channel_account_id, external_id],
        |r| row_to_client(r, 0),
    ))
}

/// Replaces the client's contact (already validated).
pub fn set_contact(conn: &Conn<'_>, id: Id, c: &ClientContact) -> sql::Result<()> {
    conn.prepare_cached(
        "UPDATE clients SET phone = ?2, email = ?3, username = ?4, profile_url = ?5,
             avatar_url = ?6 WHERE id = ?1",
    )?
    .execute(params![
        id,
        c.phone,
        c.email,
        c.username,
        c.profile_url,
        c.avatar_url
    ])?;
    Ok(())
}

pub fn set_blacklisted(conn: &Conn<'_>, id: Id, blacklisted: bool) -> sql::Result<()> {
    conn.execute(
        "UPDATE clients SET blacklisted = ?2 WHERE id = ?1",
        params![id, blacklisted],
    )?;
    Ok(())
}

pub fn set_pinned_operator(conn: &Conn<'_>, id: Id, operator_id: Option<Id>) -> sql::Result<()> {
    conn.execute(
        "UPDATE clients SET pinned_operator_id = ?2 WHERE id = ?1",
        params![id, operator_id],
    )?;
    Ok(())
}

pub fn set_display_name(conn: &Conn<'_>, id: Id, name: &str) -> sql::Result<()> {
    conn.execute(
        "UPDATE clients SET display_name = ?2 WHERE id = ?1",
        params![id, name],
    )?;
    Ok(())
}
