//! Budget 4, server ingest: client messages through the Custom app channel endpoint from many
//! concurrent senders, against a raw insert of the same rows (clients, conversations,
//! messages with the server's own indexes and FTS triggers) into a copy of the same database
//! in one transaction.

use std::path::Path;

use anyhow::Context;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper::header::{HeaderValue, CONTENT_TYPE, HOST};
use hyper::{Request, Uri};
use hyper_util::rt::TokioIo;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

use crate::data::Data;
use crate::phase::{Phase, Reached};
use crate::report::{Report, Row, Status};
use crate::server::Server;

const SENDERS: usize = 32;
pub const MEASURE: &str = "Server ingest over HTTP vs raw insert into the server schema";
pub const BUDGET: &str = "≥ 0.25×";

/// Which messages of the dataset go over HTTP: the first `conversations` conversations, all
/// their messages (index `i` of the dataset, in round order).
#[derive(Clone, Copy)]
pub struct Slice {
    pub data: Data,
    pub conversations: usize,
}

impl Slice {
    pub fn len(&self) -> usize {
        self.conversations * self.data.messages_per_conversation
    }

    /// The dataset index of the `j`-th message of the slice.
    pub fn index(&self, j: usize) -> usize {
        (j / self.conversations) * self.data.conversations + j % self.conversations
    }
}

/// The JSON bodies of `indices` of the dataset, encoded before a phase's clock starts: the
/// senders share the 2 cores with the server they measure, so they only send.
pub fn bodies(data: Data, indices: &[usize]) -> anyhow::Result<Arc<Vec<Bytes>>> {
    let bodies = indices
        .iter()
        .map(|&i| serde_json::to_vec(&data.inbound(i)).map(Bytes::from))
        .collect::<Result<_, _>>()?;
    Ok(Arc::new(bodies))
}

/// Posts `bodies` from [`SENDERS`] concurrent senders, spread over `servers` (instances of
/// one database), until done or `deadline`; returns how many were accepted.
pub async fn post_all(
    servers: &[Server],
    bodies: Arc<Vec<Bytes>>,
    phase: &mut Phase,
) -> anyhow::Result<u64> {
    let first = servers.first().context("no server to post to")?;
    let targets = servers
        .iter()
        .map(|s| Target::new(&s.inbound_url(), &first.demo.custom_secret))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let sent = Arc::new(AtomicU64::new(0));
    let next = Arc::new(AtomicU64::new(0));
    let deadline = phase.deadline();
    let mut tasks = Vec::new();
    for k in 0..SENDERS {
        let target = targets[k % targets.len()].clone();
        let (sent, next, bodies) = (sent.clone(), next.clone(), bodies.clone());
        tasks.push(tokio::spawn(async move {
            let (mut http, connection) = target.connect().await?;
            let sending = async {
                while Instant::now() < deadline {
                    let k = next.fetch_add(1, Ordering::Relaxed) as usize;
                    let Some(body) = bodies.get(k) else { break };
                    let reply = http.send_request(target.request(body.clone())?).await?;
                    let status = reply.status();
                    // Read to the end, so the connection takes the next request.
                    reply.into_body().collect().await?;
                    anyhow::ensure!(status.is_success(), "ingest: {status}");
                    sent.fetch_add(1, Ordering::Relaxed);
                }
                anyhow::Ok(())
            };
            tokio::select! {
                done = sending => done,
                closed = connection => match closed {
                    Ok(()) => anyhow::bail!("ingest: the server closed the connection"),
                    Err(e) => Err(e.into()),
                },
            }
        }));
    }
    // The phase ends when the last sender does, not at the next progress tick: polling for
    // the end rounded a 3 s run up by as much as 200 ms (7 %).
    let all = futures_util::future::try_join_all(tasks);
    tokio::pin!(all);
    let mut tick = tokio::time::interval(Duration::from_millis(200));
    let results = loop {
        tokio::select! {
            results = &mut all => break results?,
            _ = tick.tick() => phase.progress(sent.load(Ordering::Relaxed)),
        }
    };
    results.into_iter().collect::<anyhow::Result<()>>()?;
    Ok(sent.load(Ordering::Relaxed))
}

/// Where a sender posts: a Custom app channel's inbound endpoint.
///
/// The senders share the 2 cores with the server they measure, so each is as light as a
/// load generator can be: one HTTP/1.1 connection driven in the sender's own task (a pooled
/// client hands every request to a connection task and back, twice the wake-ups), and
/// bodies encoded before the clock starts.
#[derive(Clone)]
struct Target {
    addr: String,
    uri: Uri,
    /// The headers every request repeats, built once.
    host: HeaderValue,
    secret: HeaderValue,
}

impl Target {
    fn new(url: &str, secret: &str) -> anyhow::Result<Target> {
        let uri: Uri = url.parse()?;
        let addr = uri
            .authority()
            .context("no host in the inbound URL")?
            .to_string();
        Ok(Target {
            host: HeaderValue::from_str(&addr)?,
            addr,
            uri,
            secret: HeaderValue::from_str(secret)?,
        })
    }

