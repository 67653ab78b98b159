//! Fault tests of the outbox with real processes: the app killed with SIGKILL at random
//! moments while it sends (many rounds, restarted on the same data dir), and the network
//! dropped by a pausable TCP proxy while the server keeps running. Every acknowledged send
//! reaches the server exactly once, in order, and an action the server now refuses comes back
//! as a failed item with the server's reason instead of vanishing.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::proxy::Proxy;
use common::*;
use rand::{Rng, SeedableRng};
use switchboard_core::cache::outbox as outbox_table;
use switchboard_core::{Desk, DeskConfig};
use switchboard_protocol::{ActionRequest, ConversationAction, ErrorFacts, Id, Me};

const CHILD: &str = "app_process_that_sends";
const ROUNDS: usize = 20;
const PER_ROUND: usize = 3;

/// The "app" of the kill -9 test: this test binary run again with `--exact CHILD --ignored`.
/// It starts a desk on `SB_CHILD_DATA`, queues each line of `SB_CHILD_TEXTS` (printing
/// `queued <text>` once the outbox holds it), then waits for the outbox to drain.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "started by kill_9_of_the_app_never_loses_or_duplicates_a_send"]
async fn app_process_that_sends() -> anyhow::Result<()> {
    use std::io::Write;
    let env = |k: &str| std::env::var(k).map_err(|_| anyhow::anyhow!("{k} is not set"));
    let me: Me = serde_json::from_str(&env("SB_CHILD_ME")?)?;
    let conversation: Id = env("SB_CHILD_CONVERSATION")?.parse()?;
    let desk = Desk::start(
        DeskConfig {
            data_dir: env("SB_CHILD_DATA")?.into(),
            server_url: env("SB_CHILD_URL")?,
            token: env("SB_CHILD_TOKEN")?,
            me,
        },
        Arc::new(Recorder::default()),
    )
    .await?;
    let mut out = std::io::stdout().lock();
    for text in env("SB_CHILD_TEXTS")?.lines().filter(|l| !l.is_empty()) {
        desk.send(conversation, text.to_owned(), false).await?;
        writeln!(out, "queued {text}")?;
        out.flush()?;
    }
    drop(out);
    wait_for(60, "the child's outbox to drain", async || {
        (outbox_len(&desk) == 0).then_some(())
    })
    .await;
    println!("flushed");
    desk.shutdown().await;
    Ok(())
}

struct Child {
    data: std::path::PathBuf,
    url: String,
    token: String,
    me: String,
    conversation: Id,
}

