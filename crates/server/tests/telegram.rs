//! The Telegram bot channel against a local stand-in of the Bot API (the real service cannot be
//! reached from tests). The stand-in speaks the documented wire format: `POST
//! /bot<token>/<method>` answering `{"ok":true,"result":…}` or `{"ok":false,"error_code":…,
//! "description":…,"parameters":{"retry_after":N}}`; `getUpdates` forgets updates below the
//! `offset` it is given and holds the call up to `timeout` seconds when there is nothing new;
//! `getFile` names a `file_path` served under `/file/bot<token>/`; `sendMessage` takes JSON,
//! `sendDocument` a multipart form.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::StatusCode as AxStatus;
use axum::response::{IntoResponse, Response};
use common::{cli, session, Fx, Server};
use reqwest::StatusCode;
use serde_json::{json, Value};
use switchboard_protocol::Id;
use switchboard_server::storage::deliveries;
use tokio::sync::Notify;

const TOKEN: &str = "123456789:AAHstandInTokenForTests_x-y";
const CHAT: i64 = 4242;
const SERVE_ARGS: &[&str] = &[
    "--allow-private-callbacks",
    "--delivery-backoff-max-secs",
    "1",
];

/// How the stand-in answers `sendMessage` / `sendDocument`.
#[derive(Clone, Copy, PartialEq)]
enum SendMode {
    Accept,
    /// 429 with `retry_after` this many times, then accept.
    TooMany {
        times: u32,
        retry_after: u64,
    },
    /// 403 "Forbidden: bot was blocked by the user".
    Blocked,
    /// Takes the call and never answers.
    Hold,
}

/// One `sendMessage` or `sendDocument` call.
#[derive(Clone, Debug)]
struct Sent {
    method: String,
    chat_id: String,
    text: Option<String>,
    file_name: Option<String>,
    bytes: Vec<u8>,
    at: Instant,
}

struct Bot {
    /// Every update ever queued, by `update_id`.
    updates: Vec<Value>,
    /// Updates below this were confirmed by an `offset` and are forgotten, as Telegram does.
    confirmed: i64,
    /// Hand out every update again, whatever the offset (a platform that lost the
    /// confirmation).
    replay: bool,
    /// `offset` of each `getUpdates` call.
    polls: Vec<Option<i64>>,
    files: HashMap<String, (String, Vec<u8>)>,
    downloads: Vec<String>,
    sent: Vec<Sent>,
    mode: SendMode,
    next_update: i64,
    /// `url` and `secret_token` of each `setWebhook` call.
    webhooks: Vec<(String, String)>,
    /// `file_id` of each `getFile` call.
    asked: Vec<String>,
}

#[derive(Clone)]
struct StandIn {
    bot: Arc<Mutex<Bot>>,
    news: Arc<Notify>,
    url: String,
}

fn ok(result: Value) -> Response {
    axum::Json(json!({"ok": true, "result": result})).into_response()
}

fn err(code: u16, description: &str, retry_after: Option<u64>) -> Response {
    let mut body = json!({"ok": false, "error_code": code, "description": description});
    if let Some(after) = retry_after {
        body["parameters"] = json!({"retry_after": after});
    }
    (AxStatus::from_u16(code).expect("status"), axum::Json(body)).into_response()
}

