//! "Send to Email" (seed: Conversations tab) and its whitelist (Settings › Advanced "Email
//! whitelist for downloading conversations").
//!
//! Decisions:
//! - The mail is built from what the caller may see: a conversation they cannot see is 404
//!   like every other conversation route, and the whole-conversation export leaves internal
//!   notes out (the client never sees them; Chatwoot's transcripts do the same). Notes the
//!   operator selected explicitly are included and labelled "Internal note".
//! - Attachments are listed by name and size, never attached: the mail must not become a way
//!   around the group's "block receiving files" policy, and stays small.
//! - Two limits: the role's "download conversations" flag says *who* may export (issue 11 names
//!   it; migration 0021 turned it on for every role that existed, so nobody lost the export),
//!   and the company's whitelist says *where to* ("The function allows you to limit the ability
//!   for operators to download correspondence with end-users and write down specific email
//!   addresses to which downloading is possible").
//! - Checks run in this order: the role flag (403: it is about the caller, not the
//!   conversation, so it reveals nothing), visibility (404), input (400), whitelist (403), mail
//!   server configured (422), then the SMTP exchange (502 on failure), outside any database
//!   transaction. The action log row is written once the SMTP server accepted the mail.
//! - Super-admins (and API tokens, which act as one) are not restricted by the whitelist, like
//!   every Settings › Advanced restriction.

use std::collections::HashMap;

use crate::storage::sql::Conn;
use lettre::message::Mailbox;
use lettre::Address;
use switchboard_protocol::{
    EmailConversationRequest, EmailSent, EmailWhitelist, Id, LogAction, LogDetails, LogTarget,
    MessageKind, Redact,
};

use super::actor::{resolve_actor, Actor, Principal};
use super::conversations::{load_visible, log_conversation};
use super::now_ms;
use crate::error::{ApiError, ApiResult};
use crate::mail::transcript::{Author, Entry, Transcript};
use crate::mail::{Mailer, Outgoing};
use crate::storage::{channels, email as store, messages, operators, Db, WriteCtx};

/// Longest subject, in characters.
pub const MAX_SUBJECT_CHARS: usize = 200;
/// Most messages in one mail (a larger conversation is sent in selections).
pub const MAX_MESSAGES: usize = 5_000;
/// Most addresses in the whitelist.
pub const MAX_WHITELIST: usize = 500;

pub const NO_DOWNLOAD_PERMISSION: &str =
    "Your role does not allow sending conversations by email (\"download conversations\"); ask an administrator.";

pub const NO_MAIL_SERVER: &str =
    "This server has no mail server configured (start it with --smtp-url).";

/// A trimmed, valid address; lowercase when `lowercase`.
fn parse_address(raw: &str, lowercase: bool) -> ApiResult<Address> {
    let trimmed = raw.trim();
    let candidate = if lowercase {
        trimmed.to_lowercase()
    } else {
        trimmed.to_string()
    };
    if candidate.is_empty() {
        return Err(ApiError::bad_request(
            "Enter the recipient's email address.",
        ));
    }
    if candidate.len() > 254 {
        return Err(ApiError::bad_request(
            "An email address is at most 254 characters.",
        ));
    }
    candidate.parse::<Address>().map_err(|_| {
        ApiError::bad_request(format!(
            "\"{trimmed}\" is not a valid email address (like name@example.com)."
        ))
    })
}

fn check_subject(subject: &str) -> ApiResult<String> {
    let s = subject.trim();
    if s.is_empty() {
        return Err(ApiError::bad_request("Enter a subject for the email."));
    }
    if s.chars().count() > MAX_SUBJECT_CHARS {
        return Err(ApiError::bad_request(format!(
            "The subject is at most {MAX_SUBJECT_CHARS} characters."
        )));
    }
    if s.chars().any(char::is_control) {
        return Err(ApiError::bad_request(
            "The subject must be one line without control characters.",
        ));
    }
    Ok(s.to_string())
}

