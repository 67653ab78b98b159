//! The client profile's notes, message tags and the retry of a failed delivery on the desk.
//! Reads come from the cache. Rename, notes and tags are queued (see `edits.rs`); the retry
//! of a delivery calls the server directly (it needs a connection) because the server decides
//! whether it may happen.

use switchboard_protocol::{ClientNote, Id, Message, MessageTags, Tag};

use super::Desk;
use crate::cache::{apply, profile};
use crate::error::Result;

impl Desk {
    /// Fetches the client's notes into the cache (snapshots do not carry notes; change records
    /// keep them current afterwards) and returns them.
    pub async fn refresh_client_notes(&self, client_id: Id) -> Result<Vec<ClientNote>> {
        let notes = self.shared.api.client_notes(client_id).await?;
        let stored = notes.clone();
        self.shared
            .write(move |c| profile::replace_notes(c, client_id, &stored))
            .await?;
        // Plus the ones still queued.
        self.client_notes(client_id).await
    }

    /// The company's tags, for the "Add Tag" list.
    pub async fn tags(&self) -> Result<Vec<Tag>> {
        self.shared.read(profile::tags).await
    }

    /// The tags of a conversation's tagged messages.
    pub async fn message_tags(&self, conversation_id: Id) -> Result<Vec<MessageTags>> {
        self.shared
            .read(move |c| profile::message_tags(c, conversation_id))
            .await
    }

    /// Sends a failed operator message again; the thread shows the new delivery state.
    pub async fn retry_delivery(&self, message_id: Id) -> Result<()> {
        let msg: Message = self.shared.api.retry_delivery(message_id).await?;
        let applied = self
            .shared
            .write(move |c| apply::apply_retry_reply(c, &msg))
            .await?;
        self.shared.changed(&applied);
        Ok(())
    }
}
