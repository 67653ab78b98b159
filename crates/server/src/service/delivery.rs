//! Delivery of operator messages to the client, through the persistent queue
//! (`storage::deliveries`) and the channel adapters (`channels`). A message of a channel that
//! delivers is stored `pending` (queued); the worker hands it over (`sent`), then marks it
//! `delivered`, or `failed` with the reason in plain words, or queues it again with backoff.
//! Every change of a message's `delivery` is a change record, so the app's icons follow.
//! Each conversation is delivered in order: only its oldest unfinished message is due.
//! Notes and client messages are never queued.

use std::time::Duration;

use crate::storage::sql::{Backend, Conn};
use switchboard_protocol::{Change, Conversation, Delivery, Id, Message};
use tokio::sync::broadcast;
use tokio::task::JoinSet;

use super::conversations::emit_message;
use super::now_ms;
use crate::channels::{self, AdapterSettings, DeliveryError, Outbound};
use crate::error::ApiResult;
use crate::files::FileStore;
use crate::storage::deliveries;
use crate::storage::{channels as channel_store, conversations, messages, Db, WriteCtx};

/// After this many attempts a message that still cannot be delivered is failed.
const MAX_ATTEMPTS: u32 = 20;
/// Rows handed over at once (each to its own task; they are of different conversations).
const CLAIM_BATCH: u32 = 16;
/// The worker looks at the queue at least this often, even without news.
const IDLE_WAKE: Duration = Duration::from_secs(5);
/// How often servers sharing a PostgreSQL look for rows of an instance that died.
const RECOVER_EVERY: Duration = Duration::from_secs(60);
/// Shortest pause of an idle worker (a failing database must not make it spin).
const MIN_PAUSE: Duration = Duration::from_millis(20);
/// Longest pause a receiver's `Retry-After` can impose.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// The delivery state a new operator message of `conv` starts in: `pending` when its channel
/// delivers, else `sent` (nothing to deliver to).
pub fn initial_state(conn: &Conn<'_>, conv: &Conversation) -> ApiResult<Delivery> {
    let delivers = channel_store::get_any(conn, conv.channel_account_id)?
        .is_some_and(|c| channels::delivers(&c));
    Ok(if delivers {
        Delivery::Pending
    } else {
        Delivery::Sent
    })
}

/// Queues a just-stored `pending` operator message.
pub fn enqueue_in(conn: &Conn<'_>, msg: &Message, conv: &Conversation, now: i64) -> ApiResult<()> {
    deliveries::enqueue(
        conn,
        msg.id,
        conv.id,
        conv.channel_account_id,
        &new_key(),
        now,
    )?;
    Ok(())
}

/// "Retry" on a failed message: queued again under a new key when its channel delivers
/// (returns `pending`), else counted as sent like a first send.
pub fn retry_in(
    conn: &Conn<'_>,
    conv: &Conversation,
    msg: &Message,
    now: i64,
) -> ApiResult<Delivery> {
    let state = initial_state(conn, conv)?;
    if state == Delivery::Pending {
        match deliveries::get(conn, msg.id)? {
            Some(_) => deliveries::requeue(conn, msg.id, &new_key(), now)?,
            None => enqueue_in(conn, msg, conv, now)?,
        }
    }
    messages::set_delivery(conn, msg.id, state, None)?;
    Ok(state)
}

fn new_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The worker's settings (from `serve`).
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    pub adapters: AdapterSettings,
    /// Longest pause between two attempts (the backoff doubles from one second up to it).
    pub backoff_max: Duration,
}

/// Delivers queued messages until the process ends. `wake`: the live change feed; every
/// stored message is a change, so a new queue row wakes the worker at once.
pub async fn run(
    db: Db,
    files: FileStore,
    mut wake: broadcast::Receiver<std::sync::Arc<crate::storage::changes::StoredChange>>,
    settings: WorkerSettings,
) {
    recover_now(&db).await;
    let mut recovered = tokio::time::Instant::now();
    loop {
        if db.backend() == Backend::Postgres && recovered.elapsed() >= RECOVER_EVERY {
            recover_now(&db).await;
            recovered = tokio::time::Instant::now();
        }
        // A read first: the writer is taken only when something is due.
        let next = match db.read(|conn| Ok(deliveries::next_due(conn)?)).await {
            Ok(next) => next,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the delivery queue");
                None
            }
        };
        let now = now_ms();
        let claimant = db.claimant();
        if let (true, Ok(claimant)) = (next.is_some_and(|at| at <= now), claimant) {
            match db
                .write(move |ctx| Ok(deliveries::claim_due(ctx.tx, now, claimant, CLAIM_BATCH)?))
                .await
            {
                Ok(claimed) if !claimed.is_empty() => {
                    let mut tasks = JoinSet::new();
                    for row in claimed {
                        tasks.spawn(attempt(db.clone(), files.clone(), settings.clone(), row));
                    }
                    while tasks.join_next().await.is_some() {}
                    continue;
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "cannot claim from the delivery queue"),
            }
        }
        let pause = next.map_or(IDLE_WAKE, |at| {
            Duration::from_millis(u64::try_from(at - now).unwrap_or(0)).clamp(MIN_PAUSE, IDLE_WAKE)
        });
        wait_for_work(&mut wake, pause).await;
    }
}

