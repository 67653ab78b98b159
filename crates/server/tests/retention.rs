//! `serve --keep-changes N` against the real binary: old change records are pruned, a position
//! inside the kept window still gets a delta, and one older than the pruned records gets
//! `reset: true` on `/sync` and `resync` on `/events`.

mod common;

use std::time::{Duration, Instant};

use common::{session, Fx, Server};
use futures_util::StreamExt;
use reqwest::StatusCode;
use serde_json::Value;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

async fn sync(fx: &Fx, token: &str, after: i64) -> Value {
    let (st, page) = fx
        .get(token, &format!("/api/v1/sync?after={after}&limit=1000"))
        .await;
    assert_eq!(st, StatusCode::OK, "{page}");
    page
}

/// The first two frames of `/events?after=…`: hello and what follows it.
async fn events_start(fx: &Fx, token: &str, after: i64) -> (Value, Value) {
    let url = format!(
        "{}/api/v1/events?after={after}",
        fx.server.url.replace("http://", "ws://")
    );
    let mut req = url.into_client_request().expect("request");
    req.headers_mut()
        .insert("Authentication", token.parse().expect("header"));
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.expect("ws");
    let mut frames = Vec::new();
    while frames.len() < 2 {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a frame in time")
            .expect("open")
            .expect("frame");
        if let Message::Text(t) = msg {
            frames.push(serde_json::from_str::<Value>(t.as_str()).expect("json"));
        }
    }
    (frames[0].clone(), frames[1].clone())
}

#[tokio::test]
async fn pruned_positions_get_a_reset_and_kept_ones_a_delta() {
    let mut fx = Fx::new();
    let admin = session(fx.admin);
    let first = sync(&fx, &admin, 0).await["next"].as_i64().expect("next");
    // Ten more records: client messages in a conversation the admin sees.
    for i in 0..10 {
        let (st, body) = fx
            .inbound(
                fx.tg,
                "tg-secret",
                "retention-client",
                &format!("hello {i}"),
            )
            .await;
        assert!(st.is_success(), "{body}");
    }
    let before = sync(&fx, &admin, first).await;
    assert_eq!(before["reset"], false, "nothing pruned yet: {before}");
    let newest = sync(&fx, &admin, 0).await["next"].as_i64().expect("next");
    assert!(newest > first);

    fx.server = Server::start_with(
        &fx.db_path,
        &["--keep-changes", "3", "--prune-every-secs", "1"],
    );
    // Pruning runs at start; poll until the old position is refused.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let page = sync(&fx, &admin, first).await;
        if page["reset"] == true {
            assert!(page["changes"].as_array().expect("changes").is_empty());
            break;
        }
        assert!(Instant::now() < deadline, "never pruned: {page}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Inside the kept window: a delta, the newest record included.
    let recent = sync(&fx, &admin, newest - 1).await;
    assert_eq!(recent["reset"], false, "{recent}");
    let seqs: Vec<i64> = recent["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter_map(|c| c["seq"].as_i64())
        .collect();
    assert_eq!(seqs, vec![newest]);
    let kept: i64 = fx
        .db()
        .read_blocking(|c| Ok(c.query_row("SELECT COUNT(*) FROM changes", (), |r| r.get(0))?))
        .expect("count");
    assert!(kept <= 6, "3 per company at most, {kept} kept");

    // The live feed says the same: hello, then resync for the pruned position…
    let (hello, next) = events_start(&fx, &admin, first).await;
    assert_eq!(hello["type"], "hello", "{hello}");
    assert_eq!(next["type"], "resync", "{next}");
    // …and a replay for a kept one.
    let (_, next) = events_start(&fx, &admin, newest - 1).await;
    assert_eq!(next["type"], "change", "{next}");
    assert_eq!(next["seq"].as_i64(), Some(newest), "{next}");
}

#[test]
fn keep_changes_must_be_positive() {
    let out = std::process::Command::new(common::BIN)
        .args(["--db", "/nonexistent/x.db", "serve", "--keep-changes", "0"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("keep-changes"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