fn channel_label(conn: &Conn<'_>, channel_id: Id) -> ApiResult<String> {
    Ok(match channels::get_any(conn, channel_id)? {
        Some(rec) => {
            let kind = rec.account.kind.as_str();
            let mut chars = kind.chars();
            let kind = chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default();
            format!("{kind} ({})", rec.account.name)
        }
        None => format!("channel {channel_id}"),
    })
}

/// Everything checked and built inside one read: the mail to send.
fn prepare(
    conn: &Conn<'_>,
    actor: &Actor,
    conversation_id: Id,
    req: &EmailConversationRequest,
    mail_configured: bool,
) -> ApiResult<(Outgoing, u32)> {
    if !(actor.facts.full_rights || actor.operator.permissions.download_conversations) {
        return Err(ApiError::Forbidden(NO_DOWNLOAD_PERMISSION.into()));
    }
    let mut conv = load_visible(conn, actor, conversation_id)?;
    // The transcript names the client as the sender may see them (Hide personal data).
    conv.redact(actor.viewer.hidden);
    let to = parse_address(&req.to, false)?;
    let subject = check_subject(&req.subject)?;
    if !actor.facts.full_rights {
        let whitelist = store::get(conn, actor.company_id)?;
        let lower = to.to_string().to_lowercase();
        if whitelist.restrict && !whitelist.addresses.contains(&lower) {
            return Err(ApiError::Forbidden(format!(
                "{to} is not in the company's email whitelist (Settings › Advanced \"Restrict email addresses\"); ask an administrator to add it."
            )));
        }
    }
    let selected = req.message_ids.is_some();
    let msgs = match &req.message_ids {
        Some(ids) => {
            if ids.is_empty() {
                return Err(ApiError::bad_request(
                    "Select at least one message, or leave message_ids out to send the whole conversation.",
                ));
            }
            if ids.len() > MAX_MESSAGES {
                return Err(ApiError::bad_request(format!(
                    "At most {MAX_MESSAGES} messages fit in one email."
                )));
            }
            let mut ids = ids.clone();
            ids.sort_unstable();
            ids.dedup();
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                out.push(messages::get(conn, conv.id, id)?.ok_or_else(|| {
                    ApiError::not_found(format!("Message {id} is not in conversation {}.", conv.id))
                })?);
            }
            out
        }
        None => {
            let all: Vec<_> = messages::list_all(conn, conv.id)?
                .into_iter()
                .filter(|m| m.kind != MessageKind::Note)
                .collect();
            if all.len() > MAX_MESSAGES {
                return Err(ApiError::InvalidState(format!(
                    "The conversation has more than {MAX_MESSAGES} messages; select the messages to send."
                )));
            }
            all
        }
    };
    if !mail_configured {
        return Err(ApiError::InvalidState(NO_MAIL_SERVER.into()));
    }
    let mut names: HashMap<Id, String> = HashMap::new();
    let mut name_of = |id: Option<Id>| -> ApiResult<String> {
        let Some(id) = id else {
            return Ok("Operator".into());
        };
        if let Some(n) = names.get(&id) {
            return Ok(n.clone());
        }
        let n = operators::name_of(conn, id)?.unwrap_or_else(|| format!("operator {id}"));
        names.insert(id, n.clone());
        Ok(n)
    };
    let client = conv.client.display_name.clone();
    let mut entries = Vec::with_capacity(msgs.len());
    for m in msgs {
        let author = match m.kind {
            MessageKind::Client => Author::Client(client.clone()),
            MessageKind::Operator => Author::Operator(name_of(m.operator_id)?),
            MessageKind::Note => Author::Note(name_of(m.operator_id)?),
            MessageKind::System => Author::System,
        };
        entries.push(Entry {
            at: m.created_at,
            author,
            text: m.text,
            attachment: m.attachment.map(|a| (a.name, a.size)),
        });
    }
    let me = &actor.operator.operator;
    let count = entries.len() as u32;
    let transcript = Transcript {
        conversation_id: conv.id,
        client,
        channel: channel_label(conn, conv.channel_account_id)?,
        exported_by: format!("{} <{}>", me.name, me.email),
        exported_at: now_ms(),
        selected,
        entries,
    };
    let mail = Outgoing {
        to,
        reply_to: me
            .email
            .parse::<Address>()
            .ok()
            .map(|a| Mailbox::new(Some(me.name.clone()), a)),
        subject,
        text: transcript.text(),
        html: transcript.html(),
    };
    Ok((mail, count))
}

