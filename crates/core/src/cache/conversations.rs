//! Cached conversations (with their client embedded, as on the wire).

use rusqlite::{params, Connection, OptionalExtension, Row};
use switchboard_protocol::{Client, Conversation, ConversationStatus, Id};

use crate::error::{CoreError, Result};

/// What the search box finds a client by: their names and the contact the server sent (none
/// when the company hides it from this operator), the phone also as one run of digits.
fn search_text(c: &Client) -> String {
    let mut parts = vec![c.display_name.clone()];
    if c.original_name != c.display_name {
        parts.push(c.original_name.clone());
    }
    if let Some(phone) = &c.contact.phone {
        parts.push(phone.clone());
        parts.push(phone.chars().filter(char::is_ascii_digit).collect());
    }
    parts.extend(c.contact.email.iter().cloned());
    parts.extend(c.contact.username.iter().cloned());
    parts.join(" ")
}

/// Inserts or replaces a conversation, marking it as seen by snapshot generation `gen`.
pub fn upsert(conn: &Connection, c: &Conversation, gen: i64) -> Result<()> {
    let client_json =
        serde_json::to_string(&c.client).map_err(|e| CoreError::Protocol(e.to_string()))?;
    let search = search_text(&c.client);
    conn.prepare_cached(
        "INSERT INTO conversations (
            id, channel_account_id, client_id, client_name, client_search, client_json,
            blacklisted, status, operator_id, group_id, status_changed_at, closed_by,
            last_message_at, last_message_from_operator, last_message_preview,
            last_client_message_id, created_at, updated_at, snap_gen)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)
         ON CONFLICT(id) DO UPDATE SET
            channel_account_id = excluded.channel_account_id,
            client_id = excluded.client_id,
            client_name = excluded.client_name,
            client_search = excluded.client_search,
            client_json = excluded.client_json,
            blacklisted = excluded.blacklisted,
            status = excluded.status,
            operator_id = excluded.operator_id,
            group_id = excluded.group_id,
            status_changed_at = excluded.status_changed_at,
            closed_by = excluded.closed_by,
            last_message_at = excluded.last_message_at,
            last_message_from_operator = excluded.last_message_from_operator,
            last_message_preview = excluded.last_message_preview,
            last_client_message_id = excluded.last_client_message_id,
            created_at = excluded.created_at,
            updated_at = excluded.updated_at,
            snap_gen = excluded.snap_gen",
    )?
    .execute(params![
        c.id,
        c.channel_account_id,
        c.client.id,
        c.client.display_name,
        search,
        client_json,
        c.client.blacklisted,
        c.status.as_str(),
        c.operator_id,
        c.group_id,
        c.status_changed_at,
        c.closed_by,
        c.last_message_at,
        c.last_message_from_operator,
        c.last_message_preview,
        c.last_client_message_id,
        c.created_at,
        c.updated_at,
        gen,
    ])?;
    Ok(())
}

/// Drops a conversation that left the operator's view; its messages and read state go with
/// it (foreign-key cascade).
pub fn remove(conn: &Connection, id: Id) -> Result<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM conversations WHERE id = ?1")?
        .execute([id])?
        > 0)
}

/// Whether any conversation is cached.
pub fn any(conn: &Connection) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM conversations)")?
        .query_row([], |r| r.get(0))?)
}

pub fn exists(conn: &Connection, id: Id) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM conversations WHERE id = ?1")?
        .query_row([id], |_| Ok(()))
        .optional()?
        .is_some())
}

/// `None` both when the conversation is not cached and when it has no client message.
pub fn last_client_message_id(conn: &Connection, id: Id) -> Result<Option<Id>> {
    Ok(conn
        .prepare_cached("SELECT last_client_message_id FROM conversations WHERE id = ?1")?
        .query_row([id], |r| r.get::<_, Option<Id>>(0))
        .optional()?
        .flatten())
}

pub fn updated_at(conn: &Connection, id: Id) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT updated_at FROM conversations WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?)
}

pub const COLUMNS: &str = "c.id, c.channel_account_id, c.client_json, c.status, c.operator_id, \
    c.group_id, c.status_changed_at, c.closed_by, c.last_message_at, \
    c.last_message_from_operator, c.last_message_preview, c.last_client_message_id, \
    c.created_at, c.updated_at";

/// Reads a conversation from a row selected with [`COLUMNS`] starting at `at`.
pub fn from_row(row: &Row<'_>, at: usize) -> rusqlite::Result<Conversation> {
    let client_json: String = row.get(at + 2)?;
    let client: Client = serde_json::from_str(&client_json).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(at + 2, rusqlite::types::Type::Text, e.into())
    })?;
    let status: String = row.get(at + 3)?;
    let status = ConversationStatus::parse(&status).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            at + 3,
            rusqlite::types::Type::Text,
            format!("unknown status {status}").into(),
        )
    })?;
    Ok(Conversation {
        id: row.get(at)?,
        channel_account_id: row.get(at + 1)?,
        client,
        status,
        operator_id: row.get(at + 4)?,
        group_id: row.get(at + 5)?,
        status_changed_at: row.get(at + 6)?,
        closed_by: row.get(at + 7)?,
        last_message_at: row.get(at + 8)?,
        last_message_from_operator: row.get(at + 9)?,
        last_message_preview: row.get(at + 10)?,
        last_client_message_id: row.get(at + 11)?,
        created_at: row.get(at + 12)?,
        updated_at: row.get(at + 13)?,
    })
}

