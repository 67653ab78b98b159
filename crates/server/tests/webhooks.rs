//! Webhooks against a real local HTTP receiver started by the test: it verifies every
//! signature as docs/features/webhooks.md tells a receiver to, drops repeats by event id (the
//! delivery is at least once) and records the order in which events first arrived.

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as AxStatus};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use common::{assert_error, session, until, Fx, Server};
use hmac::{Hmac, Mac};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sha2::Sha256;
use switchboard_protocol::Id;

/// Short backoff and a one-second answer timeout, so "slow" means "too slow".
const SERVE_ARGS: &[&str] = &[
    "--allow-private-callbacks",
    "--delivery-backoff-max-secs",
    "1",
    "--delivery-timeout-secs",
    "1",
];

const ALL_EVENTS: [&str; 8] = [
    "message.created",
    "conversation.started",
    "conversation.closed",
    "conversation.unassigned",
    "conversation.assigned_operator",
    "conversation.assigned_group",
    "client.updated",
    "tag.added",
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    /// Takes the event, then answers 200 after 1.5 s (after the server gave up waiting).
    Slow,
    Fail500,
    Accept,
}

#[derive(Default)]
struct Receiver {
    secret: String,
    mode: Option<Mode>,
    /// Every POST: (event id, event name).
    posts: Vec<(String, String)>,
    /// Events in the order they first arrived (repeats dropped by id).
    events: Vec<Value>,
    seen: HashSet<String>,
    bad_signatures: usize,
}

type Shared = Arc<Mutex<Receiver>>;

