//! An operator typing an answer (`POST /api/v1/conversations/{id}/typing`): checked like
//! sending (the caller sees the conversation and may answer in it), then told to the
//! visitor's widget ([`crate::typing`]). Only LiveChat visitors hear it; in conversations of
//! other channels it is accepted and goes nowhere (no other platform shows it yet).

use switchboard_protocol::{ChannelKind, Id};

use super::actor::{resolve_actor, Principal};
use super::conversations::{denied, load_visible};
use crate::error::ApiResult;
use crate::hub::Hub;
use crate::policy::{self, Scope};
use crate::storage::{channels, Db};
use crate::typing::{TypingSignal, Typist};

pub async fn operator_typing(
    db: &Db,
    hub: &Hub,
    principal: Principal,
    conversation_id: Id,
    typing: bool,
) -> ApiResult<()> {
    let company_id = principal.company_id();
    let heard = db
        .read(move |conn| {
            let actor = resolve_actor(conn, &principal, None, None)?;
            let conv = load_visible(conn, &actor, conversation_id)?;
            policy::send_message(&actor.facts, &Scope::of(&conv)).map_err(|d| denied(conn, d))?;
            let kind = channels::get_any(conn, conv.channel_account_id)?.map(|c| c.account.kind);
            Ok((kind == Some(ChannelKind::Livechat)).then_some(conv))
        })
        .await?;
    if let Some(conv) = heard {
        hub.typing(TypingSignal::new(
            company_id,
            &conv,
            Typist::Operator,
            typing,
        ));
    }
    Ok(())
}