impl StandIn {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind stand-in");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let me = StandIn {
            bot: Arc::new(Mutex::new(Bot {
                updates: Vec::new(),
                confirmed: 0,
                replay: false,
                polls: Vec::new(),
                files: HashMap::new(),
                downloads: Vec::new(),
                sent: Vec::new(),
                mode: SendMode::Accept,
                next_update: 100,
                webhooks: Vec::new(),
                asked: Vec::new(),
            })),
            news: Arc::new(Notify::new()),
            url,
        };
        let state = me.clone();
        let app = axum::Router::new().fallback(move |req: Request| {
            let state = state.clone();
            async move { state.answer(req).await }
        });
        tokio::spawn(async move { axum::serve(listener, app).await });
        me
    }

    fn bot(&self) -> std::sync::MutexGuard<'_, Bot> {
        self.bot.lock().expect("stand-in")
    }

    /// Queues an update holding `field` (`message` or `edited_message`).
    fn push(&self, field: &str, message: Value) {
        {
            let mut b = self.bot();
            let id = b.next_update;
            b.next_update += 1;
            b.updates.push(json!({"update_id": id, field: message}));
        }
        self.news.notify_waiters();
    }

    /// A file `getFile` knows as `file_id`.
    fn file(&self, file_id: &str, path: &str, bytes: &[u8]) {
        self.bot()
            .files
            .insert(file_id.into(), (path.into(), bytes.to_vec()));
    }

    fn sent(&self) -> Vec<Sent> {
        self.bot().sent.clone()
    }

    async fn answer(&self, req: Request) -> Response {
        let path = req.uri().path().to_string();
        if let Some(rest) = path.strip_prefix(&format!("/file/bot{TOKEN}/")) {
            let mut b = self.bot();
            b.downloads.push(rest.to_string());
            return match b.files.values().find(|(p, _)| p == rest) {
                Some((_, bytes)) => Body::from(bytes.clone()).into_response(),
                None => AxStatus::NOT_FOUND.into_response(),
            };
        }
        let Some(method) = path.strip_prefix(&format!("/bot{TOKEN}/")) else {
            return err(401, "Unauthorized", None);
        };
        match method {
            "getUpdates" => self.get_updates(req).await,
            "getFile" => {
                let body = json_body(req).await;
                let id = body["file_id"].as_str().unwrap_or_default();
                let mut b = self.bot();
                b.asked.push(id.to_string());
                match b.files.get(id) {
                    // A file Telegram does not know the size of: the download must be bounded.
                    Some((p, _)) if id.starts_with("nosize-") => {
                        ok(json!({"file_id": id, "file_unique_id": "u", "file_path": p}))
                    }
                    Some((p, bytes)) => ok(json!({
                        "file_id": id, "file_unique_id": format!("u-{id}"),
                        "file_size": bytes.len(), "file_path": p,
                    })),
                    None => err(400, "Bad Request: invalid file_id", None),
                }
            }
            "setWebhook" => {
                let body = json_body(req).await;
                let field = |k: &str| body[k].as_str().unwrap_or_default().to_string();
                self.bot()
                    .webhooks
                    .push((field("url"), field("secret_token")));
                ok(json!(true))
            }
            "sendMessage" => {
                let body = json_body(req).await;
                let sent = Sent {
                    method: method.into(),
                    chat_id: body["chat_id"].to_string(),
                    text: body["text"].as_str().map(Into::into),
                    file_name: None,
                    bytes: Vec::new(),
                    at: Instant::now(),
                };
                self.take(sent).await
            }
            "sendDocument" => {
                let mut form = Multipart::from_request(req, &()).await.expect("multipart");
                let mut sent = Sent {
                    method: method.into(),
                    chat_id: String::new(),
                    text: None,
                    file_name: None,
                    bytes: Vec::new(),
                    at: Instant::now(),
                };
                while let Some(field) = form.next_field().await.expect("field") {
                    match field.name().unwrap_or_default() {
                        "chat_id" => sent.chat_id = field.text().await.expect("chat_id"),
                        "document" => {
                            sent.file_name = field.file_name().map(Into::into);
                            sent.bytes = field.bytes().await.expect("document").to_vec();
                        }
                        other => panic!("unexpected field {other}"),
                    }
                }
                self.take(sent).await
            }
            _ => err(404, "Not Found", None),
        }
    }

    async fn get_updates(&self, req: Request) -> Response {
        let body = json_body(req).await;
        let offset = body["offset"].as_i64();
        let wait = Duration::from_secs(body["timeout"].as_u64().unwrap_or(0).min(30));
        let deadline = tokio::time::Instant::now() + wait;
        self.bot().polls.push(offset);
        loop {
            let news = self.news.notified();
            {
                let mut b = self.bot();
                if let Some(o) = offset {
                    b.confirmed = b.confirmed.max(o);
                }
                let from = if b.replay { 0 } else { b.confirmed };
                let due: Vec<Value> = b
                    .updates
                    .iter()
                    .filter(|u| u["update_id"].as_i64().expect("id") >= from)
                    .cloned()
                    .collect();
                if !due.is_empty() {
                    b.replay = false;
                    return ok(Value::Array(due));
                }
            }
            if tokio::time::timeout_at(deadline, news).await.is_err() {
                return ok(json!([]));
            }
        }
    }

    async fn take(&self, sent: Sent) -> Response {
        let (mode, n) = {
            let mut b = self.bot();
            b.sent.push(sent);
            let mode = b.mode;
            if let SendMode::TooMany { times, retry_after } = mode {
                b.mode = if times > 1 {
                    SendMode::TooMany {
                        times: times - 1,
                        retry_after,
                    }
                } else {
                    SendMode::Accept
                };
            }
            (mode, b.sent.len())
        };
        match mode {
            SendMode::Accept => ok(json!({
                "message_id": 5000 + n, "date": 0,
                "chat": {"id": CHAT, "type": "private"},
            })),
            SendMode::TooMany { retry_after, .. } => err(
                429,
                &format!("Too Many Requests: retry after {retry_after}"),
                Some(retry_after),
            ),
            SendMode::Blocked => err(403, "Forbidden: bot was blocked by the user", None),
            SendMode::Hold => std::future::pending().await,
        }
    }
}

