//! Event fan-out: many apps connected to `/api/v1/events` must each receive every record they
//! may see while messages stream in. The baseline is the first connection's delivery time.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use switchboard_protocol::{Entity, EventFrame, InboundMessage, SyncPage};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message as WsMessage;

use crate::report::Report;
use crate::server::Server;
use crate::Scale;

const EVENTS: usize = 200;

pub async fn run(server: &Server, scale: Scale, report: &mut Report) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    let page: SyncPage = http
        .get(format!("{}/api/v1/sync?after=0", server.url))
        .bearer_auth(&server.admin_token)
        .send()
        .await?
        .json()
        .await?;
    let ws_url = format!(
        "{}/api/v1/events?after={}",
        server.url.replacen("http", "ws", 1),
        page.next
    );
    let received: Arc<Vec<AtomicUsize>> =
        Arc::new((0..scale.apps).map(|_| AtomicUsize::new(0)).collect());
    let mut readers = Vec::new();
    for app in 0..scale.apps {
        let mut request = ws_url.as_str().into_client_request()?;
        request.headers_mut().insert(
            "Authorization",
            format!("Bearer {}", server.admin_token).parse()?,
        );
        let (mut socket, _) = tokio_tungstenite::connect_async(request).await?;
        let received = received.clone();
        readers.push(tokio::spawn(async move {
            while let Some(Ok(frame)) = socket.next().await {
                if let WsMessage::Text(text) = frame {
                    if let Ok(EventFrame::Change(record)) = serde_json::from_str(&text) {
                        if record.change.entity() == Some(Entity::Message) {
                            received[app].fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            }
        }));
    }
    let started = Instant::now();
    for i in 0..EVENTS {
        http.post(format!(
            "{}/api/v1/channels/{}/inbound",
            server.url, server.custom_channel
        ))
        .header("X-Channel-Secret", &server.custom_secret)
        .json(&InboundMessage {
            external_id: format!("fanout-{}", i % 20),
            name: format!("Fan-out Client {}", i % 20),
            text: format!("fan-out event {i}"),
            attachment: None,
            contact: None,
        })
        .send()
        .await?
        .error_for_status()?;
    }
    let deadline = started + Duration::from_secs(120);
    while Instant::now() < deadline && received.iter().any(|n| n.load(Ordering::Relaxed) < EVENTS) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    for reader in readers {
        reader.abort();
    }
    let complete = received
        .iter()
        .filter(|n| n.load(Ordering::Relaxed) >= EVENTS)
        .count();
    let lost: usize = received
        .iter()
        .map(|n| EVENTS.saturating_sub(n.load(Ordering::Relaxed)))
        .sum();
    report.add(
        format!("{} connected apps receive every event, none lost", scale.apps),
        format!(
            "{complete}/{} apps got all {EVENTS} events ({lost} lost) in {elapsed:.1} s = {:.0} deliveries/s",
            scale.apps,
            (scale.apps * EVENTS) as f64 / elapsed
        ),
        lost == 0,
    );
    Ok(())
}
