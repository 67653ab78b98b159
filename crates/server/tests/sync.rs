//! The sync protocol against the real binary: `/sync` (reset, paging, `remove` when a
//! conversation leaves the caller's view), `/snapshot` paging, and the events WebSocket
//! (replay after a seq, then live records).

mod common;

use std::time::Duration;

use common::{assert_error, session, Fx};
use futures_util::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

use common::Ws;

/// The company's current seq, as `/sync?after=0` reports it.
async fn current_seq(fx: &Fx, token: &str) -> i64 {
    let (st, page) = fx.get(token, "/api/v1/sync?after=0").await;
    assert_eq!(st, StatusCode::OK, "{page}");
    assert_eq!(page["reset"], true);
    page["next"].as_i64().expect("next")
}

/// All records after `after` for `token`, following `has_more`; returns them and the last `next`.
async fn pull(fx: &Fx, token: &str, after: i64, limit: i64) -> (Vec<Value>, i64) {
    let mut out = Vec::new();
    let mut next = after;
    loop {
        let (st, page) = fx
            .get(token, &format!("/api/v1/sync?after={next}&limit={limit}"))
            .await;
        assert_eq!(st, StatusCode::OK, "{page}");
        assert_eq!(page["reset"], false);
        out.extend(page["changes"].as_array().expect("changes").iter().cloned());
        let n = page["next"].as_i64().expect("next");
        assert!(n >= next, "next went back");
        next = n;
        if page["has_more"] != true {
            return (out, next);
        }
    }
}

#[tokio::test]
async fn sync_reset_next_and_paging() {
    let fx = Fx::new();
    let anna = session(fx.anna);
    let s0 = current_seq(&fx, &anna).await;
    assert!(s0 > 0);
    let (none, next) = pull(&fx, &anna, s0, 500).await;
    assert!(none.is_empty());
    assert_eq!(next, s0);

    fx.post_form(
        &fx.api,
        "/api/conversations/start",
        &[
            ("conversation_id", fx.c1.to_string()),
            ("operator_id", fx.anna.to_string()),
        ],
    )
    .await;
    fx.post_form(
        &fx.api,
        "/api/conversations/send-message",
        &[
            ("conversation_id", fx.c1.to_string()),
            ("operator_id", fx.anna.to_string()),
            ("text", "On it!".into()),
        ],
    )
    .await;
    // One record per page: has_more until the end.
    let (first, _) = {
        let (_, page) = fx
            .get(&anna, &format!("/api/v1/sync?after={s0}&limit=1"))
            .await;
        assert_eq!(page["has_more"], true);
        assert_eq!(page["changes"].as_array().map(Vec::len), Some(1));
        (page, ())
    };
    assert_eq!(first["changes"][0]["entity"], "conversation");
    assert_eq!(first["changes"][0]["data"]["status"], "inbox");
    let (records, last) = pull(&fx, &anna, s0, 1).await;
    let entities: Vec<&str> = records
        .iter()
        .filter_map(|r| r["entity"].as_str())
        .collect();
    assert_eq!(entities, ["conversation", "message", "conversation"]);
    let seqs: Vec<i64> = records.iter().filter_map(|r| r["seq"].as_i64()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(last, *seqs.last().expect("seq"));
    assert_eq!(records[1]["data"]["text"], "On it!");

    // Ahead of the server (another database): reset. Bad parameters: 400.
    let (_, page) = fx
        .get(&anna, &format!("/api/v1/sync?after={}", last + 1000))
        .await;
    assert_eq!(page["reset"], true);
    assert_eq!(page["next"], last);
    assert_error(
        &fx.get(&anna, "/api/v1/sync?after=abc").await,
        StatusCode::BAD_REQUEST,
        "bad_request",
        "after",
    );
    assert_error(
        &fx.get(&anna, "/api/v1/sync?after=1&limit=0").await,
        StatusCode::BAD_REQUEST,
        "bad_request",
        "limit",
    );
    assert_error(
        &fx.get("nope", "/api/v1/sync?after=1").await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "token",
    );
}

#[tokio::test]
async fn sync_sends_remove_when_a_conversation_leaves_the_group() {
    let fx = Fx::new();
    let (anna, dave, olga) = (session(fx.anna), session(fx.dave), session(fx.olga));
    let s0 = current_seq(&fx, &anna).await;
    let r = fx
        .post_form(
            &fx.api,
            "/api/conversations/assign-group",
            &[
                ("conversation_id", fx.c1.to_string()),
                ("group_id", fx.g2.to_string()),
            ],
        )
        .await;
    assert_eq!(r.0, StatusCode::OK, "{}", r.1);

    let (records, anna_next) = pull(&fx, &anna, s0, 500).await;
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["entity"], "conversation");
    assert_eq!(records[0]["op"], "remove");
    assert_eq!(records[0]["id"], fx.c1);
    assert!(records[0].get("data").is_none());
    for token in [&dave, &olga] {
        let (records, _) = pull(&fx, token, s0, 500).await;
        assert_eq!(records.len(), 1);
        assert_eq!(records[0]["op"], "upsert");
        assert_eq!(records[0]["data"]["group_id"], fx.g2);
    }

    // Records Anna may not see still move her position forward.
    fx.post_form(
        &fx.api,
        "/api/conversations/send-note",
        &[
            ("conversation_id", fx.c4.to_string()),
            ("text", "2nd line only".into()),
        ],
    )
    .await;
    let (records, next) = pull(&fx, &anna, anna_next, 500).await;
    assert!(records.is_empty());
    assert!(next > anna_next);

    // Read states reach only their operator.
    let dave_s = current_seq(&fx, &dave).await;
    let last_msg = fx.seed_get(fx.c4).await["last_client_message_id"].clone();
    let (st, _) = fx
        .post_json(
            &dave,
            &format!("/api/v1/conversations/{}/read", fx.c4),
            json!({"last_read_message_id": last_msg}),
        )
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (records, _) = pull(&fx, &dave, dave_s, 500).await;
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["entity"], "read_state");
    assert_eq!(records[0]["data"]["operator_id"], fx.dave);
    let (records, _) = pull(&fx, &olga, dave_s, 500).await;
    assert!(records.is_empty(), "{records:?}");
}

