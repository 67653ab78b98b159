//! What a queued edit or Start shows before the server has it (optimistic cache writes), and
//! undoing that when the server refuses. The server's answer or its change records replace
//! these rows later; `updated_at` is left alone so that answer always wins.

use rusqlite::{Connection, OptionalExtension};
use switchboard_protocol::{ConversationStatus, Id, MessageTags};

use super::{conversations, meta, profile};
use crate::error::Result;

/// The cached conversation of a client.
pub fn conversation_of_client(conn: &Connection, client_id: Id) -> Result<Option<Id>> {
    Ok(conn
        .prepare_cached("SELECT id FROM conversations WHERE client_id = ?1")?
        .query_row([client_id], |r| r.get(0))
        .optional()?)
}

/// The cached conversation of a message.
pub fn conversation_of_message(conn: &Connection, message_id: Id) -> Result<Option<Id>> {
    Ok(conn
        .prepare_cached("SELECT conversation_id FROM messages WHERE id = ?1")?
        .query_row([message_id], |r| r.get(0))
        .optional()?)
}

/// Shows the client of `conversation_id` under `name`.
pub fn rename_client(conn: &Connection, conversation_id: Id, name: &str) -> Result<()> {
    if let Some(mut conv) = conversations::get(conn, conversation_id)? {
        conv.client.display_name = name.to_owned();
        conversations::upsert(conn, &conv, meta::generation(conn)?)?;
    }
    Ok(())
}

/// Shows `conversation_id` in `operator_id`'s inbox (a queued Start).
pub fn start(conn: &Connection, conversation_id: Id, operator_id: Id) -> Result<()> {
    if let Some(mut conv) = conversations::get(conn, conversation_id)? {
        conv.status = ConversationStatus::Inbox;
        conv.operator_id = Some(operator_id);
        conversations::upsert(conn, &conv, meta::generation(conn)?)?;
    }
    Ok(())
}

fn tags_of(conn: &Connection, message_id: Id) -> Result<Vec<String>> {
    let json: Option<String> = conn
        .prepare_cached("SELECT tags FROM message_tags WHERE message_id = ?1")?
        .query_row([message_id], |r| r.get(0))
        .optional()?;
    Ok(json
        .and_then(|j| serde_json::from_str(&j).ok())
        .unwrap_or_default())
}

/// Adds `tag` to the cached messages that lack it (any case); returns those messages.
pub fn add_tag(conn: &Connection, message_ids: &[Id], tag: &str) -> Result<Vec<Id>> {
    let mut added = Vec::new();
    for &message_id in message_ids {
        let Some(conversation_id) = conversation_of_message(conn, message_id)? else {
            continue;
        };
        let mut tags = tags_of(conn, message_id)?;
        if tags.iter().any(|t| t.eq_ignore_ascii_case(tag)) {
            continue;
        }
        tags.push(tag.to_owned());
        tags.sort_by_key(|t| t.to_lowercase());
        profile::set_message_tags(
            conn,
            &MessageTags {
                message_id,
                conversation_id,
                tags,
            },
        )?;
        added.push(message_id);
    }
    Ok(added)
}

/// Takes `tag` off the given cached messages again.
pub fn remove_tag(conn: &Connection, message_ids: &[Id], tag: &str) -> Result<()> {
    for &message_id in message_ids {
        let Some(conversation_id) = conversation_of_message(conn, message_id)? else {
            continue;
        };
        let mut tags = tags_of(conn, message_id)?;
        tags.retain(|t| t != tag);
        if tags.is_empty() {
            profile::remove_message_tags(conn, message_id)?;
        } else {
            profile::set_message_tags(
                conn,
                &MessageTags {
                    message_id,
                    conversation_id,
                    tags,
                },
            )?;
        }
    }
    Ok(())
}
