//! Real delivery of operator messages to a Custom app channel: a local receiver stands in for
//! the app, checks every signature and records what arrives.

mod common;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as AxStatus};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use common::{cli, session, until, Fx, Server};
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::Sha256;
use switchboard_protocol::Id;
use switchboard_server::storage::deliveries;

const SERVE_ARGS: &[&str] = &[
    "--allow-private-callbacks",
    "--delivery-backoff-max-secs",
    "1",
];

/// How the receiver answers.
#[derive(Clone, Copy)]
enum Mode {
    Accept,
    Answer(u16),
    /// 503 with `Retry-After: 1`.
    Busy,
    /// Takes the request and never answers.
    Hold,
}

struct Post {
    key: String,
    body: Value,
}

struct Receiver {
    secret: String,
    mode: Mode,
    posts: Vec<Post>,
    /// Keys already taken: a repeat is dropped, as the docs tell a receiver to do.
    seen: HashSet<String>,
    bad_signatures: usize,
}

type Shared = Arc<Mutex<Receiver>>;

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
        let mut mac = Hmac::<Sha256>::new_from_slice(r.secret.as_bytes()).expect("key");
        mac.update(&body);
        let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
        if header("x-switchboard-signature") != expected {
            r.bad_signatures += 1;
            return AxStatus::UNAUTHORIZED.into_response();
        }
        let key = header("idempotency-key");
        r.posts.push(Post {
            key: key.clone(),
            body: serde_json::from_slice(&body).expect("JSON body"),
        });
        if matches!(r.mode, Mode::Accept) {
            r.seen.insert(key);
        }
        (r.mode, r.posts.len())
    };
    match mode {
        (Mode::Accept, n) => axum::Json(json!({"id": format!("r-{n}")})).into_response(),
        (Mode::Answer(code), _) => AxStatus::from_u16(code).expect("status").into_response(),
        (Mode::Busy, _) => (AxStatus::SERVICE_UNAVAILABLE, [("retry-after", "1")]).into_response(),
        (Mode::Hold, _) => std::future::pending().await,
    }
}

/// Serves the receiver on `port` (0: any) of 127.0.0.1; returns the port.
async fn serve_receiver(rx: Shared, port: u16) -> u16 {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("bind receiver");
    let port = listener.local_addr().expect("addr").port();
    let app = axum::Router::new()
        .route("/hook", post(hook))
        .with_state(rx);
    tokio::spawn(async move { axum::serve(listener, app).await });
    port
}

/// A port nobody listens on (yet).
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

fn receiver(mode: Mode) -> Shared {
    Arc::new(Mutex::new(Receiver {
        secret: String::new(),
        mode,
        posts: Vec::new(),
        seen: HashSet::new(),
        bad_signatures: 0,
    }))
}

/// A Custom app channel made with the CLI, its callback on `port` and its secret given to
/// `rx`, and a client conversation on it started by the admin. Returns (conversation id,
/// admin token).
async fn setup(fx: &Fx, rx: &Shared, port: u16) -> (Id, String) {
    let out = cli(
        &fx.db_path,
        &[
            "channel",
            "add",
            "--kind",
            "custom",
            "--name",
            "Shop app",
            "--callback-url",
            &format!("http://127.0.0.1:{port}/hook"),
            "--group",
            &fx.g1.to_string(),
        ],
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "id and secret alone: {out:?}");
    let channel: Id = lines[0].parse().expect("channel id");
    let secret = lines[1].to_string();
    let listing = cli(&fx.db_path, &["channel", "list"]);
    assert!(listing.contains("Shop app"), "{listing}");
    assert!(!listing.contains(&secret), "channel list shows no secret");
    let (st, acc) = fx.inbound(channel, &secret, "client-1", "Hello?").await;
    assert_eq!(st, StatusCode::OK, "{acc}");
    let conv = acc["conversation_id"].as_i64().expect("conversation id");
    let admin = session(fx.admin);
    let got = fx
        .post_json(
            &admin,
            &format!("/api/v1/conversations/{conv}/actions"),
            json!({"action_id": format!("start-{conv}"), "action": "start"}),
        )
        .await;
    assert_eq!(got.0, StatusCode::OK, "{}", got.1);
    rx.lock().expect("receiver").secret = secret;
    (conv, admin)
}

