//! Several server instances behind one PostgreSQL (issue 13): a change committed through any
//! instance reaches every app connected to any instance, exactly once and in `seq` order,
//! while writers on both instances race; and when an instance is killed with SIGKILL mid-stream
//! its apps reconnect to the other one and lose nothing.
//!
//! Runs on PostgreSQL only (`tests/postgres/run.sh`, which `./dev.sh test` runs): one SQLite
//! file cannot be shared by two servers.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{on_postgres, session, until, Fx, Server, Ws};
use futures_util::StreamExt;
use reqwest::StatusCode;
use serde_json::Value;
use switchboard_protocol::Id;
use tokio_tungstenite::tungstenite::Message;

const APPS: usize = 100;
const WRITERS: usize = 10;
const MESSAGES_PER_WRITER: usize = 20;

async fn connect(base: &str, token: &str, after: i64) -> Option<Ws> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let url = format!(
        "{}/api/v1/events?after={after}",
        base.replace("http://", "ws://")
    );
    let mut req = url.into_client_request().expect("request");
    req.headers_mut().insert(
        "Authorization",
        format!("Bearer {token}").parse().expect("header"),
    );
    tokio_tungstenite::connect_async(req)
        .await
        .ok()
        .map(|(ws, _)| ws)
}

/// What one app saw: the seq of every change frame, in arrival order, and how often it had
/// to reconnect.
#[derive(Default)]
struct Seen {
    seqs: Vec<i64>,
    reconnects: usize,
}

