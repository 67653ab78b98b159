//! Budget 5, event fan-out: many apps connected to `/api/v1/events` must each receive every
//! message record while messages stream in; the latency of each delivery is the time from
//! the POST that made the message to its frame arriving at that app.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use anyhow::Context;
use futures_util::StreamExt;
use switchboard_protocol::{InboundMessage, SyncPage};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message as WsMessage;

use crate::phase::Phase;
use crate::report::{quantile, Report, Row, Status};
use crate::server::Server;

const EVENTS: usize = 200;
const MARK: &str = "fan-out event ";
pub const MEASURE: &str = "Fan-out to connected apps: none lost, p99 latency";
pub const BUDGET: &str = "0 lost, p99 ≤ 50 ms";

/// The event number in a frame carrying message text `fan-out event N.`, read without
/// parsing the JSON (1,000 readers share the cores with the server).
fn event_number(text: &str) -> Option<usize> {
    let start = text.find(MARK)? + MARK.len();
    let digits: String = text[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// What the apps received.
pub struct FanOut {
    pub apps: usize,
    pub complete: usize,
    pub lost: usize,
    pub p50: f64,
    pub p99: f64,
    pub per_sec: f64,
    pub over_time: bool,
}

impl FanOut {
    pub fn describe(&self) -> String {
        format!(
            "{} apps × {EVENTS} events: {} apps complete, {} lost, p50 {:.1} ms, p99 {:.1} ms, {:.0} deliveries/s",
            self.apps, self.complete, self.lost, self.p50, self.p99, self.per_sec
        )
    }
}

pub async fn run(
    server: &Server,
    apps: usize,
    bound: Duration,
    report: &mut Report,
) -> anyhow::Result<FanOut> {
    let f = measure("fan-out", std::slice::from_ref(server), apps, bound).await?;
    report.add(Row {
        number: 5,
        measure: MEASURE.into(),
        baseline: "every event to every app within 50 ms".into(),
        measured: f.describe(),
        ratio: Some(f.p99 / 50.0),
        budget: BUDGET.into(),
        status: if f.over_time {
            Status::OverTime
        } else {
            Status::within(f.lost == 0 && f.p99 <= 50.0)
        },
    });
    Ok(f)
}

/// `apps` apps connected round-robin to `servers` (instances of one database), the events
/// posted round-robin to them too.
#[allow(clippy::too_many_lines)]
pub async fn measure(
    name: &'static str,
    servers: &[Server],
    apps: usize,
    bound: Duration,
) -> anyhow::Result<FanOut> {
    let server = servers.first().context("no server")?;
    let mut phase = Phase::start(name, (apps * EVENTS) as u64, bound);
    let http = reqwest::Client::new();
    let page: SyncPage = http
        .get(format!("{}/api/v1/sync?after=0", server.url))
        .bearer_auth(&server.admin_token)
        .send()
        .await?
        .json()
        .await?;
    let ws_urls: Vec<String> = servers
        .iter()
        .map(|s| {
            format!(
                "{}/api/v1/events?after={}",
                s.url.replacen("http", "ws", 1),
                page.next
            )
        })
        .collect();
    let sent_at: Arc<Vec<OnceLock<Instant>>> =
        Arc::new((0..EVENTS).map(|_| OnceLock::new()).collect());
    let latencies: Arc<Mutex<Vec<f64>>> = Arc::new(Mutex::new(Vec::new()));
    let delivered = Arc::new(AtomicUsize::new(0));
    let complete = Arc::new(AtomicUsize::new(0));
    let mut readers = Vec::new();
    for a in 0..apps {
        let mut request = ws_urls[a % ws_urls.len()].as_str().into_client_request()?;
        request.headers_mut().insert(
            "Authorization",
            format!("Bearer {}", server.admin_token).parse()?,
        );
        let (mut socket, _) = tokio_tungstenite::connect_async(request).await?;
        let (sent_at, latencies) = (sent_at.clone(), latencies.clone());
        let (delivered, complete) = (delivered.clone(), complete.clone());
        readers.push(tokio::spawn(async move {
            let mut seen = [false; EVENTS];
            let mut count = 0;
            while let Some(Ok(frame)) = socket.next().await {
                let WsMessage::Text(text) = frame else {
                    continue;
                };
                let Some(n) = event_number(&text).filter(|n| *n < EVENTS) else {
                    continue;
                };
                // A conversation record carries the preview text too: count the message once.
                if seen[n] || !text.contains("\"entity\":\"message\"") {
                    continue;
                }
                seen[n] = true;
                if let Some(at) = sent_at[n].get() {
                    let ms = at.elapsed().as_secs_f64() * 1e3;
                    latencies.lock().unwrap_or_else(|e| e.into_inner()).push(ms);
                }
                delivered.fetch_add(1, Ordering::Relaxed);
                count += 1;
                if count == EVENTS {
                    complete.fetch_add(1, Ordering::Relaxed);
                    break;
                }
            }
        }));
    }
    let urls: Vec<String> = servers.iter().map(Server::inbound_url).collect();
    let started = Instant::now();
    for (i, at) in sent_at.iter().enumerate() {
        if phase.over_time() {
            break;
        }
        let _ = at.set(Instant::now());
        http.post(&urls[i % urls.len()])
            .header("X-Channel-Secret", &server.demo.custom_secret)
            .json(&InboundMessage {
                external_id: format!("fanout-{}", i % 20),
                name: format!("Fan-out Client {}", i % 20),
                text: format!("{MARK}{i}."),
                attachment: None,
                contact: None,
            })
            .send()
            .await?
            .error_for_status()?;
        phase.progress(delivered.load(Ordering::Relaxed) as u64);
    }
    while !phase.over_time() && complete.load(Ordering::Relaxed) < apps {
        tokio::time::sleep(Duration::from_millis(50)).await;
        phase.progress(delivered.load(Ordering::Relaxed) as u64);
    }
    let elapsed = started.elapsed().as_secs_f64();
    for reader in readers {
        reader.abort();
    }
    let done = delivered.load(Ordering::Relaxed);
    let reached = phase.finish(done as u64);
    let lost = apps * EVENTS - done;
    let mut samples = std::mem::take(&mut *latencies.lock().unwrap_or_else(|e| e.into_inner()));
    let (p50, p99) = (quantile(&mut samples, 0.5), quantile(&mut samples, 0.99));
    Ok(FanOut {
        apps,
        complete: complete.load(Ordering::Relaxed),
        lost,
        p50,
        p99,
        per_sec: done as f64 / elapsed,
        over_time: reached.over_time,
    })
}

#[cfg(test)]
mod tests {
    use super::event_number;

    #[test]
    fn reads_the_event_number_from_a_frame() {
        assert_eq!(
            event_number(r#"{"data":{"text":"fan-out event 17."}}"#),
            Some(17)
        );
        assert_eq!(event_number("hello"), None);
    }
}