async fn json_body(req: Request) -> Value {
    let bytes = axum::body::to_bytes(req.into_body(), 1 << 20)
        .await
        .expect("body");
    serde_json::from_slice(&bytes).expect("JSON body")
}

/// A message of the client Ann Lee in her private chat with the bot.
fn from_ann(message_id: i64, extra: Value) -> Value {
    let mut m = json!({
        "message_id": message_id,
        "date": 1_700_000_000,
        "from": {"id": CHAT, "is_bot": false, "first_name": "Ann", "last_name": "Lee", "username": "annlee"},
        "chat": {"id": CHAT, "type": "private", "first_name": "Ann", "last_name": "Lee", "username": "annlee"},
    });
    for (k, v) in extra.as_object().expect("object") {
        m[k] = v.clone();
    }
    m
}

/// Polls `check` until it holds (the deadline only bounds a broken run).
async fn until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(60);
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A Telegram channel on the 1st line, made with the CLI against the stand-in.
fn add_channel(fx: &Fx, bot: &StandIn) -> Id {
    let out = cli(
        &fx.db_path,
        &[
            "channel",
            "add",
            "--kind",
            "telegram",
            "--name",
            "Shop bot",
            "--bot-token",
            TOKEN,
            "--api-url",
            &bot.url,
            "--group",
            &fx.g1.to_string(),
        ],
    );
    let id: Id = out.lines().next().expect("id").parse().expect("channel id");
    let listing = cli(&fx.db_path, &["channel", "list"]);
    assert!(listing.contains("Shop bot"), "{listing}");
    assert!(
        !listing.contains(TOKEN),
        "channel list never shows the token"
    );
    assert!(
        !listing.contains("AAHstandIn"),
        "nor a part of it: {listing}"
    );
    id
}

/// Ann's conversation on `channel` as Anna (1st line) sees it, once it exists.
async fn ann_conversation(fx: &Fx, channel: Id) -> Value {
    let anna = session(fx.anna);
    let found = std::cell::RefCell::new(Value::Null);
    until("Ann's conversation", || async {
        let (st, page) = fx.get(&anna, "/api/v1/snapshot").await;
        assert_eq!(st, StatusCode::OK, "{page}");
        if let Some(c) = page["conversations"]
            .as_array()
            .expect("conversations")
            .iter()
            .find(|c| {
                c["channel_account_id"] == channel
                    && c["client"]["external_id"]
                        .as_str()
                        .and_then(|s| s.parse::<i64>().ok())
                        == Some(CHAT)
            })
        {
            *found.borrow_mut() = c.clone();
            true
        } else {
            false
        }
    })
    .await;
    found.into_inner()
}

/// The messages of `conv` as `token` reads them.
async fn messages(fx: &Fx, token: &str, conv: Id) -> Vec<Value> {
    let (st, body) = fx
        .get(token, &format!("/api/v1/conversations/{conv}"))
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    body["messages"].as_array().expect("messages").clone()
}

async fn message(fx: &Fx, token: &str, conv: Id, id: Id) -> Value {
    messages(fx, token, conv)
        .await
        .into_iter()
        .find(|m| m["id"] == id)
        .unwrap_or_else(|| panic!("message {id}"))
}

/// The channel, a conversation started by Ann's "Hi" and taken by the admin: (conversation
/// id, admin token).
async fn setup(fx: &Fx, bot: &StandIn) -> (Id, String) {
    let channel = add_channel(fx, bot);
    bot.push("message", from_ann(1, json!({"text": "Hi"})));
    let conv = ann_conversation(fx, channel).await["id"]
        .as_i64()
        .expect("id");
    (conv, start(fx, conv).await)
}

