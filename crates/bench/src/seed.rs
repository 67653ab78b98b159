//! The rest of the dataset, written straight into the server database through the server's
//! own ingest function (`store_client_message_in`: clients, conversations, messages, change
//! records, exactly what HTTP ingest writes) in large transactions while the server is
//! stopped: about twice as fast as HTTP on 2 cores, and the ingest ratio (budget 4) is
//! measured on its own slice (`--ingest-conversations`).

use std::time::Duration;

use anyhow::Context;
use switchboard_server::service::ingest::store_client_message_in;
use switchboard_server::storage::{channels, Db};

use crate::data::Data;
use crate::phase::{Phase, Reached};
use crate::server::Demo;

/// Messages per transaction.
const BATCH: usize = 5_000;

/// Stores the messages `indices` of `data`, in that order, until done or `bound`.
pub fn load(
    demo: &Demo,
    data: Data,
    indices: &[usize],
    bound: Duration,
) -> anyhow::Result<Reached> {
    let db = Db::open_at(&demo.db)?;
    let channel = db
        .read_blocking(|c| Ok(channels::get_any(c, demo.custom_channel)?))?
        .context("the demo's Custom app channel is missing")?;
    let mut phase = Phase::start("bulk load", indices.len() as u64, bound);
    let mut done = 0;
    for batch in indices.chunks(BATCH) {
        if phase.over_time() {
            break;
        }
        db.write_blocking(|ctx| {
            for &i in batch {
                store_client_message_in(ctx, &channel, &data.inbound(i), None)?;
            }
            Ok(())
        })?;
        done += batch.len();
        phase.progress(done as u64);
    }
    Ok(phase.finish(done as u64))
}
