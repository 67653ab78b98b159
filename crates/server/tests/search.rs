//! `GET /api/v1/search` (issue 4, `search`) against the real binary: word-prefix matches on
//! client names and message text, the 3-character minimum, hostile input, and visibility
//! (groups, blacklist, other companies).

mod common;

use common::{assert_error, decode, session, Fx};
use reqwest::StatusCode;
use serde_json::{json, Value};
use switchboard_protocol::Id;

async fn search(fx: &Fx, token: &str, q: &str) -> (StatusCode, Value) {
    let resp = fx
        .http
        .get(fx.url("/api/v1/search"))
        .query(&[("q", q)])
        .header("Authentication", token)
        .send()
        .await
        .expect("GET search");
    decode(resp).await
}

/// Conversation ids of a successful search, in answer order.
async fn found(fx: &Fx, token: &str, q: &str) -> Vec<Id> {
    let (st, body) = search(fx, token, q).await;
    assert_eq!(st, StatusCode::OK, "q={q:?}: {body}");
    body["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|h| h["conversation"]["id"].as_i64().expect("id"))
        .collect()
}

#[tokio::test]
async fn finds_client_names_and_message_text_by_word_prefix() {
    let fx = Fx::new();
    let admin = session(fx.admin);
    // Name: "Tom" by its start; the hit carries no message.
    let (st, body) = search(&fx, &admin, "tom").await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let hits = body["hits"].as_array().expect("hits");
    assert_eq!(hits.len(), 1, "{body}");
    assert_eq!(hits[0]["conversation"]["id"], fx.c1);
    assert_eq!(hits[0]["conversation"]["client"]["display_name"], "Tom");
    assert!(hits[0]["message_id"].is_null(), "{body}");
    // Message text: "Hello, where is my order?" by the start of "order"; the hit names the
    // message and shows its text.
    let (st, body) = search(&fx, &admin, "ord").await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let hits = body["hits"].as_array().expect("hits");
    assert_eq!(hits.len(), 1, "{body}");
    assert_eq!(hits[0]["conversation"]["id"], fx.c1);
    assert!(hits[0]["message_id"].as_i64().is_some(), "{body}");
    let snippet = hits[0]["snippet"].as_str().expect("snippet");
    assert!(snippet.contains("order"), "{snippet}");
    // The middle of a word does not match ("rder", "ello").
    assert_eq!(found(&fx, &admin, "rder").await, Vec::<Id>::new());
    assert_eq!(found(&fx, &admin, "ello").await, Vec::<Id>::new());
    // Several words: all must match (each at a word start); case and diacritics are ignored.
    assert_eq!(found(&fx, &admin, "WHERE ord").await, vec![fx.c1]);
    assert_eq!(found(&fx, &admin, "que tal").await, vec![fx.c3]);
    assert_eq!(found(&fx, &admin, "помо").await, vec![fx.c2]);
}

#[tokio::test]
async fn newest_activity_first_and_limited() {
    let fx = Fx::new();
    let admin = session(fx.admin);
    for (ext, text) in [
        ("t1", "zebra one"),
        ("t2", "zebra two"),
        ("t3", "zebra three"),
    ] {
        let (st, body) = fx.inbound(fx.tg, "tg-secret", ext, text).await;
        assert!(st.is_success(), "{st} {body}");
    }
    assert_eq!(found(&fx, &admin, "zebra").await, vec![fx.c3, fx.c2, fx.c1]);
    let (st, body) = fx.get(&admin, "/api/v1/search?q=zebra&limit=2").await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body["hits"].as_array().expect("hits").len(), 2, "{body}");
    assert_eq!(body["hits"][0]["conversation"]["id"], fx.c3, "{body}");
}