async fn send(fx: &Fx, token: &str, conv: Id, kind: &str, text: &str) -> Id {
    let msg = fx.send_message(token, conv, kind, text).await;
    // An answer is queued, a note stays inside the desk.
    let expected = if kind == "note" { "sent" } else { "pending" };
    assert_eq!(msg["delivery"], expected, "{msg}");
    msg["id"].as_i64().expect("message id")
}

/// Message `id` as the REST API shows it in its conversation.
async fn api_message(fx: &Fx, token: &str, conv: Id, id: Id) -> Value {
    let (st, body) = fx
        .get(token, &format!("/api/v1/conversations/{conv}"))
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    body["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .find(|m| m["id"] == id)
        .unwrap_or_else(|| panic!("message {id} in {body}"))
        .clone()
}

/// The message's `delivery` as the app reads it.
async fn delivery(fx: &Fx, token: &str, conv: Id, id: Id) -> String {
    let msg = api_message(fx, token, conv, id).await;
    msg["delivery"].as_str().expect("delivery").to_string()
}

fn queue_row(fx: &Fx, id: Id) -> Option<deliveries::Delivery> {
    fx.db()
        .read_blocking(move |conn| Ok(deliveries::get(conn, id)?))
        .expect("read queue")
}

async fn all_delivered(fx: &Fx, token: &str, conv: Id, ids: &[Id]) -> bool {
    for &id in ids {
        if delivery(fx, token, conv, id).await != "delivered" {
            return false;
        }
    }
    true
}

#[tokio::test]
async fn a_receiver_that_comes_up_late_gets_every_message_once_in_order() {
    let fx = Fx::with_server_args(SERVE_ARGS);
    let port = closed_port();
    let rx = receiver(Mode::Accept);
    let (conv, admin) = setup(&fx, &rx, port).await;
    let mut ids = Vec::new();
    for text in ["one", "two", "three"] {
        ids.push(send(&fx, &admin, conv, "operator", text).await);
    }
    // The first message is tried against the closed port and queued again; the others wait
    // behind it (order per conversation).
    let first = ids[0];
    until("a failed attempt at the first message", || async {
        queue_row(&fx, first).is_some_and(|r| {
            r.attempts >= 1
                && r.last_error.as_deref() == Some("Cannot connect to the channel's callback")
        })
    })
    .await;
    for &id in &ids[1..] {
        assert_eq!(queue_row(&fx, id).expect("queued").attempts, 0);
    }
    assert_eq!(delivery(&fx, &admin, conv, ids[2]).await, "pending");

    serve_receiver(rx.clone(), port).await;
    until("all three delivered", || {
        all_delivered(&fx, &admin, conv, &ids)
    })
    .await;
    let r = rx.lock().expect("receiver");
    assert_eq!(r.bad_signatures, 0);
    let texts: Vec<&str> = r
        .posts
        .iter()
        .map(|p| p.body["text"].as_str().expect("text"))
        .collect();
    assert_eq!(
        texts,
        ["one", "two", "three"],
        "each exactly once, in order"
    );
    assert_eq!(r.seen.len(), 3, "three distinct idempotency keys");
    assert_eq!(r.posts[0].body["client_external_id"], "client-1");
    assert_eq!(r.posts[0].body["conversation_id"], conv);
    assert_eq!(r.posts[0].body["message_id"], first);
    assert_eq!(
        queue_row(&fx, first)
            .expect("row")
            .platform_message_id
            .as_deref(),
        Some("r-1"),
        "the receiver's id is kept"
    );
}

#[tokio::test]
async fn a_refused_message_fails_with_the_reason_and_retry_delivers_it() {
    let fx = Fx::with_server_args(SERVE_ARGS);
    let rx = receiver(Mode::Answer(404));
    let port = serve_receiver(rx.clone(), 0).await;
    let (conv, admin) = setup(&fx, &rx, port).await;

    let id = send(&fx, &admin, conv, "operator", "Your parcel left").await;
    until("failed", || async {
        delivery(&fx, &admin, conv, id).await == "failed"
    })
    .await;
    assert_eq!(
        queue_row(&fx, id).expect("row").last_error.as_deref(),
        Some("The channel's callback answered 404 Not Found")
    );
    let failed = api_message(&fx, &admin, conv, id).await;
    assert!(
        failed["delivery_error"]
            .as_str()
            .is_some_and(|e| e.contains("404")),
        "the API gives the reason: {failed}"
    );
    assert_eq!(
        rx.lock().expect("receiver").posts.len(),
        1,
        "a 4xx is not retried by itself"
    );

    rx.lock().expect("receiver").mode = Mode::Accept;
    let (st, body) = fx
        .post_json(&admin, &format!("/api/v1/messages/{id}/retry"), json!({}))
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body["delivery"], "pending");
    assert!(
        body.get("delivery_error").is_none(),
        "Retry clears the reason: {body}"
    );
    until("delivered after Retry", || async {
        delivery(&fx, &admin, conv, id).await == "delivered"
    })
    .await;
    let delivered = api_message(&fx, &admin, conv, id).await;
    assert!(
        delivered.get("delivery_error").is_none(),
        "no reason once delivered: {delivered}"
    );
    let r = rx.lock().expect("receiver");
    assert_eq!(r.posts.len(), 2);
    assert_eq!(r.posts[1].body["text"], "Your parcel left");
    assert_eq!(r.bad_signatures, 0);
}