/// The admin takes `conv` into their inbox; their token.
async fn start(fx: &Fx, conv: Id) -> String {
    let admin = session(fx.admin);
    let got = fx
        .post_json(
            &admin,
            &format!("/api/v1/conversations/{conv}/actions"),
            json!({"action_id": format!("start-{conv}"), "action": "start"}),
        )
        .await;
    assert_eq!(got.0, StatusCode::OK, "{}", got.1);
    admin
}

async fn answer(fx: &Fx, token: &str, conv: Id, text: &str) -> Id {
    let msg = fx.send_message(token, conv, "operator", text).await;
    assert_eq!(msg["delivery"], "pending", "{msg}");
    msg["id"].as_i64().expect("message id")
}

async fn delivery(fx: &Fx, token: &str, conv: Id, id: Id) -> String {
    message(fx, token, conv, id).await["delivery"]
        .as_str()
        .expect("delivery")
        .to_string()
}

fn queue_row(fx: &Fx, id: Id) -> deliveries::Delivery {
    fx.db()
        .read_blocking(move |conn| Ok(deliveries::get(conn, id)?))
        .expect("read queue")
        .expect("queued")
}

const SMALL_JPEG: &[u8] = b"\xFF\xD8\xFF\xE0 small";
const LARGE_JPEG: &[u8] = b"\xFF\xD8\xFF\xE0 the largest size of the photo";
const PDF: &[u8] = b"%PDF-1.4\n% invoice\n";
const VOICE: &[u8] = b"OggS\x00\x02 opus voice note";