#[tokio::test]
async fn short_or_missing_query_is_422() {
    let fx = Fx::new();
    let admin = session(fx.admin);
    for q in ["", "to", "  to  ", "ab"] {
        assert_error(
            &search(&fx, &admin, q).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_state",
            "at least 3 characters",
        );
    }
    assert_error(
        &fx.get(&admin, "/api/v1/search").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_state",
        "at least 3 characters",
    );
    assert_error(
        &fx.get(&admin, "/api/v1/search?q=tom&limit=0").await,
        StatusCode::BAD_REQUEST,
        "bad_request",
        "limit",
    );
    assert_eq!(
        fx.get("nope", "/api/v1/search?q=tom").await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn hostile_input_never_fails_the_server() {
    let fx = Fx::new();
    let admin = session(fx.admin);
    let long = "ab ".repeat(3400);
    let inputs = [
        "\"\"\"",
        "***",
        "tom*",
        "a\" OR \"b",
        "NEAR(tom",
        "NEAR(tom hello)",
        "(tom)",
        "-tom",
        "tom -hello",
        "^tom",
        "tom:hello",
        "display_name:tom",
        "{display_name}: tom",
        "AND OR NOT",
        "💬💬💬",
        "Привет!!!",
        "\u{0}\u{1}\u{2}",
        "'; DROP TABLE messages; --",
        long.as_str(),
    ];
    for q in inputs {
        let (st, body) = search(&fx, &admin, q).await;
        assert!(
            st == StatusCode::OK || st == StatusCode::UNPROCESSABLE_ENTITY,
            "q={:?}: {st} {body}",
            q.chars().take(40).collect::<String>()
        );
        assert!(body.is_object(), "{body}");
    }
    // Operators are text, and punctuation is dropped by the tokenizer as in the indexed text:
    // "(tom)" and "tom*" find Tom, "-tom" is not a negation.
    assert_eq!(found(&fx, &admin, "(tom)").await, vec![fx.c1]);
    assert_eq!(found(&fx, &admin, "tom*").await, vec![fx.c1]);
    assert_eq!(found(&fx, &admin, "-tom").await, vec![fx.c1]);
    assert_eq!(found(&fx, &admin, "Привет!!!").await, vec![fx.c2]);
    assert_error(
        &search(&fx, &admin, &long).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_state",
        "too long",
    );
    assert_eq!(found(&fx, &admin, "hello").await, vec![fx.c1]);
}

#[tokio::test]
async fn search_shows_only_what_the_list_shows() {
    let fx = Fx::new();
    // Dave (2nd line) does not see the 1st line's Unassigned; Anna (1st line) does.
    assert_eq!(found(&fx, &session(fx.dave), "tom").await, Vec::<Id>::new());
    assert_eq!(
        found(&fx, &session(fx.dave), "hello").await,
        Vec::<Id>::new()
    );
    assert_eq!(found(&fx, &session(fx.dave), "invoice").await, vec![fx.c4]);
    assert_eq!(found(&fx, &session(fx.anna), "tom").await, vec![fx.c1]);
    // The blacklisted client: only for who has the Blacklist tab (Sue, the admin), not Anna.
    assert_eq!(
        found(&fx, &session(fx.anna), "spammer").await,
        Vec::<Id>::new()
    );
    assert_eq!(
        found(&fx, &session(fx.anna), "buy now").await,
        Vec::<Id>::new()
    );
    assert_eq!(
        found(&fx, &session(fx.sue), "spammer").await,
        vec![fx.blacklisted_conv]
    );
    assert_eq!(
        found(&fx, &session(fx.admin), "buy").await,
        vec![fx.blacklisted_conv]
    );
    // Another company's conversation never appears, and the other company sees only its own.
    assert_eq!(
        found(&fx, &session(fx.admin), "oscar").await,
        Vec::<Id>::new()
    );
    assert_eq!(found(&fx, &fx.api, "other company").await, Vec::<Id>::new());
    let other = found(&fx, &fx.other_admin_token, "oscar").await;
    assert_eq!(other, vec![fx.other_conv]);
    assert_eq!(
        found(&fx, &fx.other_admin_token, "hello").await,
        Vec::<Id>::new()
    );
}

#[tokio::test]
async fn new_messages_and_renamed_clients_are_found() {
    let fx = Fx::new();
    let admin = session(fx.admin);
    // A message ingested by the running server is indexed by the trigger, and its conversation
    // comes first (newest activity).
    let (st, body) = fx
        .inbound(fx.tg, "tg-secret", "t3", "Refund for parcel 42 please")
        .await;
    assert!(st.is_success(), "{st} {body}");
    let (st, body) = search(&fx, &admin, "parc").await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body["hits"][0]["conversation"]["id"], fx.c3, "{body}");
    assert!(body["hits"][0]["snippet"]
        .as_str()
        .expect("snippet")
        .contains("parcel"));
    // A note is found too, by whoever sees the conversation.
    let (st, body) = fx
        .post_json(
            &admin,
            &format!("/api/v1/conversations/{}/actions", fx.c5),
            json!({"action": "start", "action_id": "s-1"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let (st, body) = fx
        .post_json(
            &admin,
            &format!("/api/v1/conversations/{}/messages", fx.c5),
            json!({"kind": "note", "text": "Escalated to engineering", "client_msg_id": "n-1"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    assert_eq!(found(&fx, &admin, "escal").await, vec![fx.c5]);
    // Renamed: found under the new name and still under the channel's original name.
    let (_, body) = search(&fx, &admin, "mia").await;
    let client = body["hits"][0]["conversation"]["client"]["id"]
        .as_i64()
        .expect("client id");
    let (st, body) = fx
        .post_json(
            &admin,
            &format!("/api/v1/clients/{client}/rename"),
            json!({"display_name": "Zelda Quartermaine"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(found(&fx, &admin, "quarter").await, vec![fx.c4]);
    assert_eq!(found(&fx, &admin, "mia").await, vec![fx.c4]);
}
