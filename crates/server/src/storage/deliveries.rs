//! Queries on `deliveries`, the persistent queue of operator messages to deliver.

use crate::storage::sql::{self, params, Conn, Row};
use switchboard_protocol::Id;

use super::optional;

/// Where a message stands in the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Queued,
    Sending,
    Delivered,
    Failed,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sending => "sending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "queued" => Self::Queued,
            "sending" => Self::Sending,
            "delivered" => Self::Delivered,
            "failed" => Self::Failed,
            _ => return None,
        })
    }
}

/// One queue row.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub message_id: Id,
    pub conversation_id: Id,
    pub channel_account_id: Id,
    pub state: State,
    pub attempts: u32,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub platform_message_id: Option<String>,
    pub idempotency_key: String,
}

const SELECT: &str = "SELECT message_id, conversation_id, channel_account_id, state, attempts,
    next_attempt_at, last_error, platform_message_id, idempotency_key FROM deliveries";

fn row_to_delivery(r: &Row<'_>) -> sql::Result<Delivery> {
    Ok(Delivery {
        message_id: r.get(0)?,
        conversation_id: r.get(1)?,
        channel_account_id: r.get(2)?,
        state: super::parse_enum(3, r.get(3)?, State::parse)?,
        attempts: r.get(4)?,
        next_attempt_at: r.get(5)?,
        last_error: r.get(6)?,
        platform_message_id: r.get(7)?,
        idempotency_key: r.get(8)?,
    })
}

/// Queues `message_id` for delivery now.
pub fn enqueue(
    conn: &Conn<'_>,
    message_id: Id,
    conversation_id: Id,
    channel_account_id: Id,
    idempotency_key: &str,
    now: i64,
) -> sql::Result<()> {
    conn.execute(
        "INSERT INTO deliveries (message_id, conversation_id, channel_account_id, state,
            next_attempt_at, idempotency_key) VALUES (?1, ?2, ?3, 'queued', ?4, ?5)",
        params![
            message_id,
            conversation_id,
            channel_account_id,
            now,
            idempotency_key
        ],
    )?;
    Ok(())
}

pub fn get(conn: &Conn<'_>, message_id: Id) -> sql::Result<Option<Delivery>> {
    optional(conn.query_row(
        &format!("{SELECT} WHERE message_id = ?1"),
        [message_id],
        row_to_delivery,
    ))
}

/// A failed message queued again from scratch, under a new key (the last attempt was
/// refused, so the receiver has nothing to drop).
pub fn requeue(
    conn: &Conn<'_>,
    message_id: Id,
    idempotency_key: &str,
    now: i64,
) -> sql::Result<()> {
    conn.execute(
        "UPDATE deliveries SET state = 'queued', attempts = 0, next_attempt_at = ?2,
            last_error = NULL, idempotency_key = ?3 WHERE message_id = ?1",
        params![message_id, now, idempotency_key],
    )?;
    Ok(())
}

/// Rows left `sending` by a server that stopped mid-delivery.
/// `sending` rows whose server is gone: every one on SQLite (one server, which is starting);
/// on PostgreSQL those of an instance that died.
fn orphaned(conn: &Conn<'_>) -> String {
    format!(
        "state = 'sending' AND {}",
        crate::storage::postgres::unclaimed(conn, "deliveries")
    )
}

/// The rows a server that stopped mid-delivery left `sending`.
pub fn sending(conn: &Conn<'_>) -> sql::Result<Vec<Delivery>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} WHERE {} ORDER BY message_id",
        orphaned(conn)
    ))?;
    let rows = stmt.query_map((), row_to_delivery)?;
    rows.collect()
}

/// The rows of [`sending`], queued again with their key.
pub fn recover_orphans(conn: &Conn<'_>, now: i64) -> sql::Result<usize> {
    conn.execute(
        &format!(
            "UPDATE deliveries SET state = 'queued', next_attempt_at = ?1, claimed_by = NULL
             WHERE {}",
            orphaned(conn)
        ),
        [now],
    )
}

