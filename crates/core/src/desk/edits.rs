//! Edits that work offline like sends: renaming a client, adding a client note and tagging
//! messages go through the outbox. Each is applied to the cache at once (a pending note is
//! listed from the outbox with a negative id), shows as a pending action of its conversation,
//! and is replayed in order, exactly once: the server dedups renames and notes on the
//! `Idempotency-Key` header (the item's id) and tagging twice is tagging once. A refusal marks
//! the item failed (Retry / Discard like any action) and undoes what the cache showed.
//!
//! A queued Start is shown the same way: the conversation moves to My inbox at once and back
//! if the server refuses. The replay and the undo are the flusher's (`outbox/replay.rs`).

use switchboard_protocol::{ClientNote, ConversationAction, Id, Me};

use super::{not_found, Desk, MAX_TEXT_CHARS};
use crate::cache::outbox::{self, Edit, Payload};
use crate::cache::{edits, profile};
use crate::error::{CoreError, Result};
use crate::time::now_millis;

/// The server's limits, checked before queueing so a typo fails at once, not after replay.
const MAX_NAME_CHARS: usize = 200;
const MAX_TAG_CHARS: usize = 50;
const MAX_TAGGED: usize = 500;

impl Desk {
    /// Renames the client (the channel's original name is kept by the server); queued.
    pub async fn rename_client(&self, client_id: Id, display_name: String) -> Result<()> {
        let name = bounded(&display_name, MAX_NAME_CHARS, "The name")?;
        let conv = self.client_conversation(client_id).await?;
        self.queue_edit(
            conv,
            Edit::RenameClient {
                client_id,
                display_name: name,
            },
        )
        .await?;
        Ok(())
    }

    /// Adds a note about the client; queued. Returns the note as listed while pending.
    pub async fn add_client_note(&self, client_id: Id, text: String) -> Result<ClientNote> {
        let text = bounded(&text, MAX_TEXT_CHARS, "A note")?;
        let conv = self.client_conversation(client_id).await?;
        let item = self
            .queue_edit(conv, Edit::AddNote { client_id, text })
            .await?;
        pending_note(&self.shared.me(), &item)
            .ok_or_else(|| CoreError::Protocol("a queued note is not a note".into()))
    }

    /// Tags the messages (one conversation's) with `tag`, an existing tag's name or a new one;
    /// queued.
    pub async fn tag_messages(&self, message_ids: Vec<Id>, tag: String) -> Result<()> {
        let tag = bounded(&tag, MAX_TAG_CHARS, "A tag")?;
        if message_ids.is_empty() || message_ids.len() > MAX_TAGGED {
            return Err(CoreError::BadInput(format!(
                "Select 1 to {MAX_TAGGED} messages to tag."
            )));
        }
        let first = message_ids[0];
        let (conv, tag) = self
            .shared
            .read(move |conn| {
                let conv = edits::conversation_of_message(conn, first)?
                    .ok_or_else(|| not_found("This message is not in the local cache."))?;
                // Shown under the existing tag's spelling, as the server will store it.
                let tag = profile::tags(conn)?
                    .into_iter()
                    .find(|t| t.name.to_lowercase() == tag.to_lowercase())
                    .map_or(tag, |t| t.name);
                Ok((conv, tag))
            })
            .await?;
        self.queue_edit(
            conv,
            Edit::TagMessages {
                message_ids,
                tag,
                added: Vec::new(),
            },
        )
        .await?;
        Ok(())
    }

    async fn client_conversation(&self, client_id: Id) -> Result<Id> {
        self.shared
            .read(move |conn| {
                edits::conversation_of_client(conn, client_id)?
                    .ok_or_else(|| not_found("This client is not in the local cache."))
            })
            .await
    }