/// What a receiver does with `X-Switchboard-Signature: t=<unix>,v1=<hex>`: HMAC-SHA256 of
/// `"<t>.<body>"` with the secret, compared, and `t` close to now.
fn verifies(secret: &str, header: &str, body: &[u8]) -> bool {
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", v)) => t = v.parse::<i64>().ok(),
            Some(("v1", v)) => v1 = Some(v.to_string()),
            _ => {}
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else {
        return false;
    };
    let now = switchboard_server::service::now_ms() / 1000;
    if (now - t).abs() > 300 {
        return false;
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    let Ok(sig) = hex::decode(v1) else {
        return false;
    };
    mac.verify_slice(&sig).is_ok()
}

async fn hook(State(rx): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let mode = {
        let mut r = rx.lock().expect("receiver");
        if !verifies(&r.secret, &header("x-switchboard-signature"), &body) {
            r.bad_signatures += 1;
            return AxStatus::UNAUTHORIZED.into_response();
        }
        let event: Value = serde_json::from_slice(&body).expect("JSON body");
        let id = header("x-switchboard-event-id");
        assert_eq!(event["id"], id.as_str(), "the id header is the body's id");
        assert_eq!(event["event"], header("x-switchboard-event").as_str());
        r.posts.push((id.clone(), header("x-switchboard-event")));
        let mode = r.mode.expect("a mode once listening");
        if mode != Mode::Fail500 && r.seen.insert(id) {
            r.events.push(event);
        }
        mode
    };
    match mode {
        Mode::Accept => AxStatus::OK.into_response(),
        Mode::Fail500 => AxStatus::INTERNAL_SERVER_ERROR.into_response(),
        Mode::Slow => {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            AxStatus::OK.into_response()
        }
    }
}

async fn serve_receiver(rx: Shared, port: u16) {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("bind receiver");
    let app = axum::Router::new()
        .route("/hook", post(hook))
        .with_state(rx);
    tokio::spawn(async move { axum::serve(listener, app).await });
}

/// A port nobody listens on (yet).
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// A seed API call as the integration (API token); `extra`: more query parameters.
async fn seed(fx: &Fx, what: &str, conv: Id, extra: &str) {
    let (st, body) = fx
        .post_json(
            &fx.api,
            &format!("/api/conversations/{what}?conversation_id={conv}{extra}"),
            json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{what}: {body}");
}

/// The conversation an event is about, if any.
fn conversation_of(e: &Value) -> Option<i64> {
    let d = &e["data"];
    d["conversation"]["id"]
        .as_i64()
        .or_else(|| d["message"]["conversation_id"].as_i64())
        .or_else(|| d["conversation_id"].as_i64())
}

async fn attempts(fx: &Fx, admin: &str, hook: Id) -> Vec<Value> {
    let (st, page) = fx
        .get(
            admin,
            &format!("/api/v1/webhooks/{hook}/deliveries?limit=200"),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{page}");
    page["items"].as_array().cloned().unwrap_or_default()
}

/// Waits until the delivery log has an attempt that `seen` recognises.
async fn until_attempt(fx: &Fx, admin: &str, hook: Id, what: &str, seen: impl Fn(&Value) -> bool) {
    until(what, || async {
        attempts(fx, admin, hook).await.iter().any(&seen)
    })
    .await;
}

/// Whether an attempt failed with an error containing `needle`.
fn failed_with(needle: &str) -> impl Fn(&Value) -> bool + '_ {
    move |a| a["error"].as_str().is_some_and(|e| e.contains(needle))
}

/// Events still waiting in the outbox (a delivered event leaves it; its attempts stay in
/// the log).
fn waiting(fx: &Fx) -> i64 {
    fx.db()
        .read_blocking(|conn| {
            Ok(conn.query_row("SELECT COUNT(*) FROM webhook_outbox", (), |r| r.get(0))?)
        })
        .expect("outbox")
}

/// The admin adds a webhook for `url` and `events`: its id and its secret (shown once).
async fn add_webhook(fx: &Fx, admin: &str, url: &str, events: Value) -> (Id, String, Value) {
    let (st, made) = fx
        .post_json(
            admin,
            "/api/v1/webhooks",
            json!({"url": url, "events": events}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{made}");
    let hook = made["webhook"]["id"].as_i64().expect("id");
    let secret = made["secret"].as_str().expect("secret").to_string();
    (hook, secret, made)
}

/// Receiver down, then slow, then answering 500, then up, with the server killed (SIGKILL) in
/// the middle: every event arrives (once, after dropping repeats by id), in order per
/// conversation, signed with the current secret; calls with `disable_webhook=1` raise none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_arrives_once_in_order_through_down_slow_500_and_a_restart() {
    let mut fx = Fx::with_server_args(SERVE_ARGS);
    let admin = session(fx.admin);
    let port = closed_port();
    let (hook, first_secret, _) = add_webhook(
        &fx,
        &admin,
        &format!("http://127.0.0.1:{port}/hook"),
        json!(ALL_EVENTS),
    )
    .await;
    assert!(first_secret.starts_with("whsec_"));
    let (_, listed) = fx.get(&admin, "/api/v1/webhooks").await;
    assert!(
        !listed.to_string().contains(&first_secret),
        "the secret is shown once"
    );
    // Rotated: events are signed with the secret current when they are sent.
    let (st, rotated) = fx
        .call(
            &admin,
            Method::POST,
            &format!("/api/v1/webhooks/{hook}/secret"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{rotated}");
    let secret = rotated["secret"].as_str().expect("secret").to_string();
    assert_ne!(secret, first_secret);
    let rx: Shared = Arc::new(Mutex::new(Receiver {
        secret,
        ..Receiver::default()
    }));

    // The receiver is down. A client writes: a new conversation A.
    let (st, acc) = fx
        .inbound(fx.tg, "tg-secret", "hook-client", "Hello?")
        .await;
    assert_eq!(st, StatusCode::OK, "{acc}");
    let a = acc["conversation_id"].as_i64().expect("conversation");
    let client = acc["client_id"].as_i64().expect("client");
    let client_msg = acc["message_id"].as_i64().expect("message");
    let c1 = fx.c1;
    seed(&fx, "start", a, "").await;
    seed(&fx, "start", c1, "").await;
    let (st, body) = fx
        .post_json(
            &fx.api,
            &format!("/api/conversations/send-message?conversation_id={a}&text=Hi%20there"),
            json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let (st, body) = fx
        .post_json(
            &fx.api,
            &format!(
                "/api/conversations/send-message?conversation_id={a}&text=quiet&disable_webhook=1"
            ),
            json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let (st, body) = fx
        .post_json(
            &fx.api,
            &format!("/api/conversations/send-message?conversation_id={c1}&text=For%20c1"),
            json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    seed(
        &fx,
        "assign-operator",
        a,
        &format!("&operator_id={}", fx.anna),
    )
    .await;
    seed(&fx, "unassign", a, "").await;
    seed(&fx, "close", c1, "&disable_webhook=1").await;
    until_attempt(
        &fx,
        &admin,
        hook,
        "the first attempt failed to connect",
        failed_with("connect"),
    )
    .await;

    // Slow: the receiver takes events but answers after the server stopped waiting.
    rx.lock().expect("rx").mode = Some(Mode::Slow);
    serve_receiver(rx.clone(), port).await;
    seed(&fx, "assign-group", a, &format!("&group_id={}", fx.g2)).await;
    until_attempt(
        &fx,
        &admin,
        hook,
        "a slow answer timed out",
        failed_with("in time"),
    )
    .await;

    // 500s, and meanwhile more events.
    rx.lock().expect("rx").mode = Some(Mode::Fail500);
    seed(&fx, "start", a, "").await;
    seed(&fx, "close", a, "").await;
    let (st, body) = fx
        .post_json(
            &admin,
            &format!("/api/v1/clients/{client}/rename"),
            json!({"display_name": "Tina T."}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let (st, body) = fx
        .post_json(
            &admin,
            "/api/v1/messages/tags",
            json!({"message_ids": [client_msg], "tag": "vip"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    until_attempt(&fx, &admin, hook, "the receiver answered 500", |a| {
        a["status_code"] == 500
    })
    .await;

    // SIGKILL in the middle: the queue is in the database.
    fx.server.child.kill().expect("kill -9");
    fx.server.child.wait().expect("reap");
    assert!(waiting(&fx) > 0, "events were still waiting");
    fx.server = Server::start_with(&fx.db_path, SERVE_ARGS);
    // The client writes again (the closed conversation reopens: no event but the message).
    let (st, body) = fx
        .inbound(fx.tg, "tg-secret", "hook-client", "After restart")
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    rx.lock().expect("rx").mode = Some(Mode::Accept);

    let expected_a = [
        "conversation.started", // created by the client's first message
        "message.created",
        "conversation.started", // seed start
        "message.created",
        "conversation.assigned_operator",
        "conversation.unassigned",
        "conversation.assigned_group",
        "conversation.started",
        "conversation.closed",
        "tag.added",
        "message.created",
    ];
    let expected_c1 = ["conversation.started", "message.created"];
    let total_expected = expected_a.len() + expected_c1.len() + 1;
    until("every event arrived", || async {
        rx.lock().expect("rx").events.len() >= total_expected && waiting(&fx) == 0
    })
    .await;
    let (events, posts, bad_signatures) = {
        let r = rx.lock().expect("rx");
        (r.events.clone(), r.posts.len(), r.bad_signatures)
    };
    assert_eq!(
        bad_signatures, 0,
        "every signature verifies with the rotated secret"
    );
    let names = |conv: i64| -> Vec<&str> {
        events
            .iter()
            .filter(|e| conversation_of(e) == Some(conv))
            .map(|e| e["event"].as_str().expect("event"))
            .collect()
    };
    assert_eq!(names(a), expected_a, "conversation A, in order");
    assert_eq!(
        names(c1),
        expected_c1,
        "c1, in order; its close had disable_webhook=1"
    );
    let clients: Vec<&Value> = events
        .iter()
        .filter(|e| e["event"] == "client.updated")
        .collect();
    assert_eq!(clients.len(), 1);
    assert_eq!(clients[0]["data"]["client"]["display_name"], "Tina T.");
    assert_eq!(clients[0]["data"]["change"], "rename");
    assert_eq!(events.len(), total_expected, "nothing else arrived");
    assert!(
        !events
            .iter()
            .any(|e| e["data"]["message"]["text"] == "quiet"),
        "disable_webhook=1 on send-message raised no message.created"
    );
    let tag = events
        .iter()
        .find(|e| e["event"] == "tag.added")
        .expect("tag");
    assert_eq!(
        tag["data"],
        json!({"conversation_id": a, "message_id": client_msg, "tag": "vip"})
    );
    for e in &events {
        assert!(
            e["id"].as_str().is_some_and(|id| id.starts_with("evt_")),
            "{e}"
        );
        assert!(e["created_at"].as_i64().is_some(), "{e}");
        assert!(e["company_id"].as_i64().is_some(), "{e}");
    }

    // The delivery log: a row per attempt, with the status codes and the reasons; each event
    // delivered once (its last attempt), none given up.
    let log = attempts(&fx, &admin, hook).await;
    let delivered: HashSet<&str> = log
        .iter()
        .filter(|a| a["outcome"] == "delivered")
        .map(|a| a["event_id"].as_str().expect("id"))
        .collect();
    assert_eq!(
        delivered.len(),
        total_expected,
        "one delivered attempt per event"
    );
    assert_eq!(
        log.iter().filter(|a| a["outcome"] == "delivered").count(),
        total_expected
    );
    assert!(!log.iter().any(|a| a["outcome"] == "failed"));
    assert!(
        log.len() >= posts,
        "{} attempts logged, {posts} POSTs received",
        log.len()
    );
    assert!(log
        .iter()
        .any(|a| a["status_code"] == 500 && a["outcome"] == "retry"));
    assert!(log
        .iter()
        .any(|a| a["status_code"] == 200 && a["outcome"] == "delivered"));
    assert!(log
        .iter()
        .all(|a| a["attempt"].as_u64().is_some_and(|n| n >= 1)));
    let mut per_event: HashMap<String, u64> = HashMap::new();
    for a in &log {
        let n = per_event
            .entry(a["event_id"].as_str().expect("id").into())
            .or_default();
        *n = (*n).max(a["attempt"].as_u64().expect("attempt"));
    }
    assert!(
        per_event.values().any(|n| *n > 2),
        "some event needed several attempts"
    );

    // "Send test event".
    let (st, queued) = fx
        .call(
            &admin,
            Method::POST,
            &format!("/api/v1/webhooks/{hook}/test"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::ACCEPTED, "{queued}");
    let test_id = queued["event_id"].as_str().expect("event id").to_string();
    until("the test event arrived", || async {
        rx.lock().expect("rx").seen.contains(&test_id)
    })
    .await;
    let r = rx.lock().expect("rx");
    let test = r.events.last().expect("test event");
    assert_eq!(test["event"], "webhook.test");
    assert_eq!(test["data"]["webhook_id"], hook);
}

/// Only a super-admin manages webhooks; bad URLs and events get a clear 400; another
/// company's webhook does not exist for the caller; loopback receivers need
/// `--allow-private-callbacks`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_routes_refuse_what_they_must() {
    let fx = Fx::new();
    let admin = session(fx.admin);
    let (hook, _, made) = add_webhook(
        &fx,
        &admin,
        "https://crm.example.com/hook",
        json!(["conversation.closed"]),
    )
    .await;
    assert_eq!(made["webhook"]["active"], true);

    let routes = [
        (Method::GET, "/api/v1/webhooks".to_string(), None),
        (
            Method::POST,
            "/api/v1/webhooks".to_string(),
            Some(json!({"url": "https://crm.example.com/x", "events": ["tag.added"]})),
        ),
        (Method::GET, format!("/api/v1/webhooks/{hook}"), None),
        (
            Method::PATCH,
            format!("/api/v1/webhooks/{hook}"),
            Some(json!({"active": false})),
        ),
        (Method::DELETE, format!("/api/v1/webhooks/{hook}"), None),
        (
            Method::POST,
            format!("/api/v1/webhooks/{hook}/secret"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/webhooks/{hook}/deliveries"),
            None,
        ),
        (Method::POST, format!("/api/v1/webhooks/{hook}/test"), None),
    ];
    // Anna (no permissions) and Sue (a supervisor) are not super-admins.
    for op in [fx.anna, fx.sue] {
        for (method, path, body) in &routes {
            let got = fx
                .call(&session(op), method.clone(), path, body.clone())
                .await;
            assert_error(&got, StatusCode::FORBIDDEN, "forbidden", "super-admin");
        }
    }
    // Another company's super-admin: Acme's webhook does not exist for them.
    for (method, path, body) in routes.iter().skip(2) {
        let got = fx
            .call(&fx.other_admin_token, method.clone(), path, body.clone())
            .await;
        assert_error(&got, StatusCode::NOT_FOUND, "not_found", "Webhook");
    }
    let (_, theirs) = fx.get(&fx.other_admin_token, "/api/v1/webhooks").await;
    assert_eq!(theirs, json!([]), "each company sees its own");

    let bad = |url: &str, events: Value| json!({"url": url, "events": events});
    for (body, needle) in [
        (
            bad("crm.example.com/hook", json!(["tag.added"])),
            "http:// or https://",
        ),
        (
            bad("ftp://crm.example.com/hook", json!(["tag.added"])),
            "http:// or https://",
        ),
        (
            bad("http://127.0.0.1:9/hook", json!(["tag.added"])),
            "--allow-private-callbacks",
        ),
        (
            bad("http://192.168.1.10/hook", json!(["tag.added"])),
            "local or private",
        ),
        (
            bad("https://crm.example.com/hook", json!(["message.deleted"])),
            "message.deleted",
        ),
        (
            bad("https://crm.example.com/hook", json!([])),
            "at least one",
        ),
    ] {
        let got = fx.post_json(&admin, "/api/v1/webhooks", body).await;
        assert_error(&got, StatusCode::BAD_REQUEST, "bad_request", needle);
    }
    let got = fx
        .call(
            &admin,
            Method::PATCH,
            &format!("/api/v1/webhooks/{hook}"),
            Some(json!({"events": ["nope"]})),
        )
        .await;
    assert_error(&got, StatusCode::BAD_REQUEST, "bad_request", "nope");

    // The admin changes and deletes it.
    let (st, w) = fx
        .call(
            &admin,
            Method::PATCH,
            &format!("/api/v1/webhooks/{hook}"),
            Some(json!({"events": ["tag.added", "client.updated"], "active": false})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{w}");
    assert_eq!(w["events"], json!(["tag.added", "client.updated"]));
    assert_eq!(w["active"], false);
    let (st, _) = fx
        .call(
            &admin,
            Method::DELETE,
            &format!("/api/v1/webhooks/{hook}"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let got = fx.get(&admin, &format!("/api/v1/webhooks/{hook}")).await;
    assert_error(&got, StatusCode::NOT_FOUND, "not_found", "Webhook");
}

/// Managing webhooks is in the action log: added, changed (the note says what changed),
/// given a new secret, deleted; by whom, from where. Never a secret, and the URL without the
/// user, password and query that may hold the receiver's own token.
#[tokio::test]
async fn managing_a_webhook_is_in_the_action_log_without_its_secrets() {
    let fx = Fx::new();
    let admin = session(fx.admin);
    let (hook, first_secret, _) = add_webhook(
        &fx,
        &admin,
        "https://bot:hunter2@crm.example.com/hook?key=RECEIVERKEY",
        json!(["message.created"]),
    )
    .await;
    let mut secrets = vec![first_secret];
    // While it exists, the log names it by its receiver, shown the same way.
    let (_, page) = fx
        .get(&admin, "/api/v1/action-log?target_type=webhook")
        .await;
    assert_eq!(
        page["rows"][0]["target_name"], "webhook to https://crm.example.com/hook",
        "{page}"
    );
    let path = format!("/api/v1/webhooks/{hook}");
    for patch in [
        json!({"active": false}),
        // The same `active` again: only the events changed.
        json!({"active": false, "events": ["message.created", "conversation.closed"]}),
        json!({"url": "https://crm.example.com/v2"}),
    ] {
        let got = fx.call(&admin, Method::PATCH, &path, Some(patch)).await;
        assert_eq!(got.0, StatusCode::OK, "{}", got.1);
    }
    let (st, rotated) = fx
        .post_json(&admin, &format!("{path}/secret"), json!({}))
        .await;
    assert_eq!(st, StatusCode::OK, "{rotated}");
    secrets.push(rotated["secret"].as_str().expect("secret").to_string());
    // Refused calls write nothing.
    let got = fx
        .call(&session(fx.anna), Method::DELETE, &path, None)
        .await;
    assert_eq!(got.0, StatusCode::FORBIDDEN);
    let got = fx
        .call(
            &admin,
            Method::PATCH,
            &path,
            Some(json!({"url": "ftp://x"})),
        )
        .await;
    assert_eq!(got.0, StatusCode::BAD_REQUEST);
    let got = fx.call(&admin, Method::DELETE, &path, None).await;
    assert_eq!(got.0, StatusCode::NO_CONTENT, "{}", got.1);

    let (st, page) = fx
        .get(
            &admin,
            &format!("/api/v1/action-log?target_type=webhook&target_id={hook}"),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{page}");
    let rows = page["rows"].as_array().expect("rows");
    let seen: Vec<(String, String)> = rows
        .iter()
        .rev()
        .map(|r| {
            assert_eq!(r["actor_name"], "boss", "{r}");
            assert_eq!(r["ip"], "127.0.0.1", "{r}");
            assert_eq!(r["target_type"], "webhook", "{r}");
            (
                r["action"].as_str().unwrap_or_default().to_string(),
                r["note"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let want = [
        (
            "webhook_created",
            "Added a webhook to https://crm.example.com/hook for message.created",
        ),
        ("webhook_updated", "Changed the webhook: paused"),
        (
            "webhook_updated",
            "Changed the webhook: events message.created, conversation.closed",
        ),
        (
            "webhook_updated",
            "Changed the webhook: URL https://crm.example.com/v2",
        ),
        (
            "webhook_secret_rotated",
            "Issued a new signing secret for the webhook",
        ),
        (
            "webhook_deleted",
            "Deleted the webhook to https://crm.example.com/v2",
        ),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(a, n)| ((*a).to_string(), (*n).to_string()))
        .collect();
    assert_eq!(seen, want, "{page}");

    // Nowhere in the log, JSON or CSV: the secrets, the URL's password and query.
    let (_, all) = fx.get(&admin, "/api/v1/action-log?limit=200").await;
    let resp = fx
        .http
        .get(fx.url("/api/v1/action-log?format=csv"))
        .header("Authentication", &admin)
        .send()
        .await
        .expect("CSV");
    let csv = resp.text().await.expect("CSV text");
    for text in [all.to_string(), csv] {
        for hidden in secrets
            .iter()
            .map(String::as_str)
            .chain(["hunter2", "RECEIVERKEY", "bot:"])
        {
            assert!(!text.contains(hidden), "the log shows {hidden:?}: {text}");
        }
    }
}
