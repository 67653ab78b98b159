//! `./dev.sh bench`: measures the budgets of DESIGN.md "Performance budgets" that need no
//! window, each against a baseline measured in the same run on the same machine (absolute
//! numbers swing 2× on shared machines; the ratios are what the budgets constrain). Full
//! scale by default (100k conversations, 1M messages, 1,000 apps); `--quick` is the small
//! size that finishes in minutes. Every phase has a time bound: a phase that exceeds it stops,
//! is reported "over time" with how far it got, and the run goes on. Prints the table, writes
//! it as JSON and into the results section of docs/BENCHMARKS.md.

mod bundle;
mod data;
mod delta;
mod desk;
mod fanout;
mod ingest;
mod phase;
mod postgres;
mod proxy;
mod release_app;
mod report;
mod search;
mod seed;
mod server;
mod sync;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use serde_json::json;

use switchboard_server::mail::transcript::utc;
use switchboard_server::service::now_ms;

use crate::data::Data;
use crate::report::Report;
use crate::server::{Demo, Server};

const USAGE: &str =
    "usage: switchboard-bench [--quick] [--desk | --desk-only] [--seed N] [--conversations N] [--messages N]
  [--apps N] [--ingest-conversations N] [--phase-limit SECONDS] [--json PATH] [--docs PATH]
  [--bundle-dir DIR] [--postgres postgres://user@host:port]";

struct Options {
    quick: bool,
    /// Budgets 6–9 (the release app under Xvfb): always at full scale, with `--quick` only
    /// when `--desk` is given; `--desk-only` measures them alone.
    desk: bool,
    desk_only: bool,
    data: Data,
    apps: usize,
    /// Conversations whose messages go over HTTP (budget 4); the rest is bulk-loaded.
    ingest_conversations: usize,
    /// Overrides every phase's own bound.
    phase_limit: Option<Duration>,
    json: PathBuf,
    docs: PathBuf,
    /// Where `./dev.sh bundle` left the installers (default: the target dir's release/bundle).
    bundle_dir: Option<PathBuf>,
    /// A PostgreSQL server (no database) to run ingest and fan-out on too (`bench/run.sh
    /// --postgres` starts a throwaway one).
    postgres: Option<String>,
}

fn parse_options() -> anyhow::Result<Options> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let switch = |name: &str| args.iter().any(|a| a == name);
    let quick = switch("--quick");
    let desk_only = switch("--desk-only");
    let mut o = Options {
        quick,
        desk: desk_only || switch("--desk") || !quick,
        desk_only,
        data: Data {
            seed: 1,
            conversations: if quick { 5_000 } else { 100_000 },
            messages_per_conversation: 10,
        },
        apps: if quick { 200 } else { 1_000 },
        ingest_conversations: if quick { 5_000 } else { 10_000 },
        phase_limit: None,
        json: PathBuf::from(if desk_only {
            "bench/results-desk.json"
        } else if quick {
            "bench/results-quick.json"
        } else {
            "bench/results-full.json"
        }),
        docs: PathBuf::from("docs/BENCHMARKS.md"),
        bundle_dir: None,
        postgres: None,
    };
    let mut rest = args
        .iter()
        .filter(|a| !["--quick", "--desk", "--desk-only"].contains(&a.as_str()));
    while let Some(flag) = rest.next() {
        let value = rest
            .next()
            .with_context(|| format!("{flag} needs a value\n{USAGE}"))?;
        let number = || {
            value
                .parse::<usize>()
                .with_context(|| format!("{flag} needs a number\n{USAGE}"))
        };
        match flag.as_str() {
            "--seed" => o.data.seed = number()? as u64,
            "--conversations" => o.data.conversations = number()?.max(1),
            "--messages" => o.data.messages_per_conversation = number()?.max(1),
            "--apps" => o.apps = number()?,
            "--ingest-conversations" => o.ingest_conversations = number()?,
            "--phase-limit" => o.phase_limit = Some(Duration::from_secs(number()? as u64)),
            "--json" => o.json = PathBuf::from(value),
            "--docs" => o.docs = PathBuf::from(value),
            "--bundle-dir" => o.bundle_dir = Some(PathBuf::from(value)),
            "--postgres" => o.postgres = Some(value.clone()),
            other => anyhow::bail!("unknown flag {other}\n{USAGE}"),
        }
    }
    o.ingest_conversations = o.ingest_conversations.min(o.data.conversations);
    Ok(o)
}