    async fn queue_edit(&self, conversation_id: Id, edit: Edit) -> Result<outbox::Item> {
        let key = uuid::Uuid::new_v4().to_string();
        let me = self.shared.me().operator.id;
        let write = move |conn: &mut rusqlite::Connection| {
            let tx = conn.transaction()?;
            let edit = match edit {
                Edit::TagMessages {
                    message_ids, tag, ..
                } => {
                    let added = edits::add_tag(&tx, &message_ids, &tag)?;
                    Edit::TagMessages {
                        message_ids,
                        tag,
                        added,
                    }
                }
                other => other,
            };
            let payload = Payload::Edit(edit);
            outbox::push(&tx, &key, conversation_id, &payload, now_millis())?;
            show(&tx, me, conversation_id, &payload)?;
            let item = outbox::get(&tx, &key)?
                .ok_or_else(|| CoreError::Protocol("the queued edit vanished".into()))?;
            tx.commit()?;
            Ok(item)
        };
        let item = self.shared.write(write).await?;
        self.shared.outbox_wake.notify_one();
        self.shared.events.conversations_changed(&[conversation_id]);
        Ok(item)
    }

    /// The client's notes from the cache, oldest first, then the ones still queued.
    pub async fn client_notes(&self, client_id: Id) -> Result<Vec<ClientNote>> {
        let me = self.shared.me();
        self.shared
            .read(move |conn| {
                let mut notes = profile::notes(conn, client_id)?;
                let queued = outbox::all(conn)?;
                notes.extend(
                    queued
                        .iter()
                        .filter(|i| matches!(&i.payload, Payload::Edit(Edit::AddNote { client_id: c, .. }) if *c == client_id))
                        .filter_map(|i| pending_note(&me, i)),
                );
                Ok(notes)
            })
            .await
    }
}

/// `raw` trimmed, when that is 1 to `max` characters; otherwise says what `what` must be.
fn bounded(raw: &str, max: usize, what: &str) -> Result<String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() || trimmed.chars().count() > max {
        return Err(CoreError::BadInput(format!(
            "{what} must be 1 to {max} characters."
        )));
    }
    Ok(trimmed.to_owned())
}

/// An edit as the operator reads it in the pending list.
pub(crate) fn describe(edit: &Edit) -> String {
    match edit {
        Edit::RenameClient { display_name, .. } => format!("Rename the client to “{display_name}”"),
        Edit::AddNote { text, .. } => {
            let short: String = text.chars().take(40).collect();
            let more = if short.len() < text.len() { "…" } else { "" };
            format!("Add the note “{short}{more}”")
        }
        Edit::TagMessages {
            message_ids, tag, ..
        } => match message_ids.len() {
            1 => format!("Tag 1 message “{tag}”"),
            n => format!("Tag {n} messages “{tag}”"),
        },
    }
}

/// A queued note as the notes list shows it: id `-seq` (negative ids mean "pending").
fn pending_note(me: &Me, item: &outbox::Item) -> Option<ClientNote> {
    match &item.payload {
        Payload::Edit(Edit::AddNote { client_id, text }) => Some(ClientNote {
            id: -item.seq,
            client_id: *client_id,
            conversation_id: item.conversation_id,
            operator_id: me.operator.id,
            operator_name: me.operator.name.clone(),
            text: text.clone(),
            created_at: item.created_at,
        }),
        _ => None,
    }
}

/// Applies what a queued item shows before the server has it (at queueing and on Retry).
pub(crate) fn show(
    conn: &rusqlite::Connection,
    me: Id,
    conversation_id: Id,
    payload: &Payload,
) -> Result<()> {
    match payload {
        Payload::Edit(Edit::RenameClient { display_name, .. }) => {
            edits::rename_client(conn, conversation_id, display_name)
        }
        Payload::Edit(Edit::TagMessages { added, tag, .. }) => {
            edits::add_tag(conn, added, tag).map(|_| ())
        }
        Payload::Action(ConversationAction::Start) => edits::start(conn, conversation_id, me),
        Payload::Edit(Edit::AddNote { .. }) | Payload::Action(_) | Payload::Send { .. } => Ok(()),
    }
}
