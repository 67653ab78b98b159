//! Budget 1, initial sync: the app core fills an empty cache (snapshot + `/sync` + events)
//! against a raw insert of the same rows into the same cache schema (a fresh cache made by
//! the core itself), then its FTS5 indexes built in one pass: the physical limit of writing
//! this data. The bare insert (without FTS) is reported as well.

use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::types::Value;
use switchboard_core::cache::Cache;
use switchboard_core::Desk;

use crate::desk::start_online;
use crate::phase::Phase;
use crate::proxy::Proxy;
use crate::report::{Report, Row, Status};
use crate::server::Server;

pub const MEASURE: &str = "Initial sync into an empty cache vs raw insert + FTS5";
pub const BUDGET: &str = "≥ 0.5×";
/// The tables the app writes on a first sync, whose rows are counted and re-inserted raw.
const TABLES: &[&str] = &["conversations", "messages"];

/// Syncs into `data_dir`; returns the desk when it came online in time.
pub async fn run(
    server: &Server,
    proxy: &Proxy,
    data_dir: &Path,
    bound: Duration,
    report: &mut Report,
) -> anyhow::Result<Option<Desk>> {
    let me = switchboard_core::whoami(&server.url, &server.admin_token).await?;
    let mut phase = Phase::start("initial sync", 0, bound);
    proxy.counters.take();
    let started = Instant::now();
    let (desk, online) =
        start_online(data_dir, &proxy.url, &server.admin_token, me, &mut phase).await?;
    let elapsed = started.elapsed().as_secs_f64();
    let (down, _) = proxy.counters.take();
    let rows = count_rows(&desk)?;
    let total = phase.total();
    phase.finish(if online { total } else { 0 });
    if !online {
        report.add(Row {
            number: 1,
            measure: MEASURE.into(),
            baseline: "not run".into(),
            measured: format!("{rows} rows cached when the bound of {elapsed:.0} s passed"),
            ratio: None,
            budget: BUDGET.into(),
            status: Status::OverTime,
        });
        desk.shutdown().await;
        return Ok(None);
    }
    let cache_path = desk
        .cache()
        .path()
        .ok_or_else(|| anyhow::anyhow!("the cache has no file"))?
        .to_path_buf();
    let transfer = transfer_alone(server).await?;
    let raw = tokio::task::spawn_blocking(move || raw_cache_insert(&cache_path)).await??;
    let per_sec = rows as f64 / elapsed;
    let with_fts = rows as f64 / (raw.insert + raw.fts);
    let bare = rows as f64 / raw.insert;
    let ratio = per_sec / with_fts;
    report.add(Row {
        number: 1,
        measure: MEASURE.into(),
        baseline: format!(
            "raw insert + FTS5 {with_fts:.0} rows/s ({:.2} s insert + {:.2} s FTS); bare insert {bare:.0} rows/s",
            raw.insert, raw.fts
        ),
        measured: format!(
            "{rows} rows in {elapsed:.1} s = {per_sec:.0} rows/s, {:.0} MB on the wire (reading the snapshot alone, without writing it: {transfer:.1} s); bare-insert ratio {:.3}",
            down as f64 / 1e6,
            per_sec / bare
        ),
        ratio: Some(ratio),
        budget: BUDGET.into(),
        status: Status::within(ratio >= 0.5),
    });
    Ok(Some(desk))
}

/// Seconds to page through the whole snapshot without writing it anywhere: the server's and
/// the network's share of the initial sync.
async fn transfer_alone(server: &Server) -> anyhow::Result<f64> {
    let api = switchboard_core::ApiClient::new(&server.url, Some(server.admin_token.clone()))?;
    let started = Instant::now();
    let mut cursor: Option<String> = None;
    loop {
        let page = api
            .snapshot_recent(cursor.as_deref(), switchboard_core::sync::SNAPSHOT_LIMIT)
            .await?;
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(started.elapsed().as_secs_f64()),
        }
    }
}

fn count_rows(desk: &Desk) -> anyhow::Result<i64> {
    let conn = desk.cache().reader();
    let mut rows = 0;
    for table in TABLES {
        rows += conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| {
            r.get::<_, i64>(0)
        })?;
    }
    Ok(rows)
}

/// Seconds of the raw baseline: the bulk insert, then the FTS build.
struct RawTimes {
    insert: f64,
    fts: f64,
}

/// Reads every conversation and message row of the synced cache into memory, then inserts
/// them with prepared statements in one transaction into a fresh cache made by the core (its
/// schema, indexes and pragmas), with the per-row FTS triggers dropped; then fills both FTS5
/// indexes in one `INSERT … SELECT` each.
fn raw_cache_insert(synced: &Path) -> anyhow::Result<RawTimes> {
    let source = rusqlite::Connection::open(synced)?;
    let mut tables = Vec::new();
    for table in TABLES {
        let mut stmt = source.prepare(&format!("SELECT * FROM {table}"))?;
        let columns: Vec<String> = stmt.column_names().map(String::from).collect();
        let width = columns.len();
        let rows: Vec<Vec<Value>> = stmt
            .query_map([], |r| (0..width).map(|i| r.get::<_, Value>(i)).collect())?
            .collect::<Result<_, _>>()?;
        tables.push((*table, columns, rows));
    }
    drop(source);

    let dir = tempfile::tempdir()?;
    let cache = Cache::open(&dir.path().join("raw-cache.db"))?;
    let mut conn = cache.writer();
    let triggers: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%fts%'
               AND sql LIKE '%AFTER INSERT%'",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for trigger in triggers {
        conn.execute_batch(&format!("DROP TRIGGER {trigger}"))?;
    }

    let started = Instant::now();
    let tx = conn.transaction()?;
    for (table, columns, rows) in &tables {
        let marks = vec!["?"; columns.len()].join(", ");
        let mut stmt = tx.prepare(&format!(
            "INSERT INTO {table} ({}) VALUES ({marks})",
            columns.join(", ")
        ))?;
        for row in rows {
            stmt.execute(rusqlite::params_from_iter(row))?;
        }
    }
    tx.commit()?;
    let insert = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let tx = conn.transaction()?;
    tx.execute_batch(
        "INSERT INTO clients_fts(rowid, name) SELECT id, client_search FROM conversations;
         INSERT INTO messages_fts(rowid, text) SELECT id, text FROM messages;",
    )?;
    tx.commit()?;
    Ok(RawTimes {
        insert,
        fts: started.elapsed().as_secs_f64(),
    })
}
