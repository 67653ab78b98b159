//! Message tags after a snapshot. Snapshots carry conversations, messages and read states but
//! not tags, so after a first run, a `reset` or a rebuilt cache the tags of messages tagged
//! earlier would be missing until each was tagged again. Right after the snapshot (and before
//! `/sync` applies newer records) the sync task pages through `/api/v1/message-tags` and
//! replaces the cached tags of each page's conversations. The snapshot generation it did this
//! for is remembered, so a refetch cut short by a dropped connection runs again on the next.
//! A company without tags (the list is fetched again first) has nothing to page through.

use std::sync::Arc;

use switchboard_protocol::Id;

use crate::cache::{meta, profile};
use crate::error::Result;
use crate::shared::Shared;

/// Conversations per page: the most the server gives.
const PAGE: u32 = 1000;
/// Meta key: the snapshot generation whose tags were fetched.
const TAGS_GEN: &str = "message_tags_gen";

/// Fetches the tags once per completed snapshot.
pub(crate) async fn after_snapshot(shared: &Arc<Shared>) -> Result<()> {
    let (gen, fetched) = shared
        .write(|c| Ok((meta::generation(c)?, meta::get_i64(c, TAGS_GEN)?)))
        .await?;
    if fetched == Some(gen) {
        return Ok(());
    }
    // The server never removes a company's tags: a company without tags now had no tagged
    // message when the snapshot was read, and there is nothing to page through.
    let tags = shared.api.tags().await?;
    let any = !tags.is_empty();
    shared
        .write(move |c| profile::replace_tags(c, &tags))
        .await?;
    if any {
        refetch_all(shared).await?;
    }
    shared.write(move |c| meta::set_i64(c, TAGS_GEN, gen)).await
}

async fn refetch_all(shared: &Arc<Shared>) -> Result<()> {
    let mut after: Id = 0;
    let mut page = shared.api.message_tags(after, PAGE).await?;
    loop {
        let next = page.next_after_id.filter(|&n| n > after);
        // Fetch the next page while this one is written, like the snapshot.
        let write = shared.write(move |c| {
            let tx = c.transaction()?;
            for &id in &page.conversation_ids {
                profile::clear_conversation_tags(&tx, id)?;
            }
            for t in &page.message_tags {
                profile::set_message_tags(&tx, t)?;
            }
            Ok(tx.commit()?)
        });
        let Some(n) = next else {
            return write.await;
        };
        let (written, fetched) = tokio::join!(write, shared.api.message_tags(n, PAGE));
        written?;
        page = fetched?;
        after = n;
    }
}