    async fn connect(
        &self,
    ) -> anyhow::Result<(
        http1::SendRequest<Full<Bytes>>,
        http1::Connection<TokioIo<TcpStream>, Full<Bytes>>,
    )> {
        let stream = TcpStream::connect(&self.addr).await?;
        stream.set_nodelay(true)?;
        Ok(http1::handshake(TokioIo::new(stream)).await?)
    }

    fn request(&self, body: Bytes) -> anyhow::Result<Request<Full<Bytes>>> {
        Ok(Request::post(self.uri.clone())
            .header(HOST, self.host.clone())
            .header("X-Channel-Secret", self.secret.clone())
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .body(Full::new(body))?)
    }
}

/// How fast the slice went in over HTTP.
pub struct Ingested {
    pub sent: usize,
    pub per_sec: f64,
    pub reached: Reached,
}

/// Posts the slice through `servers` and measures the rate.
pub async fn measure(
    name: &'static str,
    servers: &[Server],
    slice: Slice,
    bound: Duration,
) -> anyhow::Result<(Ingested, Vec<usize>)> {
    let indices: Vec<usize> = (0..slice.len()).map(|j| slice.index(j)).collect();
    let bodies = bodies(slice.data, &indices)?;
    let mut phase = Phase::start(name, slice.len() as u64, bound);
    let sent = post_all(servers, bodies, &mut phase).await?;
    let reached = phase.finish(sent);
    let per_sec = sent as f64 / reached.seconds;
    Ok((
        Ingested {
            sent: sent as usize,
            per_sec,
            reached,
        },
        indices,
    ))
}

pub async fn run(
    server: &Server,
    slice: Slice,
    pristine: &Path,
    bound: Duration,
    report: &mut Report,
) -> anyhow::Result<Ingested> {
    let (ingested, mut sent_indices) =
        measure("ingest", std::slice::from_ref(server), slice, bound).await?;
    let per_sec = ingested.per_sec;
    sent_indices.truncate(ingested.sent);
    let (data, pristine, channel) = (
        slice.data,
        pristine.to_path_buf(),
        server.demo.custom_channel,
    );
    let raw = tokio::task::spawn_blocking(move || {
        raw_server_insert(&pristine, data, channel, &sent_indices)
    })
    .await??;
    report.add(ingest_row(&ingested.reached, per_sec, raw));
    Ok(ingested)
}

fn ingest_row(reached: &Reached, per_sec: f64, raw: f64) -> Row {
    let ratio = per_sec / raw;
    Row {
        number: 4,
        measure: MEASURE.into(),
        baseline: format!("raw insert {raw:.0} msg/s"),
        measured: format!(
            "{per_sec:.0} msg/s over HTTP, {SENDERS} senders ({})",
            reached.describe()
        ),
        ratio: Some(ratio),
        budget: BUDGET.into(),
        status: if reached.over_time {
            Status::OverTime
        } else {
            Status::within(ratio >= 0.25)
        },
    }
}

/// Messages per second of a raw insert of the rows that ingesting `indices` produces (one
/// client and one conversation per new conversation, one message each) into a copy of the
/// server database `pristine`, in one transaction with prepared statements. The schema's
/// indexes and FTS triggers stay: they are part of the physical cost of these rows.
fn raw_server_insert(
    pristine: &Path,
    data: Data,
    channel: i64,
    indices: &[usize],
) -> anyhow::Result<f64> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("raw-server.db");
    std::fs::copy(pristine, &path)?;
    let mut conn = rusqlite::Connection::open(&path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    let company: i64 = conn.query_row(
        "SELECT company_id FROM channel_accounts WHERE id = ?1",
        [channel],
        |r| r.get(0),
    )?;
    let started = Instant::now();
    let tx = conn.transaction()?;
    {
        let mut client = tx.prepare(
            "INSERT INTO clients (company_id, channel_account_id, external_id, original_name,
                                  display_name, created_at)
             VALUES (?1, ?2, ?3, ?4, ?4, ?5)",
        )?;
        let mut conversation = tx.prepare(
            "INSERT INTO conversations (company_id, channel_account_id, client_id, status,
                 status_changed_at, last_message_at, last_message_preview, created_at, updated_at)
             VALUES (?1, ?2, ?3, 'unassigned', ?4, ?4, ?5, ?4, ?4)",
        )?;
        let mut message = tx.prepare(
            "INSERT INTO messages (conversation_id, kind, text, created_at, delivery)
             VALUES (?1, 'client', ?2, ?3, 'delivered')",
        )?;
        let mut ids = std::collections::HashMap::new();
        for (k, &i) in indices.iter().enumerate() {
            let c = i % data.conversations;
            let now = k as i64;
            let text = data.text(i);
            let conversation_id = match ids.get(&c) {
                Some(&id) => id,
                None => {
                    client.execute(rusqlite::params![
                        company,
                        channel,
                        Data::external_id(c),
                        Data::name(c),
                        now
                    ])?;
                    let client_id = tx.last_insert_rowid();
                    conversation
                        .execute(rusqlite::params![company, channel, client_id, now, &text])?;
                    let id = tx.last_insert_rowid();
                    ids.insert(c, id);
                    id
                }
            };
            message.execute(rusqlite::params![conversation_id, &text, now])?;
        }
    }
    tx.commit()?;
    Ok(indices.len() as f64 / started.elapsed().as_secs_f64())
}
