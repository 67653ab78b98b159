//! This operator's read positions, and the read calls still owed to the server.

use rusqlite::{params, Connection, OptionalExtension};
use switchboard_protocol::Id;

use crate::error::Result;

/// Moves the read position forward (never back: a late server record must not bring back an
/// unread mark the operator already cleared here). Ignored for uncached conversations.
pub fn advance(conn: &Connection, conversation_id: Id, last_read_message_id: Id) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO read_states (conversation_id, last_read_message_id)
         SELECT ?1, ?2 WHERE EXISTS (SELECT 1 FROM conversations WHERE id = ?1)
         ON CONFLICT(conversation_id) DO UPDATE SET
            last_read_message_id = max(last_read_message_id, excluded.last_read_message_id)",
    )?
    .execute(params![conversation_id, last_read_message_id])?;
    Ok(())
}

pub fn remove(conn: &Connection, conversation_id: Id) -> Result<()> {
    conn.prepare_cached("DELETE FROM read_states WHERE conversation_id = ?1")?
        .execute([conversation_id])?;
    Ok(())
}

pub fn get(conn: &Connection, conversation_id: Id) -> Result<Option<Id>> {
    Ok(conn
        .prepare_cached("SELECT last_read_message_id FROM read_states WHERE conversation_id = ?1")?
        .query_row([conversation_id], |r| r.get(0))
        .optional()?)
}

/// Queues a read call; a newer position replaces an older one not yet sent.
pub fn queue_read(conn: &Connection, conversation_id: Id, last_read_message_id: Id) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO pending_reads (conversation_id, last_read_message_id) VALUES (?1, ?2)
         ON CONFLICT(conversation_id) DO UPDATE SET
            last_read_message_id = max(last_read_message_id, excluded.last_read_message_id)",
    )?
    .execute(params![conversation_id, last_read_message_id])?;
    Ok(())
}

pub fn pending_reads(conn: &Connection, limit: i64) -> Result<Vec<(Id, Id)>> {
    let rows = conn
        .prepare_cached(
            "SELECT conversation_id, last_read_message_id FROM pending_reads
             ORDER BY conversation_id LIMIT ?1",
        )?
        .query_map([limit], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Forgets a sent read call, unless a newer position was queued meanwhile.
pub fn read_sent(conn: &Connection, conversation_id: Id, last_read_message_id: Id) -> Result<()> {
    conn.prepare_cached(
        "DELETE FROM pending_reads WHERE conversation_id = ?1 AND last_read_message_id <= ?2",
    )?
    .execute([conversation_id, last_read_message_id])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::{conversations, Cache};

    #[test]
    fn read_position_only_moves_forward_and_reads_collapse() {
        let cache = Cache::open_in_memory().expect("cache");
        let c = cache.writer();
        advance(&c, 1, 5).expect("uncached");
        assert_eq!(get(&c, 1).expect("get"), None);
        conversations::upsert(&c, &conversations::tests::sample(1, "a"), 0).expect("conv");
        advance(&c, 1, 5).expect("advance");
        advance(&c, 1, 3).expect("stale");
        assert_eq!(get(&c, 1).expect("get"), Some(5));

        queue_read(&c, 1, 4).expect("q");
        queue_read(&c, 1, 6).expect("q");
        queue_read(&c, 2, 1).expect("q");
        assert_eq!(pending_reads(&c, 10).expect("list"), vec![(1, 6), (2, 1)]);
        read_sent(&c, 1, 4).expect("older ack keeps the newer");
        assert_eq!(pending_reads(&c, 10).expect("list").len(), 2);
        read_sent(&c, 1, 6).expect("ack");
        assert_eq!(pending_reads(&c, 10).expect("list"), vec![(2, 1)]);
    }
}