/// Mails conversation `conversation_id` (or the selected messages) to `req.to`.
pub async fn send_conversation(
    db: &Db,
    mailer: Option<&Mailer>,
    principal: Principal,
    ip: Option<String>,
    conversation_id: Id,
    req: EmailConversationRequest,
) -> ApiResult<EmailSent> {
    let configured = mailer.is_some();
    let (actor, (mail, message_count)) = db
        .read(move |conn| {
            let actor = resolve_actor(conn, &principal, None, ip)?;
            let prepared = prepare(conn, &actor, conversation_id, &req, configured)?;
            Ok((actor, prepared))
        })
        .await?;
    let Some(mailer) = mailer else {
        return Err(ApiError::InvalidState(NO_MAIL_SERVER.into()));
    };
    let to = mail.to.to_string();
    mailer.send(mail).await?;
    let details = LogDetails {
        email_to: Some(to.clone()),
        message_count: Some(message_count),
        ..LogDetails::default()
    };
    db.write(move |ctx| {
        log_conversation(
            ctx.tx,
            Some(&actor),
            actor.company_id,
            conversation_id,
            LogAction::ConversationEmailed,
            &details,
            now_ms(),
        )
    })
    .await?;
    tracing::info!(conversation_id, %to, message_count, "conversation emailed");
    Ok(EmailSent { to, message_count })
}

/// The company's email whitelist.
pub async fn whitelist(db: &Db, principal: Principal) -> ApiResult<EmailWhitelist> {
    db.read(move |conn| {
        let actor = resolve_actor(conn, &principal, None, None)?;
        actor.require_super_admin()?;
        Ok(store::get(conn, actor.company_id)?)
    })
    .await
}

/// Checks and cleans a whitelist: addresses validated, lowercased, sorted and deduplicated.
pub fn check_whitelist(w: EmailWhitelist) -> ApiResult<EmailWhitelist> {
    if w.addresses.len() > MAX_WHITELIST {
        return Err(ApiError::bad_request(format!(
            "The whitelist holds at most {MAX_WHITELIST} addresses."
        )));
    }
    let mut addresses = w
        .addresses
        .iter()
        .map(|a| parse_address(a, true).map(|a| a.to_string()))
        .collect::<ApiResult<Vec<_>>>()?;
    addresses.sort();
    addresses.dedup();
    Ok(EmailWhitelist {
        restrict: w.restrict,
        addresses,
    })
}

/// Stores a whitelist [`check_whitelist`] cleaned, with its action-log row (the super-admin's
/// rights are checked by the caller).
pub fn set_whitelist_in(
    ctx: &mut WriteCtx<'_>,
    actor: &Actor,
    clean: EmailWhitelist,
) -> ApiResult<EmailWhitelist> {
    store::set(ctx.tx, actor.company_id, &clean)?;
    let details = LogDetails {
        whitelist_restrict: Some(clean.restrict),
        whitelist_addresses: Some(clean.addresses.clone()),
        ..LogDetails::default()
    };
    actor.log(
        ctx,
        (LogTarget::Company, actor.company_id),
        LogAction::EmailWhitelistChanged,
        &details,
    )?;
    Ok(clean)
}

/// Replaces the company's email whitelist.
pub async fn set_whitelist(
    db: &Db,
    principal: Principal,
    ip: Option<String>,
    w: EmailWhitelist,
) -> ApiResult<EmailWhitelist> {
    let clean = check_whitelist(w)?;
    db.write(move |ctx| {
        let actor = resolve_actor(ctx.tx, &principal, None, ip)?;
        actor.require_super_admin()?;
        set_whitelist_in(ctx, &actor, clean)
    })
    .await
}
