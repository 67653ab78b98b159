//! Queries on `channel_accounts` (connected Telegram bots, WhatsApp numbers, mailboxes …).

use crate::storage::sql::{self, params, Conn, Row};
use switchboard_protocol::{ChannelAccount, ChannelKind, Id};

use super::{optional, parse_enum};

/// A channel account with its company and inbound secret (never sent to operators).
#[derive(Debug, Clone)]
pub struct ChannelRecord {
    pub account: ChannelAccount,
    pub company_id: Id,
    pub secret: Option<String>,
    /// Where outbound messages go (Custom app); `None`: nothing is delivered.
    pub callback_url: Option<String>,
    /// The kind's settings, read by its module in `channels/`; holds secrets.
    pub config: serde_json::Value,
}

fn row_to_record(r: &Row<'_>) -> sql::Result<ChannelRecord> {
    Ok(ChannelRecord {
        account: ChannelAccount {
            id: r.get(0)?,
            kind: parse_enum(1, r.get(1)?, ChannelKind::parse)?,
            name: r.get(2)?,
            group_id: r.get(3)?,
            disabled: r.get(8)?,
            tags: json_column(r, 9)?,
        },
        company_id: r.get(4)?,
        secret: r.get(5)?,
        callback_url: r.get(6)?,
        config: json_column(r, 7)?,
    })
}

fn json_column<T: serde::de::DeserializeOwned>(r: &Row<'_>, i: usize) -> sql::Result<T> {
    let text: String = r.get(i)?;
    serde_json::from_str(&text).map_err(|e| sql::Error::decode(i, e))
}

const SELECT: &str = "SELECT id, kind, name, group_id, company_id, secret, callback_url, config,
    disabled, tags FROM channel_accounts";

pub fn insert(
    conn: &Conn<'_>,
    company_id: Id,
    kind: ChannelKind,
    name: &str,
    group_id: Option<Id>,
    secret: Option<&str>,
    now: i64,
) -> sql::Result<Id> {
    conn.insert(
        "INSERT INTO channel_accounts (company_id, kind, name, group_id, secret, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        "id",
        params![company_id, kind.as_str(), name, group_id, secret, now],
    )
}

pub fn set_config(conn: &Conn<'_>, id: Id, config: &serde_json::Value) -> sql::Result<()> {
    conn.execute(
        "UPDATE channel_accounts SET config = ?2 WHERE id = ?1",
        params![id, config.to_string()],
    )?;
    Ok(())
}

/// Any company's channel account (the inbound endpoint knows only the channel id).
pub fn get_any(conn: &Conn<'_>, id: Id) -> sql::Result<Option<ChannelRecord>> {
    // Cached: every inbound message checks its channel.
    optional(
        conn.prepare_cached(&format!("{SELECT} WHERE id = ?1"))?
            .query_row([id], row_to_record),
    )
}

pub fn list(conn: &Conn<'_>, company_id: Id) -> sql::Result<Vec<ChannelAccount>> {
    let mut stmt = conn.prepare(&format!("{SELECT} WHERE company_id = ?1 ORDER BY id"))?;
    let rows = stmt.query_map([company_id], |r| row_to_record(r).map(|c| c.account))?;
    rows.collect()
}

pub fn list_records(conn: &Conn<'_>, company_id: Id) -> sql::Result<Vec<ChannelRecord>> {
    let mut stmt = conn.prepare(&format!("{SELECT} WHERE company_id = ?1 ORDER BY id"))?;
    let rows = stmt.query_map([company_id], row_to_record)?;
    rows.collect()
}

pub fn set_callback_url(conn: &Conn<'_>, id: Id, url: Option<&str>) -> sql::Result<()> {
    conn.execute(
        "UPDATE channel_accounts SET callback_url = ?2 WHERE id = ?1",
        params![id, url],
    )?;
    Ok(())
}

/// Every company's channel accounts (the `channel list` command).
pub fn list_all(conn: &Conn<'_>) -> sql::Result<Vec<ChannelRecord>> {
    let mut stmt = conn.prepare(&format!("{SELECT} ORDER BY company_id, id"))?;
    let rows = stmt.query_map((), row_to_record)?;
    rows.collect()
}

/// One of the company's channel accounts, with its record (the admin's routes).
pub fn get(conn: &Conn<'_>, company_id: Id, id: Id) -> sql::Result<Option<ChannelRecord>> {
    optional(
        conn.prepare_cached(&format!("{SELECT} WHERE id = ?1 AND company_id = ?2"))?
            .query_row(params![id, company_id], row_to_record),
    )
}

/// Name, group, the disabled flag and the tags, as the admin set them.
pub fn update(conn: &Conn<'_>, account: &ChannelAccount) -> sql::Result<()> {
    let tags = serde_json::Value::from(account.tags.clone()).to_string();
    conn.execute(
        "UPDATE channel_accounts SET name = ?2, group_id = ?3, disabled = ?4, tags = ?5
         WHERE id = ?1",
        params![
            account.id,
            account.name,
            account.group_id,
            account.disabled,
            tags
        ],
    )?;
    Ok(())
}

/// How many conversations came in through the channel (closed ones too).
pub fn conversation_count(conn: &Conn<'_>, id: Id) -> sql::Result<i64> {
    conn.query_row(
        "SELECT COUNT(*) FROM conversations WHERE channel_account_id = ?1",
        [id],
        |r| r.get(0),
    )
}

/// Deletes a channel that has no conversations, with what only it used (its listener's
/// cursors, clients that never wrote). Callers check [`conversation_count`] first: a
/// conversation's row holds the channel (foreign key), so this fails rather than lose one.
pub fn delete(conn: &Conn<'_>, id: Id) -> sql::Result<()> {
    for sql in [
        "DELETE FROM channel_cursors WHERE channel_account_id = ?1",
        "DELETE FROM inbound_refs WHERE channel_account_id = ?1",
        "DELETE FROM deliveries WHERE channel_account_id = ?1",
        // Clients without a conversation are seen by no one, nor are notes about them.
        "DELETE FROM client_notes WHERE client_id IN
            (SELECT id FROM clients WHERE channel_account_id = ?1)",
        "DELETE FROM clients WHERE channel_account_id = ?1",
        "DELETE FROM channel_accounts WHERE id = ?1",
    ] {
        conn.execute(sql, [id])?;
    }
    Ok(())
}

pub fn set_secret(conn: &Conn<'_>, id: Id, secret: &str) -> sql::Result<()> {
    conn.execute(
        "UPDATE channel_accounts SET secret = ?2 WHERE id = ?1",
        params![id, secret],
    )?;
    Ok(())
}