#[tokio::test]
async fn a_server_killed_mid_delivery_sends_again_with_the_same_key() {
    let mut fx = Fx::with_server_args(SERVE_ARGS);
    let rx = receiver(Mode::Hold);
    let port = serve_receiver(rx.clone(), 0).await;
    let (conv, admin) = setup(&fx, &rx, port).await;

    let id = send(&fx, &admin, conv, "operator", "Only once, please").await;
    until("the receiver holds the first POST", || async {
        rx.lock().expect("receiver").posts.len() == 1
    })
    .await;
    assert_eq!(delivery(&fx, &admin, conv, id).await, "sent");
    // SIGKILL: the server cannot store the answer it never got.
    fx.server.child.kill().expect("kill -9");
    fx.server.child.wait().expect("reap");
    rx.lock().expect("receiver").mode = Mode::Accept;
    fx.server = Server::start_with(&fx.db_path, SERVE_ARGS);

    until("delivered after the restart", || async {
        delivery(&fx, &admin, conv, id).await == "delivered"
    })
    .await;
    let r = rx.lock().expect("receiver");
    assert_eq!(r.posts.len(), 2, "sent again after the restart");
    assert_eq!(
        r.posts[0].key, r.posts[1].key,
        "with the same Idempotency-Key"
    );
    assert_eq!(r.seen.len(), 1, "so the receiver keeps one message");
    assert_eq!(
        queue_row(&fx, id).expect("row").idempotency_key,
        r.posts[0].key
    );
}