/// One app: follows its events socket on `urls[first]`, and when that instance goes away,
/// reconnects to the other one after the last record it got (what the desk does).
async fn app(
    urls: Arc<[String; 2]>,
    first: usize,
    token: String,
    after: i64,
    seen: Arc<Mutex<Seen>>,
) {
    let mut at = first;
    let mut last = after;
    loop {
        let Some(mut ws) = connect(&urls[at], &token, last).await else {
            at = 1 - at;
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        while let Some(Ok(msg)) = ws.next().await {
            let Message::Text(text) = msg else { continue };
            let frame: Value = serde_json::from_str(text.as_str()).expect("json frame");
            if frame["type"] == "change" {
                let seq = frame["seq"].as_i64().expect("seq");
                last = seq;
                seen.lock().expect("seen").seqs.push(seq);
            }
        }
        // The socket ended: the instance died (or closed it); the other one takes over.
        seen.lock().expect("seen").reconnects += 1;
        at = 1 - at;
    }
}

/// One `/sync` page of `base` for `token`.
async fn sync_page(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    after: i64,
    limit: u32,
) -> Value {
    http.get(format!("{base}/api/v1/sync?after={after}&limit={limit}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("sync")
        .json()
        .await
        .expect("json")
}

/// Every record after `after` that `token` may see, as the sync API of `base` lists them.
async fn expected(http: &reqwest::Client, base: &str, token: &str, after: i64) -> Vec<i64> {
    let mut out = Vec::new();
    let mut next = after;
    loop {
        let page = sync_page(http, base, token, next, 500).await;
        out.extend(
            page["changes"]
                .as_array()
                .expect("changes")
                .iter()
                .filter_map(|c| c["seq"].as_i64()),
        );
        next = page["next"].as_i64().expect("next");
        if page["has_more"] != true {
            return out;
        }
    }
}

/// Posts one client message through `urls[at]`, or through the other instance when that one
/// no longer answers (a load balancer's retry). Returns whether either took it.
async fn inbound(
    http: &reqwest::Client,
    urls: &[String; 2],
    at: usize,
    channel: Id,
    who: &str,
    text: &str,
) {
    for base in [&urls[at], &urls[1 - at]] {
        let sent = http
            .post(format!("{base}/api/v1/channels/{channel}/inbound"))
            .header("X-Channel-Secret", "tg-secret")
            .json(&serde_json::json!({"external_id": who, "name": who, "text": text}))
            .send()
            .await;
        if let Ok(resp) = sent {
            assert_eq!(resp.status(), StatusCode::OK, "{base}");
            return;
        }
    }
    panic!("neither instance took {who}'s message");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_deliver_every_change_once_in_order_and_survive_a_kill() {
    if !on_postgres() {
        eprintln!("needs PostgreSQL: tests/postgres/run.sh (part of ./dev.sh test) runs it");
        return;
    }
    let fx = Fx::new();
    let mut second = Server::start(&fx.db_path);
    let urls = Arc::new([fx.server.url.clone(), second.url.clone()]);
    let tokens: Vec<String> = [fx.admin, fx.anna, fx.bob, fx.sue, fx.dave, fx.olga]
        .into_iter()
        .map(session)
        .collect();
    let (st, page) = fx.get(&tokens[0], "/api/v1/sync?after=0").await;
    assert_eq!(st, StatusCode::OK, "{page}");
    let start = page["next"].as_i64().expect("next");

    // 100 apps, half on each instance, every kind of operator among them.
    let mut apps = Vec::new();
    for i in 0..APPS {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let token = tokens[i % tokens.len()].clone();
        tokio::spawn(app(urls.clone(), i % 2, token.clone(), start, seen.clone()));
        apps.push((token, seen));
    }

    // A desk that polls `/sync?after=N` all along (on the first instance): with writers on
    // both instances, a record that commits after a later-numbered one would be skipped for
    // good if seq were not in commit order.
    let polled = Arc::new(Mutex::new(Vec::<i64>::new()));
    let polling = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let poller = {
        let (http, base, token) = (fx.http.clone(), urls[0].clone(), tokens[0].clone());
        let (polled, polling) = (polled.clone(), polling.clone());
        tokio::spawn(async move {
            let mut after = start;
            // One last pass after the writers stopped.
            let mut last_pass = false;
            loop {
                let page = sync_page(&http, &base, &token, after, 100).await;
                for c in page["changes"].as_array().expect("changes") {
                    polled
                        .lock()
                        .expect("polled")
                        .push(c["seq"].as_i64().expect("seq"));
                }
                after = page["next"].as_i64().expect("next");
                if page["has_more"] == true {
                    continue;
                }
                if last_pass {
                    return;
                }
                last_pass = !polling.load(std::sync::atomic::Ordering::SeqCst);
            }
        })
    };

    // 10 writers, half through each instance, racing; the second instance is killed with
    // SIGKILL once half the messages are in.
    let sent = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (http, urls, sent, channel) = (fx.http.clone(), urls.clone(), sent.clone(), fx.tg);
            tokio::spawn(async move {
                for n in 0..MESSAGES_PER_WRITER {
                    let who = format!("scale-{w}");
                    inbound(&http, &urls, w % 2, channel, &who, &format!("message {n}")).await;
                    sent.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
            })
        })
        .collect();
    let total = WRITERS * MESSAGES_PER_WRITER;
    until("half the messages are in", || async {
        sent.load(std::sync::atomic::Ordering::SeqCst) >= total / 2
    })
    .await;
    second.child.kill().expect("kill -9 the second instance");
    second.child.wait().expect("reaped");
    for w in writers {
        w.await.expect("writer");
    }
    polling.store(false, std::sync::atomic::Ordering::SeqCst);
    poller.await.expect("poller");

    // What each kind of operator may see, as the surviving instance's sync API says.
    let mut wanted = std::collections::HashMap::new();
    for token in &tokens {
        wanted.insert(
            token.clone(),
            expected(&fx.http, &urls[0], token, start).await,
        );
    }
    assert!(
        wanted[&tokens[0]].len() >= total,
        "the admin's log holds every message: {}",
        wanted[&tokens[0]].len()
    );
    assert_eq!(
        *polled.lock().expect("polled"),
        wanted[&tokens[0]],
        "polling /sync while writers raced skipped or repeated records"
    );
    until("every app has every record it may see", || async {
        apps.iter()
            .all(|(token, seen)| seen.lock().expect("seen").seqs.len() >= wanted[token].len())
    })
    .await;
    let mut moved = 0;
    for (i, (token, seen)) in apps.iter().enumerate() {
        let seen = seen.lock().expect("seen");
        assert_eq!(
            seen.seqs, wanted[token],
            "app {i}: got records other than exactly once, in seq order"
        );
        if i % 2 == 1 {
            assert!(
                seen.reconnects >= 1,
                "app {i} on the killed instance moved over"
            );
            moved += 1;
        }
    }
    assert_eq!(moved, APPS / 2);
}

/// Failed sign-ins are counted across instances: five wrong passwords spread over both
/// instances use up the email's attempts on both.
#[tokio::test]
async fn failed_sign_ins_are_counted_across_instances() {
    if !on_postgres() {
        eprintln!("needs PostgreSQL: tests/postgres/run.sh (part of ./dev.sh test) runs it");
        return;
    }
    let fx = Fx::new();
    let second = Server::start(&fx.db_path);
    let urls = [fx.server.url.clone(), second.url.clone()];
    let login = |base: &str, password: &str| {
        fx.http
            .post(format!("{base}/api/v1/auth/login"))
            .json(&serde_json::json!({"email": "boss@acme.test", "password": password}))
            .send()
    };
    for attempt in 0..5 {
        let resp = login(&urls[attempt % 2], "wrong").await.expect("login");
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
    for base in &urls {
        let resp = login(base, common::PASSWORD).await.expect("login");
        assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS, "{base}");
        assert!(resp.headers().contains_key("retry-after"));
    }
}
