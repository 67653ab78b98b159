//! Message tags in bulk: the app fetches them after a snapshot, which does not carry them.
//! Pages go by the caller's visible conversations, like the snapshot.

use switchboard_protocol::{Id, MessageTagsPage};

use super::actor::Principal;
use crate::error::ApiResult;
use crate::storage::{conversations, message_tags, Db};

pub async fn page(
    db: &Db,
    principal: Principal,
    after_id: Id,
    limit: i64,
) -> ApiResult<MessageTagsPage> {
    db.read(move |conn| {
        let viewer = principal.viewer();
        let mut convs = conversations::page_visible(
            conn,
            principal.company_id(),
            &viewer,
            after_id,
            limit + 1,
        )?;
        let has_more = convs.len() as i64 > limit;
        convs.truncate(limit as usize);
        let conversation_ids: Vec<Id> = convs.iter().map(|c| c.id).collect();
        let mut tags = Vec::new();
        for &id in &conversation_ids {
            tags.extend(message_tags::of_conversation(conn, id)?);
        }
        Ok(MessageTagsPage {
            message_tags: tags,
            next_after_id: if has_more {
                conversation_ids.last().copied()
            } else {
                None
            },
            conversation_ids,
        })
    })
    .await
}
