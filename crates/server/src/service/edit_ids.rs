//! Edits the app may queue offline and send again after a crash or a lost answer — a client
//! rename and a client note — are idempotent on the `Idempotency-Key` header, like
//! conversation actions are on `action_id` (same `processed_actions` table): a repeat of a
//! key answers with the current state (rename) or the note the first request made, and
//! changes nothing. Tagging messages needs no key: tagging twice is tagging once.

use switchboard_protocol::{ClientNote, Conversation, Id};

use super::actor::{resolve_actor, Principal};
use super::clients::{update_in, ClientChange};
use super::now_ms;
use crate::error::{ApiError, ApiResult};
use crate::storage::action_log::{self, Processed};
use crate::storage::{conversations, profile, Db};

/// Longest key accepted (a UUID is 36).
pub const MAX_KEY_CHARS: usize = 100;

/// Checks an idempotency key of a request body or query (`action_id`, `client_msg_id`).
pub fn check_key(key: &str, field: &str) -> ApiResult<()> {
    let n = key.chars().count();
    if n == 0 || n > MAX_KEY_CHARS {
        return Err(ApiError::bad_request(format!(
            "`{field}` must be 1 to {MAX_KEY_CHARS} characters (a UUID)."
        )));
    }
    Ok(())
}

fn reused(key: &str, done: Processed, conversation_id: Id) -> ApiResult<()> {
    if done.conversation_id != conversation_id {
        return Err(ApiError::Conflict(format!(
            "Idempotency-Key {key} was already used for conversation {}; make a new one for each edit.",
            done.conversation_id
        )));
    }
    Ok(())
}

/// Renames a client once per key.
pub async fn rename(
    db: &Db,
    principal: Principal,
    ip: Option<String>,
    client_id: Id,
    display_name: String,
    key: Option<String>,
) -> ApiResult<Conversation> {
    let hidden = principal.hidden();
    db.write(move |ctx| {
        let actor = resolve_actor(ctx.tx, &principal, None, ip)?;
        let Some(key) = key else {
            return update_in(ctx, &actor, client_id, &ClientChange::Rename(display_name));
        };
        if let Some(done) = action_log::processed(ctx.tx, actor.company_id, &key)? {
            // Visibility first: a repeat must not reveal a conversation the caller lost.
            let conv = super::profile::client_conversation(ctx.tx, &actor, client_id)?;
            reused(&key, done, conv.id)?;
            return conversations::get(ctx.tx, actor.company_id, conv.id)?
                .ok_or_else(|| ApiError::conversation_not_found(conv.id));
        }
        let conv = update_in(ctx, &actor, client_id, &ClientChange::Rename(display_name))?;
        let done = Processed {
            conversation_id: conv.id,
            result_id: None,
        };
        action_log::mark_processed(ctx.tx, actor.company_id, &key, done, now_ms())?;
        Ok(conv)
    })
    .await
    .map(super::seen(hidden))
}

/// Adds a client note once per key.
pub async fn add_note(
    db: &Db,
    principal: Principal,
    ip: Option<String>,
    client_id: Id,
    text: String,
    key: Option<String>,
) -> ApiResult<ClientNote> {
    super::conversations::validate_text(&text, "text")?;
    db.write(move |ctx| {
        let actor = resolve_actor(ctx.tx, &principal, None, ip)?;
        let conv = super::profile::client_conversation(ctx.tx, &actor, client_id)?;
        if let Some(key) = &key {
            if let Some(done) = action_log::processed(ctx.tx, actor.company_id, key)? {
                reused(key, done, conv.id)?;
                let note = done
                    .result_id
                    .map(|id| profile::note(ctx.tx, id))
                    .transpose()?;
                return note.flatten().ok_or_else(|| {
                    ApiError::Conflict(format!(
                        "Idempotency-Key {key} was already used for another kind of edit."
                    ))
                });
            }
        }
        let note = super::profile::add_note_in(ctx, &actor, &conv, text.trim())?;
        if let Some(key) = &key {
            let done = Processed {
                conversation_id: conv.id,
                result_id: Some(note.id),
            };
            action_log::mark_processed(ctx.tx, actor.company_id, key, done, note.created_at)?;
        }
        Ok(note)
    })
    .await
}
