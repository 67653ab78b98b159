//! "Outgoing message" over WhatsApp: an operator with the `outgoing_whatsapp` permission writes
//! to a phone number. The client is found or created on the company's WhatsApp account (its
//! external id is the number's digits, the id WhatsApp itself uses), the conversation goes to
//! the caller's My inbox and the text is stored as the first operator message. Delivery
//! through WhatsApp comes with the channels work; until then the message counts as sent like
//! every other operator message.

use switchboard_protocol::{
    ChannelKind, ClientContact, Conversation, ConversationStatus, LogAction, LogDetails, LogSource,
    MessageKind, OutgoingWhatsappRequest,
};

use super::actor::{resolve_actor, Actor, Principal};
use super::conversations::{
    denied, emit_conversation, log_conversation, send_in, validate_text, SendRequest,
};
use super::{now_ms, seen};
use crate::error::{ApiError, ApiResult};
use crate::policy::{self, Scope};
use crate::storage::{channels, clients, conversations, groups, Db, WriteCtx};

/// The digits of an international number, or a message saying what is wrong with it.
pub fn normalize_phone(raw: &str) -> Result<String, &'static str> {
    let trimmed = raw.trim();
    let body = trimmed.strip_prefix('+').unwrap_or(trimmed);
    let mut digits = String::with_capacity(body.len());
    for ch in body.chars() {
        match ch {
            '0'..='9' => digits.push(ch),
            ' ' | '-' | '.' | '(' | ')' => {}
            _ => return Err(
                "`phone` may contain only digits, a leading +, spaces, dashes, dots and brackets.",
            ),
        }
    }
    if !(7..=15).contains(&digits.len()) {
        return Err("`phone` must have 7 to 15 digits including the country code.");
    }
    Ok(digits)
}