impl Child {
    fn spawn(&self, texts: &[String]) -> anyhow::Result<std::process::Child> {
        Ok(Command::new(std::env::current_exe()?)
            .args([
                CHILD,
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("SB_CHILD_DATA", &self.data)
            .env("SB_CHILD_URL", &self.url)
            .env("SB_CHILD_TOKEN", &self.token)
            .env("SB_CHILD_ME", &self.me)
            .env("SB_CHILD_CONVERSATION", self.conversation.to_string())
            .env("SB_CHILD_TEXTS", texts.join("\n"))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?)
    }
}

/// The text of a child's `queued <text>` line. libtest prints `test NAME ... ` without a
/// newline before the test's own output, so the first line may carry that prefix.
fn queued(line: &str) -> Option<String> {
    line.split_once("queued ").map(|(_, t)| t.to_owned())
}

/// Runs the rounds (blocking): each child is killed with SIGKILL after reading a random
/// number of its `queued` lines plus a random delay. Returns every text a child announced.
fn kill_rounds(child: &Child, seed: u64) -> anyhow::Result<Vec<String>> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut announced = Vec::new();
    for round in 0..ROUNDS {
        let texts: Vec<String> = (0..PER_ROUND)
            .map(|k| format!("k9-{round:02}-{k}"))
            .collect();
        let mut proc = child.spawn(&texts)?;
        let mut lines = BufReader::new(proc.stdout.take().expect("piped")).lines();
        let wait_for_lines = rng.gen_range(0..=PER_ROUND);
        let mut seen = 0;
        while seen < wait_for_lines {
            match lines.next() {
                Some(Ok(l)) if queued(&l).is_some() => {
                    announced.extend(queued(&l));
                    seen += 1;
                }
                Some(Ok(_)) => {}
                _ => break,
            }
        }
        std::thread::sleep(Duration::from_millis(rng.gen_range(0..250)));
        proc.kill()?; // SIGKILL on Unix
        proc.wait()?;
        // What it printed before dying is still in the pipe.
        announced.extend(lines.map_while(Result::ok).filter_map(|l| queued(&l)));
    }
    // A last run with nothing new drains what the killed ones left.
    let mut last = child.spawn(&[])?;
    let lines = BufReader::new(last.stdout.take().expect("piped")).lines();
    let flushed = lines.map_while(Result::ok).any(|l| l.ends_with("flushed"));
    last.wait()?;
    anyhow::ensure!(flushed, "the last run did not drain the outbox");
    Ok(announced)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_of_the_app_never_loses_or_duplicates_a_send() -> anyhow::Result<()> {
    let server = Server::demo()?;
    let data = tempfile::tempdir()?;
    let session = login(&server, DEMO_ADMIN).await?;
    let (desk, _events) = start_desk(&server, DEMO_ADMIN, data.path()).await?;
    wait_online(&desk, 120).await;
    let id = my_conversation(&server, &desk, &session.token, "kill-9").await?;
    desk.shutdown().await;

    let seed: u64 = rand::random();
    eprintln!("kill -9 rounds with seed {seed}");
    let child = Child {
        data: data.path().to_owned(),
        url: server.url.clone(),
        token: session.token.clone(),
        me: serde_json::to_string(&session.me)?,
        conversation: id,
    };
    let started = Instant::now();
    let announced = tokio::task::spawn_blocking(move || kill_rounds(&child, seed)).await??;
    eprintln!(
        "{ROUNDS} rounds in {:?}, {} sends acknowledged by the app",
        started.elapsed(),
        announced.len()
    );

    let detail = admin_api(&server, &session.token)?.conversation(id).await?;
    let on_server: Vec<&str> = detail
        .messages
        .iter()
        .filter(|m| m.text.starts_with("k9-"))
        .map(|m| m.text.as_str())
        .collect();
    let mut sorted = on_server.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(on_server, sorted, "in order and no duplicate (seed {seed})");
    for text in &announced {
        assert!(
            on_server.contains(&text.as_str()),
            "{text} was queued but never arrived (seed {seed})"
        );
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_network_drop_replays_queued_actions_once_in_order_and_reports_a_conflict(
) -> anyhow::Result<()> {
    let server = Server::demo()?;
    let proxy = Proxy::start(server.addr()).await?;
    let data = tempfile::tempdir()?;
    let session = login(&server, DEMO_ADMIN).await?;
    let (desk, _events) = start_desk_at(&proxy.url, &session, data.path()).await?;
    wait_online(&desk, 120).await;
    // `my_conversation` ingests through `server`; the desk itself only talks via the proxy.
    let mine = my_conversation(&server, &desk, &session.token, "net-drop").await?;
    let admin = admin_api(&server, &session.token)?;
    let channel = custom_channel(&admin).await?;
    let other = ingest(&server, channel, "net-drop-2", "Taken Meanwhile", "hello?")
        .await?
        .conversation_id;
    wait_for(20, "the second conversation in the cache", async || {
        desk.open(other).await.ok().map(|_| ())
    })
    .await;

    proxy.set_down(true);
    wait_offline(&desk, 30).await;
    let texts: Vec<String> = (1..=5).map(|i| format!("during the drop {i}")).collect();
    for t in &texts {
        desk.send(mine, t.clone(), false).await?;
    }
    desk.act(other, ConversationAction::Start).await?;
    // Meanwhile another operator takes it (straight at the server, not through the proxy).
    let olga = login(&server, "olga@demo.test").await?;
    admin_api(&server, &olga.token)?
        .act(
            other,
            &ActionRequest {
                action_id: format!("olga-takes-{}", rand::random::<u64>()),
                action: ConversationAction::Start,
            },
        )
        .await?;
    // Still offline: the sends are pending, nothing reached the server.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(outbox_len(&desk), 6);

    let dropped_for = Instant::now();
    proxy.set_down(false);
    wait_for(60, "the sends to drain and the start to fail", async || {
        let items = outbox_table::all(&desk.cache().reader()).ok()?;
        (items.len() == 1 && items[0].failed.is_some()).then_some(items)
    })
    .await;
    eprintln!(
        "replayed in {:?} after the network came back",
        dropped_for.elapsed()
    );
    let items = outbox_table::all(&desk.cache().reader())?;
    // The refusal is kept as the server structured it: the UI reads who took it from fields.
    let reason = items[0].failed.clone().expect("refused");
    assert_eq!(reason.code, "conflict", "{reason:?}");
    assert_eq!(
        reason.detail,
        Some(ErrorFacts::TakenBy {
            operator_id: olga.me.operator.id,
            operator_name: olga.me.operator.name.clone(),
        }),
        "{reason:?}"
    );
    let view = desk.open(other).await?;
    assert_eq!(
        view.pending_actions.len(),
        1,
        "the conflict is shown, not dropped"
    );
    assert!(matches!(
        &view.pending_actions[0].outbox,
        switchboard_core::OutboxState::Failed { code, detail: Some(ErrorFacts::TakenBy { .. }), .. } if code == "conflict"
    ));

    let detail = admin.conversation(mine).await?;
    let sent: Vec<&str> = detail
        .messages
        .iter()
        .filter(|m| m.text.starts_with("during the drop"))
        .map(|m| m.text.as_str())
        .collect();
    let expected: Vec<&str> = texts.iter().map(String::as_str).collect();
    assert_eq!(sent, expected, "once each, in order");

    // The operator discards the refused start; the conversation stays with Olga.
    desk.discard(&items[0].id).await?;
    assert_eq!(outbox_len(&desk), 0);
    desk.shutdown().await;
    Ok(())
}