#[tokio::test]
async fn notes_are_never_sent_and_the_seed_api_goes_through_the_same_queue() {
    let fx = Fx::with_server_args(SERVE_ARGS);
    let rx = receiver(Mode::Accept);
    let port = serve_receiver(rx.clone(), 0).await;
    let (conv, admin) = setup(&fx, &rx, port).await;

    let note = send(&fx, &admin, conv, "note", "client seems upset").await;
    let answer = send(&fx, &admin, conv, "operator", "Sorry for the wait").await;
    let (st, seed) = fx
        .post_json(
            &fx.api,
            "/api/conversations/send-message",
            json!({"conversation_id": conv, "text": "Sent through the seed API", "operator_id": fx.admin}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{seed}");
    let seed_id = seed["data"]["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("message id in {seed}"));
    let both = [answer, seed_id];
    until("both answers delivered", || {
        all_delivered(&fx, &admin, conv, &both)
    })
    .await;
    assert!(queue_row(&fx, note).is_none(), "a note is never queued");
    let r = rx.lock().expect("receiver");
    let texts: Vec<&str> = r
        .posts
        .iter()
        .map(|p| p.body["text"].as_str().expect("text"))
        .collect();
    assert_eq!(texts, ["Sorry for the wait", "Sent through the seed API"]);
}

#[tokio::test]
async fn an_operators_file_reaches_the_receiver_with_its_bytes() {
    use base64::Engine as _;
    let fx = Fx::with_server_args(SERVE_ARGS);
    let rx = receiver(Mode::Accept);
    let port = serve_receiver(rx.clone(), 0).await;
    let (conv, admin) = setup(&fx, &rx, port).await;
    let bytes = b"order 1234: two blue mugs\n".to_vec();
    let (st, msg) = fx
        .upload(&admin, conv, "file-1", "order.txt", bytes.clone())
        .await;
    assert_eq!(st, StatusCode::CREATED, "{msg}");
    let ids = [msg["id"].as_i64().expect("message id")];
    until("the file delivered", || {
        all_delivered(&fx, &admin, conv, &ids)
    })
    .await;
    let r = rx.lock().expect("receiver");
    let attachment = &r.posts[0].body["attachment"];
    assert_eq!(attachment["name"], "order.txt", "{attachment}");
    let got = base64::engine::general_purpose::STANDARD
        .decode(attachment["data_base64"].as_str().expect("data_base64"))
        .expect("base64");
    assert_eq!(got, bytes);
}

#[tokio::test]
async fn a_busy_receiver_is_tried_again_with_the_same_key() {
    let fx = Fx::with_server_args(SERVE_ARGS);
    let rx = receiver(Mode::Busy);
    let port = serve_receiver(rx.clone(), 0).await;
    let (conv, admin) = setup(&fx, &rx, port).await;
    let id = send(&fx, &admin, conv, "operator", "Are you there?").await;
    until("a 503 answer", || async {
        queue_row(&fx, id).is_some_and(|r| {
            r.last_error.as_deref()
                == Some("The channel's callback answered 503 Service Unavailable")
        })
    })
    .await;
    assert_ne!(
        delivery(&fx, &admin, conv, id).await,
        "failed",
        "a 503 is tried again"
    );
    rx.lock().expect("receiver").mode = Mode::Accept;
    until("delivered", || async {
        delivery(&fx, &admin, conv, id).await == "delivered"
    })
    .await;
    let r = rx.lock().expect("receiver");
    assert!(r.posts.len() >= 2);
    assert!(
        r.posts.iter().all(|p| p.key == r.posts[0].key),
        "one key for every attempt"
    );
    assert_eq!(r.seen.len(), 1);
}

#[tokio::test]
async fn a_private_callback_is_refused_without_the_flag() {
    let fx = Fx::new();
    let rx = receiver(Mode::Accept);
    let port = serve_receiver(rx.clone(), 0).await;
    let (conv, admin) = setup(&fx, &rx, port).await;
    let id = send(&fx, &admin, conv, "operator", "Hello").await;
    until("failed", || async {
        delivery(&fx, &admin, conv, id).await == "failed"
    })
    .await;
    let reason = queue_row(&fx, id).expect("row").last_error.expect("reason");
    assert!(
        reason.contains("local or private address (127.0.0.1)"),
        "{reason}"
    );
    assert!(
        rx.lock().expect("receiver").posts.is_empty(),
        "nothing was sent"
    );
}

#[test]
fn channel_add_refuses_bad_input_with_a_clear_message() {
    let fx = Fx::new();
    let refused = |args: &[&str], needle: &str| {
        let mut all = vec!["channel", "add", "--name", "X"];
        all.extend_from_slice(args);
        common::cli_refused(&fx.db_path, &all, needle)
    };
    refused(
        &["--kind", "custom", "--callback-url", "ftp://x/"],
        "callback URL must be an http",
    );
    refused(&["--kind", "whatsapp"], "cannot be added yet");
    refused(
        &["--kind", "custom", "--bot-token", "123:abc"],
        "A custom channel does not take --bot-token",
    );
    refused(&["--kind", "pigeon"], "unknown channel kind");
    refused(
        &["--kind", "custom", "--group", "No such group"],
        "No group",
    );
    let listing = cli(&fx.db_path, &["channel", "list"]);
    assert!(!listing.contains("\"X\""), "nothing was added: {listing}");
}