fn start_outgoing(
    ctx: &mut WriteCtx<'_>,
    actor: &Actor,
    may_send: bool,
    req: &OutgoingWhatsappRequest,
) -> ApiResult<Conversation> {
    if !may_send {
        return Err(ApiError::Forbidden(
            "Outgoing WhatsApp messages are a paid function your role does not include; ask a super-admin."
                .into(),
        ));
    }
    let phone = normalize_phone(&req.phone).map_err(ApiError::bad_request)?;
    validate_text(&req.text, "text")?;
    let name = match req.client_name.trim() {
        "" => format!("+{phone}"),
        n if n.chars().count() > 200 => {
            return Err(ApiError::bad_request(
                "`client_name` must be at most 200 characters.",
            ))
        }
        n => n.to_string(),
    };
    let conn = ctx.tx;
    let company_id = actor.company_id;
    if let Some(g) = req.group_id {
        groups::get(conn, company_id, g)?
            .ok_or_else(|| ApiError::not_found(format!("Group {g} not found.")))?;
        let mine = &actor.facts.group_ids;
        if !actor.facts.full_rights && !mine.is_empty() && !mine.contains(&g) {
            return Err(ApiError::Forbidden(
                "You can send only through one of your own groups.".into(),
            ));
        }
    }
    let accounts: Vec<_> = channels::list_records(conn, company_id)?
        .into_iter()
        .filter(|c| c.account.kind == ChannelKind::Whatsapp)
        .collect();
    // The group's own number when it has one, else the company's first.
    let channel = accounts
        .iter()
        .find(|c| req.group_id.is_some() && c.account.group_id == req.group_id)
        .or(accounts.first())
        .ok_or_else(|| {
            ApiError::InvalidState(
                "The company has no WhatsApp account connected; a super-admin must connect one first."
                    .into(),
            )
        })?;
    let now = now_ms();
    let client = match clients::find_by_external_id(conn, channel.account.id, &phone)? {
        Some(c) => c,
        None => {
            let id = clients::insert(conn, company_id, channel.account.id, &phone, &name, now)?;
            let contact = ClientContact {
                phone: Some(phone.clone()),
                ..ClientContact::default()
            };
            clients::set_contact(conn, id, &contact)?;
            clients::get(conn, company_id, id)?
                .ok_or_else(|| ApiError::Internal("client vanished after insert".into()))?
        }
    };
    let existing = conversations::get_by_client(conn, client.id)?;
    // A conversation the caller cannot see stays as it is, and so does everything about it:
    // who has it, its client's name, its history.
    if existing
        .as_ref()
        .is_some_and(|c| !policy::visible(&actor.viewer, &Scope::of(c)))
    {
        return Err(ApiError::Conflict(format!(
            "+{phone} already has a conversation you cannot see; ask a supervisor to assign it to you."
        )));
    }
    if client.blacklisted {
        return Err(ApiError::InvalidState(format!(
            "+{phone} is on the black list; it must be unlocked first."
        )));
    }
    let me = actor.id();
    let group_id = req.group_id.or(channel.account.group_id);
    let (conv, before, action) = match existing {
        Some(mut conv) => {
            let before = Scope::of(&conv);
            policy::start(&actor.facts, &before).map_err(|d| denied(conn, d))?;
            conv.status = ConversationStatus::Inbox;
            conv.operator_id = Some(me);
            conv.group_id = group_id.or(conv.group_id);
            conv.status_changed_at = now;
            conv.updated_at = now;
            conversations::update(conn, &conv)?;
            (conv, Some(before), LogAction::Start)
        }
        None => {
            let mut conv = Conversation {
                id: 0,
                channel_account_id: channel.account.id,
                client,
                status: ConversationStatus::Inbox,
                operator_id: Some(me),
                group_id,
                status_changed_at: now,
                closed_by: None,
                last_message_at: now,
                last_message_from_operator: true,
                last_message_preview: String::new(),
                last_client_message_id: None,
                created_at: now,
                updated_at: now,
            };
            conv.id = conversations::insert(conn, company_id, &conv)?;
            (conv, None, LogAction::Created)
        }
    };
    log_conversation(
        conn,
        Some(actor),
        company_id,
        conv.id,
        action,
        &LogDetails {
            source: Some(LogSource::OutgoingWhatsapp),
            ..LogDetails::default()
        },
        now,
    )?;
    emit_conversation(ctx, company_id, before, &conv, now)?;
    send_in(
        ctx,
        actor,
        &SendRequest {
            conversation_id: conv.id,
            kind: MessageKind::Operator,
            text: req.text.clone(),
            client_msg_id: req.client_msg_id.clone(),
            attachment_url: None,
            attachment: None,
            acting_operator_id: None,
            disable_webhook: false,
        },
    )?;
    conversations::get(ctx.tx, company_id, conv.id)?
        .ok_or_else(|| ApiError::conversation_not_found(conv.id))
}

/// Starts (or restarts) the conversation with `req.phone` in the caller's My inbox.
pub async fn whatsapp(
    db: &Db,
    principal: Principal,
    ip: Option<String>,
    req: OutgoingWhatsappRequest,
) -> ApiResult<Conversation> {
    let may_send = principal.full_rights() || principal.operator().permissions.outgoing_whatsapp;
    let hidden = principal.hidden();
    db.write(move |ctx| {
        let actor = resolve_actor(ctx.tx, &principal, None, ip)?;
        start_outgoing(ctx, &actor, may_send, &req)
    })
    .await
    .map(seen(hidden))
}

#[cfg(test)]
mod tests {
    use super::normalize_phone;

    #[test]
    fn phone_numbers() {
        assert_eq!(
            normalize_phone(" +49 (30) 123-45.67 "),
            Ok("49301234567".into())
        );
        assert!(normalize_phone("12345").is_err());
        assert!(normalize_phone("+1 555 CALL NOW").is_err());
        assert!(normalize_phone("1234567890123456").is_err());
    }
}
