//! `./dev.sh bench`: measures the budgets of DESIGN.md that need no window (initial sync, search,
//! server ingest, event fan-out) against baselines measured in the same run on the same machine,
//! and prints one line per budget. Scale is set by flags so a 2-core machine finishes in minutes;
//! the ratios, not the absolute numbers, are what the budgets constrain.

mod fanout;
mod ingest;
mod report;
mod search;
mod server;
mod sync;

use std::time::Duration;

use anyhow::Context;

/// Sizes of the run; `--conversations N --messages M --apps A` override the defaults.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    pub conversations: usize,
    pub messages_per_conversation: usize,
    pub apps: usize,
}

fn parse_scale() -> anyhow::Result<Scale> {
    let mut scale = Scale {
        conversations: 5_000,
        messages_per_conversation: 10,
        apps: 200,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = pair
            .get(1)
            .with_context(|| format!("{} needs a number", pair[0]))?
            .parse::<usize>()
            .with_context(|| format!("{} needs a number", pair[0]))?;
        match pair[0].as_str() {
            "--conversations" => scale.conversations = value,
            "--messages" => scale.messages_per_conversation = value,
            "--apps" => scale.apps = value,
            other => {
                anyhow::bail!("unknown flag {other} (use --conversations, --messages, --apps)")
            }
        }
    }
    Ok(scale)
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
    let scale = parse_scale()?;
    let dir = tempfile::tempdir()?;
    let server = server::Server::start(dir.path()).await?;
    let mut report = report::Report::default();
    println!(
        "switchboard bench: {} conversations x {} messages, {} apps (server {})",
        scale.conversations, scale.messages_per_conversation, scale.apps, server.url
    );

    ingest::run(&server, scale, &mut report).await?;
    let desk = sync::run(&server, dir.path(), &mut report).await?;
    search::run(&desk, &mut report).await?;
    desk.shutdown().await;
    fanout::run(&server, scale, &mut report).await?;

    report.print();
    tokio::time::sleep(Duration::from_millis(50)).await;
    Ok(())
}
