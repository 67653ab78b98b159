//! Queries on `messages`.

use crate::storage::sql::{self, params, Conn, Row};
use switchboard_protocol::{AttachmentRef, Delivery, Id, Message, MessageKind};

use super::{id_list, optional, parse_enum};

// The attachment's columns come through a renaming subquery so that the bare `id` and
// `conversation_id` of the callers' WHERE / ORDER BY clauses still mean the message's.
const SELECT: &str = "SELECT id, conversation_id, kind, text, operator_id, created_at, delivery,
    client_msg_id, delivery_error, att_id, att_name, att_size, att_type, att_sha FROM messages
    LEFT JOIN (SELECT id AS att_id, file_name AS att_name, size AS att_size,
                      content_type AS att_type, sha256 AS att_sha FROM attachments) AS att
      ON att_id = messages.attachment_id";

fn row_to_message(r: &Row<'_>) -> sql::Result<Message> {
    Ok(Message {
        id: r.get(0)?,
        conversation_id: r.get(1)?,
        kind: parse_enum(2, r.get(2)?, MessageKind::parse)?,
        text: r.get(3)?,
        operator_id: r.get(4)?,
        created_at: r.get(5)?,
        delivery: parse_enum(6, r.get(6)?, Delivery::parse)?,
        client_msg_id: r.get(7)?,
        delivery_error: r.get(8)?,
        attachment: match r.get::<Option<Id>>(9)? {
            Some(id) => Some(AttachmentRef {
                id,
                name: r.get(10)?,
                size: r.get(11)?,
                content_type: r.get(12)?,
                sha256: r.get(13)?,
            }),
            None => None,
        },
    })
}

/// Inserts `m` (its `id` is ignored) and returns the stored message.
pub fn insert(conn: &Conn<'_>, m: &Message, attachment_url: Option<&str>) -> sql::Result<Message> {
    let id = conn.insert(
        "INSERT INTO messages (conversation_id, kind, text, operator_id, created_at, delivery,
            client_msg_id, attachment_url, attachment_id, delivery_error)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        "id",
        params![
            m.conversation_id,
            m.kind.as_str(),
            m.text,
            m.operator_id,
            m.created_at,
            m.delivery.as_str(),
            m.client_msg_id,
            attachment_url,
            m.attachment.as_ref().map(|a| a.id),
            m.delivery_error,
        ],
    )?;
    Ok(Message { id, ..m.clone() })
}

pub fn get(conn: &Conn<'_>, conversation_id: Id, id: Id) -> sql::Result<Option<Message>> {
    optional(conn.query_row(
        &format!("{SELECT} WHERE conversation_id = ?1 AND id = ?2"),
        params![conversation_id, id],
        row_to_message,
    ))
}

pub fn by_client_msg_id(
    conn: &Conn<'_>,
    conversation_id: Id,
    client_msg_id: &str,
) -> sql::Result<Option<Message>> {
    optional(conn.query_row(
        &format!("{SELECT} WHERE conversation_id = ?1 AND client_msg_id = ?2"),
        params![conversation_id, client_msg_id],
        row_to_message,
    ))
}

/// Every message of one conversation, oldest first.
pub fn list_all(conn: &Conn<'_>, conversation_id: Id) -> sql::Result<Vec<Message>> {
    let mut stmt =
        conn.prepare_cached(&format!("{SELECT} WHERE conversation_id = ?1 ORDER BY id"))?;
    let rows = stmt.query_map([conversation_id], row_to_message)?;
    rows.collect()
}

/// Newest `limit` messages before `before_id` (all when `None`), returned oldest first, and
/// whether older ones exist.
pub fn page(
    conn: &Conn<'_>,
    conversation_id: Id,
    before_id: Option<Id>,
    limit: i64,
) -> sql::Result<(Vec<Message>, bool)> {
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} WHERE conversation_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3"
    ))?;
    let mut rows = stmt
        .query_map(
            params![conversation_id, before_id.unwrap_or(i64::MAX), limit + 1],
            row_to_message,
        )?
        .collect::<sql::Result<Vec<_>>>()?;
    let has_more = rows.len() as i64 > limit;
    rows.truncate(limit.max(0) as usize);
    rows.reverse();
    Ok((rows, has_more))
}

/// Every message of these conversations, by conversation then id.
pub fn list_for_conversations(conn: &Conn<'_>, ids: &[Id]) -> sql::Result<Vec<Message>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare(&format!(
        "{SELECT} WHERE conversation_id IN ({}) ORDER BY conversation_id, id",
        id_list(ids)
    ))?;
    let rows = stmt.query_map((), row_to_message)?;
    rows.collect()
}

/// A message of company `company_id` by id alone (retry, tags), with its conversation id.
pub fn get_in_company(conn: &Conn<'_>, company_id: Id, id: Id) -> sql::Result<Option<Message>> {
    optional(conn.query_row(
        &format!(
            "{SELECT} WHERE id = ?2
               AND conversation_id IN (SELECT id FROM conversations WHERE company_id = ?1)"
        ),
        params![company_id, id],
        row_to_message,
    ))
}

/// Sets a message's `delivery` with its reason: `error` is kept only for `failed`, so any
/// other state (a Retry re-queuing it, a delivery) clears the last reason.
pub fn set_delivery(
    conn: &Conn<'_>,
    id: Id,
    delivery: Delivery,
    error: Option<&str>,
) -> sql::Result<()> {
    let error = error.filter(|_| delivery == Delivery::Failed);
    conn.execute(
        "UPDATE messages SET delivery = ?2, delivery_error = ?3 WHERE id = ?1",
        params![id, delivery.as_str(), error],
    )?;
    Ok(())
}

/// Whether a client or operator message of `conversation_id` carries attachment `id` (what
/// the client may see; a note's file stays on the desk).
pub fn client_sees_attachment(
    conn: &Conn<'_>,
    conversation_id: Id,
    attachment_id: Id,
) -> sql::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM messages WHERE conversation_id = ?1 AND attachment_id = ?2
           AND kind IN ('client', 'operator'))",
        params![conversation_id, attachment_id],
        |r| r.get(0),
    )
}

/// A client's edit of their message (the search index follows by its trigger).
pub fn set_text(conn: &Conn<'_>, id: Id, text: &str) -> sql::Result<()> {
    conn.execute(
        "UPDATE messages SET text = ?2 WHERE id = ?1",
        params![id, text],
    )?;
    Ok(())
}
