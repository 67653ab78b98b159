//! Delivery of webhook events from the persistent outbox (`storage::webhooks`): each event is
//! POSTed signed to its receiver, every attempt is a row of the delivery log, and a failed
//! attempt is tried again with exponential backoff (`delivery::backoff`, the same as channel
//! deliveries) until [`MAX_ATTEMPTS`]. Events with the same order key (a conversation, a
//! client) reach a receiver in order: a retry holds the ones after it.
//!
//! Delivery is at least once: an event whose answer was lost (a timeout, a restart between the
//! POST and storing its result) is sent again with the same `id`, which receivers use to drop
//! repeats. The receiver's host is checked on every call (`channels::net::pinned_client`:
//! public addresses only unless `serve --allow-private-callbacks`).

use std::sync::Arc;
use std::time::Duration;

use switchboard_protocol::WebhookOutcome;
use tokio::sync::broadcast;
use tokio::task::JoinSet;

use super::delivery::{backoff, WorkerSettings};
use super::now_ms;
use crate::auth::hmac_sha256_hex;
use crate::channels::net::{parse_http_url, pinned_client, read_head, AddressError};
use crate::storage::changes::StoredChange;
use crate::storage::webhooks::{self as store, AttemptResult, Queued};
use crate::storage::Db;

/// After this many attempts an event is given up (the log shows `failed`).
pub const MAX_ATTEMPTS: u32 = 15;
/// Events sent at once (each to its own task; they are first in line of different keys).
const BATCH: u32 = 16;
/// The worker looks at the outbox at least this often ("Send test event" raises no change).
const IDLE_WAKE: Duration = Duration::from_secs(1);
/// Shortest pause (a failing database must not make the worker spin).
const MIN_PAUSE: Duration = Duration::from_millis(20);
/// How much of an answer is read (and dropped): receivers are not trusted to keep it small.
const MAX_ANSWER_BYTES: usize = 4096;

/// `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed by the secret>`.
pub fn signature(secret: &str, unix_secs: i64, body: &[u8]) -> String {
    let mac = hmac_sha256_hex(secret, &[format!("{unix_secs}.").as_bytes(), body]);
    format!("t={unix_secs},v1={mac}")
}

/// Delivers queued events until the process ends; `wake`: the live change feed (every event
/// but the test event comes with a change record).
pub async fn run(
    db: Db,
    mut wake: broadcast::Receiver<Arc<StoredChange>>,
    settings: WorkerSettings,
) {
    loop {
        let next = match db.read(|conn| Ok(store::next_due(conn)?)).await {
            Ok(next) => next,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the webhook outbox");
                None
            }
        };
        let now = now_ms();
        let claimant = db.claimant();
        if let (true, Ok(claimant)) = (next.is_some_and(|at| at <= now), claimant) {
            match db
                .write(move |ctx| Ok(store::claim_heads(ctx.tx, now, claimant, BATCH)?))
                .await
            {
                Ok(due) if !due.is_empty() => {
                    let mut tasks = JoinSet::new();
                    for q in due {
                        tasks.spawn(attempt(db.clone(), settings.clone(), q));
                    }
                    while tasks.join_next().await.is_some() {}
                    continue;
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "cannot read the webhook outbox"),
            }
        }
        let pause = next.map_or(IDLE_WAKE, |at| {
            Duration::from_millis(u64::try_from(at - now).unwrap_or(0)).clamp(MIN_PAUSE, IDLE_WAKE)
        });
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            // Any committed change may have queued an event; a closed feed just waits.
            _ = wake.recv() => {
                // One look at the outbox covers every change published until then: a batch of
                // inbound messages publishes dozens at once, and a busy writer commits a
                // batch every millisecond. Gathering the wake-ups of MIN_PAUSE into one look
                // costs an event at most that much latency; a look per commit was 7 % of the
                // HTTP side's CPU in the ingest bench (docs/BENCHMARKS.md, budget 4).
                tokio::time::sleep(MIN_PAUSE).await;
                while let Ok(_) | Err(broadcast::error::TryRecvError::Lagged(_)) = wake.try_recv() {}
            }
        }
    }
}

/// One attempt at one event; its result is stored before the task ends.
async fn attempt(db: Db, settings: WorkerSettings, q: Queued) {
    let webhook_id = q.webhook_id;
    let hook = match db
        .read(move |conn| Ok(store::get_any(conn, webhook_id)?))
        .await
    {
        Ok(Some(h)) => h,
        // Deleted meanwhile: its queue went with it.
        Ok(None) => return,
        Err(e) => {
            tracing::error!(webhook_id, error = %e, "cannot read a webhook");
            return;
        }
    };
    let answer = post(&hook.webhook.url, &hook.secret, &q, &settings).await;
    let attempt = q.attempts + 1;
    let (status_code, error, outcome) = judge(answer, attempt);
    let now = now_ms();
    let pause = backoff(attempt, settings.backoff_max);
    let result = AttemptResult {
        status_code,
        error,
        outcome,
        next_attempt_at: now + i64::try_from(pause.as_millis()).unwrap_or(i64::MAX / 2),
    };
    match outcome {
        WebhookOutcome::Delivered => {
            tracing::debug!(webhook_id, event_id = %q.event_id, "webhook delivered")
        }
        WebhookOutcome::Retry => {
            tracing::info!(webhook_id, event_id = %q.event_id, attempt, status = ?result.status_code, error = ?result.error, "webhook will be tried again")
        }
        WebhookOutcome::Failed => {
            tracing::warn!(webhook_id, event_id = %q.event_id, attempt, "webhook given up")
        }
    }
    let stored = db
        .write(move |ctx| Ok(store::record_attempt(ctx.tx, &q, &result, now)?))
        .await;
    if let Err(e) = stored {
        tracing::error!(webhook_id, error = %e, "cannot store a webhook attempt");
    }
}

