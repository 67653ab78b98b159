//! Budgets 6–9, the desk: the RELEASE app (and for 6 and 7 a blank Tauri window built in the
//! same run, crates/bench/blank-window) under Xvfb with a private D-Bus session, a throwaway
//! GNOME Keyring and a notification daemon. That session is tests/e2e's (run.sh + session.sh);
//! the measuring is tests/e2e/bench/desk-budgets.mjs, run through it. This side seeds and
//! serves the company (10k conversations and one 100k-message thread), starts the run, and
//! turns what it writes into the table's rows. Without the tools (Xvfb, tauri-driver,
//! WebKitWebDriver…) or the release binaries, the rows say why they were not measured.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::Context;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use crate::data::Data;
use crate::report::{quantile, Report, Row, Status};
use crate::seed;
use crate::server::{Demo, Server};

pub const COLD_START: &str = "Cold start with 10k cached conversations vs a blank Tauri window";
pub const COLD_START_BUDGET: &str = "≤ 1.3×";
pub const MEMORY: &str = "Idle memory (PSS) with 10k cached conversations vs a blank Tauri window";
pub const MEMORY_BUDGET: &str = "≤ 1.5×";
pub const NOTIFY: &str = "Notification latency, inbound POST → Notify on D-Bus";
pub const NOTIFY_BUDGET: &str = "p99 ≤ 100 ms";
pub const SCROLL: &str = "Scroll of a 100k-message thread: DOM nodes, long tasks";
pub const SCROLL_BUDGET: &str = "≤ 300 nodes, no task > 50 ms";

/// The cached company of budgets 6 and 7 (the size, at every scale).
const CONVERSATIONS: usize = 10_000;
const MESSAGES_PER_CONVERSATION: usize = 10;
/// The thread of budget 9.
const LONG_THREAD: u32 = 100_000;
/// Counted cold starts of each binary (after one uncounted pair). A start takes well under a
/// second, and one start of either varies by ±15 %: the median of 15 moves far less than the
/// median of 5 did from run to run.
const RUNS: u32 = 15;
const NOTIFICATIONS: u32 = 100;
const IDLE: Duration = Duration::from_secs(30);
/// Where run.sh leaves screenshots, logs and the measures.
const OUT: &str = "test-output/bench-desk";

const ROWS: [(u8, &str, &str); 4] = [
    (6, COLD_START, COLD_START_BUDGET),
    (7, MEMORY, MEMORY_BUDGET),
    (8, NOTIFY, NOTIFY_BUDGET),
    (9, SCROLL, SCROLL_BUDGET),
];

/// All four rows as not measured, with why.
pub fn not_measured(report: &mut Report, why: &str) {
    for (number, measure, budget) in ROWS {
        report.not_measured(number, measure, budget, &format!("not measured: {why}"));
    }
}

/// The release binaries the measures run: the app and the blank window.
fn binaries(target: &Path) -> Result<(PathBuf, PathBuf), String> {
    let app = target.join("release/switchboard");
    let blank = target.join("release/switchboard-blank-window");
    for bin in [&app, &blank] {
        if !bin.is_file() {
            return Err(format!(
                "no release build at {} (bench/run.sh builds the app and the blank window unless --quick is given without --desk)",
                bin.display()
            ));
        }
    }
    Ok((app, blank))
}

pub async fn run(seed_value: u64, dir: &Path, target: &Path, bound: Duration, report: &mut Report) {
    let (app, blank) = match binaries(target) {
        Ok(found) => found,
        Err(why) => return not_measured(report, &why),
    };
    match measure(seed_value, dir, &app, &blank, bound).await {
        Ok(Outcome::Measured(results)) => rows(&results, report),
        Ok(Outcome::Missing(why)) => not_measured(report, &why),
        Err(e) => {
            for (number, measure, budget) in ROWS {
                report.failed(number, measure, budget, &e);
            }
        }
    }
}

enum Outcome {
    Measured(Value),
    /// The session could not be set up here (a missing tool): the reason.
    Missing(String),
}