#[tokio::test]
async fn snapshot_pages_cover_the_visible_conversations() {
    let fx = Fx::new();
    let olga = session(fx.olga);
    let mut ids = Vec::new();
    let mut after = 0;
    let mut pages = 0;
    let seq = current_seq(&fx, &olga).await;
    loop {
        let (st, page) = fx
            .get(&olga, &format!("/api/v1/snapshot?after_id={after}&limit=2"))
            .await;
        assert_eq!(st, StatusCode::OK, "{page}");
        assert_eq!(page["total"], 5);
        assert_eq!(page["seq"], seq);
        pages += 1;
        let convs = page["conversations"].as_array().expect("conversations");
        for c in convs {
            let id = c["id"].as_i64().expect("id");
            assert!(
                page["messages"]
                    .as_array()
                    .expect("messages")
                    .iter()
                    .any(|m| m["conversation_id"] == id),
                "messages of {id} missing"
            );
            ids.push(id);
        }
        match page["next_after_id"].as_i64() {
            Some(n) => after = n,
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(ids, [fx.c1, fx.c2, fx.c3, fx.c4, fx.c5]);
    let (_, anna_page) = fx.get(&session(fx.anna), "/api/v1/snapshot").await;
    assert_eq!(anna_page["total"], 3);
    assert!(anna_page["next_after_id"].is_null());
    let (_, admin_page) = fx.get(&session(fx.admin), "/api/v1/snapshot").await;
    assert_eq!(
        admin_page["total"], 6,
        "the super-admin also sees the blacklisted one"
    );
    assert_error(
        &fx.get(&olga, "/api/v1/snapshot?limit=-1").await,
        StatusCode::BAD_REQUEST,
        "bad_request",
        "limit",
    );

    let (st, dir) = fx.get(&olga, "/api/v1/directory").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(dir["company"]["name"], "Acme");
    assert_eq!(dir["groups"].as_array().map(Vec::len), Some(2));
    assert_eq!(dir["operators"].as_array().map(Vec::len), Some(6));
    assert_eq!(dir["channel_accounts"].as_array().map(Vec::len), Some(2));
    assert_eq!(dir["roles"].as_array().map(Vec::len), Some(2));
}

/// The next text frame as JSON (pings skipped); fails after 5 s.
async fn frame(ws: &mut Ws) -> Value {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .expect("a frame within 5 s")
            .expect("stream open")
            .expect("frame");
        if let Message::Text(t) = msg {
            return serde_json::from_str(t.as_str()).expect("json frame");
        }
    }
}

/// No text frame arrives within `ms`.
async fn quiet(ws: &mut Ws, ms: u64) {
    if let Ok(Some(Ok(Message::Text(t)))) =
        tokio::time::timeout(Duration::from_millis(ms), ws.next()).await
    {
        panic!("unexpected frame {t}");
    }
}

#[tokio::test]
async fn events_replay_then_live() {
    let fx = Fx::new();
    let (anna, dave) = (session(fx.anna), session(fx.dave));
    let s0 = current_seq(&fx, &anna).await;
    // Missed while offline: Anna takes c1.
    fx.post_form(
        &fx.api,
        "/api/conversations/start",
        &[
            ("conversation_id", fx.c1.to_string()),
            ("operator_id", fx.anna.to_string()),
        ],
    )
    .await;

    let mut ws = fx.events(&anna, s0).await;
    let hello = frame(&mut ws).await;
    assert_eq!(hello["type"], "hello");
    // Seqs are strictly increasing but have holes (other companies' records).
    let hello_seq = hello["seq"].as_i64().expect("seq");
    assert!(hello_seq > s0);
    let replayed = frame(&mut ws).await;
    assert_eq!(replayed["type"], "change");
    assert_eq!(replayed["seq"], hello_seq);
    assert_eq!(replayed["data"]["status"], "inbox");
    quiet(&mut ws, 200).await;

    let mut dave_ws = fx.events(&dave, hello_seq).await;
    assert_eq!(frame(&mut dave_ws).await["type"], "hello");

    // Live: a client message arrives in Anna's conversation.
    let (st, _) = fx.inbound(fx.tg, "tg-secret", "t1", "Are you there?").await;
    assert_eq!(st, StatusCode::OK);
    let a = frame(&mut ws).await;
    let b = frame(&mut ws).await;
    assert_eq!(
        (a["entity"].as_str(), b["entity"].as_str()),
        (Some("conversation"), Some("message"))
    );
    assert_eq!(b["data"]["text"], "Are you there?");
    assert!(b["seq"].as_i64() > a["seq"].as_i64());

    // c2 goes to the 2nd line: a remove for Anna, an upsert for Dave.
    fx.post_form(
        &fx.api,
        "/api/conversations/assign-group",
        &[
            ("conversation_id", fx.c2.to_string()),
            ("group_id", fx.g2.to_string()),
        ],
    )
    .await;
    let removed = frame(&mut ws).await;
    assert_eq!(
        (removed["op"].as_str(), removed["id"].as_i64()),
        (Some("remove"), Some(fx.c2))
    );
    let added = frame(&mut dave_ws).await;
    assert_eq!(
        (added["op"].as_str(), added["id"].as_i64()),
        (Some("upsert"), Some(fx.c2))
    );
    // Dave saw nothing of the 1st line's traffic before that.
    assert_eq!(added["data"]["group_id"], fx.g2);

    ws.send(Message::Close(None)).await.expect("close");
}

#[tokio::test]
async fn events_without_position_ask_for_resync_and_reject_plain_http() {
    let fx = Fx::new();
    let anna = session(fx.anna);
    let mut ws = fx.events(&anna, 0).await;
    assert_eq!(frame(&mut ws).await["type"], "hello");
    assert_eq!(frame(&mut ws).await["type"], "resync");
    // Live records still flow.
    fx.post_form(
        &fx.api,
        "/api/conversations/send-note",
        &[
            ("conversation_id", fx.c3.to_string()),
            ("text", "note".into()),
        ],
    )
    .await;
    assert_eq!(frame(&mut ws).await["entity"], "message");

    assert_error(
        &fx.get(&anna, "/api/v1/events?after=1").await,
        StatusCode::BAD_REQUEST,
        "bad_request",
        "WebSocket",
    );
    let url = format!(
        "{}/api/v1/events",
        fx.server.url.replace("http://", "ws://")
    );
    let err = tokio_tungstenite::connect_async(url)
        .await
        .expect_err("no token");
    assert!(err.to_string().contains("401"), "{err}");
}

#[tokio::test]
async fn client_changes_reach_apps_as_conversation_records() {
    let fx = Fx::new();
    let (anna, bob, sue) = (session(fx.anna), session(fx.bob), session(fx.sue));
    let client = fx.seed_get(fx.c3).await["client"]["id"]
        .as_i64()
        .expect("client id");
    let s0 = current_seq(&fx, &anna).await;

    // Rename: the original name is kept.
    let (st, conv) = fx
        .post_json(
            &anna,
            &format!("/api/v1/clients/{client}/rename"),
            json!({"display_name": "Theo (VIP)"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{conv}");
    assert_eq!(conv["client"]["display_name"], "Theo (VIP)");
    assert_eq!(conv["client"]["original_name"], "Theo");
    // Pin: Anna pins to herself; Bob cannot take over or detach.
    let (st, conv) = fx
        .post_json(
            &anna,
            &format!("/api/v1/clients/{client}/pin"),
            json!({"operator_id": fx.anna}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{conv}");
    assert_eq!(conv["client"]["pinned_operator_id"], fx.anna);
    assert_error(
        &fx.post_json(
            &bob,
            &format!("/api/v1/clients/{client}/pin"),
            json!({"operator_id": fx.bob}),
        )
        .await,
        StatusCode::CONFLICT,
        "conflict",
        "pinned to Anna",
    );
    assert_error(
        &fx.post_json(
            &bob,
            &format!("/api/v1/clients/{client}/pin"),
            json!({"operator_id": null}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
        "detach",
    );
    // Blacklist (Sue has the Blacklist tab): the conversation leaves Anna's and Bob's view,
    // stays in Sue's Blacklist tab.
    let (st, _) = fx
        .post_json(
            &sue,
            &format!("/api/v1/clients/{client}/blacklist"),
            json!({"blacklisted": true}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (records, _) = pull(&fx, &anna, s0, 500).await;
    let ops: Vec<&str> = records.iter().filter_map(|r| r["op"].as_str()).collect();
    assert_eq!(ops, ["upsert", "upsert", "remove"]);
    assert!(records.iter().all(|r| r["id"] == fx.c3));
    let (records, _) = pull(&fx, &sue, s0, 500).await;
    assert_eq!(
        records.last().expect("record")["data"]["client"]["blacklisted"],
        true
    );
    // Unlocking needs the Blacklist tab: Bob no longer even sees it; Sue may.
    assert_eq!(
        fx.post_json(
            &bob,
            &format!("/api/v1/clients/{client}/blacklist"),
            json!({"blacklisted": false})
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    let (st, conv) = fx
        .post_json(
            &sue,
            &format!("/api/v1/clients/{client}/blacklist"),
            json!({"blacklisted": false}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(conv["client"]["blacklisted"], false);
    assert_eq!(
        fx.get(&anna, &format!("/api/v1/conversations/{}", fx.c3))
            .await
            .0,
        StatusCode::OK
    );
    assert_error(
        &fx.post_json(
            &anna,
            "/api/v1/clients/999999/rename",
            json!({"display_name": "x"}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
        "Client 999999",
    );
}
