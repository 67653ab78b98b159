//! What the performance work must not break, against the real binary: group commit (many
//! concurrent inbound messages and sends each land exactly once, idempotency holds, a refused
//! one does not spoil its batch, change records stay contiguous and in order) and the
//! recent-first snapshot (newest activity first, nothing missed when a conversation moves
//! while the snapshot is read).

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{assert_error, session, Fx};
use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Every record after `after` for `token`, following `has_more`.
async fn pull(fx: &Fx, token: &str, after: i64) -> Vec<Value> {
    let mut out = Vec::new();
    let mut next = after;
    loop {
        let (st, page) = fx
            .get(token, &format!("/api/v1/sync?after={next}&limit=500"))
            .await;
        assert_eq!(st, StatusCode::OK, "{page}");
        out.extend(page["changes"].as_array().expect("changes").iter().cloned());
        next = page["next"].as_i64().expect("next");
        if page["has_more"] != true {
            return out;
        }
    }
}

async fn current_seq(fx: &Fx, token: &str) -> i64 {
    let (_, page) = fx.get(token, "/api/v1/sync?after=0").await;
    page["next"].as_i64().expect("next")
}

#[tokio::test]
async fn concurrent_ingests_land_exactly_once_in_contiguous_order() {
    let fx = Fx::new();
    let admin = session(fx.admin);
    let s0 = current_seq(&fx, &admin).await;
    const CLIENTS: usize = 6;
    const PER_CLIENT: usize = 25;
    let sends = (0..CLIENTS * PER_CLIENT).map(|i| {
        let (client, n) = (i % CLIENTS, i / CLIENTS);
        let fx = &fx;
        async move {
            let text = format!("load {client} #{n}");
            // Every seventh one has no external id: refused alone inside the group commit
            // (a wrong secret is refused before it), its batch still commits.
            let ext = if i % 7 == 3 {
                String::new()
            } else {
                format!("load-{client}")
            };
            let (st, body) = fx.inbound(fx.tg, "tg-secret", &ext, &text).await;
            (i % 7 == 3, st, body, text)
        }
    });
    let mut accepted = BTreeSet::new();
    for (refused, st, body, text) in join_all(sends).await {
        if refused {
            assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
        } else {
            assert_eq!(st, StatusCode::OK, "{body}");
            assert!(body["message_id"].as_i64().is_some(), "{body}");
            accepted.insert(text);
        }
    }

    let records = pull(&fx, &admin, s0).await;
    // The super-admin sees every record: the stream is the company's records in the database,
    // none missing, in seq order.
    let seqs: Vec<i64> = records
        .iter()
        .map(|r| r["seq"].as_i64().expect("seq"))
        .collect();
    let admin_id = fx.admin;
    let stored: Vec<i64> = fx
        .db()
        .read_blocking(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT seq FROM changes WHERE seq > ?2 AND company_id =
                    (SELECT company_id FROM operators WHERE id = ?1) ORDER BY seq",
            )?;
            let rows = stmt.query_map([admin_id, s0], |r| r.get(0))?;
            Ok(rows.collect::<Result<Vec<i64>, _>>()?)
        })
        .expect("stored seqs");
    assert_eq!(seqs, stored, "every record of the company, in order");
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));

    let messages: Vec<&Value> = records
        .iter()
        .filter(|r| r["entity"] == "message")
        .map(|r| &r["data"])
        .collect();
    let mut seen = BTreeMap::new();
    let mut last_id_per_conversation = BTreeMap::new();
    for m in &messages {
        *seen
            .entry(m["text"].as_str().expect("text").to_owned())
            .or_insert(0) += 1;
        let (conv, id) = (m["conversation_id"].as_i64(), m["id"].as_i64());
        let last = last_id_per_conversation.insert(conv, id);
        assert!(last < Some(id), "message ids grow with seq in {conv:?}");
    }
    assert!(
        seen.values().all(|n| *n == 1),
        "each exactly once: {seen:?}"
    );
    assert_eq!(seen.keys().cloned().collect::<BTreeSet<_>>(), accepted);
    // Each message record follows the upsert of its conversation carrying it as the last.
    for (i, r) in records.iter().enumerate() {
        if r["entity"] == "message" {
            let prev = &records[i - 1];
            assert_eq!(prev["entity"], "conversation");
            assert_eq!(prev["data"]["last_client_message_id"], r["data"]["id"]);
        }
    }
}

