//! Search through the desk (list query with FTS5 word-prefix matching) against a raw FTS5
//! query on the same cache file.

use std::time::Instant;

use switchboard_core::{cache::search::fts_query, Desk, ListQuery};

use crate::ingest::WORDS;
use crate::report::{quantile, Report};

const ROUNDS: usize = 5;

pub async fn run(desk: &Desk, report: &mut Report) -> anyhow::Result<()> {
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
    let (mut desk_ms, mut raw_ms) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        for prefix in &prefixes {
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
        }
    }
    let (desk_p95, raw_p95) = (quantile(&mut desk_ms, 0.95), quantile(&mut raw_ms, 0.95));
    let ratio = desk_p95 / raw_p95.max(1e-3);
    report.add(
        "search p95 <= 2x raw FTS5 query",
        format!("desk p95 {desk_p95:.2} ms vs raw FTS5 p95 {raw_p95:.2} ms: {ratio:.2}x"),
        ratio <= 2.0,
    );
    Ok(())
}
