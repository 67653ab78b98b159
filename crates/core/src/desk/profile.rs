//! The client profile (rename, notes), message tags and the retry of a failed delivery on the
//! desk. Reads come from the cache. Writes call the server directly and store its answer at
//! once; they need a connection (offline they fail with the "offline" message and the
//! operator's input stays in the form). They are not queued in the outbox because the server
//! decides what they become (a tag is created on first use, a retry may be refused).

use switchboard_protocol::{ClientNote, Id, Message, MessageTags, Tag, TagMessagesRequest};

use super::Desk;
use crate::cache::{apply, conversations, meta, profile};
use crate::error::Result;

impl Desk {
    /// The client's notes from the cache, oldest first.
    pub fn client_notes(&self, client_id: Id) -> Result<Vec<ClientNote>> {
        profile::notes(&self.shared.cache.reader(), client_id)
    }

    /// Fetches the client's notes into the cache (snapshots do not carry notes; change records
    /// keep them current afterwards) and returns them.
    pub async fn refresh_client_notes(&self, client_id: Id) -> Result<Vec<ClientNote>> {
        let notes = self.shared.api.client_notes(client_id).await?;
        let stored = notes.clone();
        self.shared
            .write(move |c| profile::replace_notes(c, client_id, &stored))
            .await?;
        Ok(notes)
    }

    pub async fn add_client_note(&self, client_id: Id, text: String) -> Result<ClientNote> {
        let note = self.shared.api.add_client_note(client_id, &text).await?;
        let stored = note.clone();
        self.shared
            .write(move |c| profile::upsert_note(c, &stored))
            .await?;
        Ok(note)
    }

    /// Renames the client (the channel's original name is kept by the server).
    pub async fn rename_client(&self, client_id: Id, display_name: String) -> Result<()> {
        let conv = self
            .shared
            .api
            .rename_client(client_id, &display_name)
            .await?;
        let id = conv.id;
        self.shared
            .write(move |c| {
                let gen = meta::generation(c)?;
                conversations::upsert(c, &conv, gen)
            })
            .await?;
        self.shared.events.conversations_changed(&[id]);
        Ok(())
    }

    /// The company's tags, for the "Add Tag" list.
    pub fn tags(&self) -> Result<Vec<Tag>> {
        profile::tags(&self.shared.cache.reader())
    }

    /// The tags of a conversation's tagged messages.
    pub fn message_tags(&self, conversation_id: Id) -> Result<Vec<MessageTags>> {
        profile::message_tags(&self.shared.cache.reader(), conversation_id)
    }

    pub async fn tag_messages(&self, message_ids: Vec<Id>, tag: String) -> Result<()> {
        let req = TagMessagesRequest { message_ids, tag };
        let tagged = self.shared.api.tag_messages(&req).await?;
        let ids: Vec<Id> = tagged.iter().map(|t| t.conversation_id).collect();
        let tags = self.shared.api.tags().await?;
        self.shared
            .write(move |c| {
                for t in &tagged {
                    profile::set_message_tags(c, t)?;
                }
                profile::replace_tags(c, &tags)
            })
            .await?;
        self.shared.events.conversations_changed(&ids);
        Ok(())
    }

    /// Sends a failed operator message again; the thread shows the new delivery state.
    pub async fn retry_delivery(&self, message_id: Id) -> Result<()> {
        let msg: Message = self.shared.api.retry_delivery(message_id).await?;
        let applied = self
            .shared
            .write(move |c| apply::apply_messages(c, &[msg]))
            .await?;
        self.shared.changed(&applied);
        Ok(())
    }
}