#[tokio::test]
async fn concurrent_sends_keep_idempotency() {
    let fx = Fx::new();
    let anna = session(fx.anna);
    let (st, body) = fx
        .post_json(
            &anna,
            &format!("/api/v1/conversations/{}/actions", fx.c2),
            json!({"action_id": "perf-start", "action": "start"}),
        )
        .await;
    assert!(st.is_success(), "{body}");
    let msgs = format!("/api/v1/conversations/{}/messages", fx.c2);
    let sends = (0..24).map(|i| {
        let (fx, anna, msgs) = (&fx, &anna, &msgs);
        async move {
            // Half repeat one key (a retried send), half are distinct.
            let key = if i % 2 == 0 {
                "same-key".to_string()
            } else {
                format!("key-{i}")
            };
            fx.post_json(
                anna,
                msgs,
                json!({"client_msg_id": key, "text": format!("send {key}")}),
            )
            .await
        }
    });
    let replies = join_all(sends).await;
    let mut same = BTreeSet::new();
    let mut created = 0;
    for (i, (st, body)) in replies.iter().enumerate() {
        assert!(st.is_success(), "{st} {body}");
        if *st == StatusCode::CREATED {
            created += 1;
        }
        if i % 2 == 0 {
            same.insert(body["id"].as_i64().expect("id"));
        }
    }
    assert_eq!(same.len(), 1, "one message for the repeated key");
    assert_eq!(
        created, 13,
        "12 distinct keys and the first of the repeated one"
    );
    let conv = fx.seed_get(fx.c2).await;
    assert!(conv.is_object());
}

#[tokio::test]
async fn recent_snapshot_goes_newest_first_and_misses_nothing() {
    let fx = Fx::new();
    let olga = session(fx.olga);
    let mut ids = Vec::new();
    let mut activity = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/snapshot?order=recent&limit=2&cursor={c}"),
            None => "/api/v1/snapshot?order=recent&limit=2".to_string(),
        };
        let (st, page) = fx.get(&olga, &path).await;
        assert_eq!(st, StatusCode::OK, "{page}");
        assert_eq!(page["total"], 5);
        assert!(page["next_after_id"].is_null());
        pages += 1;
        for c in page["conversations"].as_array().expect("conversations") {
            ids.push(c["id"].as_i64().expect("id"));
            activity.push(c["last_message_at"].as_i64().expect("at"));
        }
        if pages == 1 {
            // The oldest conversation gets a message while the snapshot is read: it jumps
            // over the cursor, and must still come (in the tail).
            let (st, body) = fx.inbound(fx.tg, "tg-secret", "t1", "while paging").await;
            assert_eq!(st, StatusCode::OK, "{body}");
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
        assert!(pages < 10, "the snapshot must end");
    }
    let unique: BTreeSet<i64> = ids.iter().copied().collect();
    assert_eq!(
        unique,
        BTreeSet::from([fx.c1, fx.c2, fx.c3, fx.c4, fx.c5]),
        "{ids:?}"
    );
    assert!(
        activity[..4].windows(2).all(|w| w[0] >= w[1]),
        "newest activity first: {activity:?}"
    );
    let last = ids.iter().rposition(|id| *id == fx.c1).expect("c1 sent");
    assert_eq!(
        activity.iter().max(),
        Some(&activity[last]),
        "the moved conversation came with its new message: {activity:?}"
    );

    assert_error(
        &fx.get(&olga, "/api/v1/snapshot?order=recent&cursor=nonsense")
            .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
        "cursor",
    );
    assert_error(
        &fx.get(&olga, "/api/v1/snapshot?order=sideways").await,
        StatusCode::BAD_REQUEST,
        "bad_request",
        "order",
    );
}
