//! The outbox flusher: sends queued sends, actions and edits to the server strictly in insertion
//! order, then the queued read positions. Each item carries its idempotency key, so a crash
//! between the server's answer and deleting the item only means sending it again, which the
//! server answers with the same message or conversation.
//!
//! Offline, 5xx and 429 keep the item and retry with backoff (1 s → 30 s); a refusal (400, 403,
//! 404, 409, 422) marks it failed with the server's message, for the operator to retry or
//! discard, and the queue goes on; 401 stops (the sync task signs out).

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use switchboard_protocol::{ActionRequest, SendMessageRequest};
use tokio::sync::watch;

use crate::cache::{apply, outbox, read_states};
use crate::error::{CoreError, ErrorKind};
use crate::shared::Shared;
use crate::time::Backoff;

mod replay;

/// How a failed call affects the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Keep the item and try again later.
    Retry,
    /// The server will not accept it as it is: mark it failed and go on.
    Refused,
    /// The token is no longer valid.
    SignedOut,
}

pub fn disposition(e: &CoreError) -> Disposition {
    match e.kind() {
        ErrorKind::Offline | ErrorKind::Server | ErrorKind::RateLimited | ErrorKind::Cache => {
            Disposition::Retry
        }
        ErrorKind::Unauthorized | ErrorKind::NotSignedIn | ErrorKind::Keychain => {
            Disposition::SignedOut
        }
        ErrorKind::Forbidden
        | ErrorKind::NotFound
        | ErrorKind::Conflict
        | ErrorKind::InvalidState
        | ErrorKind::BadInput => Disposition::Refused,
    }
}

enum Stop {
    Retry,
    SignedOut,
}

pub(crate) async fn run(shared: Arc<Shared>, mut shutdown: watch::Receiver<bool>) {
    let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(30));
    loop {
        if *shutdown.borrow() {
            return;
        }
        let delay = if shared.signed_out.load(Ordering::SeqCst) {
            None
        } else {
            match flush(&shared).await {
                Ok(()) => {
                    backoff.reset();
                    None
                }
                Err(Stop::Retry) => Some(backoff.next_delay()),
                Err(Stop::SignedOut) => {
                    shared.token_refused(
                        "The server no longer accepts your sign-in. Please sign in again.",
                    );
                    None
                }
            }
        };
        let sleep = async {
            match delay {
                Some(d) => tokio::time::sleep(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = shared.outbox_wake.notified() => {}
            _ = sleep => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// Sends everything that is ready, in order.
async fn flush(shared: &Arc<Shared>) -> Result<(), Stop> {
    loop {
        let next = shared.write(|c| outbox::next_ready(c)).await;
        let item = match next {
            Ok(Some(item)) => item,
            Ok(None) => break,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the outbox");
                return Err(Stop::Retry);
            }
        };
        let conversation_id = item.conversation_id;
        let result = send_item(shared, item.clone()).await;
        match result {
            Ok(()) => shared.events.conversations_changed(&[conversation_id]),
            Err(e) => match disposition(&e) {
                Disposition::Retry => {
                    tracing::debug!(error = %e, id = %item.id, "outbox item not delivered yet");
                    return Err(Stop::Retry);
                }
                Disposition::SignedOut => return Err(Stop::SignedOut),
                Disposition::Refused => {
                    tracing::info!(error = %e, id = %item.id, "the server refused an outbox item");
                    replay::undo(shared, &item).await;
                    let id = item.id.clone();
                    let refusal = outbox::Refusal::of(&e);
                    if shared
                        .write(move |c| outbox::mark_failed(c, &id, &refusal))
                        .await
                        .is_err()
                    {
                        return Err(Stop::Retry);
                    }
                    shared.events.conversations_changed(&[conversation_id]);
                }
            },
        }
    }
    flush_reads(shared).await
}

async fn send_item(shared: &Arc<Shared>, item: outbox::Item) -> crate::error::Result<()> {
    match item.payload {
        outbox::Payload::Send { text, kind } => {
            let req = SendMessageRequest {
                client_msg_id: item.id.clone(),
                text,
                kind,
            };
            let message = shared.api.send_message(item.conversation_id, &req).await?;
            shared
                .write(move |c| apply::outbox_done_message(c, &item.id, &message))
                .await
        }
        outbox::Payload::Action(action) => {
            let req = ActionRequest {
                action_id: item.id.clone(),
                action,
            };
            let conversation = shared.api.act(item.conversation_id, &req).await?;
            shared
                .write(move |c| apply::outbox_done_conversation(c, &item.id, &conversation))
                .await
        }
        outbox::Payload::Edit(edit) => replay::replay(shared, item.id, edit).await,
    }
}

/// Read positions are not critical: a refused one is dropped, a failed one waits.
async fn flush_reads(shared: &Arc<Shared>) -> Result<(), Stop> {
    let reads = match shared.write(|c| read_states::pending_reads(c, 100)).await {
        Ok(r) => r,
        Err(_) => return Err(Stop::Retry),
    };
    for (conversation_id, last_read) in reads {
        match shared.api.mark_read(conversation_id, last_read).await {
            Ok(()) => {}
            Err(e) => match disposition(&e) {
                Disposition::Retry => return Err(Stop::Retry),
                Disposition::SignedOut => return Err(Stop::SignedOut),
                Disposition::Refused => {
                    tracing::debug!(error = %e, conversation_id, "dropping a refused read position")
                }
            },
        }
        if shared
            .write(move |c| read_states::read_sent(c, conversation_id, last_read))
            .await
            .is_err()
        {
            return Err(Stop::Retry);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, kind: ErrorKind) -> CoreError {
        CoreError::Api {
            kind,
            status,
            code: String::new(),
            message: String::new(),
            detail: None,
        }
    }

    #[test]
    fn errors_decide_retry_or_refuse() {
        let offline = CoreError::Offline {
            url: "x".into(),
            detail: "refused".into(),
        };
        assert_eq!(disposition(&offline), Disposition::Retry);
        assert_eq!(
            disposition(&api(503, ErrorKind::Server)),
            Disposition::Retry
        );
        assert_eq!(
            disposition(&api(429, ErrorKind::RateLimited)),
            Disposition::Retry
        );
        assert_eq!(
            disposition(&api(401, ErrorKind::Unauthorized)),
            Disposition::SignedOut
        );
        for (s, k) in [
            (400, ErrorKind::BadInput),
            (403, ErrorKind::Forbidden),
            (404, ErrorKind::NotFound),
            (409, ErrorKind::Conflict),
            (422, ErrorKind::InvalidState),
        ] {
            assert_eq!(disposition(&api(s, k)), Disposition::Refused, "{s}");
        }
    }
}
