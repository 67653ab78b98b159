//! Budget 2, delta resync: with a full cache and the app closed, 1,000 client messages arrive
//! (one each in 1,000 conversations); then the app starts again and catches up. Measured: the
//! bytes on the wire (through the counting proxy, everything the app fetches on reconnect)
//! against the changed rows' own JSON, and the time to come online against applying the same
//! change records straight to a copy of the cache taken before (the core's own `apply`, no
//! network).

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use switchboard_core::cache::{apply, meta, Cache};
use switchboard_core::ApiClient;
use switchboard_protocol::ChangeRecord;

use crate::data::Data;
use crate::desk::start_online;
use crate::ingest::{bodies, post_all};
use crate::phase::Phase;
use crate::proxy::Proxy;
use crate::report::{Report, Row, Status};
use crate::server::Server;

pub const CHANGES: usize = 1_000;
pub const MEASURE_BYTES: &str = "Delta resync after 1,000 changes: bytes on the wire";
pub const MEASURE_TIME: &str = "Delta resync after 1,000 changes: time";
pub const BUDGET: &str = "≤ 2×";

fn message_count(path: &Path) -> anyhow::Result<i64> {
    let conn = rusqlite::Connection::open(path)?;
    Ok(conn.query_row("SELECT count(*) FROM messages", [], |r| r.get(0))?)
}

#[allow(clippy::too_many_lines)]
pub async fn run(
    server: &Server,
    proxy: &Proxy,
    data_dir: &Path,
    cache_path: &Path,
    data: Data,
    bound: Duration,
    report: &mut Report,
) -> anyhow::Result<()> {
    let mut phase = Phase::start("delta resync", CHANGES as u64, bound);
    let copy_dir = tempfile::tempdir()?;
    let copy = copy_dir.path().join("before.db");
    let last_seq = {
        let conn = rusqlite::Connection::open(cache_path)?;
        conn.execute("VACUUM INTO ?1", [copy.to_string_lossy()])?;
        meta::last_seq(&conn)?
    };
    let before = message_count(cache_path)?;

    // 1,000 messages into 1,000 different conversations (every C/1000-th one).
    let stride = (data.conversations / CHANGES).max(1);
    let indices: Vec<usize> = (0..CHANGES)
        .map(|k| data.messages() + (k * stride) % data.conversations)
        .collect();
    let sent = post_all(
        std::slice::from_ref(server),
        bodies(data, &indices)?,
        &mut phase,
    )
    .await?;
    anyhow::ensure!(
        sent as usize == CHANGES,
        "only {sent} of {CHANGES} changes were posted in time"
    );

    let me = switchboard_core::whoami(&server.url, &server.admin_token).await?;
    proxy.counters.take();
    let started = Instant::now();
    let (desk, online) =
        start_online(data_dir, &proxy.url, &server.admin_token, me, &mut phase).await?;
    let elapsed = started.elapsed().as_secs_f64();
    let (down, up) = proxy.counters.take();
    desk.shutdown().await;
    phase.finish(if online { CHANGES as u64 } else { 0 });
    let after = message_count(cache_path)?;
    anyhow::ensure!(online, "the app did not come online within the bound");
    anyhow::ensure!(
        after - before == CHANGES as i64,
        "the cache holds {} new messages after the resync, not {CHANGES}",
        after - before
    );

    // The change records the app pulled, fetched again: their rows' own JSON, and the
    // baseline of applying them.
    let api = ApiClient::new(&server.url, Some(server.admin_token.clone()))?;
    let mut records: Vec<ChangeRecord> = Vec::new();
    let mut next = last_seq;
    loop {
        let page = api.sync(next, switchboard_core::sync::SYNC_LIMIT).await?;
        anyhow::ensure!(!page.reset, "the server answered reset to a fresh position");
        records.extend(page.changes);
        next = page.next;
        if !page.has_more {
            break;
        }
    }
    let mut rows: HashMap<(String, i64), usize> = HashMap::new();
    for record in &records {
        let entity = record
            .change
            .entity()
            .map_or("", |e| e.as_str())
            .to_string();
        rows.insert(
            (entity, record.id),
            serde_json::to_vec(&record.change)?.len(),
        );
    }
    let rows_json: usize = rows.values().sum();
    // Opening is timed apart: it is part of every app start, not of applying records.
    let (opening, applied) = tokio::task::spawn_blocking(move || -> anyhow::Result<(f64, f64)> {
        let started = Instant::now();
        let cache = Cache::open(&copy)?;
        let opening = started.elapsed().as_secs_f64();
        let mut conn = cache.writer();
        let started = Instant::now();
        apply::apply_changes(&mut conn, &records, next)?;
        Ok((opening, started.elapsed().as_secs_f64()))
    })
    .await??;

    let bytes_ratio = down as f64 / rows_json as f64;
    report.add(Row {
        number: 2,
        measure: MEASURE_BYTES.into(),
        baseline: format!(
            "{} changed rows, {rows_json} B of their own JSON",
            rows.len()
        ),
        measured: format!("{down} B from the server ({up} B to it), all requests of the reconnect"),
        ratio: Some(bytes_ratio),
        budget: BUDGET.into(),
        status: Status::within(bytes_ratio <= 2.0),
    });
    let time_ratio = elapsed / applied;
    report.add(Row {
        number: 2,
        measure: MEASURE_TIME.into(),
        baseline: format!(
            "apply the same records to a cache copy: {:.1} ms",
            applied * 1e3
        ),
        measured: format!(
            "app start to online: {:.1} ms (opening the cache alone, integrity check included: {:.1} ms)",
            elapsed * 1e3,
            opening * 1e3
        ),
        ratio: Some(time_ratio),
        budget: BUDGET.into(),
        status: Status::within(time_ratio <= 2.0),
    });
    Ok(())
}
