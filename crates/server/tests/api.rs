//! The seed Conversation API and `/api/v1` conversations against the real binary: happy paths,
//! bad input, visibility, ingest, idempotency and the action log.

mod common;

use common::{assert_error, session, Fx};
use reqwest::StatusCode;
use serde_json::json;
use switchboard_protocol::{LogAction, LogTarget};
use switchboard_server::storage::action_log;

#[tokio::test]
async fn seed_movements_change_state_visible_through_get() {
    let fx = Fx::new();
    // start: form body with an id as string, as PHP-style clients send it.
    let (st, body) = fx
        .post_form(
            &fx.api,
            "/api/conversations/start",
            &[
                ("conversation_id", fx.c1.to_string()),
                ("operator_id", fx.anna.to_string()),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["status"], "inbox");
    assert_eq!(body["data"]["operator_id"], fx.anna);
    let got = fx.seed_get(fx.c1).await;
    assert_eq!(got["status"], "inbox");
    assert_eq!(got["operator_id"], fx.anna);
    assert_eq!(got["client"]["original_name"], "Tom");
    assert_eq!(got["messages"][0]["kind"], "client");
    assert!(got["messages"][0]["id"].is_i64() && got["messages"][0]["created_at"].is_i64());

    // close: JSON body.
    let (st, body) = fx
        .post_json(
            &fx.api,
            "/api/conversations/close",
            json!({"conversation_id": fx.c1, "operator_id": fx.anna}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(fx.seed_get(fx.c1).await["status"], "closed");
    assert_eq!(fx.seed_get(fx.c1).await["closed_by"], fx.anna);

    // start from Closed (outgoing restart): query string only, default operator = admin.
    let (st, body) = fx
        .post_form(
            &fx.api,
            &format!("/api/conversations/start?conversation_id={}", fx.c1),
            &[],
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["operator_id"], fx.admin);

    // unassign keeps the last responsible operator and the group.
    let (st, body) = fx
        .post_form(
            &fx.api,
            "/api/conversations/unassign",
            &[
                ("conversation_id", fx.c1.to_string()),
                ("disable_webhook", "1".into()),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let got = fx.seed_get(fx.c1).await;
    assert_eq!(got["status"], "unassigned");
    assert_eq!(got["operator_id"], fx.admin);
    assert_eq!(got["group_id"], fx.g1);

    // assign-operator → that operator's inbox; assign-group → that group's Unassigned.
    let (st, body) = fx
        .post_form(
            &fx.api,
            "/api/conversations/assign-operator",
            &[
                ("conversation_id", fx.c1.to_string()),
                ("operator_id", fx.dave.to_string()),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let got = fx.seed_get(fx.c1).await;
    assert_eq!(
        (got["status"].as_str(), got["operator_id"].as_i64()),
        (Some("inbox"), Some(fx.dave))
    );
    let (st, body) = fx
        .post_json(
            &fx.api,
            "/api/conversations/assign-group",
            json!({"conversation_id": fx.c1.to_string(), "group_id": fx.g2}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let got = fx.seed_get(fx.c1).await;
    assert_eq!(
        (got["status"].as_str(), got["group_id"].as_i64()),
        (Some("unassigned"), Some(fx.g2))
    );

    // Every movement is in the action log, with the token as actor and the flag noted.
    let log = fx
        .db()
        .read_blocking(|c| {
            Ok(action_log::list_for_target(
                c,
                1,
                LogTarget::Conversation,
                fx.c1,
            )?)
        })
        .expect("log");
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "created",
            "start",
            "close",
            "start",
            "unassign",
            "assign_operator",
            "assign_group"
        ]
    );
    assert!(log[1..]
        .iter()
        .all(|e| e.actor_token_id.is_some() && e.ip.as_deref() == Some("127.0.0.1")));
    assert_eq!(log[1].actor_operator_id, Some(fx.anna));
    assert!(log[4].details.webhook_disabled);
    assert_eq!(log[5].details.operator_id, Some(fx.dave));
    assert_eq!(log[6].details.group_id, Some(fx.g2));
}

#[tokio::test]
async fn seed_messages_notes_and_files() {
    let fx = Fx::new();
    let c = fx.c2.to_string();
    // send-message before start → 422.
    let r = fx
        .post_form(
            &fx.api,
            "/api/conversations/send-message",
            &[("conversation_id", c.clone()), ("text", "hi".into())],
        )
        .await;
    assert_error(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_state",
        "Start the conversation first",
    );
    // A note works on any visible conversation.
    let r = fx
        .post_form(
            &fx.api,
            "/api/conversations/send-note",
            &[("conversation_id", c.clone()), ("text", "VIP".into())],
        )
        .await;
    assert_eq!(r.0, StatusCode::OK, "{}", r.1);
    assert_eq!(r.1["data"]["kind"], "note");
    assert_eq!(r.1["data"]["operator_id"], fx.admin);

    let r = fx
        .post_form(
            &fx.api,
            "/api/conversations/start",
            &[
                ("conversation_id", c.clone()),
                ("operator_id", fx.bob.to_string()),
            ],
        )
        .await;
    assert_eq!(r.0, StatusCode::OK);
    let r = fx
        .post_json(&fx.api, "/api/conversations/send-message", json!({"conversation_id": fx.c2, "text": "Здравствуйте! Чем помочь?", "operator_id": fx.bob}))
        .await;
    assert_eq!(r.0, StatusCode::OK, "{}", r.1);
    assert_eq!(r.1["data"]["kind"], "operator");
    assert_eq!(r.1["data"]["delivery"], "sent");
    // The server fetches file_url now (tests/attachments.rs); a host that does not resolve
    // is a clear 422 and stores nothing.
    let r = fx
        .post_form(
            &fx.api,
            "/api/conversations/send-file-message",
            &[
                ("conversation_id", c.clone()),
                ("file_url", "https://files.invalid/a.pdf".into()),
                ("operator_id", fx.bob.to_string()),
            ],
        )
        .await;
    assert_error(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_state",
        "files.invalid",
    );
    let r = fx
        .post_form(
            &fx.api,
            "/api/conversations/send-file-message",
            &[
                ("conversation_id", c.clone()),
                ("file_url", "file:///etc/passwd".into()),
            ],
        )
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "bad_request", "file_url");
    let r = fx
        .post_form(
            &fx.api,
            "/api/conversations/send-message",
            &[("conversation_id", c.clone())],
        )
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "bad_request", "`text`");

    let got = fx.seed_get(fx.c2).await;
    let kinds: Vec<&str> = got["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter_map(|m| m["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["client", "note", "operator"]);
    assert_eq!(got["last_message_from_operator"], true);
    assert_eq!(got["last_message_preview"], "Здравствуйте! Чем помочь?");
}

#[tokio::test]
async fn seed_lists_unassigned_unread_not_answered() {
    let fx = Fx::new();
    let (st, body) = fx.get(&fx.api, "/api/conversations/unassigned").await;
    assert_eq!(st, StatusCode::OK);
    let ids: Vec<i64> = body["data"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|c| c["id"].as_i64())
        .collect();
    // Newest first, blacklisted excluded, other company excluded.
    assert_eq!(ids, [fx.c5, fx.c4, fx.c3, fx.c2, fx.c1]);
    let (_, body) = fx
        .get(
            &fx.api,
            &format!("/api/conversations/unassigned?group_id={}", fx.g2),
        )
        .await;
    assert_eq!(body["data"].as_array().map(Vec::len), Some(2));

    // c3 to anna; the client writes again → unread and not answered for anna.
    fx.post_form(
        &fx.api,
        "/api/conversations/start",
        &[
            ("conversation_id", fx.c3.to_string()),
            ("operator_id", fx.anna.to_string()),
        ],
    )
    .await;
    let (st, _) = fx.inbound(fx.tg, "tg-secret", "t3", "¿Hay alguien?").await;
    assert_eq!(st, StatusCode::OK);
    let (_, body) = fx
        .get(
            &fx.api,
            &format!("/api/conversations/unread?operator_id={}", fx.anna),
        )
        .await;
    assert_eq!(body["data"][0]["id"], fx.c3);
    let (_, body) = fx
        .get(
            &fx.api,
            &format!(
                "/api/conversations/not-answered?operator_id={}&group_id={}",
                fx.anna, fx.g1
            ),
        )
        .await;
    assert_eq!(body["data"].as_array().map(Vec::len), Some(1));
    let (_, body) = fx
        .get(
            &fx.api,
            &format!("/api/conversations/unread?operator_id={}", fx.bob),
        )
        .await;
    assert_eq!(body["data"], json!([]));

    // Anna answers and reads: no longer in either list.
    let (st, _) = fx
        .post_json(
            &session(fx.anna),
            &format!("/api/v1/conversations/{}/messages", fx.c3),
            json!({"client_msg_id": "u-1", "text": "Sí, dime."}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let last_client = fx.seed_get(fx.c3).await["last_client_message_id"].clone();
    let (st, _) = fx
        .post_json(
            &session(fx.anna),
            &format!("/api/v1/conversations/{}/read", fx.c3),
            json!({"last_read_message_id": last_client}),
        )
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (_, body) = fx
        .get(
            &fx.api,
            &format!("/api/conversations/unread?operator_id={}", fx.anna),
        )
        .await;
    assert_eq!(body["data"], json!([]));
    let (_, body) = fx
        .get(
            &fx.api,
            &format!("/api/conversations/not-answered?operator_id={}", fx.anna),
        )
        .await;
    assert_eq!(body["data"], json!([]));
}

#[tokio::test]
async fn seed_bad_input() {
    let fx = Fx::new();
    let start = "/api/conversations/start";
    assert_error(
        &fx.post_form(&fx.api, start, &[]).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
        "conversation_id",
    );
    assert_error(
        &fx.post_form(&fx.api, start, &[("conversation_id", "abc".into())])
            .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
        "conversation_id",
    );
    assert_error(
        &fx.post_json(
            &fx.api,
            start,
            json!({"conversation_id": fx.c1, "operator_id": "x1"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
        "operator_id",
    );
    assert_error(
        &fx.post_json(&fx.api, start, json!({"conversation_id": [1]}))
            .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
        "conversation_id",
    );
    assert_error(
        &fx.post_raw(&fx.api, start, "application/json", "{\"conversation_id\": ")
            .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
        "JSON",
    );
    assert_error(
        &fx.post_raw(&fx.api, start, "text/plain", "conversation_id=1")
            .await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_type",
        "Content-Type",
    );
    assert_error(
        &fx.post_form(&fx.api, start, &[("conversation_id", "999999".into())])
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
        "999999",
    );
    // Another company's conversation: as unknown as a missing one.
    assert_error(
        &fx.post_form(
            &fx.api,
            start,
            &[("conversation_id", fx.other_conv.to_string())],
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
        "not found",
    );
    let r = fx
        .get(
            &fx.other_admin_token,
            &format!("/api/conversations/get?conversation_id={}", fx.c1),
        )
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, "not_found", "not found");
    let r = fx
        .get(
            &fx.api,
            &format!("/api/conversations/get?conversation_id={}", fx.other_conv),
        )
        .await;
    assert_eq!(r.0, StatusCode::NOT_FOUND);
    // Unknown acting operator, and the other company's admin as acting operator.
    assert_error(
        &fx.post_form(
            &fx.api,
            start,
            &[
                ("conversation_id", fx.c1.to_string()),
                ("operator_id", "424242".into()),
            ],
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
        "Operator 424242",
    );
    // Bad and missing tokens.
    assert_error(
        &fx.get("sba_nope", "/api/conversations/unassigned").await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "token",
    );
    let resp = fx
        .http
        .get(fx.url("/api/conversations/unassigned"))
        .send()
        .await
        .expect("get");
    assert_error(
        &common::decode(resp).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "Authentication",
    );
    // Wrong state: close an unassigned conversation; start one taken by someone else.
    assert_error(
        &fx.post_form(
            &fx.api,
            "/api/conversations/close",
            &[("conversation_id", fx.c1.to_string())],
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_state",
        "Start the conversation first",
    );
    fx.post_form(
        &fx.api,
        start,
        &[
            ("conversation_id", fx.c1.to_string()),
            ("operator_id", fx.anna.to_string()),
        ],
    )
    .await;
    let taken = fx
        .post_form(
            &fx.api,
            start,
            &[
                ("conversation_id", fx.c1.to_string()),
                ("operator_id", fx.bob.to_string()),
            ],
        )
        .await;
    assert_error(
        &taken,
        StatusCode::CONFLICT,
        "conflict",
        "already taken by Anna",
    );
    // Who holds it travels as fields too (the app words its own sentence from them).
    assert_eq!(taken.1["error"]["detail"]["kind"], "taken_by");
    assert_eq!(taken.1["error"]["detail"]["operator_id"], fx.anna);
    assert!(taken.1["error"]["detail"]["operator_name"]
        .as_str()
        .is_some_and(|n| n.starts_with("Anna")));
    assert_error(
        &fx.post_form(
            &fx.api,
            "/api/conversations/assign-group",
            &[
                ("conversation_id", fx.c1.to_string()),
                ("group_id", "777".into()),
            ],
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
        "Group 777",
    );
    assert_error(
        &fx.post_form(
            &fx.api,
            "/api/conversations/assign-operator",
            &[("conversation_id", fx.c1.to_string())],
        )
        .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
        "operator_id",
    );
    assert_error(
        &fx.get(&fx.api, "/api/conversations/get").await,
        StatusCode::BAD_REQUEST,
        "bad_request",
        "conversation_id",
    );
    assert_error(
        &fx.get(&fx.api, "/api/conversations/unread?operator_id=abc")
            .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
        "operator_id",
    );
    // Huge bodies: 413 JSON.
    let big = format!("text={}", "a".repeat(2 * 1024 * 1024));
    assert_error(
        &fx.post_raw(
            &fx.api,
            "/api/conversations/send-note",
            "application/x-www-form-urlencoded",
            &big,
        )
        .await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
        "larger",
    );
    // Unknown endpoints and methods answer JSON too.
    assert_eq!(
        fx.get(&fx.api, "/api/conversations/nope").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        fx.get(&fx.api, "/api/conversations/start").await.0,
        StatusCode::METHOD_NOT_ALLOWED
    );
}

#[tokio::test]
async fn body_overrides_query() {
    let fx = Fx::new();
    let r = fx
        .post_form(
            &fx.api,
            &format!(
                "/api/conversations/start?conversation_id={}&operator_id={}",
                fx.c1, fx.anna
            ),
            &[("conversation_id", fx.c2.to_string())],
        )
        .await;
    assert_eq!(r.0, StatusCode::OK, "{}", r.1);
    assert_eq!(r.1["data"]["id"], fx.c2);
    assert_eq!(r.1["data"]["operator_id"], fx.anna);
}

#[tokio::test]
async fn group_visibility_for_operators() {
    let fx = Fx::new();
    let (anna, dave, olga, sue) = (
        session(fx.anna),
        session(fx.dave),
        session(fx.olga),
        session(fx.sue),
    );
    // Unassigned lists: own groups only; no group → all; blacklisted never.
    let ids = |v: &serde_json::Value| -> Vec<i64> {
        v["data"]
            .as_array()
            .expect("list")
            .iter()
            .filter_map(|c| c["id"].as_i64())
            .collect()
    };
    assert_eq!(
        ids(&fx.get(&anna, "/api/conversations/unassigned").await.1),
        [fx.c3, fx.c2, fx.c1]
    );
    assert_eq!(
        ids(&fx.get(&dave, "/api/conversations/unassigned").await.1),
        [fx.c5, fx.c4]
    );
    assert_eq!(
        ids(&fx.get(&olga, "/api/conversations/unassigned").await.1),
        [fx.c5, fx.c4, fx.c3, fx.c2, fx.c1]
    );
    // Dave (2nd line) can neither read nor take a 1st-line conversation.
    assert_eq!(
        fx.get(&dave, &format!("/api/v1/conversations/{}", fx.c1))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        fx.get(
            &dave,
            &format!("/api/conversations/get?conversation_id={}", fx.c1)
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    let r = fx
        .post_form(
            &dave,
            "/api/conversations/start",
            &[("conversation_id", fx.c1.to_string())],
        )
        .await;
    assert_eq!(r.0, StatusCode::NOT_FOUND);
    // An operator's token acts as that operator only.
    let r = fx
        .post_form(
            &anna,
            "/api/conversations/start",
            &[
                ("conversation_id", fx.c1.to_string()),
                ("operator_id", fx.bob.to_string()),
            ],
        )
        .await;
    assert_eq!(r.0, StatusCode::FORBIDDEN);
    // Anna takes c1: Olga no longer sees it; Sue (supervisor, same group) does; Dave doesn't.
    let r = fx
        .post_json(
            &anna,
            &format!("/api/v1/conversations/{}/actions", fx.c1),
            json!({"action_id": "v-1", "action": "start"}),
        )
        .await;
    assert_eq!(r.0, StatusCode::OK, "{}", r.1);
    assert_eq!(
        fx.get(&olga, &format!("/api/v1/conversations/{}", fx.c1))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        fx.get(&sue, &format!("/api/v1/conversations/{}", fx.c1))
            .await
            .0,
        StatusCode::OK
    );
    // The All tab is limited to Sue's groups: a 2nd-line conversation stays hidden.
    assert_eq!(
        fx.get(&sue, &format!("/api/v1/conversations/{}", fx.c4))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    // Blacklist: only the supervisor (All/Blacklist tabs) and the admin see it.
    assert_eq!(
        fx.get(
            &anna,
            &format!("/api/v1/conversations/{}", fx.blacklisted_conv)
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        fx.get(
            &olga,
            &format!("/api/v1/conversations/{}", fx.blacklisted_conv)
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        fx.get(
            &sue,
            &format!("/api/v1/conversations/{}", fx.blacklisted_conv)
        )
        .await
        .0,
        StatusCode::OK
    );
    // Anna may assign only within her groups; Sue (conversations_management) to anyone.
    let r = fx
        .post_json(
            &anna,
            &format!("/api/v1/conversations/{}/actions", fx.c1),
            json!({"action_id": "v-2", "action": "assign_operator", "operator_id": fx.dave}),
        )
        .await;
    assert_error(&r, StatusCode::FORBIDDEN, "forbidden", "your own groups");
    let r = fx
        .post_json(
            &anna,
            &format!("/api/v1/conversations/{}/actions", fx.c1),
            json!({"action_id": "v-3", "action": "assign_operator", "operator_id": fx.bob}),
        )
        .await;
    assert_eq!(r.0, StatusCode::OK, "{}", r.1);
    // Now in Bob's inbox: Anna cannot send there.
    let r = fx
        .post_json(
            &anna,
            &format!("/api/v1/conversations/{}/messages", fx.c1),
            json!({"client_msg_id": "v-m", "text": "hi"}),
        )
        .await;
    assert_eq!(r.0, StatusCode::NOT_FOUND);
    let r = fx
        .post_json(
            &sue,
            &format!("/api/v1/conversations/{}/messages", fx.c1),
            json!({"client_msg_id": "v-m2", "text": "hi"}),
        )
        .await;
    assert_error(&r, StatusCode::FORBIDDEN, "forbidden", "another operator");
    let r = fx
        .post_json(
            &sue,
            &format!("/api/v1/conversations/{}/actions", fx.c1),
            json!({"action_id": "v-4", "action": "assign_operator", "operator_id": fx.dave}),
        )
        .await;
    assert_eq!(r.0, StatusCode::OK, "{}", r.1);
}

#[tokio::test]
async fn v1_idempotent_send_and_action() {
    let fx = Fx::new();
    let anna = session(fx.anna);
    let actions = format!("/api/v1/conversations/{}/actions", fx.c2);
    let r1 = fx
        .post_json(
            &anna,
            &actions,
            json!({"action_id": "a-1", "action": "start"}),
        )
        .await;
    assert_eq!(r1.0, StatusCode::OK, "{}", r1.1);
    // Repeat of the same action id: same answer, nothing done again.
    let r2 = fx
        .post_json(
            &anna,
            &actions,
            json!({"action_id": "a-1", "action": "start"}),
        )
        .await;
    assert_eq!(r2.0, StatusCode::OK);
    assert_eq!(r1.1, r2.1);
    let close = fx
        .post_json(
            &anna,
            &actions,
            json!({"action_id": "a-2", "action": "close"}),
        )
        .await;
    assert_eq!(close.1["status"], "closed");
    let again = fx
        .post_json(
            &anna,
            &actions,
            json!({"action_id": "a-2", "action": "close"}),
        )
        .await;
    assert_eq!(
        again.0,
        StatusCode::OK,
        "a repeated close is not a 422: {}",
        again.1
    );
    let log = fx
        .db()
        .read_blocking(|c| {
            Ok(action_log::list_for_target(
                c,
                1,
                LogTarget::Conversation,
                fx.c2,
            )?)
        })
        .expect("log");
    assert_eq!(
        log.iter().filter(|e| e.action == LogAction::Start).count(),
        1
    );
    assert_eq!(
        log.iter().filter(|e| e.action == LogAction::Close).count(),
        1
    );
    // Bad action bodies.
    assert_error(
        &fx.post_json(&anna, &actions, json!({"action": "start"}))
            .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
        "action_id",
    );
    assert_error(
        &fx.post_json(&anna, &actions, json!({"action_id": "z", "action": "fly"}))
            .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
        "fly",
    );
    assert_error(
        &fx.post_json(
            &anna,
            &actions,
            json!({"action_id": "z", "action": "assign_group"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
        "group_id",
    );

    // Messages: restart, then send twice with one client_msg_id.
    fx.post_json(
        &anna,
        &actions,
        json!({"action_id": "a-3", "action": "start"}),
    )
    .await;
    let msgs = format!("/api/v1/conversations/{}/messages", fx.c2);
    let m1 = fx
        .post_json(
            &anna,
            &msgs,
            json!({"client_msg_id": "m-1", "text": "Hello!"}),
        )
        .await;
    assert_eq!(m1.0, StatusCode::CREATED, "{}", m1.1);
    let m2 = fx
        .post_json(
            &anna,
            &msgs,
            json!({"client_msg_id": "m-1", "text": "Hello!"}),
        )
        .await;
    assert_eq!(m2.0, StatusCode::OK);
    assert_eq!(m1.1, m2.1);
    let note = fx
        .post_json(
            &anna,
            &msgs,
            json!({"client_msg_id": "m-2", "text": "internal", "kind": "note"}),
        )
        .await;
    assert_eq!(note.1["kind"], "note");
    let detail = fx
        .get(&anna, &format!("/api/v1/conversations/{}", fx.c2))
        .await
        .1;
    assert_eq!(detail["messages"].as_array().map(Vec::len), Some(3));
    // History paging: newest page first, oldest first inside.
    let page = fx.get(&anna, &format!("{msgs}?limit=2")).await.1;
    assert_eq!(page["has_more"], true);
    assert_eq!(page["messages"][1]["id"], note.1["id"]);
    let older = fx
        .get(
            &anna,
            &format!("{msgs}?limit=2&before_id={}", page["messages"][0]["id"]),
        )
        .await
        .1;
    assert_eq!(older["has_more"], false);
    assert_eq!(older["messages"].as_array().map(Vec::len), Some(1));
    assert_error(
        &fx.get(&anna, &format!("{msgs}?limit=zero")).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
        "limit",
    );
    assert_error(
        &fx.post_json(&anna, &msgs, json!({"client_msg_id": "m-3", "text": "  "}))
            .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
        "text",
    );
    assert_error(
        &fx.post_json(
            &anna,
            &msgs,
            json!({"client_msg_id": "m-3", "text": "x", "kind": "client"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
        "kind",
    );
    assert_error(
        &fx.post_json(&anna, "/api/v1/conversations/abc/messages", json!({}))
            .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
        "path",
    );
    assert_error(
        &fx.post_json(
            &anna,
            &format!("/api/v1/conversations/{}/read", fx.c2),
            json!({"last_read_message_id": 1}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
        "not in conversation",
    );
}

#[tokio::test]
async fn ingest_routes_new_pinned_and_blacklisted_clients() {
    let fx = Fx::new();
    let (anna, dave, olga) = (session(fx.anna), session(fx.dave), session(fx.olga));
    // New client on the 2nd-line mailbox: Unassigned of the 2nd line.
    let (st, acc) = fx
        .inbound(
            fx.mail,
            "mail-secret",
            "new@x.test",
            "Hi, I need an invoice",
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{acc}");
    let conv = acc["conversation_id"].as_i64().expect("id");
    let got = fx.seed_get(conv).await;
    assert_eq!(
        (got["status"].as_str(), got["group_id"].as_i64()),
        (Some("unassigned"), Some(fx.g2))
    );
    assert_eq!(
        fx.get(&dave, &format!("/api/v1/conversations/{conv}"))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        fx.get(&anna, &format!("/api/v1/conversations/{conv}"))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    // The same client again: same conversation, one more message.
    let (_, again) = fx
        .inbound(fx.mail, "mail-secret", "new@x.test", "Any news?")
        .await;
    assert_eq!(again["conversation_id"], conv);
    assert_eq!(
        fx.seed_get(conv).await["messages"].as_array().map(Vec::len),
        Some(2)
    );

    // A client pinned to Bob goes straight to Bob's inbox.
    let (_, acc) = fx
        .inbound(fx.tg, "tg-secret", &fx.pinned_external_id, "It's me again")
        .await;
    let pinned_conv = acc["conversation_id"].as_i64().expect("id");
    let got = fx.seed_get(pinned_conv).await;
    assert_eq!(
        (got["status"].as_str(), got["operator_id"].as_i64()),
        (Some("inbox"), Some(fx.bob))
    );
    // Closed by Bob, the client writes again: back in Bob's inbox (pinned), not Unassigned.
    let bob = session(fx.bob);
    let r = fx
        .post_json(
            &bob,
            &format!("/api/v1/conversations/{pinned_conv}/actions"),
            json!({"action_id": "p-1", "action": "close"}),
        )
        .await;
    assert_eq!(r.1["status"], "closed");
    fx.inbound(fx.tg, "tg-secret", &fx.pinned_external_id, "One more thing")
        .await;
    assert_eq!(fx.seed_get(pinned_conv).await["status"], "inbox");

    // A closed unpinned conversation reopens into Unassigned of the channel's group.
    let r = fx
        .post_json(
            &anna,
            &format!("/api/v1/conversations/{}/actions", fx.c1),
            json!({"action_id": "r-1", "action": "start"}),
        )
        .await;
    assert_eq!(r.0, StatusCode::OK);
    fx.post_json(
        &anna,
        &format!("/api/v1/conversations/{}/actions", fx.c1),
        json!({"action_id": "r-2", "action": "close"}),
    )
    .await;
    fx.inbound(fx.tg, "tg-secret", "t1", "Back again").await;
    let got = fx.seed_get(fx.c1).await;
    assert_eq!(
        (got["status"].as_str(), got["group_id"].as_i64()),
        (Some("unassigned"), Some(fx.g1))
    );

    // Blacklisted: stored, but no operator without the Blacklist tab sees it.
    let (st, acc) = fx.inbound(fx.tg, "tg-secret", "spam", "more spam").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(acc["conversation_id"], fx.blacklisted_conv);
    assert_eq!(
        fx.get(
            &olga,
            &format!("/api/v1/conversations/{}", fx.blacklisted_conv)
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    let unassigned = fx.get(&olga, "/api/conversations/unassigned").await.1;
    assert!(!unassigned["data"]
        .as_array()
        .expect("list")
        .iter()
        .any(|c| c["id"] == fx.blacklisted_conv));
    assert_eq!(
        fx.seed_get(fx.blacklisted_conv).await["messages"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );

    // Secrets and channels.
    assert_error(
        &fx.inbound(fx.tg, "wrong", "x", "hi").await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "X-Channel-Secret",
    );
    assert_error(
        &fx.inbound(9999, "tg-secret", "x", "hi").await,
        StatusCode::NOT_FOUND,
        "not_found",
        "Channel 9999",
    );
    assert_error(
        &fx.inbound(fx.tg, "tg-secret", "", "hi").await,
        StatusCode::BAD_REQUEST,
        "bad_request",
        "external_id",
    );
    let resp = fx
        .http
        .post(fx.url(&format!("/api/v1/channels/{}/inbound", fx.tg)))
        .header("X-Channel-Secret", "tg-secret")
        .json(&json!({"external_id": "x"}))
        .send()
        .await
        .expect("post");
    assert_error(
        &common::decode(resp).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
        "missing field",
    );
}

#[tokio::test]
async fn openapi_is_public_and_lists_the_seed_api() {
    let fx = Fx::new();
    // Public: fetched without a token.
    let doc = fx.openapi().await;
    for path in [
        "/api/conversations/start",
        "/api/conversations/close",
        "/api/conversations/unassign",
        "/api/conversations/assign-operator",
        "/api/conversations/assign-group",
        "/api/conversations/send-message",
        "/api/conversations/send-file-message",
        "/api/conversations/send-note",
        "/api/conversations/unassigned",
        "/api/conversations/unread",
        "/api/conversations/not-answered",
        "/api/conversations/get",
        "/api/v1/sync",
        "/api/v1/events",
        "/api/v1/channels/{channel_id}/inbound",
        "/api/v1/channels/{channel_id}/telegram",
    ] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} missing from the OpenAPI document"
        );
    }
    assert!(doc["components"]["schemas"]["Conversation"].is_object());
}

#[tokio::test]
async fn garbage_input_never_yields_500_or_plain_text() {
    let fx = Fx::new();
    let anna = session(fx.anna);
    let posts = [
        "/api/conversations/start",
        "/api/conversations/close",
        "/api/conversations/unassign",
        "/api/conversations/assign-operator",
        "/api/conversations/assign-group",
        "/api/conversations/send-message",
        "/api/conversations/send-file-message",
        "/api/conversations/send-note",
        "/api/v1/auth/login",
        "/api/v1/auth/logout",
        "/api/v1/conversations/1/messages",
        "/api/v1/conversations/1/actions",
        "/api/v1/conversations/1/read",
        "/api/v1/conversations/99999999999999999999/actions",
        "/api/v1/channels/1/inbound",
        "/api/v1/channels/-1/inbound",
        "/api/v1/channels/1/telegram",
        "/api/v1/clients/1/rename",
        "/api/v1/clients/1/blacklist",
        "/api/v1/clients/1/pin",
    ];
    let bodies: [(&str, &str); 9] = [
        ("application/json", ""),
        ("application/json", "{"),
        ("application/json", "[]"),
        ("application/json", "null"),
        (
            "application/json",
            r#"{"conversation_id": 1e400, "operator_id": -9223372036854775808, "text": "\u0000"}"#,
        ),
        (
            "application/json",
            r#"{"conversation_id": "9223372036854775808", "action": {"x": 1}, "client_msg_id": "", "text": 5}"#,
        ),
        (
            "application/x-www-form-urlencoded",
            "conversation_id=%FF%FE&text=%00&file_url=javascript:alert(1)",
        ),
        (
            "application/x-www-form-urlencoded",
            "=&&=&conversation_id=1&conversation_id=2",
        ),
        ("multipart/form-data; boundary=x", "--x--"),
    ];
    for token in [fx.api.as_str(), anna.as_str(), "garbage token"] {
        for path in posts {
            for (ctype, body) in bodies {
                let resp = fx
                    .http
                    .post(fx.url(path))
                    .header("Authentication", token)
                    .header("Content-Type", ctype)
                    .body(body.to_string())
                    .send()
                    .await
                    .expect("post");
                let (st, json) = common::decode(resp).await;
                assert!(st.as_u16() < 500, "{path} {ctype} {body:?} → {st} {json}");
                if !st.is_success() {
                    assert!(json["error"]["code"].is_string(), "{path} → {st} {json}");
                }
            }
        }
        for query in [
            "/api/conversations/get?conversation_id=-1",
            "/api/conversations/get?conversation_id=%00",
            "/api/conversations/unassigned?group_id=1e9",
            "/api/conversations/unread?operator_id=&group_id=",
            "/api/conversations/not-answered?operator_id=9223372036854775807",
            "/api/v1/sync?after=-5&limit=99999999",
            "/api/v1/sync?after=9223372036854775807",
            "/api/v1/snapshot?after_id=-9223372036854775808&limit=1000000",
            "/api/v1/conversations/0/messages?before_id=-1&limit=500",
            "/api/v1/conversations/%2e%2e%2f/messages",
            "/api/v1/conversations/1/messages?limit=9223372036854775807",
            "/api/v1/directory?x=%ZZ",
        ] {
            let (st, json) = fx.get(token, query).await;
            assert!(st.as_u16() < 500, "{query} → {st} {json}");
        }
    }
}