pub fn get(conn: &Connection, id: Id) -> Result<Option<Conversation>> {
    let sql = format!("SELECT {COLUMNS} FROM conversations c WHERE c.id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], |r| from_row(r, 0))
        .optional()?)
}

/// A conversation is behind when the server says its last message is newer than its newest
/// cached one (or none is cached): its history must be fetched. The newest cached message by
/// id is one index seek per conversation; `max(created_at)` read every cached message (a
/// third of a second at each connect with 200k cached). A newer id never has an older time
/// than the one before it, and if it had, the conversation would be fetched once more, never
/// skipped.
const BEHIND: &str = "c.last_message_at > COALESCE(
        (SELECT m.created_at FROM messages m WHERE m.conversation_id = c.id
         ORDER BY m.id DESC LIMIT 1), -1)";

/// Which of `ids` are behind (see [`BEHIND`]).
pub fn needing_backfill(conn: &Connection, ids: &[Id]) -> Result<Vec<Id>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {BEHIND} FROM conversations c WHERE c.id = ?1"
    ))?;
    let mut out = Vec::new();
    for &id in ids {
        let behind: Option<bool> = stmt.query_row([id], |r| r.get(0)).optional()?;
        if behind == Some(true) {
            out.push(id);
        }
    }
    Ok(out)
}

/// Every cached conversation that is behind (see [`BEHIND`]), newest first; checked on
/// connect so a backfill lost to a disconnect is done later.
pub fn all_needing_backfill(conn: &Connection, limit: i64) -> Result<Vec<Id>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT c.id FROM conversations c WHERE {BEHIND} ORDER BY c.last_message_at DESC LIMIT ?1"
    ))?;
    let ids = stmt
        .query_map([limit], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<Id>>>()?;
    Ok(ids)
}

/// Deletes conversations the finished snapshot `gen` did not contain: they left the
/// operator's view while the cache was behind.
pub fn sweep_older_than(conn: &Connection, gen: i64) -> Result<usize> {
    Ok(conn.execute("DELETE FROM conversations WHERE snap_gen < ?1", [gen])?)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::cache::Cache;
    use switchboard_protocol::ConversationStatus;

    pub fn sample(id: Id, name: &str) -> Conversation {
        Conversation {
            id,
            channel_account_id: 1,
            client: Client {
                id: id + 1000,
                channel_account_id: 1,
                external_id: format!("ext-{id}"),
                original_name: name.to_owned(),
                display_name: name.to_owned(),
                blacklisted: false,
                pinned_operator_id: None,
                created_at: 1,
                contact: switchboard_protocol::ClientContact::default(),
                contact_hidden: false,
            },
            status: ConversationStatus::Unassigned,
            operator_id: None,
            group_id: None,
            status_changed_at: 10,
            closed_by: None,
            last_message_at: 10,
            last_message_from_operator: false,
            last_message_preview: String::new(),
            last_client_message_id: None,
            created_at: 1,
            updated_at: 10,
        }
    }

    #[test]
    fn upsert_get_remove() {
        let cache = Cache::open_in_memory().expect("cache");
        let c = cache.writer();
        let mut conv = sample(1, "Zoë");
        upsert(&c, &conv, 0).expect("insert");
        conv.status = ConversationStatus::Inbox;
        conv.client.display_name = "Zoe B".into();
        upsert(&c, &conv, 0).expect("update");
        assert_eq!(get(&c, 1).expect("get"), Some(conv));
        assert!(remove(&c, 1).expect("remove"));
        assert!(!exists(&c, 1).expect("exists"));
        assert!(!remove(&c, 1).expect("remove again"));
    }

    /// Behind: the server's last message is newer than the newest cached one, or none is
    /// cached. Listed newest first.
    #[test]
    fn conversations_behind_their_last_message_need_backfill() {
        use crate::cache::messages::{self, tests::sample as msg};
        use switchboard_protocol::MessageKind;
        let cache = Cache::open_in_memory().expect("cache");
        let c = cache.writer();
        // Message n is created at n * 10.
        let with_last = |id: Id, at: i64| {
            let mut conv = sample(id, "x");
            conv.last_message_at = at;
            upsert(&c, &conv, 0).expect("upsert");
        };
        with_last(1, 30); // cached up to its last message
        with_last(2, 90); // its newest cached message is older
        with_last(3, 50); // nothing cached
        for (id, conv) in [(1, 1), (3, 1), (2, 2), (4, 2)] {
            messages::upsert(&c, &msg(id, conv, MessageKind::Client, "hi")).expect("message");
        }
        assert_eq!(all_needing_backfill(&c, 10).expect("behind"), vec![2, 3]);
        assert_eq!(all_needing_backfill(&c, 1).expect("behind"), vec![2]);
        assert_eq!(
            needing_backfill(&c, &[1, 2, 3, 9]).expect("behind"),
            vec![2, 3]
        );
    }

    #[test]
    fn sweep_keeps_current_generation() {
        let cache = Cache::open_in_memory().expect("cache");
        let c = cache.writer();
        upsert(&c, &sample(1, "a"), 1).expect("old");
        upsert(&c, &sample(2, "b"), 2).expect("new");
        assert_eq!(sweep_older_than(&c, 2).expect("sweep"), 1);
        assert!(exists(&c, 2).expect("exists"));
    }
}