impl Options {
    fn bound(&self, default_secs: u64) -> Duration {
        self.phase_limit
            .unwrap_or(Duration::from_secs(default_secs))
    }
}

/// A consistent copy of the demo database before anything was ingested: the raw baselines
/// write into copies of it.
fn pristine_copy(demo: &Demo, dir: &Path) -> anyhow::Result<PathBuf> {
    let copy = dir.join("pristine.db");
    let conn = rusqlite::Connection::open(demo.sqlite()?)?;
    conn.execute("VACUUM INTO ?1", [copy.to_string_lossy()])?;
    Ok(copy)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // `RUST_LOG=switchboard_core=debug` shows where the app core spends a phase.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let o = parse_options()?;
    let target =
        PathBuf::from(std::env::var_os("CARGO_TARGET_DIR").context("CARGO_TARGET_DIR is not set")?);
    let started = std::time::Instant::now();
    let dir = tempfile::tempdir()?;
    if o.desk_only {
        return desk_only(&o, dir.path(), &target, started).await;
    }
    let demo = Demo::create(dir.path()).await?;
    let pristine = pristine_copy(&demo, dir.path())?;
    let mut server = Server::serve(&demo).await?;
    let mut report = Report::default();
    println!(
        "switchboard bench ({}): {} conversations × {} messages (seed {}), {} apps, server {}",
        if o.quick { "quick" } else { "full scale" },
        o.data.conversations,
        o.data.messages_per_conversation,
        o.data.seed,
        o.apps,
        server.url
    );

    let slice = ingest::Slice {
        data: o.data,
        conversations: o.ingest_conversations,
    };
    let ingested = match ingest::run(&server, slice, &pristine, o.bound(600), &mut report).await {
        Ok(ingested) => Some(ingested),
        Err(e) => {
            report.failed(4, ingest::MEASURE, ingest::BUDGET, &e);
            None
        }
    };
    let sent = ingested.as_ref().map_or(0, |i| i.sent);
    // Whatever did not go over HTTP (the other conversations, and the slice's messages left
    // when ingest ran out of time) is bulk-loaded, so that the later phases see the whole
    // dataset.
    let rest: Vec<usize> = (sent..slice.len())
        .map(|j| slice.index(j))
        .chain((0..o.data.messages()).filter(|i| i % o.data.conversations >= slice.conversations))
        .collect();
    if !rest.is_empty() {
        server.stop().await?;
        let (seeded, data, bound) = (demo.clone(), o.data, o.bound(1800));
        tokio::task::spawn_blocking(move || seed::load(&seeded, data, &rest, bound)).await??;
        server = Server::serve(&demo).await?;
    }

    let proxy = proxy::Proxy::start(&server.url).await?;
    let app_dir = dir.path().join("app");
    match sync::run(&server, &proxy, &app_dir, o.bound(1800), &mut report).await {
        Ok(Some(desk)) => {
            let cache = desk
                .cache()
                .path()
                .context("the cache has no file")?
                .to_path_buf();
            if let Err(e) = search::run(&desk, o.bound(300), &mut report).await {
                report.failed(3, search::MEASURE, search::BUDGET, &e);
            }
            desk.shutdown().await;
            let delta = delta::run(
                &server,
                &proxy,
                &app_dir,
                &cache,
                o.data,
                o.bound(300),
                &mut report,
            )
            .await;
            if let Err(e) = delta {
                report.failed(2, delta::MEASURE_TIME, delta::BUDGET, &e);
            }
        }
        Ok(None) => {
            let why = "not run: the initial sync did not finish within its bound";
            report.not_measured(3, search::MEASURE, search::BUDGET, why);
            report.not_measured(2, delta::MEASURE_TIME, delta::BUDGET, why);
        }
        Err(e) => report.failed(1, sync::MEASURE, sync::BUDGET, &e),
    }
    drop(proxy);

    let fanned = match fanout::run(&server, o.apps, o.bound(300), &mut report).await {
        Ok(f) => Some(f),
        Err(e) => {
            report.failed(5, fanout::MEASURE, fanout::BUDGET, &e);
            None
        }
    };
    // The PostgreSQL runs and the desk measures need the cores to themselves.
    server.stop().await?;
    if let Some(url) = &o.postgres {
        let sqlite = postgres::Sqlite {
            ingest: ingested.as_ref().map(|i| i.per_sec),
            fanout: fanned.as_ref().map(|f| f.p99),
        };
        let runs = postgres::Runs {
            base: url,
            dir: dir.path(),
            slice,
            apps: o.apps,
            ingest_bound: o.bound(600),
            fanout_bound: o.bound(300),
        };
        postgres::run(&runs, &sqlite, &mut report).await;
    }
    if o.desk {
        release_app::run(o.data.seed, dir.path(), &target, o.bound(900), &mut report).await;
    } else {
        release_app::not_measured(
            &mut report,
            "--quick leaves out the desk measures (the release app under Xvfb, about 4 min): add --desk",
        );
    }
    let bundle_dir = o
        .bundle_dir
        .clone()
        .unwrap_or_else(|| target.join("release/bundle"));
    bundle::run(&bundle_dir, &mut report);

    report.print();
    let run = run_info(&o, started.elapsed().as_secs_f64());
    report.write_json(&o.json, &run)?;
    let key = if o.quick { "quick" } else { "full" };
    let section = format!(
        "{}\n{}",
        report.markdown(&heading(&o, &run)),
        phases_markdown()
    );
    report::rewrite_section(&o.docs, key, &section)?;
    println!(
        "wrote {} and the {key} results of {}",
        o.json.display(),
        o.docs.display()
    );
    Ok(())
}