async fn recover_now(db: &Db) {
    let now = now_ms();
    match db.write(move |ctx| recover(ctx, now)).await {
        Ok((0, 0)) => {}
        Ok((resent, failed)) => tracing::info!(
            resent,
            failed,
            "a server handed messages over without a result: delivering again where the channel drops repeats (same idempotency keys), failing the others"
        ),
        Err(e) => tracing::error!(error = %e, "cannot recover the delivery queue"),
    }
}

/// What the operator reads on a message that the last run handed to a channel without a
/// result, where a second attempt could reach the client twice.
pub const CUT_OFF: &str = "The server stopped while handing this message to the channel, so it may or may not have reached the client; it is not sent again by itself: check the chat and resend if needed";

/// Rows the last run left `sending` (handed over, no result stored): queued again with their
/// key where the channel drops repeats (`channels::resends_safely`), failed with [`CUT_OFF`]
/// elsewhere. Returns (queued again, failed).
///
/// One server process (SQLite) recovers every such row when it starts. Servers sharing a
/// PostgreSQL recover only the rows of an instance that is gone (the others are being
/// delivered now), and look again every [`RECOVER_EVERY`]: the dead one may not come back.
fn recover(ctx: &mut WriteCtx<'_>, now: i64) -> ApiResult<(usize, usize)> {
    let mut failed = 0;
    for row in deliveries::sending(ctx.tx)? {
        let resend = channel_store::get_any(ctx.tx, row.channel_account_id)?
            .is_none_or(|c| channels::resends_safely(&c));
        if !resend {
            deliveries::mark_failed(ctx.tx, row.message_id, CUT_OFF)?;
            set_delivery(
                ctx,
                row.conversation_id,
                row.message_id,
                (Delivery::Failed, Some(CUT_OFF)),
            )?;
            failed += 1;
        }
    }
    Ok((deliveries::recover_orphans(ctx.tx, now)?, failed))
}

/// Waits `pause`, or less when a message is queued: only a pending message can add work, so
/// the rest of the company's changes (client messages, read states, conversations) pass by
/// without another look at the queue.
async fn wait_for_work(
    wake: &mut broadcast::Receiver<std::sync::Arc<crate::storage::changes::StoredChange>>,
    pause: Duration,
) {
    let deadline = tokio::time::Instant::now() + pause;
    loop {
        tokio::select! {
            () = tokio::time::sleep_until(deadline) => return,
            r = wake.recv() => match r {
                Ok(ch) if !matches!(&ch.change, Change::Message(m) if m.delivery == Delivery::Pending) => {}
                Err(broadcast::error::RecvError::Closed) => {
                    tokio::time::sleep_until(deadline).await;
                    return;
                }
                // A queued message, or missed changes (lagged): look at the queue again.
                _ => return,
            },
        }
    }
}

/// What one attempt found out.
enum Outcome {
    Delivered(Option<String>),
    Retry { reason: String, at: i64 },
    Failed(String),
}

/// One attempt at one claimed row; the result is stored before the task ends.
async fn attempt(db: Db, files: FileStore, settings: WorkerSettings, row: deliveries::Delivery) {
    let message_id = row.message_id;
    let outcome = match prepare(&db, &files, &settings.adapters, &row).await {
        Ok(Some((adapter, outbound))) => match adapter.deliver(&outbound).await {
            Ok(d) => Outcome::Delivered(d.platform_id),
            Err(DeliveryError::Refused(reason)) => Outcome::Failed(reason),
            Err(DeliveryError::Retry { reason, after }) if row.attempts < MAX_ATTEMPTS => {
                let pause = after.map_or_else(
                    || backoff(row.attempts, settings.backoff_max),
                    |a| a.min(MAX_RETRY_AFTER),
                );
                Outcome::Retry {
                    reason,
                    at: now_ms() + i64::try_from(pause.as_millis()).unwrap_or(i64::MAX / 2),
                }
            }
            Err(DeliveryError::Retry { reason, .. }) => {
                Outcome::Failed(format!("{reason}; gave up after {} attempts", row.attempts))
            }
        },
        Ok(None) => Outcome::Failed("The channel no longer has anywhere to deliver to".into()),
        Err(e) => {
            tracing::error!(message_id, error = %e, "cannot prepare a delivery");
            Outcome::Retry {
                reason: "The server could not read the message".into(),
                at: now_ms() + 60_000,
            }
        }
    };
    match &outcome {
        Outcome::Delivered(_) => tracing::debug!(message_id, "delivered"),
        Outcome::Retry { reason, .. } => {
            tracing::info!(message_id, attempts = row.attempts, %reason, "delivery will be tried again");
        }
        Outcome::Failed(reason) => tracing::warn!(message_id, %reason, "delivery failed"),
    }
    let stored = db
        .write(move |ctx| {
            let delivery = match &outcome {
                Outcome::Delivered(platform_id) => {
                    deliveries::mark_delivered(ctx.tx, message_id, platform_id.as_deref())?;
                    (Delivery::Delivered, None)
                }
                Outcome::Retry { reason, at } => {
                    deliveries::mark_retry(ctx.tx, message_id, reason, *at)?;
                    (Delivery::Pending, None)
                }
                Outcome::Failed(reason) => {
                    deliveries::mark_failed(ctx.tx, message_id, reason)?;
                    (Delivery::Failed, Some(reason.as_str()))
                }
            };
            set_delivery(ctx, row.conversation_id, message_id, delivery)
        })
        .await;
    if let Err(e) = stored {
        tracing::error!(message_id, error = %e, "cannot store a delivery result");
    }
}

