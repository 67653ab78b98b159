//! Queries on `webhooks` (subscriptions), `webhook_outbox` (events waiting for their
//! receiver) and `webhook_attempts` (the delivery log).

use crate::storage::sql::{self, params, Conn, Row};
use switchboard_protocol::{Id, Webhook, WebhookAttempt, WebhookOutcome};

use super::optional;

/// Attempts kept in each webhook's delivery log.
const MAX_LOG_ROWS: i64 = 10_000;

/// A subscription with its signing secret (never sent back after create or rotate).
#[derive(Debug, Clone)]
pub struct StoredWebhook {
    pub webhook: Webhook,
    pub company_id: Id,
    pub secret: String,
}

fn row_to_webhook(r: &Row<'_>) -> sql::Result<StoredWebhook> {
    let events: String = r.get(3)?;
    Ok(StoredWebhook {
        webhook: Webhook {
            id: r.get(0)?,
            url: r.get(2)?,
            events: serde_json::from_str(&events).unwrap_or_default(),
            active: r.get(4)?,
            created_at: r.get(6)?,
            updated_at: r.get(7)?,
        },
        company_id: r.get(1)?,
        secret: r.get(5)?,
    })
}

const COLUMNS: &str = "id, company_id, url, events, active, secret, created_at, updated_at";

fn events_json(events: &[String]) -> sql::Result<String> {
    serde_json::to_string(events).map_err(sql::Error::encode)
}

pub fn insert(
    conn: &Conn<'_>,
    company_id: Id,
    url: &str,
    events: &[String],
    active: bool,
    secret: &str,
    now: i64,
) -> sql::Result<Id> {
    conn.insert(
        "INSERT INTO webhooks (company_id, url, events, active, secret, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
        "id",
        params![company_id, url, events_json(events)?, active, secret, now],
    )
}

pub fn get(conn: &Conn<'_>, company_id: Id, id: Id) -> sql::Result<Option<StoredWebhook>> {
    optional(conn.query_row(
        &format!("SELECT {COLUMNS} FROM webhooks WHERE company_id = ?1 AND id = ?2"),
        params![company_id, id],
        row_to_webhook,
    ))
}

/// Any company's webhook (the delivery worker).
pub fn get_any(conn: &Conn<'_>, id: Id) -> sql::Result<Option<StoredWebhook>> {
    optional(conn.query_row(
        &format!("SELECT {COLUMNS} FROM webhooks WHERE id = ?1"),
        [id],
        row_to_webhook,
    ))
}

pub fn list(conn: &Conn<'_>, company_id: Id) -> sql::Result<Vec<StoredWebhook>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM webhooks WHERE company_id = ?1 ORDER BY id"
    ))?;
    let rows = stmt.query_map([company_id], row_to_webhook)?;
    rows.collect()
}

pub fn update(conn: &Conn<'_>, w: &Webhook, now: i64) -> sql::Result<()> {
    conn.execute(
        "UPDATE webhooks SET url = ?2, events = ?3, active = ?4, updated_at = ?5 WHERE id = ?1",
        params![w.id, w.url, events_json(&w.events)?, w.active, now],
    )?;
    Ok(())
}

pub fn set_secret(conn: &Conn<'_>, id: Id, secret: &str, now: i64) -> sql::Result<()> {
    conn.execute(
        "UPDATE webhooks SET secret = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, secret, now],
    )?;
    Ok(())
}

/// Deletes the webhook, its queue and its log.
pub fn delete(conn: &Conn<'_>, id: Id) -> sql::Result<()> {
    conn.execute("DELETE FROM webhook_outbox WHERE webhook_id = ?1", [id])?;
    conn.execute("DELETE FROM webhook_attempts WHERE webhook_id = ?1", [id])?;
    conn.execute("DELETE FROM webhooks WHERE id = ?1", [id])?;
    Ok(())
}

