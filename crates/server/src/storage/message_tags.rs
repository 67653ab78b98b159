//! The tags of one conversation's messages, for `GET /api/v1/message-tags`.

use crate::storage::sql::{self, Conn};
use switchboard_protocol::{Id, MessageTags};

/// Tagged messages of `conversation_id`, by message id, tag names alphabetical.
pub fn of_conversation(conn: &Conn<'_>, conversation_id: Id) -> sql::Result<Vec<MessageTags>> {
    let mut stmt = conn.prepare_cached(
        "SELECT m.id, t.name FROM message_tags mt
         JOIN messages m ON m.id = mt.message_id
         JOIN tags t ON t.id = mt.tag_id
         WHERE m.conversation_id = ?1 ORDER BY m.id, lower(t.name)",
    )?;
    let mut out: Vec<MessageTags> = Vec::new();
    let rows = stmt.query_map([conversation_id], |r| Ok((r.get::<Id>(0)?, r.get(1)?)))?;
    for row in rows {
        let (message_id, tag) = row?;
        match out.last_mut() {
            Some(last) if last.message_id == message_id => last.tags.push(tag),
            _ => out.push(MessageTags {
                message_id,
                conversation_id,
                tags: vec![tag],
            }),
        }
    }
    Ok(out)
}