/// The adapter and the message to hand it, with the message marked `sent`; `None`: the
/// channel does not deliver any more.
async fn prepare(
    db: &Db,
    files: &FileStore,
    settings: &AdapterSettings,
    row: &deliveries::Delivery,
) -> ApiResult<Option<(Box<dyn channels::ChannelAdapter>, Outbound)>> {
    let (conversation_id, message_id, key) = (
        row.conversation_id,
        row.message_id,
        row.idempotency_key.clone(),
    );
    let channel_id = row.channel_account_id;
    let found = db
        .write(move |ctx| {
            let Some(channel) = channel_store::get_any(ctx.tx, channel_id)? else {
                return Ok(None);
            };
            let conv = conversations::get(ctx.tx, channel.company_id, conversation_id)?;
            let msg = messages::get(ctx.tx, conversation_id, message_id)?;
            let (Some(conv), Some(msg)) = (conv, msg) else {
                return Ok(None);
            };
            set_delivery(ctx, conversation_id, message_id, (Delivery::Sent, None))?;
            Ok(Some((channel, conv, msg)))
        })
        .await?;
    let Some((channel, conv, msg)) = found else {
        return Ok(None);
    };
    let Some(adapter) = channels::adapter_for(&channel, settings, db) else {
        return Ok(None);
    };
    // A store that does not answer is an error here (tried again later); one that lost the
    // bytes is the adapter's refusal (`Outbound::file`).
    let attachment_bytes = match &msg.attachment {
        Some(a) => files.read_blob(&a.sha256).await?,
        None => None,
    };
    Ok(Some((
        adapter,
        Outbound {
            message_id: msg.id,
            conversation_id: conv.id,
            channel_id: channel.account.id,
            client_external_id: conv.client.external_id.clone(),
            text: msg.text,
            created_at: msg.created_at,
            attachment: msg.attachment,
            attachment_bytes,
            idempotency_key: key,
        },
    )))
}

/// Sets a message's `delivery` and its reason (when they change) and tells whoever sees its
/// conversation.
pub(crate) fn set_delivery(
    ctx: &mut WriteCtx<'_>,
    conversation_id: Id,
    message_id: Id,
    (delivery, error): (Delivery, Option<&str>),
) -> ApiResult<()> {
    let Some(msg) = messages::get(ctx.tx, conversation_id, message_id)? else {
        return Ok(());
    };
    if msg.delivery == delivery && msg.delivery_error.as_deref() == error {
        return Ok(());
    }
    let Some(company_id) = conversations::company_of(ctx.tx, conversation_id)? else {
        return Ok(());
    };
    let Some(conv) = conversations::get(ctx.tx, company_id, conversation_id)? else {
        return Ok(());
    };
    messages::set_delivery(ctx.tx, message_id, delivery, error)?;
    let msg = Message {
        delivery,
        delivery_error: error.map(str::to_owned),
        ..msg
    };
    emit_message(ctx, company_id, &conv, &msg, now_ms())
}

/// One second, doubling with each attempt, at most `max` (channel deliveries and webhooks).
pub(crate) fn backoff(attempts: u32, max: Duration) -> Duration {
    Duration::from_secs(1u64 << attempts.saturating_sub(1).min(20)).min(max)
}

#[cfg(test)]
mod tests {
    use super::backoff;
    use std::time::Duration;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let cap = Duration::from_secs(300);
        let got: Vec<u64> = (1..=11).map(|a| backoff(a, cap).as_secs()).collect();
        assert_eq!(got, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]);
        assert_eq!(backoff(u32::MAX, cap), cap);
    }
}