/// Queued rows that are the oldest unfinished message of their conversation: only these may
/// go, so each conversation is delivered in order.
const HEADS: &str = "state = 'queued' AND NOT EXISTS (SELECT 1 FROM deliveries e
    WHERE e.conversation_id = deliveries.conversation_id
      AND e.message_id < deliveries.message_id
      AND e.state IN ('queued', 'sending'))";

/// How many answers wait for their channel (`queued`) and are being delivered (`sending`).
pub fn pending_counts(conn: &Conn<'_>) -> sql::Result<(i64, i64)> {
    conn.prepare_cached(
        "SELECT COUNT(*) FILTER (WHERE state = 'queued'), COUNT(*) FILTER (WHERE state = 'sending')
         FROM deliveries WHERE state IN ('queued', 'sending')",
    )?
    .query_row((), |r| Ok((r.get(0)?, r.get(1)?)))
}

/// Due [`HEADS`], marked `sending` by `claimant` (see `Db::claimant`) with one more attempt.
/// With several servers on one PostgreSQL, a row another server is claiming is skipped, never
/// claimed twice.
pub fn claim_due(
    conn: &Conn<'_>,
    now: i64,
    claimant: Option<i64>,
    limit: u32,
) -> sql::Result<Vec<Delivery>> {
    let lock = crate::storage::postgres::skip_locked(conn);
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} WHERE {HEADS} AND next_attempt_at <= ?1 ORDER BY message_id LIMIT ?2{lock}"
    ))?;
    let rows: Vec<Delivery> = stmt
        .query_map(params![now, limit], row_to_delivery)?
        .collect::<sql::Result<_>>()?;
    let mut claim = conn.prepare_cached(
        "UPDATE deliveries SET state = 'sending', attempts = attempts + 1, claimed_by = ?2
         WHERE message_id = ?1",
    )?;
    for r in &rows {
        claim.execute(params![r.message_id, claimant])?;
    }
    Ok(rows
        .into_iter()
        .map(|r| Delivery {
            state: State::Sending,
            attempts: r.attempts + 1,
            ..r
        })
        .collect())
}

/// When the next of the [`HEADS`] becomes due, if any (rows waiting behind an earlier
/// message of their conversation do not count: they cannot go yet).
pub fn next_due(conn: &Conn<'_>) -> sql::Result<Option<i64>> {
    conn.prepare_cached(&format!(
        "SELECT MIN(next_attempt_at) FROM deliveries WHERE {HEADS}"
    ))?
    .query_row((), |r| r.get(0))
}

pub fn mark_delivered(
    conn: &Conn<'_>,
    message_id: Id,
    platform_message_id: Option<&str>,
) -> sql::Result<()> {
    conn.execute(
        "UPDATE deliveries SET state = 'delivered', last_error = NULL, platform_message_id = ?2
         WHERE message_id = ?1",
        params![message_id, platform_message_id],
    )?;
    Ok(())
}

/// The delivery that the channel knows as `platform_id` (a bounce names the mail it returns).
pub fn by_platform_id(
    conn: &Conn<'_>,
    channel_id: Id,
    platform_id: &str,
) -> sql::Result<Option<Delivery>> {
    optional(conn.query_row(
        &format!("{SELECT} WHERE channel_account_id = ?1 AND platform_message_id = ?2"),
        params![channel_id, platform_id],
        row_to_delivery,
    ))
}

pub fn mark_failed(conn: &Conn<'_>, message_id: Id, reason: &str) -> sql::Result<()> {
    conn.execute(
        "UPDATE deliveries SET state = 'failed', last_error = ?2 WHERE message_id = ?1",
        params![message_id, reason],
    )?;
    Ok(())
}

pub fn mark_retry(
    conn: &Conn<'_>,
    message_id: Id,
    reason: &str,
    next_attempt_at: i64,
) -> sql::Result<()> {
    conn.execute(
        "UPDATE deliveries SET state = 'queued', last_error = ?2, next_attempt_at = ?3
         WHERE message_id = ?1",
        params![message_id, reason, next_attempt_at],
    )?;
    Ok(())
}
