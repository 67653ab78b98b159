//! `demo --long-history N`: one demo conversation with N messages, for trying (and testing) how
//! the app copes with a very long thread. The client "Lena Longhistory" writes on the demo's
//! Telegram channel and the conversation sits in the admin's My inbox; the messages alternate
//! client / operator, one minute apart, ending now, each numbered ("#000123 of 100000") so a
//! reader can check the order. Everything goes in one transaction with the change records an
//! app that synced earlier needs (the conversation and every message), so a running app picks it
//! up like any other change. Idempotent per N: a second run finds the client and adds nothing.

use switchboard_protocol::{
    ChannelKind, Client, Conversation, ConversationStatus, Delivery, Id, Message, MessageKind,
};

use crate::demo::ADMIN_EMAIL;
use crate::error::{ApiError, ApiResult};
use crate::policy::Scope;
use crate::service::conversations::{emit_conversation, emit_message};
use crate::service::{now_ms, preview};
use crate::storage::{channels, clients, conversations, messages, operators, Db};

const CLIENT_NAME: &str = "Lena Longhistory";
const MINUTE: i64 = 60_000;

/// The long conversation and whether this run created it.
#[derive(Debug, Clone, Copy)]
pub struct LongHistory {
    pub conversation_id: Id,
    pub messages: u32,
    pub created: bool,
}

/// The text of message `k` (1-based) of `n`: numbered, so order is visible on screen.
pub fn message_text(k: u32, n: u32) -> String {
    let who = if k % 2 == 1 { "Client" } else { "Operator" };
    format!("#{k:06} of {n} · {who} line of the long history")
}

/// Adds the long conversation to the loaded demo company (see the module docs).
pub fn add(db: &Db, n: u32) -> ApiResult<LongHistory> {
    if n == 0 {
        return Err(ApiError::BadRequest(
            "--long-history needs at least one message".into(),
        ));
    }
    db.write_blocking(|ctx| {
        let tx = ctx.tx;
        let (admin, _) = operators::by_email(tx, ADMIN_EMAIL)?
            .ok_or_else(|| ApiError::Internal("load the demo company first".into()))?;
        let company_id = admin.company_id;
        let channel = channels::list(tx, company_id)?
            .into_iter()
            .find(|c| c.kind == ChannelKind::Telegram)
            .ok_or_else(|| ApiError::Internal("the demo has no Telegram channel".into()))?;
        let external_id = format!("long-history-{n}");
        if let Some(client) = clients::find_by_external_id(tx, channel.id, &external_id)? {
            let conv = conversations::get_by_client(tx, client.id)?.ok_or_else(|| {
                ApiError::Internal("the long-history client has no conversation".into())
            })?;
            return Ok(LongHistory {
                conversation_id: conv.id,
                messages: n,
                created: false,
            });
        }

        let now = now_ms();
        let start = now - i64::from(n) * MINUTE;
        let client_id =
            clients::insert(tx, company_id, channel.id, &external_id, CLIENT_NAME, start)?;
        let mut conv = Conversation {
            id: 0,
            channel_account_id: channel.id,
            client: Client {
                id: client_id,
                channel_account_id: channel.id,
                external_id,
                original_name: CLIENT_NAME.into(),
                display_name: CLIENT_NAME.into(),
                blacklisted: false,
                pinned_operator_id: None,
                created_at: start,
                contact: switchboard_protocol::ClientContact::default(),
                contact_hidden: false,
            },
            status: ConversationStatus::Inbox,
            operator_id: Some(admin.operator.id),
            group_id: channel.group_id,
            status_changed_at: start,
            closed_by: None,
            last_message_at: start,
            last_message_from_operator: false,
            last_message_preview: String::new(),
            last_client_message_id: None,
            created_at: start,
            updated_at: start,
        };
        conv.id = conversations::insert(tx, company_id, &conv)?;

        for k in 1..=n {
            let from_client = k % 2 == 1;
            let msg = messages::insert(
                tx,
                &Message {
                    id: 0,
                    conversation_id: conv.id,
                    kind: if from_client {
                        MessageKind::Client
                    } else {
                        MessageKind::Operator
                    },
                    text: message_text(k, n),
                    operator_id: (!from_client).then_some(admin.operator.id),
                    created_at: start + i64::from(k) * MINUTE,
                    delivery: if from_client {
                        Delivery::Delivered
                    } else {
                        Delivery::Sent
                    },
                    client_msg_id: None,
                    attachment: None,
                    delivery_error: None,
                },
                None,
            )?;
            emit_message(ctx, company_id, &conv, &msg, now)?;
            conv.last_message_at = msg.created_at;
            conv.last_message_from_operator = !from_client;
            conv.last_message_preview = preview(&msg.text);
            if from_client {
                conv.last_client_message_id = Some(msg.id);
            }
        }
        conv.updated_at = conv.last_message_at;
        conversations::update(tx, &conv)?;
        emit_conversation(ctx, company_id, None::<Scope>, &conv, now)?;
        Ok(LongHistory {
            conversation_id: conv.id,
            messages: n,
            created: true,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_one_numbered_conversation_once() {
        let db = Db::open_in_memory().expect("db");
        crate::demo::load(&db).expect("demo");
        let first = add(&db, 500).expect("long history");
        assert!(first.created);
        let again = add(&db, 500).expect("second run");
        assert!(!again.created);
        assert_eq!(again.conversation_id, first.conversation_id);
        let msgs = db
            .read_blocking(|conn| Ok(messages::list_all(conn, first.conversation_id)?))
            .expect("messages");
        assert_eq!(msgs.len(), 500);
        assert_eq!(msgs[0].text, message_text(1, 500));
        assert_eq!(msgs[499].text, message_text(500, 500));
        assert!(msgs.windows(2).all(|w| w[0].created_at < w[1].created_at));
        assert!(matches!(add(&db, 0), Err(ApiError::BadRequest(_))));
    }
}