#[tokio::test]
async fn updates_become_a_conversation_with_attachments_and_answers_reach_the_chat() {
    let fx = Fx::with_server_args(SERVE_ARGS);
    let bot = StandIn::start().await;
    let channel = add_channel(&fx, &bot);
    bot.file("ph-s", "photos/file_0.jpg", SMALL_JPEG);
    bot.file("ph-l", "photos/file_1.jpg", LARGE_JPEG);
    bot.file("doc", "documents/file_2.pdf", PDF);
    bot.file("vo", "voice/file_3.oga", VOICE);
    bot.push(
        "message",
        from_ann(1, json!({"text": "Hello from Telegram"})),
    );
    bot.push(
        "message",
        from_ann(
            2,
            json!({"caption": "My broken parcel", "photo": [
                {"file_id": "ph-s", "file_unique_id": "a", "width": 90, "height": 60, "file_size": SMALL_JPEG.len()},
                {"file_id": "ph-l", "file_unique_id": "b", "width": 1280, "height": 853, "file_size": LARGE_JPEG.len()},
            ]}),
        ),
    );
    bot.push(
        "message",
        from_ann(
            3,
            json!({"document": {"file_id": "doc", "file_unique_id": "c", "file_name": "invoice.pdf", "mime_type": "application/pdf"}}),
        ),
    );
    bot.push(
        "message",
        from_ann(
            4,
            json!({"voice": {"file_id": "vo", "file_unique_id": "d", "duration": 2, "mime_type": "audio/ogg"}}),
        ),
    );
    let conv = ann_conversation(&fx, channel).await;
    assert_eq!(conv["client"]["display_name"], "Ann Lee");
    assert_eq!(conv["client"]["contact"]["username"], "@annlee");
    assert_eq!(
        conv["client"]["contact"]["profile_url"],
        "https://t.me/annlee"
    );
    assert_eq!(conv["status"], "unassigned", "{conv}");
    assert_eq!(conv["group_id"], fx.g1);
    let conv_id = conv["id"].as_i64().expect("id");
    let anna = session(fx.anna);
    until("five messages", || async {
        messages(&fx, &anna, conv_id).await.len() == 5
    })
    .await;
    let (st, page) = fx.get(&anna, "/api/v1/sync?after=0").await;
    assert_eq!(st, StatusCode::OK, "{page}");
    let seq = page["next"].as_i64().expect("seq");

    // Ann edits her first message.
    bot.push(
        "edited_message",
        from_ann(
            1,
            json!({"text": "Hello from Telegram (edited)", "edit_date": 1_700_000_100}),
        ),
    );
    until("the first message edited", || async {
        messages(&fx, &anna, conv_id).await[0]["text"] == "Hello from Telegram (edited)"
    })
    .await;
    let first = messages(&fx, &anna, conv_id).await[0]["id"].clone();
    let (st, page) = fx.get(&anna, &format!("/api/v1/sync?after={seq}")).await;
    assert_eq!(st, StatusCode::OK, "{page}");
    assert!(
        page["changes"]
            .as_array()
            .expect("changes")
            .iter()
            .any(|c| {
                c["entity"] == "message"
                    && c["id"] == first
                    && c["data"]["text"] == "Hello from Telegram (edited)"
            }),
        "the edit reaches the apps as a message change: {page}"
    );
    let got = messages(&fx, &anna, conv_id).await;
    let texts: Vec<&str> = got
        .iter()
        .map(|m| m["text"].as_str().expect("text"))
        .collect();
    assert_eq!(
        texts,
        [
            "Hello from Telegram (edited)",
            "My broken parcel",
            "photo-2.jpg",
            "invoice.pdf",
            "voice-4.ogg"
        ]
    );
    assert!(got.iter().all(|m| m["kind"] == "client"));
    let names: Vec<Option<&str>> = got
        .iter()
        .map(|m| m["attachment"]["name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            None,
            None,
            Some("photo-2.jpg"),
            Some("invoice.pdf"),
            Some("voice-4.ogg")
        ]
    );
    for (m, bytes) in got[2..].iter().zip([LARGE_JPEG, PDF, VOICE]) {
        let resp = fx.download(&anna, &m["attachment"]["id"]).await;
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(resp.bytes().await.expect("bytes").as_ref(), bytes);
    }
    assert_eq!(got[4]["attachment"]["content_type"], "audio/ogg");
    assert!(
        !bot.bot().downloads.iter().any(|p| p == "photos/file_0.jpg"),
        "only the largest size of a photo is fetched"
    );

    // The operator answers: text, then a file.
    let admin = start(&fx, conv_id).await;
    let text_id = answer(&fx, &admin, conv_id, "We are on it, Ann").await;
    until("the answer delivered", || async {
        delivery(&fx, &admin, conv_id, text_id).await == "delivered"
    })
    .await;
    let (st, up) = fx
        .upload(&admin, conv_id, "label", "label.pdf", PDF.to_vec())
        .await;
    assert_eq!(st, StatusCode::CREATED, "{up}");
    let file_id = up["id"].as_i64().expect("message id");
    until("the file delivered", || async {
        delivery(&fx, &admin, conv_id, file_id).await == "delivered"
    })
    .await;
    let sent = bot.sent();
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(sent[0].method, "sendMessage");
    assert_eq!(sent[0].chat_id, CHAT.to_string());
    assert_eq!(sent[0].text.as_deref(), Some("We are on it, Ann"));
    assert_eq!(sent[1].method, "sendDocument");
    assert_eq!(sent[1].chat_id, CHAT.to_string());
    assert_eq!(sent[1].file_name.as_deref(), Some("label.pdf"));
    assert_eq!(sent[1].bytes, PDF);
    assert_eq!(
        queue_row(&fx, text_id).platform_message_id.as_deref(),
        Some("5001"),
        "Telegram's message_id is kept"
    );
    assert_eq!(
        queue_row(&fx, file_id).platform_message_id.as_deref(),
        Some("5002")
    );
    let log = std::fs::read_to_string(fx.db_path.with_extension("log")).unwrap_or_default();
    assert!(!log.contains("AAHstandIn"), "the token is never logged");
}

#[tokio::test]
async fn a_429_is_waited_out_and_a_blocked_bot_fails_with_that_sentence() {
    let fx = Fx::with_server_args(SERVE_ARGS);
    let bot = StandIn::start().await;
    let (conv, admin) = setup(&fx, &bot).await;

    // retry_after 3 s, longer than the 1 s backoff the server would otherwise use.
    bot.bot().mode = SendMode::TooMany {
        times: 1,
        retry_after: 3,
    };
    let slow = answer(&fx, &admin, conv, "Slowly, please").await;
    until("delivered after the pause", || async {
        delivery(&fx, &admin, conv, slow).await == "delivered"
    })
    .await;
    let sent = bot.sent();
    assert_eq!(sent.len(), 2, "one 429, one accepted: {sent:?}");
    let gap = sent[1].at - sent[0].at;
    assert!(
        gap >= Duration::from_millis(2900),
        "retry_after 3 was honoured: tried again after {gap:?}"
    );

    bot.bot().mode = SendMode::Blocked;
    let blocked = answer(&fx, &admin, conv, "Are you still there?").await;
    until("failed", || async {
        delivery(&fx, &admin, conv, blocked).await == "failed"
    })
    .await;
    let m = message(&fx, &admin, conv, blocked).await;
    assert_eq!(
        m["delivery_error"],
        "The client blocked the bot (Telegram: Forbidden: bot was blocked by the user)"
    );
    assert_eq!(
        bot.sent().len(),
        3,
        "a refusal is not tried again by itself"
    );
}

