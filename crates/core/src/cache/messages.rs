//! Cached messages of cached conversations.

use rusqlite::{params, Connection, Row};
use switchboard_protocol::{Delivery, Id, Message, MessageKind};

use crate::error::Result;

/// Stores the server's reply to a send (the message as the send stored it) unless the change
/// stream already brought the message: a change record is never older than the reply (the
/// insert itself is one), and a later one (a LiveChat answer `delivered` at once) can arrive
/// before the reply does. Returns whether it was stored.
pub fn store_reply(conn: &Connection, m: &Message) -> Result<bool> {
    let known: bool = conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM messages WHERE id = ?1)")?
        .query_row([m.id], |r| r.get(0))?;
    if known {
        return Ok(false);
    }
    upsert(conn, m)
}

/// Stores the server's reply to a retry (the message queued again) only while the cache still
/// has it failed: the retry's own change record, and the delivery right after it, can arrive
/// on the stream before the reply does, and the reply must not take them back. Returns whether
/// it was stored.
pub fn store_retry_reply(conn: &Connection, m: &Message) -> Result<bool> {
    let still_failed: bool = conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM messages WHERE id = ?1 AND delivery = ?2)")?
        .query_row(params![m.id, Delivery::Failed.as_str()], |r| r.get(0))?;
    if !still_failed {
        return Ok(false);
    }
    upsert(conn, m)
}

/// The message upsert, with the row's source: `VALUES` or a guarded `SELECT`.
macro_rules! upsert_sql {
    ($source:literal) => {
        concat!(
            "INSERT INTO messages (id, conversation_id, kind, text, operator_id, created_at,
                                   delivery, client_msg_id, attachment, delivery_error) ",
            $source,
            " ON CONFLICT(id) DO UPDATE SET
                conversation_id = excluded.conversation_id,
                kind = excluded.kind,
                text = excluded.text,
                operator_id = excluded.operator_id,
                created_at = excluded.created_at,
                delivery = excluded.delivery,
                client_msg_id = excluded.client_msg_id,
                attachment = excluded.attachment,
                delivery_error = excluded.delivery_error"
        )
    };
}

/// Stores a message if its conversation is cached. A message of a conversation the cache does
/// not have is dropped on purpose: the conversation's upsert that follows finds its history
/// missing and fetches it (see `needing_backfill`). Returns whether it was stored.
pub fn upsert(conn: &Connection, m: &Message) -> Result<bool> {
    write(
        conn,
        upsert_sql!(
            "SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10
             WHERE EXISTS (SELECT 1 FROM conversations WHERE id = ?2)"
        ),
        m,
    )
}

/// Stores a message whose conversation the caller has just written in the same transaction
/// (a snapshot page's): [`upsert`] without the lookup that guards it.
pub fn upsert_in_cached(conn: &Connection, m: &Message) -> Result<bool> {
    write(
        conn,
        upsert_sql!("VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"),
        m,
    )
}

fn write(conn: &Connection, sql: &str, m: &Message) -> Result<bool> {
    let n = conn.prepare_cached(sql)?.execute(params![
        m.id,
        m.conversation_id,
        m.kind.as_str(),
        m.text,
        m.operator_id,
        m.created_at,
        m.delivery.as_str(),
        m.client_msg_id,
        m.attachment
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| crate::error::CoreError::Protocol(e.to_string()))?,
        m.delivery_error,
    ])?;
    Ok(n > 0)
}

