//! "Send to Email" and the email whitelist setting on the desk. Both are online only: the
//! server builds and sends the mail (it decides what the operator may export and to whom), so
//! there is nothing to queue — offline they fail at once with a clear message and the
//! operator's dialog keeps what they typed. Nothing is cached.

use switchboard_protocol::{EmailConversationRequest, EmailSent, EmailWhitelist, Id};

use super::Desk;
use crate::error::{CoreError, Result};

/// `Offline` (no answer from the server) becomes a message that names the action.
pub(super) fn online_only<T>(what: &'static str, r: Result<T>) -> Result<T> {
    r.map_err(|e| match e {
        CoreError::Offline { .. } => CoreError::NeedsConnection(what),
        other => other,
    })
}

impl Desk {
    /// Mails the conversation (or `req.message_ids`) through the server.
    pub async fn email_conversation(
        &self,
        conversation_id: Id,
        req: EmailConversationRequest,
    ) -> Result<EmailSent> {
        let r = self
            .shared
            .api
            .email_conversation(conversation_id, &req)
            .await;
        online_only("Sending by email", r)
    }

    pub async fn email_whitelist(&self) -> Result<EmailWhitelist> {
        online_only(
            "Reading the company settings",
            self.shared.api.email_whitelist().await,
        )
    }

    pub async fn set_email_whitelist(&self, w: EmailWhitelist) -> Result<EmailWhitelist> {
        online_only(
            "Changing the company settings",
            self.shared.api.set_email_whitelist(&w).await,
        )
    }
}
