//! `--postgres` (issue 13): server ingest (budget 4's load) and fan-out (budget 5's) again
//! with the server on PostgreSQL, one instance and then two instances of the same database,
//! each as a ratio against the SQLite run of the same data in the same bench run. No budget:
//! what scale-out costs or gains is reported; a lost event still fails the row.

use std::path::Path;
use std::time::Duration;

use switchboard_server::storage::Location;

use crate::fanout;
use crate::ingest::{self, Slice};
use crate::report::{Report, Row, Status};
use crate::server::{Demo, Server};

/// What the SQLite run measured (`None`: that phase failed, so there is nothing to compare).
pub struct Sqlite {
    /// Messages per second over HTTP.
    pub ingest: Option<f64>,
    /// Fan-out p99, ms.
    pub fanout: Option<f64>,
}

pub struct Runs<'a> {
    /// `postgres://user@host:port`, without a database.
    pub base: &'a str,
    pub dir: &'a Path,
    pub slice: Slice,
    pub apps: usize,
    pub ingest_bound: Duration,
    pub fanout_bound: Duration,
}

const BUDGET: &str = "reported";

fn instances_word(n: usize) -> &'static str {
    if n == 1 {
        "1 instance"
    } else {
        "2 instances"
    }
}

pub async fn run(runs: &Runs<'_>, sqlite: &Sqlite, report: &mut Report) {
    for (n, ingest_row, fanout_row) in [(1, 11, 13), (2, 12, 14)] {
        let ingest_measure = format!("Ingest on PostgreSQL, {}, vs SQLite", instances_word(n));
        let fanout_measure = format!(
            "Fan-out on PostgreSQL, {}: none lost, p99 vs SQLite",
            instances_word(n)
        );
        let servers = match start(runs, n).await {
            Ok(servers) => servers,
            Err(e) => {
                report.failed(ingest_row, &ingest_measure, BUDGET, &e);
                report.failed(fanout_row, &fanout_measure, BUDGET, &e);
                continue;
            }
        };
        let name = if n == 1 {
            "pg ingest ×1"
        } else {
            "pg ingest ×2"
        };
        match ingest::measure(name, &servers, runs.slice, runs.ingest_bound).await {
            Ok((pg, _)) => report.add(Row {
                number: ingest_row,
                measure: ingest_measure,
                baseline: sqlite.ingest.map_or("SQLite ingest failed".into(), |s| {
                    format!("SQLite {s:.0} msg/s")
                }),
                measured: format!("{:.0} msg/s ({})", pg.per_sec, pg.reached.describe()),
                ratio: sqlite.ingest.map(|s| pg.per_sec / s),
                budget: BUDGET.into(),
                status: if pg.reached.over_time {
                    Status::OverTime
                } else {
                    Status::Ok
                },
            }),
            Err(e) => report.failed(ingest_row, &ingest_measure, BUDGET, &e),
        }
        let name = if n == 1 {
            "pg fan-out ×1"
        } else {
            "pg fan-out ×2"
        };
        match fanout::measure(name, &servers, runs.apps, runs.fanout_bound).await {
            Ok(f) => report.add(Row {
                number: fanout_row,
                measure: fanout_measure,
                baseline: sqlite.fanout.map_or("SQLite fan-out failed".into(), |s| {
                    format!("SQLite p99 {s:.1} ms")
                }),
                measured: f.describe(),
                ratio: sqlite.fanout.map(|s| f.p99 / s),
                budget: "0 lost".into(),
                status: if f.over_time {
                    Status::OverTime
                } else {
                    Status::within(f.lost == 0)
                },
            }),
            Err(e) => report.failed(fanout_row, &fanout_measure, BUDGET, &e),
        }
        for server in servers {
            let _ = server.stop().await;
        }
    }
}

/// A fresh database with the demo company and `n` servers on it.
async fn start(runs: &Runs<'_>, n: usize) -> anyhow::Result<Vec<Server>> {
    let name = format!("bench_{n}");
    let admin = format!("{}/postgres", runs.base);
    tokio::task::spawn_blocking({
        let name = name.clone();
        move || -> anyhow::Result<()> {
            let mut client = postgres::Client::connect(&admin, postgres::NoTls)?;
            // Each alone: neither runs inside a transaction block.
            client.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))?;
            client.batch_execute(&format!("CREATE DATABASE {name}"))?;
            Ok(())
        }
    })
    .await??;
    let demo = Demo::create_at(
        Location::Postgres(format!("{}/{name}", runs.base)),
        Some(runs.dir.join(format!("{name}-files"))),
    )
    .await?;
    let mut servers = Vec::new();
    for _ in 0..n {
        servers.push(Server::serve(&demo).await?);
    }
    Ok(servers)
}
