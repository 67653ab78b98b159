//! `GET /api/v1/message-tags`: the tags of the caller's visible messages, paged by
//! conversation like the snapshot (which does not carry them), so a rebuilt cache gets its
//! tags back.

use serde::{Deserialize, Serialize};

use crate::{Id, MessageTags};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageTagsPage {
    /// Every tagged message of this page's conversations (`conversation_id`, `message_id`).
    pub message_tags: Vec<MessageTags>,
    /// The conversations this page covered (their cached tags are replaced by the page's).
    pub conversation_ids: Vec<Id>,
    /// `after_id` of the next page; `None` on the last page.
    pub next_after_id: Option<Id>,
}
