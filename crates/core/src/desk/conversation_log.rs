//! The conversation log (seed: after "Start conversation" the conversation "will go to "My
//! inbox" tab of this operator and will be assigned to him (this will be indicated in the
//! conversation log)"). Read from the server each time it is shown and not cached: it is
//! the server's record, and a stale copy could show a movement that is not the last one.

use switchboard_protocol::{Id, LogEntry};

use super::email::online_only;
use super::Desk;
use crate::error::Result;

impl Desk {
    /// Every movement of the conversation, oldest first; offline it says it needs a connection.
    pub async fn conversation_log(&self, conversation_id: Id) -> Result<Vec<LogEntry>> {
        online_only(
            "The conversation log",
            self.shared.api.conversation_log(conversation_id).await,
        )
    }
}