#[tokio::test]
async fn a_restart_neither_loses_nor_repeats_updates() {
    let mut fx = Fx::with_server_args(SERVE_ARGS);
    let bot = StandIn::start().await;
    let channel = add_channel(&fx, &bot);
    bot.push("message", from_ann(1, json!({"text": "first"})));
    let conv = ann_conversation(&fx, channel).await["id"]
        .as_i64()
        .expect("id");
    let offset_after_first = bot.bot().next_update;
    until("the offset past the first update is confirmed", || async {
        bot.bot().polls.contains(&Some(offset_after_first))
    })
    .await;

    fx.server.child.kill().expect("kill");
    fx.server.child.wait().expect("reap");
    let polls_before = bot.bot().polls.len();
    // Written while the server is down: read after the restart.
    bot.push(
        "message",
        from_ann(2, json!({"text": "while you were away"})),
    );
    fx.server = Server::start_with(&fx.db_path, SERVE_ARGS);
    let anna = session(fx.anna);
    until("the update sent during the downtime", || async {
        messages(&fx, &anna, conv).await.len() == 2
    })
    .await;
    assert_eq!(
        bot.bot().polls[polls_before],
        Some(offset_after_first),
        "the first poll after the restart goes on from the saved offset"
    );

    // A platform that hands out everything again: each message is still stored once.
    bot.bot().replay = true;
    bot.push("message", from_ann(3, json!({"text": "third"})));
    until("the third message", || async {
        messages(&fx, &anna, conv).await.len() >= 3
    })
    .await;
    assert!(!bot.bot().replay, "the replay was handed out");
    let texts: Vec<String> = messages(&fx, &anna, conv)
        .await
        .iter()
        .map(|m| m["text"].as_str().expect("text").to_string())
        .collect();
    assert_eq!(texts, ["first", "while you were away", "third"]);
}

#[tokio::test]
async fn a_server_killed_mid_send_sends_nothing_twice() {
    // A long delivery timeout: the held call must still be open when the server dies.
    let args = [SERVE_ARGS, &["--delivery-timeout-secs", "120"]].concat();
    let mut fx = Fx::with_server_args(&args);
    let bot = StandIn::start().await;
    let (conv, admin) = setup(&fx, &bot).await;
    bot.bot().mode = SendMode::Hold;
    let id = answer(&fx, &admin, conv, "Only once, please").await;
    until("the stand-in holds the sendMessage", || async {
        !bot.sent().is_empty()
    })
    .await;
    assert_eq!(delivery(&fx, &admin, conv, id).await, "sent");
    fx.server.child.kill().expect("kill -9");
    fx.server.child.wait().expect("reap");
    bot.bot().mode = SendMode::Accept;
    fx.server = Server::start_with(&fx.db_path, &args);

    until("failed after the restart", || async {
        delivery(&fx, &admin, conv, id).await == "failed"
    })
    .await;
    let m = message(&fx, &admin, conv, id).await;
    let reason = m["delivery_error"].as_str().expect("reason");
    assert!(
        reason.contains("may or may not have reached the client")
            && reason.contains("check the chat"),
        "{reason}"
    );
    // The queue works on: a later answer is delivered, and the first was not sent again.
    let next = answer(&fx, &admin, conv, "And this one").await;
    until("the next answer delivered", || async {
        delivery(&fx, &admin, conv, next).await == "delivered"
    })
    .await;
    let texts: Vec<Option<String>> = bot.sent().into_iter().map(|s| s.text).collect();
    assert_eq!(
        texts,
        [
            Some("Only once, please".to_string()),
            Some("And this one".to_string())
        ],
        "exactly one sendMessage of the first answer"
    );
}

