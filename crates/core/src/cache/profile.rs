//! Cached client notes, the company's tags and each message's tags. Notes and message tags
//! go with their conversation (triggers of schema 2 delete them with it).

use rusqlite::{params, Connection};
use switchboard_protocol::{ClientNote, Id, MessageTags, Tag};

use crate::error::{CoreError, Result};

pub fn upsert_note(conn: &Connection, n: &ClientNote) -> Result<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO client_notes (id, client_id, conversation_id, operator_id,
            operator_name, text, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        n.id,
        n.client_id,
        n.conversation_id,
        n.operator_id,
        n.operator_name,
        n.text,
        n.created_at
    ])?;
    Ok(())
}

pub fn remove_note(conn: &Connection, id: Id) -> Result<()> {
    conn.execute("DELETE FROM client_notes WHERE id = ?1", [id])?;
    Ok(())
}

/// Replaces one client's notes with the server's list.
pub fn replace_notes(conn: &mut Connection, client_id: Id, notes: &[ClientNote]) -> Result<()> {
    let tx = conn.transaction()?;
    tx.execute("DELETE FROM client_notes WHERE client_id = ?1", [client_id])?;
    for n in notes {
        upsert_note(&tx, n)?;
    }
    tx.commit()?;
    Ok(())
}

/// A client's notes, oldest first.
pub fn notes(conn: &Connection, client_id: Id) -> Result<Vec<ClientNote>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, client_id, conversation_id, operator_id, text, created_at, operator_name
         FROM client_notes WHERE client_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([client_id], |r| {
        Ok(ClientNote {
            id: r.get(0)?,
            client_id: r.get(1)?,
            conversation_id: r.get(2)?,
            operator_id: r.get(3)?,
            operator_name: r.get(6)?,
            text: r.get(4)?,
            created_at: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn upsert_tag(conn: &Connection, t: &Tag) -> Result<()> {
    conn.prepare_cached("INSERT OR REPLACE INTO tags (id, name) VALUES (?1, ?2)")?
        .execute(params![t.id, t.name])?;
    Ok(())
}

pub fn remove_tag(conn: &Connection, id: Id) -> Result<()> {
    conn.execute("DELETE FROM tags WHERE id = ?1", [id])?;
    Ok(())
}

pub fn replace_tags(conn: &mut Connection, all: &[Tag]) -> Result<()> {
    let tx = conn.transaction()?;
    tx.execute("DELETE FROM tags", [])?;
    for t in all {
        upsert_tag(&tx, t)?;
    }
    tx.commit()?;
    Ok(())
}

pub fn tags(conn: &Connection) -> Result<Vec<Tag>> {
    let mut stmt = conn.prepare_cached("SELECT id, name FROM tags ORDER BY name COLLATE NOCASE")?;
    let rows = stmt.query_map([], |r| {
        Ok(Tag {
            id: r.get(0)?,
            name: r.get(1)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn set_message_tags(conn: &Connection, t: &MessageTags) -> Result<()> {
    let json = serde_json::to_string(&t.tags).map_err(|e| CoreError::Protocol(e.to_string()))?;
    conn.prepare_cached(
        "INSERT OR REPLACE INTO message_tags (message_id, conversation_id, tags) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![t.message_id, t.conversation_id, json])?;
    Ok(())
}

/// Forgets the cached tags of one conversation's messages (before storing the server's).
pub fn clear_conversation_tags(conn: &Connection, conversation_id: Id) -> Result<()> {
    conn.prepare_cached("DELETE FROM message_tags WHERE conversation_id = ?1")?
        .execute([conversation_id])?;
    Ok(())
}

pub fn remove_message_tags(conn: &Connection, message_id: Id) -> Result<()> {
    conn.execute(
        "DELETE FROM message_tags WHERE message_id = ?1",
        [message_id],
    )?;
    Ok(())
}

/// The tags of a conversation's tagged messages.
pub fn message_tags(conn: &Connection, conversation_id: Id) -> Result<Vec<MessageTags>> {
    let mut stmt = conn.prepare_cached(
        "SELECT message_id, tags FROM message_tags WHERE conversation_id = ?1 ORDER BY message_id",
    )?;
    let rows = stmt.query_map([conversation_id], |r| {
        Ok((r.get::<_, Id>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (message_id, json) = row?;
        let tags =
            serde_json::from_str(&json).map_err(|e| CoreError::CacheCorrupt(e.to_string()))?;
        out.push(MessageTags {
            message_id,
            conversation_id,
            tags,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::{conversations, messages, Cache};
    use switchboard_protocol::{Delivery, Message, MessageKind};

    #[test]
    fn notes_and_message_tags_go_with_their_conversation() {
        let cache = Cache::open_in_memory().expect("cache");
        let mut conn = cache.writer();
        let conv = conversations::tests::sample(5, "Tom");
        conversations::upsert(&conn, &conv, 0).expect("conv");
        messages::upsert(
            &conn,
            &Message {
                id: 50,
                conversation_id: 5,
                kind: MessageKind::Client,
                text: "my order is late".into(),
                operator_id: None,
                created_at: 1,
                delivery: Delivery::Delivered,
                client_msg_id: None,
                attachment: None,
                delivery_error: None,
            },
        )
        .expect("message");
        let note = ClientNote {
            id: 1,
            client_id: conv.client.id,
            conversation_id: 5,
            operator_id: 7,
            operator_name: "Anna".into(),
            text: "VIP".into(),
            created_at: 2,
        };
        upsert_note(&conn, &note).expect("note");
        let tagged = MessageTags {
            message_id: 50,
            conversation_id: 5,
            tags: vec!["Complaint".into()],
        };
        set_message_tags(&conn, &tagged).expect("tags");
        replace_tags(
            &mut conn,
            &[Tag {
                id: 3,
                name: "Complaint".into(),
            }],
        )
        .expect("tags");
        assert_eq!(notes(&conn, conv.client.id).expect("notes"), [note]);
        assert_eq!(message_tags(&conn, 5).expect("tags"), [tagged]);
        assert_eq!(tags(&conn).expect("tags").len(), 1);

        conversations::remove(&conn, 5).expect("remove");
        assert!(notes(&conn, conv.client.id).expect("notes").is_empty());
        assert!(message_tags(&conn, 5).expect("tags").is_empty());
        // Tags are company-wide: they stay.
        assert_eq!(tags(&conn).expect("tags").len(), 1);
    }
}
