//! Budget 3, local search: the desk's list query with FTS5 word-prefix matching against a raw
//! FTS5 `MATCH` on the same cache file, p50 and p95.

use std::time::{Duration, Instant};

use switchboard_core::{cache::search::fts_query, Desk, ListQuery};

use crate::data::WORDS;
use crate::phase::Phase;
use crate::report::{quantile, Report, Row, Status};

const ROUNDS: usize = 5;
pub const MEASURE: &str = "Local search p50/p95 vs raw FTS5 MATCH";
pub const BUDGET: &str = "≤ 2×";

pub async fn run(desk: &Desk, bound: Duration, report: &mut Report) -> anyhow::Result<()> {
    let path = desk
        .cache()
        .path()
        .ok_or_else(|| anyhow::anyhow!("the cache has no file"))?
        .to_path_buf();
    let raw_conn = rusqlite::Connection::open(&path)?;
    let prefixes: Vec<String> = WORDS
        .iter()
        .map(|w| w.chars().take(4).collect())
        .chain(["bench", "client", "number", "hello"].map(String::from))
        .collect();
    let mut phase = Phase::start("search", (ROUNDS * prefixes.len()) as u64, bound);
    let (mut desk_ms, mut raw_ms) = (Vec::new(), Vec::new());
    'rounds: for _ in 0..ROUNDS {
        for prefix in &prefixes {
            if phase.over_time() {
                break 'rounds;
            }
            let started = Instant::now();
            let rows = desk
                .list(&ListQuery {
                    search: Some(prefix.clone()),
                    ..ListQuery::default()
                })
                .await?;
            desk_ms.push(started.elapsed().as_secs_f64() * 1e3);
            std::hint::black_box(rows);

            let query = fts_query(prefix).unwrap_or_default();
            let started = Instant::now();
            let mut stmt = raw_conn.prepare_cached(
                "SELECT rowid FROM clients_fts WHERE clients_fts MATCH ?1
                 UNION SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?1",
            )?;
            let ids: Vec<i64> = stmt
                .query_map([&query], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            raw_ms.push(started.elapsed().as_secs_f64() * 1e3);
            std::hint::black_box(ids);
            phase.progress(desk_ms.len() as u64);
        }
    }
    let reached = phase.finish(desk_ms.len() as u64);
    let (desk_p50, raw_p50) = (quantile(&mut desk_ms, 0.5), quantile(&mut raw_ms, 0.5));
    let (desk_p95, raw_p95) = (quantile(&mut desk_ms, 0.95), quantile(&mut raw_ms, 0.95));
    let ratio = desk_p95 / raw_p95.max(1e-3);
    report.add(Row {
        number: 3,
        measure: MEASURE.into(),
        baseline: format!("raw FTS5 p50 {raw_p50:.2} ms, p95 {raw_p95:.2} ms"),
        measured: format!(
            "desk p50 {desk_p50:.2} ms ({:.2}×), p95 {desk_p95:.2} ms; {} queries ({} prefixes)",
            desk_p50 / raw_p50.max(1e-3),
            reached.done,
            prefixes.len()
        ),
        ratio: Some(ratio),
        budget: format!("{BUDGET} (p95)"),
        status: if reached.over_time {
            Status::OverTime
        } else {
            Status::within(ratio <= 2.0)
        },
    });
    Ok(())
}
