//! Change-log retention for `serve --keep-changes N`: a background task prunes all but the
//! newest N change records of each company, at start and then periodically. Apps whose
//! position was pruned get `reset: true` from `/sync` (and `resync` on `/events`) and rebuild
//! from a snapshot; their outbox is untouched, so nothing queued is lost.

use std::time::Duration;

use crate::storage::{retention, Db};

/// Prunes once; returns how many records were deleted.
pub async fn prune_once(db: &Db, keep: u64) -> crate::error::ApiResult<usize> {
    db.write(move |ctx| Ok(retention::prune(ctx.tx, keep)?))
        .await
}

/// Runs until the runtime stops. A failed round is logged and tried again next time: pruning
/// only bounds the database's size, nothing depends on it happening on time.
pub async fn run(db: Db, keep: u64, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match prune_once(&db, keep).await {
            Ok(0) => {}
            Ok(deleted) => tracing::info!(deleted, keep, "pruned old change records"),
            Err(e) => tracing::warn!(error = %e, "cannot prune change records"),
        }
    }
}