/// Returns the conversation the removed message belonged to.
pub fn remove(conn: &Connection, id: Id) -> Result<Option<Id>> {
    let conv: Option<Id> = rusqlite::OptionalExtension::optional(
        conn.prepare_cached("DELETE FROM messages WHERE id = ?1 RETURNING conversation_id")?
            .query_row([id], |r| r.get(0)),
    )?;
    Ok(conv)
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<Message> {
    let bad = |i: usize, v: String| {
        rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Text,
            format!("unknown value {v}").into(),
        )
    };
    let kind: String = row.get(2)?;
    let delivery: String = row.get(6)?;
    Ok(Message {
        id: row.get(0)?,
        conversation_id: row.get(1)?,
        kind: MessageKind::parse(&kind).ok_or_else(|| bad(2, kind.clone()))?,
        text: row.get(3)?,
        operator_id: row.get(4)?,
        created_at: row.get(5)?,
        delivery: Delivery::parse(&delivery).ok_or_else(|| bad(6, delivery.clone()))?,
        client_msg_id: row.get(7)?,
        // Written by `upsert` from the same type: unreadable JSON means a damaged row, and the
        // message is still worth showing without its file.
        attachment: row
            .get::<_, Option<String>>(8)?
            .and_then(|j| serde_json::from_str(&j).ok()),
        delivery_error: row.get(9)?,
    })
}

/// The query of [`page`]; public so a test can check its plan on a long history.
pub const PAGE_SQL: &str = "SELECT id, conversation_id, kind, text, operator_id, created_at,
        delivery, client_msg_id, attachment, delivery_error FROM messages
     WHERE conversation_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3";

/// Up to `limit` messages of a conversation older than `before_id` (all when `None`), oldest
/// first.
pub fn page(
    conn: &Connection,
    conversation_id: Id,
    before_id: Option<Id>,
    limit: u32,
) -> Result<Vec<Message>> {
    let mut rows = conn
        .prepare_cached(PAGE_SQL)?
        .query_map(
            params![conversation_id, before_id.unwrap_or(i64::MAX), limit],
            from_row,
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.reverse();
    Ok(rows)
}

pub fn has_older(conn: &Connection, conversation_id: Id, before_id: Id) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM messages WHERE conversation_id = ?1 AND id < ?2)",
        )?
        .query_row([conversation_id, before_id], |r| r.get(0))?)
}

/// Newest cached message id of a conversation.
pub fn newest_id(conn: &Connection, conversation_id: Id) -> Result<Option<Id>> {
    Ok(conn
        .prepare_cached("SELECT max(id) FROM messages WHERE conversation_id = ?1")?
        .query_row([conversation_id], |r| r.get(0))?)
}

/// Newest cached message's `created_at` of a conversation.
pub fn newest_created_at(conn: &Connection, conversation_id: Id) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT max(created_at) FROM messages WHERE conversation_id = ?1")?
        .query_row([conversation_id], |r| r.get(0))?)
}

pub fn count(conn: &Connection, conversation_id: Id) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT count(*) FROM messages WHERE conversation_id = ?1")?
        .query_row([conversation_id], |r| r.get(0))?)
}

