//! The operator typing an answer: told to the server (`POST /conversations/{id}/typing`),
//! which tells a LiveChat visitor's widget. Ephemeral like the visitor's own typing
//! ([`crate::DeskEvents::client_typing`]): offline the signal is dropped, never queued in
//! the outbox (a "typing…" shown minutes later would be false).

use switchboard_protocol::Id;

use super::Desk;
use crate::error::{CoreError, Result};

impl Desk {
    /// The operator is (`true`, repeated every few seconds while they type) or stopped typing
    /// in `conversation_id`. Offline: nothing happens.
    pub async fn set_typing(&self, conversation_id: Id, typing: bool) -> Result<()> {
        match self.shared.api.typing(conversation_id, typing).await {
            Err(CoreError::Offline { detail, .. }) => {
                tracing::debug!(conversation_id, %detail, "typing signal dropped: offline");
                Ok(())
            }
            r => r,
        }
    }
}
