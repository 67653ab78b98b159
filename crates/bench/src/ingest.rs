//! Server ingest throughput: client messages through the Custom app channel endpoint from many
//! concurrent senders, against raw SQLite inserts of as many rows on the same disk.

use std::sync::Arc;
use std::time::Instant;

use switchboard_protocol::InboundMessage;

use crate::report::Report;
use crate::server::Server;
use crate::Scale;

const SENDERS: usize = 32;

/// Words the generated messages are made of, so that search has something to find.
pub const WORDS: &[&str] = &[
    "order",
    "delivery",
    "refund",
    "password",
    "invoice",
    "courier",
    "payment",
    "address",
    "warranty",
    "discount",
    "subscription",
    "tracking",
    "package",
    "receipt",
    "exchange",
    "заказ",
    "доставка",
    "возврат",
    "pedido",
    "envío",
    "Lieferung",
    "Rechnung",
    "entrega",
];

pub fn message_text(i: usize) -> String {
    let w = |k: usize| WORDS[(i * 7 + k * 13) % WORDS.len()];
    format!(
        "Hello, about my {} and the {} {}: number {i}",
        w(0),
        w(1),
        w(2)
    )
}

pub async fn run(server: &Server, scale: Scale, report: &mut Report) -> anyhow::Result<()> {
    let total = scale.conversations * scale.messages_per_conversation;
    let http = reqwest::Client::new();
    let url = Arc::new(format!(
        "{}/api/v1/channels/{}/inbound",
        server.url, server.custom_channel
    ));
    let secret = Arc::new(server.custom_secret.clone());
    let started = Instant::now();
    let mut tasks = Vec::new();
    for sender in 0..SENDERS {
        let (http, url, secret) = (http.clone(), url.clone(), secret.clone());
        tasks.push(tokio::spawn(async move {
            let mut i = sender;
            while i < total {
                let conversation = i % scale.conversations;
                let body = InboundMessage {
                    external_id: format!("bench-{conversation}"),
                    name: format!("Bench Client {conversation}"),
                    text: message_text(i),
                    attachment: None,
                    contact: None,
                };
                let reply = http
                    .post(url.as_str())
                    .header("X-Channel-Secret", secret.as_str())
                    .json(&body)
                    .send()
                    .await?;
                anyhow::ensure!(reply.status().is_success(), "ingest: {}", reply.status());
                i += SENDERS;
            }
            anyhow::Ok(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    let per_sec = total as f64 / started.elapsed().as_secs_f64();
    let raw = raw_insert_rate(total)?;
    report.add(
        "server ingest >= 10k inbound messages/s (2 cores)",
        format!(
            "{per_sec:.0} msg/s over HTTP ({SENDERS} senders; raw SQLite insert {raw:.0} rows/s, ratio {:.3})",
            per_sec / raw
        ),
        per_sec >= 10_000.0,
    );
    Ok(())
}

/// Rows per second of prepared inserts in one transaction into a fresh WAL file: the ceiling
/// any SQLite-backed path can reach on this disk.
pub fn raw_insert_rate(rows: usize) -> anyhow::Result<f64> {
    let dir = tempfile::tempdir()?;
    let mut conn = rusqlite::Connection::open(dir.path().join("raw.db"))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.execute_batch(
        "CREATE TABLE rows (id INTEGER PRIMARY KEY, conversation_id INTEGER NOT NULL,
                            kind TEXT NOT NULL, text TEXT NOT NULL, created_at INTEGER NOT NULL)",
    )?;
    let started = Instant::now();
    let tx = conn.transaction()?;
    {
        let mut stmt = tx.prepare(
            "INSERT INTO rows (conversation_id, kind, text, created_at) VALUES (?1, 'client', ?2, ?3)",
        )?;
        for i in 0..rows {
            stmt.execute(rusqlite::params![
                (i % 1000) as i64,
                message_text(i),
                i as i64
            ])?;
        }
    }
    tx.commit()?;
    Ok(rows as f64 / started.elapsed().as_secs_f64())
}