/// The attachment `id` as a cached message carries it.
pub fn attachment(
    conn: &Connection,
    id: Id,
) -> Result<Option<switchboard_protocol::AttachmentRef>> {
    let json: Option<String> = rusqlite::OptionalExtension::optional(
        conn.prepare_cached(
            "SELECT attachment FROM messages
             WHERE attachment IS NOT NULL AND json_extract(attachment, '$.id') = ?1 LIMIT 1",
        )?
        .query_row([id], |r| r.get(0)),
    )?;
    json.map(|j| serde_json::from_str(&j))
        .transpose()
        .map_err(|e| crate::error::CoreError::Protocol(format!("cached attachment {id}: {e}")))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::cache::{conversations, Cache};

    pub fn sample(id: Id, conversation_id: Id, kind: MessageKind, text: &str) -> Message {
        Message {
            id,
            conversation_id,
            kind,
            text: text.to_owned(),
            operator_id: None,
            created_at: id * 10,
            delivery: Delivery::Sent,
            client_msg_id: None,
            attachment: None,
            delivery_error: None,
        }
    }

    #[test]
    fn messages_need_their_conversation_and_page_oldest_first() {
        let cache = Cache::open_in_memory().expect("cache");
        let c = cache.writer();
        assert!(!upsert(&c, &sample(1, 5, MessageKind::Client, "orphan")).expect("orphan"));
        conversations::upsert(&c, &conversations::tests::sample(5, "x"), 0).expect("conv");
        for id in 1..=10 {
            assert!(upsert(&c, &sample(id, 5, MessageKind::Client, "hi")).expect("msg"));
        }
        let newest = page(&c, 5, None, 3).expect("page");
        assert_eq!(
            newest.iter().map(|m| m.id).collect::<Vec<_>>(),
            vec![8, 9, 10]
        );
        let older = page(&c, 5, Some(8), 3).expect("older");
        assert_eq!(
            older.iter().map(|m| m.id).collect::<Vec<_>>(),
            vec![5, 6, 7]
        );
        assert!(has_older(&c, 5, 5).expect("older?"));
        assert!(!has_older(&c, 5, 1).expect("older?"));
        assert_eq!(remove(&c, 10).expect("rm"), Some(5));
        assert_eq!(newest_id(&c, 5).expect("newest"), Some(9));
        conversations::remove(&c, 5).expect("rm conv");
        assert_eq!(count(&c, 5).expect("count"), 0, "cascade");
    }

    #[test]
    fn a_failed_delivery_keeps_its_reason_until_the_server_clears_it() {
        let cache = Cache::open_in_memory().expect("cache");
        let c = cache.writer();
        conversations::upsert(&c, &conversations::tests::sample(5, "x"), 0).expect("conv");
        let failed = Message {
            delivery: Delivery::Failed,
            delivery_error: Some("The channel's callback answered 404 Not Found".into()),
            ..sample(1, 5, MessageKind::Operator, "Your parcel left")
        };
        upsert(&c, &failed).expect("failed");
        assert_eq!(page(&c, 5, None, 10).expect("page"), vec![failed.clone()]);
        let delivered = Message {
            delivery: Delivery::Delivered,
            delivery_error: None,
            ..failed
        };
        upsert(&c, &delivered).expect("delivered");
        assert_eq!(page(&c, 5, None, 10).expect("page")[0].delivery_error, None);
    }

    #[test]
    fn a_send_reply_never_takes_back_what_the_stream_already_said() {
        let cache = Cache::open_in_memory().expect("cache");
        let c = cache.writer();
        conversations::upsert(&c, &conversations::tests::sample(5, "x"), 0).expect("conv");
        let reply = sample(1, 5, MessageKind::Operator, "Yes, in 3 days");
        // The stream was first: the answer reached the visitor's socket before the reply came.
        let delivered = Message {
            delivery: Delivery::Delivered,
            ..reply.clone()
        };
        upsert(&c, &delivered).expect("stream");
        assert!(
            !store_reply(&c, &reply).expect("reply"),
            "the reply is older"
        );
        assert_eq!(
            page(&c, 5, None, 10).expect("page")[0].delivery,
            Delivery::Delivered
        );
        // The reply first: it is stored.
        let other = sample(2, 5, MessageKind::Operator, "Anything else?");
        assert!(store_reply(&c, &other).expect("reply"));
        assert_eq!(page(&c, 5, None, 10).expect("page").len(), 2);
    }

    #[test]
    fn a_retry_reply_never_takes_back_what_the_stream_already_said() {
        let cache = Cache::open_in_memory().expect("cache");
        let c = cache.writer();
        conversations::upsert(&c, &conversations::tests::sample(5, "x"), 0).expect("conv");
        let base = sample(1, 5, MessageKind::Operator, "Your refund is on its way");
        let with = |delivery| Message {
            delivery,
            ..base.clone()
        };
        upsert(&c, &with(Delivery::Failed)).expect("failed");
        // The stream was first: queued again and delivered before the retry's reply came.
        upsert(&c, &with(Delivery::Delivered)).expect("stream");
        assert!(!store_retry_reply(&c, &with(Delivery::Pending)).expect("reply"));
        assert_eq!(
            page(&c, 5, None, 10).expect("page")[0].delivery,
            Delivery::Delivered
        );
        // The reply first: the failed message shows as queued again.
        upsert(&c, &with(Delivery::Failed)).expect("failed again");
        assert!(store_retry_reply(&c, &with(Delivery::Pending)).expect("reply"));
        assert_eq!(
            page(&c, 5, None, 10).expect("page")[0].delivery,
            Delivery::Pending
        );
    }
}