/// `demo --long-history N` on the demo database: the long thread's conversation id.
async fn long_thread(demo: &Demo) -> anyhow::Result<i64> {
    let bin = crate::server::binary()?;
    let out = Command::new(&bin)
        .arg("--db")
        .arg(crate::server::db_arg(&demo.db))
        .args(["demo", "--long-history", &LONG_THREAD.to_string()])
        .output()
        .await
        .with_context(|| format!("running {}", bin.display()))?;
    anyhow::ensure!(out.status.success(), "demo --long-history failed");
    let printed = String::from_utf8_lossy(&out.stdout);
    printed
        .lines()
        .find_map(|l| l.strip_prefix("Long history: conversation id "))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|id| id.parse().ok())
        .with_context(|| format!("demo --long-history printed {printed:?}"))
}

async fn measure(
    seed_value: u64,
    dir: &Path,
    app: &Path,
    blank: &Path,
    bound: Duration,
) -> anyhow::Result<Outcome> {
    let dir = dir.join("desk");
    std::fs::create_dir_all(&dir)?;
    let demo = Demo::create(&dir).await?;
    let long_id = long_thread(&demo).await?;
    let data = Data {
        seed: seed_value,
        conversations: CONVERSATIONS,
        messages_per_conversation: MESSAGES_PER_CONVERSATION,
    };
    let all: Vec<usize> = (0..data.messages()).collect();
    let seeded = demo.clone();
    let loaded =
        tokio::task::spawn_blocking(move || seed::load(&seeded, data, &all, bound)).await??;
    anyhow::ensure!(
        !loaded.over_time,
        "seeding the desk's company ran out of time"
    );
    let server = Server::serve(&demo).await?;

    let out = PathBuf::from(OUT);
    std::fs::create_dir_all(&out)?;
    let result = out.join("desk-bench.json");
    let _ = std::fs::remove_file(&result);
    let specs = std::fs::canonicalize("tests/e2e/bench")?;
    let mut child = Command::new("tests/e2e/run.sh")
        .arg(&out)
        .env("E2E_SPECS_DIR", &specs)
        .env("E2E_APP", app)
        .env("E2E_SERVER", crate::server::binary()?)
        .env("E2E_TIMEOUT", bound.as_secs().to_string())
        .env("SB_BENCH_SERVER_URL", &server.url)
        .env("SB_BENCH_CHANNEL_ID", demo.custom_channel.to_string())
        .env("SB_BENCH_CHANNEL_SECRET", &demo.custom_secret)
        .env("SB_BENCH_LONG_ID", long_id.to_string())
        .env("SB_BENCH_CONVERSATIONS", CONVERSATIONS.to_string())
        .env("SB_BENCH_BLANK", blank)
        .env("SB_BENCH_RUNS", RUNS.to_string())
        .env("SB_BENCH_NOTIFY", NOTIFICATIONS.to_string())
        .env("SB_BENCH_IDLE_MS", IDLE.as_millis().to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .context("starting tests/e2e/run.sh")?;
    // The harness's progress comes on stderr, its summary on stdout: both shown as they come.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let stdout = child.stdout.take().context("no stdout")?;
    let stderr = child.stderr.take().context("no stderr")?;
    forward(stdout, tx.clone());
    forward(stderr, tx);
    let mut missing = None;
    let mut summary = String::new();
    // run.sh bounds itself (E2E_TIMEOUT); this is the net under it.
    let read = tokio::time::timeout(bound + Duration::from_secs(60), async {
        while let Some(line) = rx.recv().await {
            println!("[desk] {line}");
            if let Some(tool) = line.split("missing tool: ").nth(1) {
                missing = Some(tool.to_string());
            }
            if line.ends_with(" failed") {
                summary = line;
            }
        }
    })
    .await;
    if read.is_err() {
        child.kill().await?;
    }
    child.wait().await?;
    server.stop().await?;
    if let Some(tool) = missing {
        return Ok(Outcome::Missing(format!(
            "missing tool: {tool} (`./dev.sh test` installs the e2e tools)"
        )));
    }
    let text = std::fs::read_to_string(&result).with_context(|| {
        format!(
            "the desk run wrote no {} ({summary}; logs in {OUT}/logs)",
            result.display()
        )
    })?;
    let mut results: Value = serde_json::from_str(&text)?;
    results["summary"] = summary.into();
    Ok(Outcome::Measured(results))
}

fn forward<R>(stream: R, tx: tokio::sync::mpsc::UnboundedSender<String>)
where
    R: tokio::io::AsyncRead + Unpin + Send + 'static,
{
    tokio::spawn(async move {
        let mut lines = BufReader::new(stream).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
}

fn numbers(v: &Value) -> Vec<f64> {
    v.as_array()
        .map(|a| a.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default()
}

/// A measure the run did not write (its case failed): a failed row naming where to look.
fn missing_row(report: &mut Report, number: u8, measure: &str, budget: &str, results: &Value) {
    let error = anyhow::anyhow!(
        "the desk run did not record it ({}; see {OUT}/results.txt and {OUT}/logs)",
        results["summary"].as_str().unwrap_or("no summary")
    );
    report.failed(number, measure, budget, &error);
}

fn mb(kb: f64) -> String {
    format!("{:.0} MB", kb / 1024.0)
}

/// Turns the run's measures into the four rows.
fn rows(results: &Value, report: &mut Report) {
    let cold = &results["cold_start"];
    let (app, blank) = (numbers(&cold["app_ms"]), numbers(&cold["blank_ms"]));
    if app.is_empty() || blank.is_empty() {
        missing_row(report, 6, COLD_START, COLD_START_BUDGET, results);
    } else {
        let (mut a, mut b) = (app.clone(), blank.clone());
        let (app_ms, blank_ms) = (quantile(&mut a, 0.5), quantile(&mut b, 0.5));
        let ratio = app_ms / blank_ms;
        let range = |xs: &[f64]| {
            let lo = xs.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = xs.iter().copied().fold(0.0, f64::max);
            format!("{lo:.0}–{hi:.0}")
        };
        report.add(Row {
            number: 6,
            measure: COLD_START.into(),
            baseline: format!(
                "blank window to its page painted: median {blank_ms:.0} ms ({} ms, {} runs)",
                range(&blank),
                blank.len()
            ),
            measured: format!(
                "app to its first list painted ({} rows): median {app_ms:.0} ms ({} ms, {} runs)",
                cold["app_rows"],
                range(&app),
                app.len()
            ),
            ratio: Some(ratio),
            budget: COLD_START_BUDGET.into(),
            status: Status::within(ratio <= 1.3),
        });
    }

    let memory = &results["memory"];
    let total = |w: &str| memory[w]["pss_kb"].as_f64();
    let parts = |w: &str| {
        memory[w]["processes"]
            .as_array()
            .map(|ps| {
                ps.iter()
                    .map(|p| {
                        format!(
                            "{} {}",
                            p["comm"].as_str().unwrap_or("?"),
                            mb(p["pss_kb"].as_f64().unwrap_or(0.0))
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" + ")
            })
            .unwrap_or_default()
    };
    match (total("app"), total("blank")) {
        (Some(app_kb), Some(blank_kb)) if blank_kb > 0.0 => {
            let ratio = app_kb / blank_kb;
            let at = memory["idle_ms"].as_f64().unwrap_or(0.0) / 1000.0;
            report.add(Row {
                number: 7,
                measure: MEMORY.into(),
                baseline: format!(
                    "blank window {} ({}) {at:.0} s after start",
                    mb(blank_kb),
                    parts("blank")
                ),
                measured: format!("app {} ({}), 1 run each", mb(app_kb), parts("app")),
                ratio: Some(ratio),
                budget: MEMORY_BUDGET.into(),
                status: Status::within(ratio <= 1.5),
            });
        }
        _ => missing_row(report, 7, MEMORY, MEMORY_BUDGET, results),
    }

    let notify = &results["notify"];
    let mut latencies = numbers(&notify["latencies_ms"]);
    if latencies.is_empty() {
        missing_row(report, 8, NOTIFY, NOTIFY_BUDGET, results);
    } else {
        let lost = notify["lost"].as_u64().unwrap_or(0);
        let n = latencies.len();
        let p50 = quantile(&mut latencies, 0.5);
        let p99 = quantile(&mut latencies, 0.99);
        let max = latencies.last().copied().unwrap_or(0.0);
        report.add(Row {
            number: 8,
            measure: NOTIFY.into(),
            baseline: "every message notified within 100 ms".into(),
            measured: format!(
                "{n} messages (one new conversation each), {lost} not notified within 10 s: p50 {p50:.1} ms, p99 {p99:.1} ms, max {max:.1} ms"
            ),
            ratio: Some(p99 / 100.0),
            budget: NOTIFY_BUDGET.into(),
            status: Status::within(lost == 0 && p99 <= 100.0),
        });
    }

    let scroll = &results["scroll"];
    match (scroll["max_nodes"].as_f64(), scroll["max_gap_ms"].as_f64()) {
        (Some(nodes), Some(gap)) => {
            let longtasks = numbers(&scroll["longtasks_ms"]);
            let longest_task = longtasks.iter().copied().fold(0.0, f64::max);
            let supported = scroll["longtask_supported"].as_bool() == Some(true);
            // Without the Long Tasks API (WebKit has none) a task is a gap in a chain of
            // zero-delay timeouts that runs while the thread is free (desk-budgets.mjs
            // `sbTaskProbe`); a frame gap would also count the wait for the display's next
            // frame. An older result without the probe falls back to the frame gaps.
            let (worst, how) = match (supported, scroll["longest_task_ms"].as_f64()) {
                (true, _) => (
                    longest_task.max(gap),
                    format!(
                        "{} long tasks (longest {longest_task:.0} ms); ",
                        longtasks.len()
                    ),
                ),
                (false, Some(task)) => (
                    task,
                    format!(
                        "no Long Tasks API in this WebView, so a chain of timeouts: longest task {task:.0} ms, {} of {} over 50 ms (static copy: longest {:.0} ms); frame gaps: ",
                        scroll["tasks_over_50ms"],
                        scroll["task_probes"],
                        scroll["static_longest_task_ms"].as_f64().unwrap_or(0.0),
                    ),
                ),
                (false, None) => (
                    gap,
                    "no Long Tasks API in this WebView, so frame gaps: ".into(),
                ),
            };
            report.add(Row {
                number: 9,
                measure: SCROLL.into(),
                baseline: "300 DOM nodes; 50 ms".into(),
                measured: format!(
                    "scripted scroll up for {} frames to message #{}: at most {nodes:.0} DOM nodes in the thread; {how}longest frame gap {gap:.0} ms, p99 {:.0} ms, {} gaps over 50 ms, scroll events' script before a frame at most {:.0} ms (before the scroll, with nothing to do: median {:.0} ms, longest {:.0} ms; the same scroll over a static copy of the rendered messages, none of our code: median {:.0} ms, longest {:.0} ms, {} of {} over 50 ms)",
                    scroll["frames"],
                    scroll["to_message"],
                    scroll["p99_gap_ms"].as_f64().unwrap_or(0.0),
                    scroll["gaps_over_50ms"],
                    scroll["max_script_before_frame_ms"].as_f64().unwrap_or(0.0),
                    scroll["idle_median_gap_ms"].as_f64().unwrap_or(0.0),
                    scroll["idle_max_gap_ms"].as_f64().unwrap_or(0.0),
                    scroll["static_median_gap_ms"].as_f64().unwrap_or(0.0),
                    scroll["static_max_gap_ms"].as_f64().unwrap_or(0.0),
                    scroll["static_gaps_over_50ms"],
                    scroll["static_frames"],
                ),
                ratio: Some((nodes / 300.0).max(worst / 50.0)),
                budget: SCROLL_BUDGET.into(),
                status: Status::within(nodes <= 300.0 && worst <= 50.0),
            });
        }
        _ => missing_row(report, 9, SCROLL, SCROLL_BUDGET, results),
    }
}