/// What one POST found out.
#[derive(Debug)]
enum Answer {
    /// The receiver answered with this status.
    Status(u16),
    /// No answer (no connection, a timeout, DNS trouble): worth another try.
    Unanswered(String),
    /// The URL cannot be called (not http(s), or a local or private address without
    /// `--allow-private-callbacks`): another try cannot help.
    Refused(String),
}

/// The log row's status and reason, and what becomes of the event after `attempt`.
fn judge(answer: Answer, attempt: u32) -> (Option<u16>, Option<String>, WebhookOutcome) {
    let again = if attempt >= MAX_ATTEMPTS {
        WebhookOutcome::Failed
    } else {
        WebhookOutcome::Retry
    };
    match answer {
        Answer::Status(s) if (200..300).contains(&s) => (Some(s), None, WebhookOutcome::Delivered),
        Answer::Status(s) => (Some(s), Some(format!("The receiver answered {s}")), again),
        Answer::Unanswered(why) => (None, Some(why), again),
        Answer::Refused(why) => (None, Some(why), WebhookOutcome::Failed),
    }
}

/// POSTs the event.
async fn post(url: &str, secret: &str, q: &Queued, settings: &WorkerSettings) -> Answer {
    let url = match parse_http_url(url, "webhook URL") {
        Ok(u) => u,
        Err(e) => return Answer::Refused(e),
    };
    let client = match pinned_client(&url, &settings.adapters, "webhook").await {
        Ok(c) => c,
        Err(AddressError::Unreachable(e)) => return Answer::Unanswered(e),
        Err(AddressError::NotPublic(e)) => return Answer::Refused(e),
    };
    let body = q.body.clone().into_bytes();
    let sent = client
        .post(url)
        .timeout(settings.adapters.timeout)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(reqwest::header::USER_AGENT, "Switchboard-Webhooks/1")
        .header("X-Switchboard-Event", &q.event)
        .header("X-Switchboard-Event-Id", &q.event_id)
        .header(
            "X-Switchboard-Signature",
            signature(secret, now_ms() / 1000, &body),
        )
        .body(body)
        .send()
        .await;
    match sent {
        Ok(resp) => {
            let status = resp.status().as_u16();
            // Read a little so the connection ends cleanly; the content does not matter.
            read_head(resp, MAX_ANSWER_BYTES).await;
            Answer::Status(status)
        }
        Err(e) if e.is_timeout() => {
            Answer::Unanswered("The receiver did not answer in time".into())
        }
        Err(e) if e.is_connect() => Answer::Unanswered("Cannot connect to the receiver".into()),
        Err(e) => Answer::Unanswered(format!(
            "The call to the receiver failed: {}",
            e.without_url()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::{judge, signature, Answer, MAX_ATTEMPTS};
    use switchboard_protocol::WebhookOutcome;

    /// 2xx delivers; other answers and no answer are tried again until the last attempt; an
    /// address the server must not call fails at once.
    #[test]
    fn answers_decide_the_outcome() {
        assert_eq!(judge(Answer::Status(204), 1).2, WebhookOutcome::Delivered);
        let (status, error, outcome) = judge(Answer::Status(500), 1);
        assert_eq!((status, outcome), (Some(500), WebhookOutcome::Retry));
        assert_eq!(error.as_deref(), Some("The receiver answered 500"));
        assert_eq!(
            judge(Answer::Status(410), MAX_ATTEMPTS).2,
            WebhookOutcome::Failed
        );
        assert_eq!(
            judge(Answer::Unanswered("x".into()), 3).2,
            WebhookOutcome::Retry
        );
        assert_eq!(
            judge(Answer::Refused("private".into()), 1).2,
            WebhookOutcome::Failed
        );
    }

    /// The documented recipe: HMAC-SHA256 over `"<t>.<body>"`, as `openssl` computes it.
    #[test]
    fn signs_timestamp_dot_body() {
        // printf '1700000000.{}' | openssl dgst -sha256 -hmac whsec_test
        assert_eq!(
            signature("whsec_test", 1_700_000_000, b"{}"),
            "t=1700000000,v1=35495024f4ef3f94e5a93e22221544c4b75e9a42300cd965ab81cb85cd994e91"
        );
    }
}
