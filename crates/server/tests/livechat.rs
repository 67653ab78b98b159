//! The LiveChat widget's protocol against the real server: `channel add|widget`, `/widget.js`,
//! origins (CORS and the socket's `Origin` check), visitor tokens, history isolation between
//! visitors, delivery states, files, rate limits, malformed input, and the authorization
//! matrix of every widget route. (The widget itself runs in headless Chromium:
//! tests/widget/.)

mod common;

use std::time::Duration;

use common::{assert_error, cli, session, until, Fx, Ws};
use futures_util::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::{json, Value};
use switchboard_protocol::Id;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message as WsMsg;

const SITE: &str = "http://shop.localhost:9000";
const OTHER_SITE: &str = "https://evil.example";

/// A livechat channel for [`SITE`] made with the CLI; its id.
fn add_chat(fx: &Fx) -> Id {
    let out = cli(
        &fx.db_path,
        &[
            "channel",
            "add",
            "--kind",
            "livechat",
            "--name",
            "Shop site",
            "--origin",
            SITE,
            "--group",
            &fx.g1.to_string(),
            "--public-url",
            &fx.server.url,
        ],
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "id, then the snippet: {out:?}");
    let id: Id = lines[0].parse().expect("channel id");
    assert_eq!(
        lines[1],
        format!(
            r#"<script src="{}/widget.js" data-channel="{id}" async></script>"#,
            fx.server.url
        )
    );
    id
}

fn api(fx: &Fx, chat: Id, rest: &str) -> String {
    fx.url(&format!("/api/v1/widget/{chat}/{rest}"))
}

/// `init` from `origin` with an optional kept token: status, body, and the CORS header.
async fn init_raw(
    fx: &Fx,
    chat: Id,
    origin: Option<&str>,
    token: Option<&str>,
) -> (StatusCode, Value, Option<String>) {
    let mut req = fx
        .http
        .post(api(fx, chat, "init"))
        .json(&json!({ "token": token }));
    if let Some(o) = origin {
        req = req.header("Origin", o);
    }
    let resp = req.send().await.expect("init");
    let acao = resp
        .headers()
        .get("access-control-allow-origin")
        .map(|v| v.to_str().expect("ascii").to_string());
    let (st, body) = common::decode(resp).await;
    (st, body, acao)
}

/// A new visitor's token.
async fn visitor(fx: &Fx, chat: Id) -> String {
    let (st, body, _) = init_raw(fx, chat, Some(SITE), None).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    body["token"].as_str().expect("token").to_string()
}

async fn connect_raw(
    fx: &Fx,
    chat: Id,
    token: &str,
    origin: &str,
) -> Result<Ws, tokio_tungstenite::tungstenite::Error> {
    let url = format!(
        "{}?token={token}",
        api(fx, chat, "ws").replace("http://", "ws://")
    );
    let mut req = url.into_client_request().expect("request");
    req.headers_mut()
        .insert("Origin", origin.parse().expect("header"));
    tokio_tungstenite::connect_async(req)
        .await
        .map(|(ws, _)| ws)
}

/// The visitor's socket and its `hello`.
async fn connect(fx: &Fx, chat: Id, token: &str) -> (Ws, Value) {
    let mut ws = connect_raw(fx, chat, token, SITE).await.expect("connect");
    let hello = next_frame(&mut ws).await;
    assert_eq!(hello["type"], "hello", "{hello}");
    (ws, hello)
}

/// The next JSON frame (pings skipped).
async fn next_frame(ws: &mut Ws) -> Value {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(30), ws.next())
            .await
            .expect("a frame within 30 s")
            .expect("socket open")
            .expect("frame");
        if let WsMsg::Text(t) = msg {
            return serde_json::from_str(t.as_str()).expect("JSON frame");
        }
    }
}

/// The next frame of `kind`, skipping others (own-message echoes, acks).
async fn frame_of(ws: &mut Ws, kind: &str) -> Value {
    loop {
        let f = next_frame(ws).await;
        if f["type"] == kind {
            return f;
        }
    }
}

async fn say(ws: &mut Ws, id: &str, text: &str) -> Value {
    ws.send(WsMsg::Text(
        json!({"type": "message", "id": id, "text": text})
            .to_string()
            .into(),
    ))
    .await
    .expect("send");
    loop {
        let f = next_frame(ws).await;
        if (f["type"] == "ack" || f["type"] == "error") && f["id"] == id {
            return f;
        }
    }
}