/// One event to POST to one webhook.
#[derive(Debug, Clone)]
pub struct Queued {
    pub id: Id,
    pub webhook_id: Id,
    pub event_id: String,
    pub event: String,
    pub body: String,
    pub attempts: u32,
}

pub struct NewEvent<'a> {
    pub event_id: &'a str,
    pub event: &'a str,
    pub order_key: &'a str,
    pub body: &'a str,
}

pub fn enqueue(conn: &Conn<'_>, webhook_id: Id, e: &NewEvent<'_>, now: i64) -> sql::Result<()> {
    conn.prepare_cached(
        "INSERT INTO webhook_outbox (webhook_id, event_id, event, order_key, body,
            next_attempt_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
    )?
    .execute(params![
        webhook_id,
        e.event_id,
        e.event,
        e.order_key,
        e.body,
        now
    ])?;
    Ok(())
}

/// When the earliest queued event is due (`None`: nothing queued).
/// How many events wait for their receiver, over every webhook.
pub fn outbox_len(conn: &Conn<'_>) -> sql::Result<i64> {
    conn.prepare_cached("SELECT COUNT(*) FROM webhook_outbox")?
        .query_row((), |r| r.get(0))
}

pub fn next_due(conn: &Conn<'_>) -> sql::Result<Option<i64>> {
    // Events a live instance is sending are not due for anyone else.
    conn.query_row(
        &format!(
            "SELECT MIN(next_attempt_at) FROM webhook_outbox WHERE {}",
            crate::storage::postgres::unclaimed(conn, "webhook_outbox")
        ),
        (),
        |r| r.get(0),
    )
}

/// Claims for `claimant` (see `Db::claimant`) the due events that are first in line: no older
/// queued event of the same webhook and order key (a conversation's events reach a receiver in
/// order, a retry holds the ones after it). An event another live server instance claimed is
/// skipped, never sent twice at once; one whose instance died is claimed again (delivery is
/// at least once, with the event's `id`).
pub fn claim_heads(
    conn: &Conn<'_>,
    now: i64,
    claimant: Option<i64>,
    limit: u32,
) -> sql::Result<Vec<Queued>> {
    let lock = crate::storage::postgres::skip_locked(conn);
    let mut stmt = conn.prepare_cached(&format!(
        "UPDATE webhook_outbox SET claimed_by = ?3 WHERE id IN (
             SELECT e.id FROM webhook_outbox e
             WHERE e.next_attempt_at <= ?1 AND {}
               AND NOT EXISTS (SELECT 1 FROM webhook_outbox p
                   WHERE p.webhook_id = e.webhook_id AND p.order_key = e.order_key AND p.id < e.id)
             ORDER BY e.id LIMIT ?2{lock})
         RETURNING id, webhook_id, event_id, event, body, attempts",
        crate::storage::postgres::unclaimed(conn, "e")
    ))?;
    let rows = stmt.query_map(params![now, limit, claimant], |r| {
        Ok(Queued {
            id: r.get(0)?,
            webhook_id: r.get(1)?,
            event_id: r.get(2)?,
            event: r.get(3)?,
            body: r.get(4)?,
            attempts: r.get(5)?,
        })
    })?;
    let mut claimed = rows.collect::<sql::Result<Vec<_>>>()?;
    claimed.sort_by_key(|q| q.id);
    Ok(claimed)
}

/// What one attempt found out.
#[derive(Debug, Clone)]
pub struct AttemptResult {
    pub status_code: Option<u16>,
    pub error: Option<String>,
    pub outcome: WebhookOutcome,
    /// When to try again (with [`WebhookOutcome::Retry`]).
    pub next_attempt_at: i64,
}

fn outcome_str(o: WebhookOutcome) -> &'static str {
    match o {
        WebhookOutcome::Delivered => "delivered",
        WebhookOutcome::Retry => "retry",
        WebhookOutcome::Failed => "failed",
    }
}

fn parse_outcome(s: &str) -> WebhookOutcome {
    match s {
        "delivered" => WebhookOutcome::Delivered,
        "retry" => WebhookOutcome::Retry,
        _ => WebhookOutcome::Failed,
    }
}

