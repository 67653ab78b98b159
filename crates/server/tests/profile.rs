//! Client notes, message tags (with their analytics) and the retry of a failed delivery,
//! against the real binary: visibility (404), permissions (403), bad input (400/422), the
//! action log and the change records.

mod common;

use common::{assert_error, session, Fx};
use reqwest::StatusCode;
use serde_json::{json, Value};
use switchboard_protocol::{Delivery, Id, LogAction, LogTarget};
use switchboard_server::storage::{action_log, messages};

async fn start(fx: &Fx, token: &str, conv: Id) {
    let got = fx
        .post_json(
            token,
            &format!("/api/v1/conversations/{conv}/actions"),
            json!({"action_id": format!("start-{conv}-{token}"), "action": "start"}),
        )
        .await;
    assert_eq!(got.0, StatusCode::OK, "{}", got.1);
}

async fn detail(fx: &Fx, token: &str, conv: Id) -> Value {
    let (st, body) = fx
        .get(token, &format!("/api/v1/conversations/{conv}"))
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    body
}

/// Records of `entity` visible to `token` after `after`.
async fn records(fx: &Fx, token: &str, after: i64, entity: &str) -> Vec<Value> {
    let (st, page) = fx
        .get(token, &format!("/api/v1/sync?after={after}&limit=1000"))
        .await;
    assert_eq!(st, StatusCode::OK, "{page}");
    page["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter(|c| c["entity"] == entity)
        .cloned()
        .collect()
}

async fn current_seq(fx: &Fx, token: &str) -> i64 {
    let (_, page) = fx.get(token, "/api/v1/sync?after=0").await;
    page["next"].as_i64().expect("next")
}

#[tokio::test]
async fn notes_are_listed_with_author_and_follow_the_conversation_visibility() {
    let fx = Fx::new();
    let (anna, bob, dave) = (session(fx.anna), session(fx.bob), session(fx.dave));
    let conv = detail(&fx, &anna, fx.c1).await;
    let client = conv["client"]["id"].as_i64().expect("client id");
    let path = format!("/api/v1/clients/{client}/notes");
    let seq = current_seq(&fx, &bob).await;

    let (st, note) = fx
        .post_json(&anna, &path, json!({"text": "  VIP, prefers email  "}))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{note}");
    assert_eq!(note["text"], "VIP, prefers email");
    assert_eq!(note["operator_id"], fx.anna);
    assert_eq!(note["conversation_id"], fx.c1);
    assert!(note["created_at"].as_i64().expect("time") > 0);

    let (st, list) = fx.get(&bob, &path).await;
    assert_eq!(st, StatusCode::OK, "{list}");
    assert_eq!(list.as_array().expect("list").len(), 1);
    // Bob (same group) gets the record; Dave (2nd line) neither the record nor the notes.
    assert_eq!(records(&fx, &bob, seq, "client_note").await.len(), 1);
    assert!(records(&fx, &dave, seq, "client_note").await.is_empty());
    assert_error(
        &fx.get(&dave, &path).await,
        StatusCode::NOT_FOUND,
        "not_found",
        "Client",
    );
    assert_error(
        &fx.post_json(&dave, &path, json!({"text": "x"})).await,
        StatusCode::NOT_FOUND,
        "not_found",
        "Client",
    );
    assert_error(
        &fx.post_json(&fx.other_admin_token, &path, json!({"text": "x"}))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
        "Client",
    );
    assert_error(
        &fx.post_json(&anna, &path, json!({"text": "   "})).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
        "`text`",
    );
    let missing = fx.post_json(&anna, &path, json!({})).await;
    assert_eq!(missing.0, StatusCode::BAD_REQUEST, "{}", missing.1);

    let logged = fx
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
    assert!(logged
        .iter()
        .any(|e| e.action == LogAction::ClientNoteAdded && e.actor_operator_id == Some(fx.anna)));
}

#[tokio::test]
async fn tags_are_created_on_first_use_shared_and_counted() {
    let fx = Fx::new();
    let (admin, anna, bob, dave) = (
        session(fx.admin),
        session(fx.anna),
        session(fx.bob),
        session(fx.dave),
    );
    let m1 = detail(&fx, &anna, fx.c1).await["messages"][0]["id"]
        .as_i64()
        .expect("m1");
    let m2 = detail(&fx, &anna, fx.c2).await["messages"][0]["id"]
        .as_i64()
        .expect("m2");
    let m4 = detail(&fx, &admin, fx.c4).await["messages"][0]["id"]
        .as_i64()
        .expect("m4");
    let seq = current_seq(&fx, &dave).await;

    let (st, tagged) = fx
        .post_json(
            &anna,
            "/api/v1/messages/tags",
            json!({"message_ids": [m1, m2], "tag": " Complaint "}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{tagged}");
    assert_eq!(
        tagged[0],
        json!({"message_id": m1, "conversation_id": fx.c1, "tags": ["Complaint"]})
    );
    // Another case of the same name reuses the tag; a repeat changes nothing.
    let (st, tagged) = fx
        .post_json(
            &bob,
            "/api/v1/messages/tags",
            json!({"message_ids": [m1], "tag": "complaint"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{tagged}");
    assert_eq!(tagged[0]["tags"], json!(["Complaint"]));
    let (st, _) = fx
        .post_json(
            &anna,
            "/api/v1/messages/tags",
            json!({"message_ids": [m1], "tag": "Refund"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);

    let (st, tags) = fx.get(&dave, "/api/v1/tags").await;
    assert_eq!(st, StatusCode::OK, "{tags}");
    let names: Vec<&str> = tags
        .as_array()
        .expect("tags")
        .iter()
        .map(|t| t["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["Complaint", "Refund"]);
    // Dave learns the tag names (company-wide) but not the tagged messages of the 1st line.
    assert_eq!(records(&fx, &dave, seq, "tag").await.len(), 2);
    assert!(records(&fx, &dave, seq, "message_tags").await.is_empty());
    let bob_tags = records(&fx, &bob, seq, "message_tags").await;
    assert_eq!(
        bob_tags.last().expect("record")["data"]["tags"],
        json!(["Complaint", "Refund"])
    );

    // A message the caller may not see refuses the whole request; nothing is tagged.
    assert_error(
        &fx.post_json(
            &dave,
            "/api/v1/messages/tags",
            json!({"message_ids": [m4, m1], "tag": "Spam"}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
        &format!("Message {m1}"),
    );
    assert_error(
        &fx.post_json(
            &fx.other_admin_token,
            "/api/v1/messages/tags",
            json!({"message_ids": [m1], "tag": "x"}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
        "Message",
    );
    assert_error(
        &fx.post_json(
            &anna,
            "/api/v1/messages/tags",
            json!({"message_ids": [], "tag": "x"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
        "`message_ids`",
    );
    assert_error(
        &fx.post_json(
            &anna,
            "/api/v1/messages/tags",
            json!({"message_ids": [m1], "tag": " "}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
        "`tag`",
    );
    let wrong = fx
        .post_json(
            &anna,
            "/api/v1/messages/tags",
            json!({"message_ids": "1", "tag": "x"}),
        )
        .await;
    assert_eq!(wrong.0, StatusCode::BAD_REQUEST, "{}", wrong.1);

    // Analytics: super-admin yes, a plain operator no, the role's view_analytics yes.
    let (st, counts) = fx.get(&admin, "/api/v1/analytics/tags").await;
    assert_eq!(st, StatusCode::OK, "{counts}");
    assert_eq!(
        counts,
        json!([{"tag": "Complaint", "count": 2}, {"tag": "Refund", "count": 1}])
    );
    assert_error(
        &fx.get(&anna, "/api/v1/analytics/tags").await,
        StatusCode::FORBIDDEN,
        "forbidden",
        "View analytics",
    );
    fx.db()
        .write_blocking(|ctx| {
            Ok(ctx.tx.execute(
                "UPDATE roles SET view_analytics = TRUE WHERE name = 'Operator'",
                (),
            )?)
        })
        .expect("grant");
    assert_eq!(
        fx.get(&anna, "/api/v1/analytics/tags").await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_failed_delivery_can_be_retried_by_the_sender_only() {
    let fx = Fx::new();
    let (anna, bob, sue) = (session(fx.anna), session(fx.bob), session(fx.sue));
    start(&fx, &anna, fx.c1).await;
    let msg = fx
        .send_message(&anna, fx.c1, "operator", "Your order ships today")
        .await;
    let note = fx.send_message(&anna, fx.c1, "note", "internal only").await;
    let id = msg["id"].as_i64().expect("id");
    // A note stays inside the company: it is not the conversation's last message (what the
    // client saw last), and it can never be (re)delivered (below).
    let conv = detail(&fx, &anna, fx.c1).await;
    assert_eq!(conv["last_message_preview"], "Your order ships today");
    assert_eq!(
        conv["messages"]
            .as_array()
            .expect("messages")
            .last()
            .expect("note")["kind"],
        "note"
    );
    let path = format!("/api/v1/messages/{id}/retry");

    assert_error(
        &fx.post_json(&anna, &path, json!({})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_state",
        "is sent",
    );
    fx.db()
        .write_blocking(move |ctx| Ok(messages::set_delivery(ctx.tx, id, Delivery::Failed, None)?))
        .expect("fail it");
    let seq = current_seq(&fx, &anna).await;
    // Sue (All tab) sees the conversation but it is in Anna's inbox; Bob no longer sees it.
    assert_error(
        &fx.post_json(&sue, &path, json!({})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        "another operator",
    );
    assert_error(
        &fx.post_json(&bob, &path, json!({})).await,
        StatusCode::NOT_FOUND,
        "not_found",
        "Message",
    );
    assert_error(
        &fx.post_json(&fx.other_admin_token, &path, json!({})).await,
        StatusCode::NOT_FOUND,
        "not_found",
        "Message",
    );
    assert_error(
        &fx.post_json(&anna, "/api/v1/messages/abc/retry", json!({}))
            .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
        "",
    );
    let note_path = format!("/api/v1/messages/{}/retry", note["id"]);
    assert_error(
        &fx.post_json(&anna, &note_path, json!({})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_state",
        "notes",
    );

    let (st, retried) = fx.post_json(&anna, &path, json!({})).await;
    assert_eq!(st, StatusCode::OK, "{retried}");
    assert_eq!(retried["delivery"], "sent");
    // The delivery change reaches the app as a message upsert.
    let ups = records(&fx, &anna, seq, "message").await;
    assert_eq!(ups.len(), 1);
    assert_eq!(ups[0]["data"]["delivery"], "sent");
    let logged = fx
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
    assert!(logged
        .iter()
        .any(|e| e.action == LogAction::DeliveryRetried && e.ip.is_some()));
}
