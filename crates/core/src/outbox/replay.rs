//! Replaying queued edits, and undoing what a refused item showed. The desk queues an edit
//! and shows it in the cache at once (`desk/edits.rs`); the flusher sends it here with its
//! key as `Idempotency-Key` and stores the server's answer, or, on a refusal, takes the
//! optimistic change back.

use std::sync::Arc;

use switchboard_protocol::{ConversationAction, Id, TagMessagesRequest};

use crate::cache::outbox::{self, Edit, Payload};
use crate::cache::{apply, conversations, edits, meta, profile};
use crate::error::Result;
use crate::shared::Shared;

/// Undoes what a refused item showed: the conversation is fetched again (rename, Start), a
/// tag comes off the messages it was added to. Best effort: a failure leaves the optimistic
/// state until the next sync corrects it.
pub(crate) async fn undo(shared: &Arc<Shared>, item: &outbox::Item) {
    let result = match &item.payload {
        Payload::Edit(Edit::RenameClient { .. }) | Payload::Action(ConversationAction::Start) => {
            refetch(shared, item.conversation_id).await
        }
        Payload::Edit(Edit::TagMessages { added, tag, .. }) => {
            let (added, tag) = (added.clone(), tag.clone());
            shared
                .write(move |c| edits::remove_tag(c, &added, &tag))
                .await
        }
        _ => Ok(()),
    };
    if let Err(e) = result {
        tracing::warn!(error = %e, id = %item.id, "could not undo a refused item in the cache");
    }
}

async fn refetch(shared: &Arc<Shared>, conversation_id: Id) -> Result<()> {
    let detail = shared.api.conversation(conversation_id).await?;
    shared
        .write(move |c| {
            let gen = meta::generation(c)?;
            conversations::upsert(c, &detail.conversation, gen)
        })
        .await
}

/// Sends one queued edit with its key and stores the answer, dropping the item in the same
/// transaction.
pub(crate) async fn replay(shared: &Arc<Shared>, key: String, edit: Edit) -> Result<()> {
    let api = &shared.api;
    match edit {
        Edit::RenameClient {
            client_id,
            display_name,
        } => {
            let conv = api
                .rename_client(client_id, &display_name, Some(&key))
                .await?;
            shared
                .write(move |c| apply::outbox_done_conversation(c, &key, &conv))
                .await
        }
        Edit::AddNote { client_id, text } => {
            let note = api.add_client_note(client_id, &text, Some(&key)).await?;
            shared
                .write(move |c| {
                    let tx = c.transaction()?;
                    profile::upsert_note(&tx, &note)?;
                    outbox::delete(&tx, &key)?;
                    Ok(tx.commit()?)
                })
                .await
        }
        Edit::TagMessages {
            message_ids, tag, ..
        } => {
            let tagged = api
                .tag_messages(&TagMessagesRequest { message_ids, tag })
                .await?;
            // The tag may be new: refresh the company's list for the "Add Tag" picker.
            let tags = api.tags().await?;
            shared
                .write(move |c| {
                    let tx = c.transaction()?;
                    for t in &tagged {
                        profile::set_message_tags(&tx, t)?;
                    }
                    outbox::delete(&tx, &key)?;
                    tx.commit()?;
                    profile::replace_tags(c, &tags)
                })
                .await
        }
    }
}