/// The texts of a `hello`'s history.
fn texts(hello: &Value) -> Vec<String> {
    hello["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| m["text"].as_str().expect("text").to_string())
        .collect()
}

/// The conversation of the visitor's first message, as the desk sees it.
async fn conversation_of(fx: &Fx, message_id: Id) -> Id {
    let id = fx
        .db()
        .read_blocking(move |conn| {
            Ok(conn.query_row(
                "SELECT conversation_id FROM messages WHERE id = ?1",
                [message_id],
                |r| r.get::<Id>(0),
            )?)
        })
        .expect("conversation");
    let admin = session(fx.admin);
    let got = fx
        .post_json(
            &admin,
            &format!("/api/v1/conversations/{id}/actions"),
            json!({"action_id": format!("start-{id}"), "action": "start"}),
        )
        .await;
    assert_eq!(got.0, StatusCode::OK, "{}", got.1);
    id
}

async fn delivery(fx: &Fx, conv: Id, id: Id) -> String {
    let (st, body) = fx
        .get(&session(fx.admin), &format!("/api/v1/conversations/{conv}"))
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    body["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .find(|m| m["id"] == id)
        .and_then(|m| m["delivery"].as_str())
        .expect("message")
        .to_string()
}

#[tokio::test]
async fn channel_add_and_widget_settings_from_the_command_line() {
    let fx = Fx::new();
    let chat = add_chat(&fx);
    let listing = cli(&fx.db_path, &["channel", "list"]);
    assert!(listing.contains("Shop site"), "{listing}");
    let key = fx
        .db()
        .read_blocking(move |conn| {
            Ok(conn.query_row(
                "SELECT config FROM channel_accounts WHERE id = ?1",
                [chat],
                |r| r.get::<String>(0),
            )?)
        })
        .expect("config");
    let key: Value = serde_json::from_str(&key).expect("json");
    let key = key["token_key"].as_str().expect("key").to_string();
    assert!(!listing.contains(&key), "the token key stays private");

    // Bad origins are refused and add nothing.
    for bad in [
        "https://shop.example/path",
        "ftp://x.example",
        "shop.example",
        "",
    ] {
        let out = std::process::Command::new(common::BIN)
            .arg("--db")
            .arg(common::db_arg(&fx.db_path))
            .args([
                "channel", "add", "--kind", "livechat", "--name", "Bad", "--origin", bad,
            ])
            .output()
            .expect("run");
        assert!(!out.status.success(), "{bad} accepted");
        assert!(out.stdout.is_empty(), "nothing printed on stdout for {bad}");
    }
    let out = std::process::Command::new(common::BIN)
        .arg("--db")
        .arg(common::db_arg(&fx.db_path))
        .args([
            "channel",
            "add",
            "--kind",
            "livechat",
            "--name",
            "No origin",
        ])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--origin"));
    assert!(!cli(&fx.db_path, &["channel", "list"]).contains("Bad"));

    let shown = cli(
        &fx.db_path,
        &[
            "channel",
            "widget",
            "--id",
            &chat.to_string(),
            "--color",
            "#FF8800",
            "--greeting",
            "Hello from the shop",
            "--position",
            "left",
            "--offline-message",
            "Back at 9",
        ],
    );
    assert!(
        shown.contains("#ff8800") && shown.contains("left"),
        "{shown}"
    );
    let (st, body, _) = init_raw(&fx, chat, Some(SITE), None).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(
        body["settings"],
        json!({"color": "#ff8800", "greeting": "Hello from the shop", "position": "left",
               "offline_message": "Back at 9"})
    );
    // A bad value changes nothing.
    let out = std::process::Command::new(common::BIN)
        .arg("--db")
        .arg(common::db_arg(&fx.db_path))
        .args([
            "channel",
            "widget",
            "--id",
            &chat.to_string(),
            "--color",
            "red",
            "--greeting",
            "x",
        ])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let (_, body, _) = init_raw(&fx, chat, Some(SITE), None).await;
    assert_eq!(body["settings"]["greeting"], "Hello from the shop");
    // Not a livechat channel.
    let out = std::process::Command::new(common::BIN)
        .arg("--db")
        .arg(common::db_arg(&fx.db_path))
        .args([
            "channel",
            "widget",
            "--id",
            &fx.tg.to_string(),
            "--color",
            "#000000",
        ])
        .output()
        .expect("run");
    assert!(!out.status.success());
}

#[tokio::test]
async fn widget_js_is_small_and_cacheable() {
    let fx = Fx::new();
    let resp = fx.http.get(fx.url("/widget.js")).send().await.expect("get");
    assert_eq!(resp.status(), StatusCode::OK);
    let h = resp.headers().clone();
    assert!(h["content-type"]
        .to_str()
        .expect("ct")
        .starts_with("text/javascript"));
    assert!(h["cache-control"].to_str().expect("cc").contains("max-age"));
    let etag = h["etag"].to_str().expect("etag").to_string();
    let body = resp.bytes().await.expect("body");
    let gz = gzip_len(&body);
    assert!(
        gz < 40 * 1024,
        "widget.js is {gz} bytes gzipped; the budget is 40 KB"
    );
    let again = fx
        .http
        .get(fx.url("/widget.js"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .expect("get");
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
}

/// Size of `bytes` gzipped with the system's gzip -9.
fn gzip_len(bytes: &[u8]) -> usize {
    use std::io::Write;
    let mut child = std::process::Command::new("gzip")
        .arg("-9c")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("gzip");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(bytes)
        .expect("write");
    child.wait_with_output().expect("gzip output").stdout.len()
}

#[tokio::test]
async fn only_allowed_origins_get_in() {
    let fx = Fx::new();
    let chat = add_chat(&fx);
    let (st, body, acao) = init_raw(&fx, chat, Some(SITE), None).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(acao.as_deref(), Some(SITE));
    for origin in [
        Some(OTHER_SITE),
        None,
        Some("null"),
        Some("http://shop.localhost:9001"),
    ] {
        let got = init_raw(&fx, chat, origin, None).await;
        assert_error(
            &(got.0, got.1),
            StatusCode::FORBIDDEN,
            "forbidden",
            "origin",
        );
        assert_eq!(got.2, None, "no CORS header for {origin:?}");
    }
    // Preflight.
    let resp = fx
        .http
        .request(reqwest::Method::OPTIONS, api(&fx, chat, "files"))
        .header("Origin", SITE)
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "x-visitor-token, x-file-name",
        )
        .send()
        .await
        .expect("preflight");
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert_eq!(resp.headers()["access-control-allow-origin"], SITE);
    assert!(resp.headers()["access-control-allow-headers"]
        .to_str()
        .expect("headers")
        .contains("x-visitor-token"));
    let resp = fx
        .http
        .request(reqwest::Method::OPTIONS, api(&fx, chat, "init"))
        .header("Origin", OTHER_SITE)
        .send()
        .await
        .expect("preflight");
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    // The socket checks the Origin too.
    let token = visitor(&fx, chat).await;
    let refused = connect_raw(&fx, chat, &token, OTHER_SITE).await;
    match refused {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
            assert_eq!(resp.status(), StatusCode::FORBIDDEN);
        }
        other => panic!("a socket from another origin must be refused: {other:?}"),
    }
    // Not a livechat channel, or none.
    for other in [fx.tg, 999_999] {
        let got = init_raw(&fx, other, Some(SITE), None).await;
        assert_error(&(got.0, got.1), StatusCode::NOT_FOUND, "not_found", "chat");
    }
}

#[tokio::test]
async fn the_visitor_writes_the_operator_answers_and_history_survives_a_reload() {
    let fx = Fx::new();
    let chat = add_chat(&fx);
    let token = visitor(&fx, chat).await;
    let (mut ws, hello) = connect(&fx, chat, &token).await;
    assert_eq!(texts(&hello), Vec::<String>::new());
    assert_eq!(hello["online"], false, "no operator has the app open");
    let ack = say(&mut ws, "m-1", "Hello, is my order shipped?").await;
    assert_eq!(ack["type"], "ack", "{ack}");
    let first = ack["message_id"].as_i64().expect("stored");
    // A resend of the same id (after a reconnect) stores nothing.
    let again = say(&mut ws, "m-1", "Hello, is my order shipped?").await;
    assert_eq!(again["message_id"], Value::Null, "{again}");
    let conv = conversation_of(&fx, first).await;
    let admin = session(fx.admin);
    let (_, desk) = fx
        .get(&admin, &format!("/api/v1/conversations/{conv}"))
        .await;
    let client_texts: Vec<&str> = desk["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter(|m| m["kind"] == "client")
        .map(|m| m["text"].as_str().expect("text"))
        .collect();
    assert_eq!(client_texts, ["Hello, is my order shipped?"]);
    assert!(desk["client"]["display_name"]
        .as_str()
        .expect("name")
        .starts_with("Visitor "));

    // A note stays on the desk; the answer reaches the open socket and counts as delivered.
    fx.send_message(&admin, conv, "note", "internal: check the warehouse")
        .await;
    let answer = fx
        .send_message(&admin, conv, "operator", "Yes, it left yesterday.")
        .await;
    let answer_id = answer["id"].as_i64().expect("id");
    let pushed = loop {
        let f = frame_of(&mut ws, "message").await;
        assert_ne!(
            f["message"]["text"], "internal: check the warehouse",
            "a note reached the visitor"
        );
        if f["message"]["from"] == "operator" {
            break f;
        }
    };
    assert_eq!(pushed["message"]["text"], "Yes, it left yesterday.");
    until("the answer is delivered", || async {
        delivery(&fx, conv, answer_id).await == "delivered"
    })
    .await;

    // A reload: the same token, a new socket, the same history (without the note).
    drop(ws);
    let (st, body, _) = init_raw(&fx, chat, Some(SITE), Some(&token)).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        body["token"],
        token.as_str(),
        "the visitor keeps their identity"
    );
    let (_ws, hello) = connect(&fx, chat, &token).await;
    assert_eq!(
        texts(&hello),
        ["Hello, is my order shipped?", "Yes, it left yesterday."]
    );
    assert_eq!(hello["messages"][0]["from"], "visitor");
    assert_eq!(hello["messages"][1]["from"], "operator");
}

#[tokio::test]
async fn an_answer_to_an_offline_visitor_waits_as_sent_until_the_next_visit() {
    let fx = Fx::new();
    let chat = add_chat(&fx);
    let token = visitor(&fx, chat).await;
    let (mut ws, _) = connect(&fx, chat, &token).await;
    let ack = say(&mut ws, "a", "Anyone there?").await;
    let conv = conversation_of(&fx, ack["message_id"].as_i64().expect("id")).await;
    ws.close(None).await.expect("close");
    // The connection ends once the server's side of the socket is gone (with its feed).
    while let Some(Ok(_)) = ws.next().await {}
    let admin = session(fx.admin);
    let answer = fx.send_message(&admin, conv, "operator", "Here now!").await;
    let id = answer["id"].as_i64().expect("id");
    assert_eq!(
        answer["delivery"], "sent",
        "stored for the visitor, not delivered: {answer}"
    );
    let (_ws, hello) = connect(&fx, chat, &token).await;
    assert_eq!(texts(&hello), ["Anyone there?", "Here now!"]);
    until(
        "loaded with the history, the answer is delivered",
        || async { delivery(&fx, conv, id).await == "delivered" },
    )
    .await;
}

#[tokio::test]
async fn visitors_never_see_each_other() {
    let fx = Fx::with_server_args(&["--max-file-mb", "1"]);
    let chat = add_chat(&fx);
    let alice = visitor(&fx, chat).await;
    let bob = visitor(&fx, chat).await;
    assert_ne!(alice, bob);
    let (mut a, _) = connect(&fx, chat, &alice).await;
    say(&mut a, "1", "Alice's secret order 4711").await;
    let file = upload(&fx, chat, Some(&alice), "receipt.png", png()).await;
    assert_eq!(file.0, StatusCode::CREATED, "{}", file.1);
    let (_, hello) = connect(&fx, chat, &alice).await;
    let file_id = hello["messages"][1]["file"]["id"]
        .as_i64()
        .expect("file id");
    assert_eq!(hello["messages"][1]["file"]["name"], "receipt.png");
    assert_eq!(
        download(&fx, chat, Some(&alice), file_id).await.0,
        StatusCode::OK
    );

    let (mut b, hello) = connect(&fx, chat, &bob).await;
    assert_eq!(
        texts(&hello),
        Vec::<String>::new(),
        "Bob sees nothing of Alice"
    );
    assert_eq!(
        download(&fx, chat, Some(&bob), file_id).await.0,
        StatusCode::NOT_FOUND
    );
    // Alice writes again: Bob's socket gets nothing of it (his next frame is his own ack).
    say(&mut a, "2", "Another secret").await;
    let ack = say(&mut b, "b1", "Bob here").await;
    assert_eq!(ack["type"], "ack");
    let (_, hello) = connect(&fx, chat, &bob).await;
    assert_eq!(texts(&hello), ["Bob here"]);

    // Forged, cut and foreign tokens open nothing.
    let other_chat = add_chat(&fx);
    let forged = format!("v1.{}.{}", "0".repeat(32), "0".repeat(64));
    for bad in [forged.as_str(), &alice[..alice.len() - 1], "x"] {
        assert!(connect_raw(&fx, chat, bad, SITE).await.is_err());
        assert_eq!(
            download(&fx, chat, Some(bad), file_id).await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    assert!(
        connect_raw(&fx, other_chat, &alice, SITE).await.is_err(),
        "a token of another chat"
    );
    // A foreign token at init is replaced by a new visitor's.
    let (_, body, _) = init_raw(&fx, other_chat, Some(SITE), Some(&alice)).await;
    assert_ne!(body["token"], alice.as_str());
}

fn png() -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
    v.extend_from_slice(&[0u8; 64]);
    v
}

async fn upload(
    fx: &Fx,
    chat: Id,
    token: Option<&str>,
    name: &str,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let mut req = fx
        .http
        .post(api(fx, chat, "files"))
        .header("Origin", SITE)
        .header("X-File-Name", name)
        .body(body);
    if let Some(t) = token {
        req = req.header("X-Visitor-Token", t);
    }
    common::decode(req.send().await.expect("upload")).await
}

async fn download(fx: &Fx, chat: Id, token: Option<&str>, id: Id) -> (StatusCode, Vec<u8>) {
    let mut req = fx
        .http
        .get(api(fx, chat, &format!("files/{id}")))
        .header("Origin", SITE);
    if let Some(t) = token {
        req = req.header("X-Visitor-Token", t);
    }
    let resp = req.send().await.expect("download");
    (resp.status(), resp.bytes().await.expect("body").to_vec())
}

/// Fifty answers sent one after another reach the open socket in order, each once; the time
/// from the operator's send (the REST call) to the visitor's frame is printed (measured, not
/// asserted: it depends on the machine).
#[tokio::test]
async fn answers_reach_the_visitor_in_order_with_their_latency() {
    let fx = Fx::new();
    let chat = add_chat(&fx);
    let token = visitor(&fx, chat).await;
    let (mut ws, _) = connect(&fx, chat, &token).await;
    let ack = say(&mut ws, "q", "Tell me everything").await;
    let conv = conversation_of(&fx, ack["message_id"].as_i64().expect("id")).await;
    let admin = session(fx.admin);
    let mut latencies = Vec::new();
    let mut seen = Vec::new();
    for i in 0..50 {
        let text = format!("answer {i}");
        let sent = std::time::Instant::now();
        fx.send_message(&admin, conv, "operator", &text).await;
        loop {
            let f = frame_of(&mut ws, "message").await;
            if f["message"]["from"] != "operator" {
                continue;
            }
            let got = f["message"]["text"].as_str().expect("text").to_string();
            let id = f["message"]["id"].as_i64().expect("id");
            // A delivered-state change may push a message again, also after later ones (the
            // state of answer 1 can change after answer 2 arrived): the widget keeps each once,
            // by id.
            if seen.iter().any(|(earlier, _)| *earlier == id) {
                continue;
            }
            assert_eq!(got, text, "in order");
            seen.push((id, got));
            latencies.push(sent.elapsed());
            break;
        }
    }
    latencies.sort();
    println!(
        "answer -> visitor socket over 50: p50 {:?}, p90 {:?}, max {:?}",
        latencies[25], latencies[45], latencies[49]
    );
}

#[tokio::test]
async fn an_operators_file_reaches_the_visitor() {
    let fx = Fx::new();
    let chat = add_chat(&fx);
    let token = visitor(&fx, chat).await;
    let (mut ws, _) = connect(&fx, chat, &token).await;
    let ack = say(&mut ws, "q", "Can you send the manual?").await;
    let conv = conversation_of(&fx, ack["message_id"].as_i64().expect("id")).await;
    let admin = session(fx.admin);
    let (st, sent) = fx.upload(&admin, conv, "f-1", "manual.png", png()).await;
    assert_eq!(st, StatusCode::CREATED, "{sent}");
    let pushed = loop {
        let f = frame_of(&mut ws, "message").await;
        if f["message"]["from"] == "operator" {
            break f;
        }
    };
    assert_eq!(pushed["message"]["file"]["name"], "manual.png");
    let id = pushed["message"]["file"]["id"].as_i64().expect("file id");
    let (st, bytes) = download(&fx, chat, Some(&token), id).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(bytes, png());
}

#[tokio::test]
async fn files_keep_the_servers_size_and_type_rules() {
    let fx = Fx::with_server_args(&["--max-file-mb", "1"]);
    let chat = add_chat(&fx);
    let token = visitor(&fx, chat).await;
    let too_big = upload(
        &fx,
        chat,
        Some(&token),
        "big.png",
        vec![0u8; 2 * 1024 * 1024],
    )
    .await;
    assert_error(&too_big, StatusCode::PAYLOAD_TOO_LARGE, "too_large", "MiB");
    let exe = upload(&fx, chat, Some(&token), "setup.exe", b"MZ\x90\x00".to_vec()).await;
    assert_eq!(exe.0, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", exe.1);
    let empty = upload(&fx, chat, Some(&token), "a.png", Vec::new()).await;
    assert_eq!(empty.0, StatusCode::BAD_REQUEST, "{}", empty.1);
    let resp = fx
        .http
        .post(api(&fx, chat, "files"))
        .header("Origin", SITE)
        .header("X-Visitor-Token", &token)
        .body(png())
        .send()
        .await
        .expect("upload");
    assert_error(
        &common::decode(resp).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
        "X-File-Name",
    );
    let ok = upload(&fx, chat, Some(&token), "photo.png", png()).await;
    assert_eq!(ok.0, StatusCode::CREATED, "{}", ok.1);
    let (_, hello) = connect(&fx, chat, &token).await;
    assert_eq!(
        texts(&hello),
        ["photo.png"],
        "only the accepted file was stored"
    );
    let id = hello["messages"][0]["file"]["id"].as_i64().expect("id");
    let (st, bytes) = download(&fx, chat, Some(&token), id).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(bytes, png());
}

#[tokio::test]
async fn spam_is_rate_limited() {
    let fx = Fx::new();
    let chat = add_chat(&fx);
    // New visitors per address.
    let mut tokens = Vec::new();
    for _ in 0..10 {
        tokens.push(visitor(&fx, chat).await);
    }
    let got = init_raw(&fx, chat, Some(SITE), None).await;
    assert_error(
        &(got.0, got.1),
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        "new chats",
    );
    // A known visitor still gets in.
    let (st, _, _) = init_raw(&fx, chat, Some(SITE), Some(&tokens[0])).await;
    assert_eq!(st, StatusCode::OK);
    // Messages per visitor.
    let (mut ws, _) = connect(&fx, chat, &tokens[0]).await;
    for i in 0..20 {
        let f = say(&mut ws, &format!("m{i}"), &format!("spam {i}")).await;
        assert_eq!(f["type"], "ack", "{f}");
    }
    let f = say(&mut ws, "m20", "one too many").await;
    assert_eq!(f["type"], "error");
    assert_eq!(f["code"], "rate_limited");
    let up = upload(&fx, chat, Some(&tokens[0]), "a.png", png()).await;
    assert_eq!(
        up.0,
        StatusCode::TOO_MANY_REQUESTS,
        "a file counts as a message"
    );
    // Files per address (the one above was counted): five more, then refused.
    for _ in 0..5 {
        let up = upload(&fx, chat, Some(&tokens[2]), "a.png", png()).await;
        assert_eq!(up.0, StatusCode::CREATED, "{}", up.1);
    }
    let up = upload(&fx, chat, Some(&tokens[3]), "a.png", png()).await;
    assert_error(&up, StatusCode::TOO_MANY_REQUESTS, "rate_limited", "files");
    // Open sockets per address (one is open above).
    let mut open = Vec::new();
    for _ in 0..19 {
        open.push(connect(&fx, chat, &tokens[1]).await.0);
    }
    match connect_raw(&fx, chat, &tokens[1], SITE).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
            assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
        }
        other => panic!("the 21st socket must be refused: {other:?}"),
    }
    // Closing one frees a slot.
    drop(open.pop());
    until("a closed socket frees its slot", || async {
        connect_raw(&fx, chat, &tokens[1], SITE).await.is_ok()
    })
    .await;
}

#[tokio::test]
async fn malformed_input_gets_a_clear_4xx() {
    let fx = Fx::new();
    let chat = add_chat(&fx);
    let post = |path: String, ct: &'static str, body: &'static str| {
        fx.http
            .post(path)
            .header("Origin", SITE)
            .header("Content-Type", ct)
            .body(body)
            .send()
    };
    let cases = [
        (
            api(&fx, chat, "init"),
            "text/plain",
            "{}",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            api(&fx, chat, "init"),
            "application/json",
            "[]",
            StatusCode::BAD_REQUEST,
        ),
        (
            api(&fx, chat, "init"),
            "application/json",
            "{",
            StatusCode::BAD_REQUEST,
        ),
        (
            api(&fx, chat, "init"),
            "application/json",
            r#"{"token": 5}"#,
            StatusCode::BAD_REQUEST,
        ),
        (
            fx.url("/api/v1/widget/abc/init"),
            "application/json",
            "{}",
            StatusCode::BAD_REQUEST,
        ),
        (
            fx.url("/api/v1/widget/-1/init"),
            "application/json",
            "{}",
            StatusCode::NOT_FOUND,
        ),
        (
            fx.url("/api/v1/widget/99999999999999999999/init"),
            "application/json",
            "{}",
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (path, ct, body, want) in cases {
        let resp = post(path.clone(), ct, body).await.expect("post");
        let (st, got) = common::decode(resp).await;
        assert_eq!(st, want, "{path} {ct} {body}: {got}");
        assert!(got["error"]["message"].is_string(), "{got}");
    }
    // A long token is refused like any bad one (and replaced at init).
    let long = "v".repeat(100_000);
    let (st, body, _) = init_raw(&fx, chat, Some(SITE), Some(&long)).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    // Not a WebSocket.
    let token = visitor(&fx, chat).await;
    let resp = fx
        .http
        .get(format!("{}?token={token}", api(&fx, chat, "ws")))
        .header("Origin", SITE)
        .send()
        .await
        .expect("get");
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    // Bad frames get an error frame and the socket stays usable.
    let (mut ws, _) = connect(&fx, chat, &token).await;
    for bad in [
        "not json",
        r#"{"type":"shout"}"#,
        r#"{"type":"message"}"#,
        "[]",
    ] {
        ws.send(WsMsg::Text(bad.into())).await.expect("send");
        let f = frame_of(&mut ws, "error").await;
        assert_eq!(f["code"], "bad_request", "{bad}: {f}");
    }
    ws.send(WsMsg::Binary(vec![1, 2, 3].into()))
        .await
        .expect("send");
    assert_eq!(frame_of(&mut ws, "error").await["code"], "bad_request");
    for (id, text) in [("e1", "   "), ("", "hi"), (&*"i".repeat(65), "hi")] {
        let f = say(&mut ws, id, text).await;
        assert_eq!(f["type"], "error", "{id:?} {text:?}: {f}");
        assert_eq!(f["code"], "bad_request");
    }
    let f = say(&mut ws, "ok", "still here").await;
    assert_eq!(f["type"], "ack");
    // A frame over 64 KiB ends the socket (1009, or the connection is dropped outright).
    ws.send(WsMsg::Text("x".repeat(70 * 1024).into()))
        .await
        .expect("send");
    let closed = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(Ok(m)) = ws.next().await {
            if let WsMsg::Close(frame) = m {
                return frame.map(|f| u16::from(f.code));
            }
        }
        None
    })
    .await
    .expect("closed in time");
    assert!(matches!(closed, None | Some(1009)), "{closed:?}");
    let (_, hello) = connect(&fx, chat, &token).await;
    assert_eq!(texts(&hello), ["still here"], "nothing else was stored");
}

/// Every widget route: who gets what. `SITE` with a valid token is the visitor; others are a
/// stranger without a token, a forged token, a page on another origin, and no channel.
#[tokio::test]
async fn authorization_matrix_of_the_widget_routes() {
    let fx = Fx::new();
    let chat = add_chat(&fx);
    let token = visitor(&fx, chat).await;
    let upload_ok = upload(&fx, chat, Some(&token), "m.png", png()).await;
    assert_eq!(upload_ok.0, StatusCode::CREATED);
    let (_, hello) = connect(&fx, chat, &token).await;
    let file = hello["messages"][0]["file"]["id"].as_i64().expect("file");
    let forged = format!("v1.{}.{}", "a".repeat(32), "b".repeat(64));

    // (route, method, origin, token) → status
    type Row<'a> = (
        &'a str,
        &'a str,
        Option<&'a str>,
        Option<&'a str>,
        StatusCode,
    );
    let file_path = format!("files/{file}");
    let rows: Vec<Row> = vec![
        ("init", "POST", Some(SITE), None, StatusCode::OK),
        (
            "init",
            "POST",
            Some(OTHER_SITE),
            None,
            StatusCode::FORBIDDEN,
        ),
        ("init", "POST", None, Some(&token), StatusCode::FORBIDDEN),
        ("init", "OPTIONS", Some(SITE), None, StatusCode::NO_CONTENT),
        (
            "init",
            "OPTIONS",
            Some(OTHER_SITE),
            None,
            StatusCode::FORBIDDEN,
        ),
        (
            "files",
            "POST",
            Some(SITE),
            Some(&token),
            StatusCode::CREATED,
        ),
        ("files", "POST", Some(SITE), None, StatusCode::UNAUTHORIZED),
        (
            "files",
            "POST",
            Some(SITE),
            Some(&forged),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "files",
            "POST",
            Some(OTHER_SITE),
            Some(&token),
            StatusCode::FORBIDDEN,
        ),
        ("files", "OPTIONS", Some(SITE), None, StatusCode::NO_CONTENT),
        (&file_path, "GET", Some(SITE), Some(&token), StatusCode::OK),
        (
            &file_path,
            "GET",
            Some(SITE),
            None,
            StatusCode::UNAUTHORIZED,
        ),
        (
            &file_path,
            "GET",
            Some(SITE),
            Some(&forged),
            StatusCode::UNAUTHORIZED,
        ),
        (
            &file_path,
            "GET",
            Some(OTHER_SITE),
            Some(&token),
            StatusCode::FORBIDDEN,
        ),
        (&file_path, "GET", None, Some(&token), StatusCode::FORBIDDEN),
        (
            &file_path,
            "OPTIONS",
            Some(SITE),
            None,
            StatusCode::NO_CONTENT,
        ),
        // Not upgraded: 400 past the gate, 401 without a valid token, 403 off-origin.
        (
            "ws",
            "GET",
            Some(SITE),
            Some(&token),
            StatusCode::BAD_REQUEST,
        ),
        ("ws", "GET", Some(SITE), None, StatusCode::UNAUTHORIZED),
        (
            "ws",
            "GET",
            Some(SITE),
            Some(&forged),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "ws",
            "GET",
            Some(OTHER_SITE),
            Some(&token),
            StatusCode::FORBIDDEN,
        ),
    ];
    for (route, method, origin, tok, want) in rows {
        let mut url = api(&fx, chat, route);
        if route == "ws" {
            if let Some(t) = tok {
                url = format!("{url}?token={t}");
            }
        }
        let mut req = fx.http.request(method.parse().expect("method"), &url);
        if let Some(o) = origin {
            req = req.header("Origin", o);
        }
        if let Some(t) = tok {
            req = req.header("X-Visitor-Token", t);
        }
        req = match (route, method) {
            ("init", "POST") => req.json(&json!({})),
            ("files", "POST") => req.header("X-File-Name", "m.png").body(png()),
            _ => req,
        };
        let st = req.send().await.expect("request").status();
        assert_eq!(
            st,
            want,
            "{method} {route} origin {origin:?} token {}",
            tok.is_some()
        );
    }
    // The widget script is public.
    let st = fx
        .http
        .get(fx.url("/widget.js"))
        .send()
        .await
        .expect("get")
        .status();
    assert_eq!(st, StatusCode::OK);
    // An operator's session opens nothing here: the widget has its own identity.
    let resp = fx
        .http
        .get(api(&fx, chat, &format!("files/{file}")))
        .header("Origin", SITE)
        .header("Authorization", format!("Bearer {}", session(fx.admin)))
        .send()
        .await
        .expect("get");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

/// The visitor's `{"type":"typing"}` frame.
async fn type_(ws: &mut Ws, typing: bool) {
    ws.send(WsMsg::Text(
        json!({"type": "typing", "typing": typing})
            .to_string()
            .into(),
    ))
    .await
    .expect("send");
}

/// The conversation of a stored message, as it is (not started by anyone).
fn conversation_of_message(fx: &Fx, message_id: Id) -> Id {
    fx.db()
        .read_blocking(move |conn| {
            Ok(conn.query_row(
                "SELECT conversation_id FROM messages WHERE id = ?1",
                [message_id],
                |r| r.get::<Id>(0),
            )?)
        })
        .expect("conversation")
}

#[tokio::test]
async fn the_visitors_typing_reaches_the_operators_who_see_the_conversation() {
    let fx = Fx::new();
    let chat = add_chat(&fx);
    let token = visitor(&fx, chat).await;
    let (mut ws, _) = connect(&fx, chat, &token).await;
    let ack = say(&mut ws, "m-1", "Hello?").await;
    let conv = conversation_of_message(&fx, ack["message_id"].as_i64().expect("stored"));
    // Anna (1st line) sees the chat's unassigned conversation; Dave (2nd line) does not.
    let mut anna = fx.events(&session(fx.anna), 0).await;
    let mut dave = fx.events(&session(fx.dave), 0).await;
    frame_of(&mut anna, "hello").await;
    frame_of(&mut dave, "hello").await;

    type_(&mut ws, true).await;
    let t = frame_of(&mut anna, "typing").await;
    assert_eq!(t["conversation_id"], conv, "{t}");
    assert_eq!(t["typing"], true, "{t}");
    let name = t["name"].as_str().expect("name");
    assert!(name.starts_with("Visitor "), "{t}");

    // The message ends it.
    let ack = say(&mut ws, "m-2", "Is anyone there?").await;
    assert_eq!(ack["type"], "ack", "{ack}");
    let t = frame_of(&mut anna, "typing").await;
    assert_eq!(
        t["typing"], false,
        "the stored message ends the typing: {t}"
    );

    // The conversation moves to the 2nd line: from now on Dave hears it, and the first
    // signal he gets is this one (nothing of before reached him).
    let admin = session(fx.admin);
    let moved = fx
        .post_json(
            &admin,
            &format!("/api/v1/conversations/{conv}/actions"),
            json!({"action_id": "to-g2", "action": "assign_group", "group_id": fx.g2}),
        )
        .await;
    assert_eq!(moved.0, StatusCode::OK, "{}", moved.1);
    // The visitor types on: Dave hears it once his view of the conversation arrived.
    loop {
        let f = next_frame(&mut dave).await;
        assert_ne!(
            f["type"], "typing",
            "Dave heard a typing signal before he could see the conversation: {f}"
        );
        if f["type"] == "change" && f["id"] == conv && f["entity"] == "conversation" {
            break;
        }
    }
    type_(&mut ws, true).await;
    let t = frame_of(&mut dave, "typing").await;
    assert_eq!(
        (t["conversation_id"].clone(), t["typing"].clone()),
        (json!(conv), json!(true))
    );
}

#[tokio::test]
async fn typing_signals_are_rate_limited_per_visitor() {
    let fx = Fx::new();
    let chat = add_chat(&fx);
    let token = visitor(&fx, chat).await;
    let (mut ws, _) = connect(&fx, chat, &token).await;
    let (mut other, _) = connect(&fx, chat, &visitor(&fx, chat).await).await;
    for i in 0..60 {
        type_(&mut ws, i % 2 == 0).await;
    }
    type_(&mut ws, true).await;
    let f = frame_of(&mut ws, "error").await;
    assert_eq!(f["code"], "rate_limited", "{f}");
    assert!(
        f["message"].as_str().expect("message").contains("typing"),
        "{f}"
    );
    // Another visitor of the same address types on, and messages still go through.
    type_(&mut other, true).await;
    let ack = say(&mut ws, "m-1", "Still here").await;
    assert_eq!(ack["type"], "ack", "{ack}");
    let ack = say(&mut other, "o-1", "Me too").await;
    assert_eq!(ack["type"], "ack", "no error for the other visitor: {ack}");
}

#[tokio::test]
async fn an_operators_typing_reaches_the_visitors_widget() {
    let fx = Fx::new();
    let chat = add_chat(&fx);
    let token = visitor(&fx, chat).await;
    let (mut ws, _) = connect(&fx, chat, &token).await;
    let ack = say(&mut ws, "m-1", "Hello?").await;
    let conv = conversation_of(&fx, ack["message_id"].as_i64().expect("stored")).await;
    let admin = session(fx.admin);
    let path = format!("/api/v1/conversations/{conv}/typing");

    let got = fx.post_json(&admin, &path, json!({"typing": true})).await;
    assert_eq!(got.0, StatusCode::NO_CONTENT, "{}", got.1);
    let t = frame_of(&mut ws, "typing").await;
    assert_eq!(t, json!({"type": "typing", "typing": true}));
    let got = fx.post_json(&admin, &path, json!({"typing": false})).await;
    assert_eq!(got.0, StatusCode::NO_CONTENT, "{}", got.1);
    let t = frame_of(&mut ws, "typing").await;
    assert_eq!(t["typing"], false);

    // Only who may answer: Anna sees neither the admin's inbox nor is it hers.
    let got = fx
        .post_json(&session(fx.anna), &path, json!({"typing": true}))
        .await;
    assert_error(&got, StatusCode::NOT_FOUND, "not_found", "");
    // Bad input gets a clear 400.
    let got = fx.post_json(&admin, &path, json!({"typing": "yes"})).await;
    assert_eq!(got.0, StatusCode::BAD_REQUEST, "{}", got.1);
    // Another channel's conversation: accepted, heard by nobody.
    let started = fx
        .post_json(
            &admin,
            &format!("/api/v1/conversations/{}/actions", fx.c1),
            json!({"action_id": "start-c1", "action": "start"}),
        )
        .await;
    assert_eq!(started.0, StatusCode::OK, "{}", started.1);
    let got = fx
        .post_json(
            &admin,
            &format!("/api/v1/conversations/{}/typing", fx.c1),
            json!({"typing": true}),
        )
        .await;
    assert_eq!(got.0, StatusCode::NO_CONTENT, "{}", got.1);
}
