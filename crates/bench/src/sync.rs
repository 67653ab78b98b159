//! Initial sync of the app core into an empty cache (snapshot + /sync + events) against raw
//! SQLite bulk inserts of the same number of rows.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use switchboard_core::{ConnState, Desk, DeskConfig, DeskEvents};
use switchboard_protocol::Id;
use tokio::sync::watch;

use crate::ingest::raw_insert_rate;
use crate::report::Report;
use crate::server::Server;

struct Online(watch::Sender<bool>);

impl DeskEvents for Online {
    fn conversations_changed(&self, _ids: &[Id]) {}
    fn conn_state(&self, state: &ConnState) {
        if matches!(state, ConnState::Online) {
            self.0.send_replace(true);
        }
    }
}

pub async fn run(server: &Server, dir: &Path, report: &mut Report) -> anyhow::Result<Desk> {
    let me = switchboard_core::whoami(&server.url, &server.admin_token).await?;
    let (tx, mut online) = watch::channel(false);
    let started = Instant::now();
    let desk = Desk::start(
        DeskConfig {
            data_dir: dir.join("app"),
            server_url: server.url.clone(),
            token: server.admin_token.clone(),
            me,
        },
        Arc::new(Online(tx)),
    )
    .await?;
    tokio::time::timeout(Duration::from_secs(600), online.wait_for(|v| *v)).await??;
    let elapsed = started.elapsed().as_secs_f64();
    let rows: i64 = {
        let conn = desk.cache().reader();
        conn.query_row(
            "SELECT (SELECT count(*) FROM conversations) + (SELECT count(*) FROM messages)",
            [],
            |r| r.get(0),
        )?
    };
    let per_sec = rows as f64 / elapsed;
    let transfer = transfer_alone(server).await?;
    println!(
        "  (of the {elapsed:.2} s, reading the snapshot over HTTP alone takes {transfer:.2} s; the rest is the cache writes and setup)"
    );
    let raw = raw_insert_rate(rows as usize)?;
    let ratio = per_sec / raw;
    report.add(
        "initial sync >= 50% of raw SQLite bulk insert",
        format!(
            "{rows} rows in {elapsed:.1} s = {per_sec:.0} rows/s vs raw {raw:.0} rows/s: {:.0}%",
            ratio * 100.0
        ),
        ratio >= 0.5,
    );
    Ok(desk)
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
