//! A bounce (DSN) of one of our answers: the answer is found by the Message-ID it was sent
//! with (its platform id) and marked `failed` with the report's reason, the way the delivery
//! worker marks a refusal. A report about a mail we do not know changes nothing.

use super::parse::Bounce;
use crate::channels::Inbox;
use crate::error::ApiResult;
use crate::service::delivery::set_delivery;
use crate::storage::deliveries;
use switchboard_protocol::Delivery;

pub async fn fail_original(inbox: &Inbox, bounce: &Bounce) -> ApiResult<()> {
    let channel_id = inbox.channel_id();
    let b = bounce.clone();
    let failed = inbox
        .db()
        .write(move |ctx| {
            for id in &b.originals {
                if let Some(row) = deliveries::by_platform_id(ctx.tx, channel_id, id)? {
                    deliveries::mark_failed(ctx.tx, row.message_id, &b.reason)?;
                    set_delivery(
                        ctx,
                        row.conversation_id,
                        row.message_id,
                        (Delivery::Failed, Some(&b.reason)),
                    )?;
                    return Ok(Some(row.message_id));
                }
            }
            Ok(None)
        })
        .await?;
    match failed {
        Some(message_id) => tracing::info!(channel_id, message_id, "an answer bounced"),
        None => tracing::info!(channel_id, "a bounce of a mail this channel did not send"),
    }
    Ok(())
}