#[test]
fn channel_add_checks_the_token_and_the_api_url() {
    let fx = Fx::new();
    let refused = |args: &[&str], needle: &str| {
        let mut all = vec!["channel", "add", "--kind", "telegram", "--name", "X"];
        all.extend_from_slice(args);
        common::cli_refused(&fx.db_path, &all, needle)
    };
    refused(&[], "needs --bot-token");
    let stderr = refused(
        &["--bot-token", "not-a-token"],
        "the bot token must look like",
    );
    assert!(!stderr.contains("not-a-token"), "the token is not echoed");
    refused(
        &["--bot-token", TOKEN, "--api-url", "ftp://x"],
        "Bot API URL must be an http",
    );
    refused(
        &["--bot-token", TOKEN, "--callback-url", "https://x/"],
        "A telegram channel does not take --callback-url",
    );
    let listing = cli(&fx.db_path, &["channel", "list"]);
    assert!(!listing.contains("\"X\""), "nothing was added: {listing}");
}

#[tokio::test]
async fn webhook_mode_registers_the_route_and_takes_updates_with_the_secret() {
    let fx = Fx::with_server_args(SERVE_ARGS);
    let bot = StandIn::start().await;
    let out = cli(
        &fx.db_path,
        &[
            "channel",
            "add",
            "--kind",
            "telegram",
            "--name",
            "Hooked bot",
            "--bot-token",
            TOKEN,
            "--api-url",
            &bot.url,
            "--webhook-url",
            &format!("{}/", fx.server.url),
            "--group",
            &fx.g1.to_string(),
        ],
    );
    let lines: Vec<&str> = out.lines().collect();
    let (channel, secret): (Id, &str) = (lines[0].parse().expect("id"), lines[1]);
    let route = format!("/api/v1/channels/{channel}/telegram");
    until("setWebhook", || async { !bot.bot().webhooks.is_empty() }).await;
    assert_eq!(
        bot.bot().webhooks[0],
        (fx.url(&route), secret.to_string()),
        "the route of this channel, with its secret as secret_token"
    );

    let post = |secret: Option<&str>, body: String| {
        let mut req = fx
            .http
            .post(fx.url(&route))
            .header("Content-Type", "application/json")
            .body(body);
        if let Some(s) = secret {
            req = req.header("X-Telegram-Bot-Api-Secret-Token", s);
        }
        async move { common::decode(req.send().await.expect("post")).await }
    };
    let update =
        json!({"update_id": 7, "message": from_ann(1, json!({"text": "Hello by webhook"}))})
            .to_string();
    let got = post(Some(secret), update.clone()).await;
    assert_eq!(got.0, StatusCode::OK, "{}", got.1);
    let conv = ann_conversation(&fx, channel).await["id"]
        .as_i64()
        .expect("id");
    // Telegram sends an update again when it missed the answer: stored once.
    assert_eq!(post(Some(secret), update.clone()).await.0, StatusCode::OK);
    let anna = session(fx.anna);
    let texts: Vec<Value> = messages(&fx, &anna, conv)
        .await
        .iter()
        .map(|m| m["text"].clone())
        .collect();
    assert_eq!(texts, [json!("Hello by webhook")]);

    common::assert_error(
        &post(None, update.clone()).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "X-Telegram-Bot-Api-Secret-Token",
    );
    common::assert_error(
        &post(Some("sbc_wrong"), update.clone()).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "X-Telegram-Bot-Api-Secret-Token",
    );
    common::assert_error(
        &post(Some(secret), r#"{"message": {}}"#.into()).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
        "not a Telegram update",
    );
    let huge = format!("{{\"update_id\": 8, \"x\": \"{}\"}}", "a".repeat(2 << 20));
    assert_eq!(
        post(Some(secret), huge).await.0,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    // A channel that is not in webhook mode takes no webhook, even with its own secret.
    let resp = fx
        .http
        .post(fx.url(&format!("/api/v1/channels/{}/telegram", fx.tg)))
        .header("X-Telegram-Bot-Api-Secret-Token", "tg-secret")
        .header("Content-Type", "application/json")
        .body(update)
        .send()
        .await
        .expect("post");
    common::assert_error(
        &common::decode(resp).await,
        StatusCode::NOT_FOUND,
        "not_found",
        "takes no Telegram webhook",
    );
    assert_eq!(messages(&fx, &anna, conv).await.len(), 1);
    assert!(bot.bot().polls.is_empty(), "no getUpdates in webhook mode");

    // Disabled by an admin (Administration › Channel accounts): the webhook refuses with a
    // sentence and stores nothing; the conversation stays readable.
    let disabled = fx
        .http
        .patch(fx.url(&format!("/api/v1/channels/{channel}")))
        .header("Authentication", session(fx.admin))
        .json(&json!({"disabled": true}))
        .send()
        .await
        .expect("patch");
    assert_eq!(disabled.status(), StatusCode::OK);
    let later = json!({"update_id": 9, "message": from_ann(2, json!({"text": "While disabled"}))})
        .to_string();
    common::assert_error(
        &post(Some(secret), later).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        "This channel is disabled",
    );
    assert_eq!(messages(&fx, &anna, conv).await.len(), 1);
}

#[tokio::test]
async fn refused_files_and_stickers_become_a_line_and_the_words_stay() {
    let args = [SERVE_ARGS, &["--max-file-mb", "1"]].concat();
    let fx = Fx::with_server_args(&args);
    let bot = StandIn::start().await;
    let channel = add_channel(&fx, &bot);
    let mut huge = b"%PDF-1.4\n".to_vec();
    huge.resize(3 << 20, b'x');
    bot.file("nosize-huge", "documents/huge.pdf", &huge);
    let doc = |id: &str, name: &str, size: Option<u64>| json!({"file_id": id, "file_unique_id": id, "file_name": name, "file_size": size});
    bot.push(
        "message",
        from_ann(
            1,
            json!({"caption": "see attached", "document": doc("big", "big.pdf", Some(2 << 20))}),
        ),
    );
    bot.push(
        "message",
        from_ann(2, json!({"document": doc("gone", "gone.pdf", None)})),
    );
    bot.push(
        "message",
        from_ann(3, json!({"document": doc("nosize-huge", "huge.pdf", None)})),
    );
    bot.push(
        "message",
        from_ann(
            4,
            json!({"sticker": {"file_id": "st", "file_unique_id": "st", "width": 512, "height": 512, "is_animated": false, "is_video": false, "type": "regular"}}),
        ),
    );
    let conv = ann_conversation(&fx, channel).await["id"]
        .as_i64()
        .expect("id");
    let anna = session(fx.anna);
    until("four messages", || async {
        messages(&fx, &anna, conv).await.len() == 4
    })
    .await;
    let got = messages(&fx, &anna, conv).await;
    let texts: Vec<&str> = got
        .iter()
        .map(|m| m["text"].as_str().expect("text"))
        .collect();
    assert_eq!(
        texts,
        [
            "see attached\n[File \"big.pdf\" not received: The file is larger than the limit of 1 MiB.]",
            "[File \"gone.pdf\" not received: Telegram would not hand it over (Bad Request: invalid file_id)]",
            "[File \"huge.pdf\" not received: The file is larger than the limit of 1 MiB.]",
            "[The client sent a Telegram sticker the desk cannot show]",
        ]
    );
    assert!(
        got.iter().all(|m| m["attachment"].is_null()),
        "no file stored"
    );
    let b = bot.bot();
    assert_eq!(
        b.asked,
        ["gone", "nosize-huge"],
        "a file Telegram says is too large is not even asked for"
    );
    assert_eq!(b.downloads, ["documents/huge.pdf"]);
}

#[tokio::test]
async fn a_bot_api_on_a_private_address_is_refused_without_the_flag() {
    let fx = Fx::new();
    let bot = StandIn::start().await;
    let out = cli(
        &fx.db_path,
        &[
            "channel",
            "add",
            "--kind",
            "telegram",
            "--name",
            "Local bot",
            "--bot-token",
            TOKEN,
            "--api-url",
            &bot.url,
        ],
    );
    let lines: Vec<&str> = out.lines().collect();
    let channel: Id = lines[0].parse().expect("id");
    // The listener cannot poll a loopback Bot API: the client's message comes in through the
    // channel's inbound endpoint instead.
    let (st, acc) = fx
        .inbound(channel, lines[1], &CHAT.to_string(), "Hello?")
        .await;
    assert_eq!(st, StatusCode::OK, "{acc}");
    let conv = acc["conversation_id"].as_i64().expect("conversation");
    let admin = start(&fx, conv).await;
    let id = answer(&fx, &admin, conv, "Hello from the desk").await;
    until("failed", || async {
        delivery(&fx, &admin, conv, id).await == "failed"
    })
    .await;
    let reason = message(&fx, &admin, conv, id).await["delivery_error"].clone();
    assert!(
        reason.as_str().is_some_and(
            |r| r.contains("Bot API URL points to a local or private address (127.0.0.1)")
        ),
        "{reason}"
    );
    let b = bot.bot();
    assert!(
        b.sent.is_empty() && b.polls.is_empty(),
        "nothing reached the stand-in"
    );
}
