//! The persisted outbox table: sends, conversation actions and edits in insertion order, each
//! with the idempotency key the server dedups on (`client_msg_id` / `action_id` /
//! `Idempotency-Key`).

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};
use switchboard_protocol::{ConversationAction, ErrorFacts, Id, MessageKind, Millis};

use crate::error::{CoreError, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    Send { text: String, kind: MessageKind },
    Action(ConversationAction),
    Edit(Edit),
}

/// A change to a client or to messages made offline (stored as JSON in the `action` column).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "edit", rename_all = "snake_case")]
pub enum Edit {
    RenameClient {
        client_id: Id,
        display_name: String,
    },
    AddNote {
        client_id: Id,
        text: String,
    },
    TagMessages {
        message_ids: Vec<Id>,
        tag: String,
        /// The messages the cache showed the tag on only because of this edit (undone when
        /// the server refuses it).
        #[serde(default)]
        added: Vec<Id>,
    },
}

/// The server's refusal of an item, kept as the server structured it (stored as JSON in the
/// `failed` column), so the UI reads fields rather than parsing the sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    /// The server's error code (`conflict`, `forbidden`, …).
    pub code: String,
    /// The server's sentence.
    pub message: String,
    #[serde(default)]
    pub detail: Option<ErrorFacts>,
}

impl Refusal {
    /// What the server said, as it said it; other failures keep their sentence.
    pub fn of(e: &CoreError) -> Self {
        match e {
            CoreError::Api {
                code,
                message,
                detail,
                ..
            } => Refusal {
                code: code.clone(),
                message: message.clone(),
                detail: detail.clone(),
            },
            other => Refusal {
                code: "refused".into(),
                message: other.to_string(),
                detail: None,
            },
        }
    }

    /// Reads the `failed` column: JSON, or the plain sentence older versions stored.
    fn from_column(text: String) -> Self {
        serde_json::from_str(&text).unwrap_or(Refusal {
            code: "refused".into(),
            message: text,
            detail: None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Insertion order.
    pub seq: i64,
    /// `client_msg_id` of a send, `action_id` of an action (a UUID).
    pub id: String,
    pub conversation_id: Id,
    pub payload: Payload,
    pub created_at: Millis,
    /// The server's refusal; a failed item waits for the operator (retry or discard).
    pub failed: Option<Refusal>,
}

pub fn push(
    conn: &Connection,
    id: &str,
    conversation_id: Id,
    payload: &Payload,
    created_at: Millis,
) -> Result<()> {
    insert(conn, None, id, conversation_id, payload, created_at, None)
}

/// Queues an item again exactly as it was (seq, id, failure), e.g. one kept from a damaged
/// cache: its seq keeps its place in the queue, its id keeps the server's dedup working.
pub fn restore(conn: &Connection, item: &Item) -> Result<()> {
    let failed = item.failed.as_ref().map(json).transpose()?;
    insert(
        conn,
        Some(item.seq),
        &item.id,
        item.conversation_id,
        &item.payload,
        item.created_at,
        failed.as_deref(),
    )
}

/// One row; a `None` seq takes the next one (AUTOINCREMENT), so a new item goes last.
fn insert(
    conn: &Connection,
    seq: Option<i64>,
    id: &str,
    conversation_id: Id,
    payload: &Payload,
    created_at: Millis,
    failed: Option<&str>,
) -> Result<()> {
    let Columns {
        item,
        text,
        kind,
        action,
    } = encode(payload)?;
    conn.prepare_cached(
        "INSERT INTO outbox (seq, id, conversation_id, item, text, kind, action, created_at, failed)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        seq,
        id,
        conversation_id,
        item,
        text,
        kind,
        action,
        created_at,
        failed
    ])?;
    Ok(())
}

/// The `item`, `text`, `kind` and `action` columns of a payload.
struct Columns<'a> {
    item: &'static str,
    text: Option<&'a str>,
    kind: Option<&'static str>,
    action: Option<String>,
}

fn encode(payload: &Payload) -> Result<Columns<'_>> {
    let (item, text, kind, action) = match payload {
        Payload::Send { text, kind } => ("send", Some(text.as_str()), Some(kind.as_str()), None),
        Payload::Action(a) => ("action", None, None, Some(json(a)?)),
        Payload::Edit(e) => ("edit", None, None, Some(json(e)?)),
    };
    Ok(Columns {
        item,
        text,
        kind,
        action,
    })
}

fn json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| CoreError::Protocol(e.to_string()))
}

const COLUMNS: &str = "seq, id, conversation_id, item, text, kind, action, created_at, failed";