/// Stores an attempt's row in the log and moves the event on (done, or due again later);
/// nothing when the event is gone with its webhook.
pub fn record_attempt(
    conn: &Conn<'_>,
    q: &Queued,
    result: &AttemptResult,
    now: i64,
) -> sql::Result<()> {
    let attempt = q.attempts + 1;
    // A finished event leaves the queue; its attempts stay in the log.
    let updated = match result.outcome {
        WebhookOutcome::Retry => conn.execute(
            "UPDATE webhook_outbox SET attempts = ?2, next_attempt_at = ?3, claimed_by = NULL
             WHERE id = ?1",
            params![q.id, attempt, result.next_attempt_at],
        )?,
        WebhookOutcome::Delivered | WebhookOutcome::Failed => {
            conn.execute("DELETE FROM webhook_outbox WHERE id = ?1", [q.id])?
        }
    };
    if updated == 0 {
        // The webhook was deleted while the attempt ran: its queue and log are gone.
        return Ok(());
    }
    conn.execute(
        "INSERT INTO webhook_attempts (webhook_id, event_id, event, attempt, status_code, error,
            outcome, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            q.webhook_id,
            q.event_id,
            q.event,
            attempt,
            result.status_code,
            result.error,
            outcome_str(result.outcome),
            now
        ],
    )?;
    // The log keeps the newest attempts of each webhook.
    conn.prepare_cached(
        "DELETE FROM webhook_attempts WHERE webhook_id = ?1 AND id <= (
            SELECT id FROM webhook_attempts WHERE webhook_id = ?1
            ORDER BY id DESC LIMIT 1 OFFSET ?2)",
    )?
    .execute(params![q.webhook_id, MAX_LOG_ROWS])?;
    Ok(())
}

/// The log, newest first: up to `limit` attempts older than `before`.
pub fn attempts(
    conn: &Conn<'_>,
    webhook_id: Id,
    before: Option<Id>,
    limit: u32,
) -> sql::Result<Vec<WebhookAttempt>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, event, event_id, attempt, status_code, error, outcome, created_at
         FROM webhook_attempts WHERE webhook_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![webhook_id, before.unwrap_or(Id::MAX), limit], |r| {
        let outcome: String = r.get(6)?;
        Ok(WebhookAttempt {
            id: r.get(0)?,
            event: r.get(1)?,
            event_id: r.get(2)?,
            attempt: r.get(3)?,
            status_code: r.get(4)?,
            error: r.get(5)?,
            outcome: parse_outcome(&outcome),
            created_at: r.get(7)?,
        })
    })?;
    rows.collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{companies, Db};

    /// A webhook deleted while one of its events was being sent: the attempt's result is
    /// dropped instead of failing on the deleted webhook.
    #[test]
    fn an_attempt_of_a_deleted_webhook_is_dropped() {
        let db = Db::open_in_memory().expect("db");
        db.write_blocking(|ctx| {
            let company = companies::insert(ctx.tx, "Acme", 0)?;
            let hook = insert(
                ctx.tx,
                company,
                "https://crm.test/h",
                &["tag.added".into()],
                true,
                "s",
                1,
            )?;
            let e = NewEvent {
                event_id: "evt_1",
                event: "tag.added",
                order_key: "k",
                body: "{}",
            };
            enqueue(ctx.tx, hook, &e, 1)?;
            let q = claim_heads(ctx.tx, 1, None, 10)?.pop().expect("queued");
            delete(ctx.tx, hook)?;
            let result = AttemptResult {
                status_code: Some(200),
                error: None,
                outcome: WebhookOutcome::Delivered,
                next_attempt_at: 2,
            };
            record_attempt(ctx.tx, &q, &result, 2)?;
            assert!(attempts(ctx.tx, hook, None, 10)?.is_empty());
            Ok(())
        })
        .expect("dropped quietly");
    }
}