/// `--desk-only`: budgets 6–9 alone; the table and the JSON, not the docs (whose results
/// sections hold whole runs).
async fn desk_only(
    o: &Options,
    dir: &Path,
    target: &Path,
    started: std::time::Instant,
) -> anyhow::Result<()> {
    let mut report = Report::default();
    release_app::run(o.data.seed, dir, target, o.bound(900), &mut report).await;
    report.print();
    report.write_json(&o.json, &run_info(o, started.elapsed().as_secs_f64()))?;
    println!("wrote {}", o.json.display());
    Ok(())
}

fn run_info(o: &Options, seconds: f64) -> serde_json::Value {
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let git = |args: &[&str]| std::process::Command::new("git").args(args).output().ok();
    let mut commit = git(&["rev-parse", "--short", "HEAD"])
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .unwrap_or_default();
    // Results files change with every run; only uncommitted code makes the numbers another
    // build's.
    if git(&["diff", "--quiet", "HEAD", "--", "crates", "Cargo.lock"])
        .is_some_and(|out| !out.status.success())
    {
        commit.push_str(" + uncommitted changes to crates/");
    }
    let phases: Vec<serde_json::Value> = phase::ended()
        .into_iter()
        .map(|(name, r)| {
            json!({"phase": name, "done": r.done, "total": r.total,
                   "seconds": (r.seconds * 10.0).round() / 10.0, "over_time": r.over_time})
        })
        .collect();
    json!({
        "scale": if o.quick { "quick" } else { "full" },
        "seed": o.data.seed,
        "conversations": o.data.conversations,
        "messages_per_conversation": o.data.messages_per_conversation,
        "apps": o.apps,
        "ingest_conversations": o.ingest_conversations,
        "finished_at": utc(now_ms()),
        "seconds": seconds.round(),
        "cores": std::thread::available_parallelism().map_or(0, std::num::NonZero::get),
        "load_average": load.split_whitespace().take(3).collect::<Vec<_>>().join(" "),
        "commit": commit,
        "phases": phases,
    })
}

fn heading(o: &Options, run: &serde_json::Value) -> String {
    format!(
        "### `./dev.sh bench{}` — {} conversations × {} messages (seed {}), {} apps\n\n\
         Finished {} after {} s on commit {}; {} cores, load average {} at the end.",
        if o.quick { " --quick" } else { "" },
        o.data.conversations,
        o.data.messages_per_conversation,
        o.data.seed,
        o.apps,
        run["finished_at"].as_str().unwrap_or("?"),
        run["seconds"],
        run["commit"].as_str().unwrap_or("?"),
        run["cores"],
        run["load_average"].as_str().unwrap_or("?"),
    )
}

fn phases_markdown() -> String {
    let mut out =
        String::from("| phase | done | of | seconds | over time |\n|---|---|---|---|---|\n");
    for (name, r) in phase::ended() {
        out.push_str(&format!(
            "| {name} | {} | {} | {:.1} | {} |\n",
            r.done,
            r.total,
            r.seconds,
            if r.over_time { "yes" } else { "no" }
        ));
    }
    out
}