fn from_row(row: &Row<'_>) -> rusqlite::Result<Item> {
    let bad = |i: usize, what: String| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, what.into())
    };
    let item: String = row.get(3)?;
    let payload = match item.as_str() {
        "send" => {
            let kind: String = row.get(5)?;
            Payload::Send {
                text: row.get(4)?,
                kind: MessageKind::parse(&kind).ok_or_else(|| bad(5, kind.clone()))?,
            }
        }
        "edit" => {
            let edit: String = row.get(6)?;
            Payload::Edit(serde_json::from_str(&edit).map_err(|e| bad(6, e.to_string()))?)
        }
        _ => {
            let action: String = row.get(6)?;
            Payload::Action(serde_json::from_str(&action).map_err(|e| bad(6, e.to_string()))?)
        }
    };
    Ok(Item {
        seq: row.get(0)?,
        id: row.get(1)?,
        conversation_id: row.get(2)?,
        payload,
        created_at: row.get(7)?,
        failed: row.get::<_, Option<String>>(8)?.map(Refusal::from_column),
    })
}

/// The oldest item not marked failed: the one the flusher must send next.
pub fn next_ready(conn: &Connection) -> Result<Option<Item>> {
    let sql = format!("SELECT {COLUMNS} FROM outbox WHERE failed IS NULL ORDER BY seq LIMIT 1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([], from_row)
        .optional()?)
}

pub fn get_by_seq(conn: &Connection, seq: i64) -> Result<Option<Item>> {
    let sql = format!("SELECT {COLUMNS} FROM outbox WHERE seq = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([seq], from_row)
        .optional()?)
}

pub fn get(conn: &Connection, id: &str) -> Result<Option<Item>> {
    let sql = format!("SELECT {COLUMNS} FROM outbox WHERE id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], from_row)
        .optional()?)
}

pub fn for_conversation(conn: &Connection, conversation_id: Id) -> Result<Vec<Item>> {
    let sql = format!("SELECT {COLUMNS} FROM outbox WHERE conversation_id = ?1 ORDER BY seq");
    let items = conn
        .prepare_cached(&sql)?
        .query_map([conversation_id], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(items)
}

pub fn all(conn: &Connection) -> Result<Vec<Item>> {
    let sql = format!("SELECT {COLUMNS} FROM outbox ORDER BY seq");
    let items = conn
        .prepare_cached(&sql)?
        .query_map([], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(items)
}

/// Returns the conversation of the deleted item.
pub fn delete(conn: &Connection, id: &str) -> Result<Option<Id>> {
    Ok(conn
        .prepare_cached("DELETE FROM outbox WHERE id = ?1 RETURNING conversation_id")?
        .query_row([id], |r| r.get(0))
        .optional()?)
}

pub fn mark_failed(conn: &Connection, id: &str, refusal: &Refusal) -> Result<()> {
    conn.prepare_cached("UPDATE outbox SET failed = ?2 WHERE id = ?1")?
        .execute(params![id, json(refusal)?])?;
    Ok(())
}

/// Puts a failed item back in the queue (at its original place). Returns its conversation.
pub fn retry(conn: &Connection, id: &str) -> Result<Option<Id>> {
    Ok(conn
        .prepare_cached(
            "UPDATE outbox SET failed = NULL WHERE id = ?1 AND failed IS NOT NULL
             RETURNING conversation_id",
        )?
        .query_row([id], |r| r.get(0))
        .optional()?)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::cache::Cache;

    pub(crate) fn refused(message: &str) -> Refusal {
        Refusal {
            code: "forbidden".into(),
            message: message.into(),
            detail: None,
        }
    }

    fn send(text: &str) -> Payload {
        Payload::Send {
            text: text.into(),
            kind: MessageKind::Operator,
        }
    }

    #[test]
    fn items_come_out_in_insertion_order_skipping_failed() {
        let cache = Cache::open_in_memory().expect("cache");
        let c = cache.writer();
        push(&c, "a", 1, &send("one"), 1).expect("push");
        push(&c, "b", 2, &Payload::Action(ConversationAction::Close), 2).expect("push");
        push(&c, "c", 1, &send("three"), 3).expect("push");
        assert!(push(&c, "a", 1, &send("dup"), 4).is_err(), "ids are unique");

        assert_eq!(
            next_ready(&c).expect("next").map(|i| i.id),
            Some("a".into())
        );
        delete(&c, "a").expect("ack");
        let b = next_ready(&c).expect("next").expect("b");
        assert_eq!(b.payload, Payload::Action(ConversationAction::Close));
        mark_failed(&c, "b", &refused("not allowed")).expect("fail");
        assert_eq!(
            next_ready(&c).expect("next").map(|i| i.id),
            Some("c".into())
        );
        assert_eq!(retry(&c, "b").expect("retry"), Some(2));
        assert_eq!(retry(&c, "b").expect("retry twice"), None);
        assert_eq!(
            next_ready(&c).expect("next").map(|i| i.id),
            Some("b".into())
        );
        assert_eq!(
            all(&c)
                .expect("all")
                .iter()
                .map(|i| i.id.as_str())
                .collect::<Vec<_>>(),
            vec!["b", "c"]
        );
        assert_eq!(for_conversation(&c, 1).expect("conv").len(), 1);
    }
}
