//! Settings › Advanced "Hide personal data from operators" against the real binary: a client's
//! phone, email, username, profile link, channel id and avatar never reach an operator outside
//! the exempt groups — not through REST, the seed API, sync, the snapshot, the events stream,
//! search or the answers of actions — while super-admins and API tokens see everything; saving
//! the setting reaches open streams at once; bad input changes nothing.

mod common;

use common::{assert_error, session, until, Fx, Ws};
use futures_util::StreamExt;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use switchboard_protocol::Id;
use switchboard_server::storage::groups;
use tokio_tungstenite::tungstenite::Message;

const PHONE: &str = "+15550199";
/// What must never be in anything a hidden operator receives.
const SECRETS: [&str; 6] = [
    "5550199",
    "marta.k@",
    "martak",
    "cdn.example",
    "t.me/",
    "5550177",
];

fn leaks(v: &Value) -> Vec<&'static str> {
    let s = v.to_string();
    SECRETS.into_iter().filter(|x| s.contains(x)).collect()
}

/// A message from a client of the fixture's Telegram channel (1st line), with their contact.
async fn client_writes(
    fx: &Fx,
    external_id: &str,
    name: &str,
    contact: Value,
    text: &str,
) -> (StatusCode, Value) {
    let resp = fx
        .http
        .post(fx.url(&format!("/api/v1/channels/{}/inbound", fx.tg)))
        .header("X-Channel-Secret", "tg-secret")
        .json(&json!({"external_id": external_id, "name": name, "text": text, "contact": contact}))
        .send()
        .await
        .expect("inbound");
    common::decode(resp).await
}

fn marta() -> Value {
    json!({
        "phone": PHONE,
        "email": "marta.k@mail.example",
        "username": "@martak",
        "profile_url": "https://t.me/martak",
        "avatar_url": "https://cdn.example/marta.png"
    })
}

/// Two clients of the 1st line: one named by her phone number (the channel sent no name), one
/// with a name.
async fn two_clients(fx: &Fx) -> (Id, Id, Id) {
    let (st, a) = client_writes(fx, PHONE, "", marta(), "Where is parcel 4471?").await;
    assert_eq!(st, StatusCode::OK, "{a}");
    let (st, b) = client_writes(
        fx,
        "+15550177",
        "Hanna Berg",
        json!({"phone": "+15550177"}),
        "My parcel is late",
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let id = |v: &Value, k: &str| v[k].as_i64().expect("id");
    (
        id(&a, "conversation_id"),
        id(&a, "client_id"),
        id(&b, "conversation_id"),
    )
}

async fn set(fx: &Fx, token: &str, body: Value) -> (StatusCode, Value) {
    fx.call(
        token,
        Method::PUT,
        "/api/v1/settings/personal-data",
        Some(body),
    )
    .await
}

async fn ok(fx: &Fx, token: &str, path: &str) -> Value {
    let (st, v) = fx.call(token, Method::GET, path, None).await;
    assert_eq!(st, StatusCode::OK, "{path}: {v}");
    v
}

/// The next text frame as JSON (pings skipped).
async fn next_json(ws: &mut Ws) -> Value {
    loop {
        let m = tokio::time::timeout(std::time::Duration::from_secs(30), ws.next())
            .await
            .expect("a frame in time")
            .expect("socket open")
            .expect("frame");
        if let Message::Text(t) = m {
            return serde_json::from_str(t.as_str()).expect("JSON frame");
        }
    }
}

/// Frames until one satisfies `want`; every frame before it is checked for leaks too when
/// `hidden`.
async fn frame_where(ws: &mut Ws, hidden: bool, want: impl Fn(&Value) -> bool) -> Value {
    loop {
        let f = next_json(ws).await;
        if hidden {
            assert!(leaks(&f).is_empty(), "leaked {:?} in {f}", leaks(&f));
        }
        if want(&f) {
            return f;
        }
    }
}

fn conversation_record(f: &Value, id: Id) -> bool {
    f["type"] == "change" && f["entity"] == "conversation" && f["id"] == id
}

#[tokio::test]
async fn an_operator_outside_the_exempt_groups_gets_no_contact_on_any_path() {
    let fx = Fx::new();
    let (admin, anna) = (session(fx.admin), session(fx.anna));
    let (c, client, c_hanna) = two_clients(&fx).await;
    // Before: everyone who sees the conversation sees the contact.
    let before = ok(&fx, &anna, &format!("/api/v1/conversations/{c}")).await;
    assert_eq!(before["client"]["contact"]["phone"], PHONE);
    assert_eq!(before["client"]["display_name"], PHONE);

    let (st, saved) = set(
        &fx,
        &admin,
        json!({"enabled": true, "hide_avatars": true, "exempt_group_ids": [fx.g2]}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{saved}");
    assert_eq!(saved["exempt_group_ids"], json!([fx.g2]));

    let me = ok(&fx, &anna, "/api/v1/me").await;
    assert_eq!(
        me["hidden_client_data"],
        json!({"contacts": true, "avatars": true})
    );

    // Every read path, as Anna (1st line, not exempt).
    let mut answers = Vec::new();
    for path in [
        format!("/api/v1/conversations/{c}"),
        "/api/v1/snapshot?limit=1000".to_string(),
        "/api/v1/snapshot?order=recent&limit=1000".to_string(),
        "/api/v1/sync?after=1&limit=1000".to_string(),
        format!("/api/conversations/get?conversation_id={c}"),
        "/api/conversations/unassigned".to_string(),
        "/api/v1/search?q=parcel".to_string(),
    ] {
        answers.push((path.clone(), ok(&fx, &anna, &path).await));
    }
    for (path, v) in &answers {
        assert!(leaks(v).is_empty(), "{path} leaked {:?}: {v}", leaks(v));
    }
    let detail = &answers[0].1;
    assert_eq!(
        detail["client"]["display_name"],
        format!("Client #{client}")
    );
    assert_eq!(detail["client"]["external_id"], "");
    assert_eq!(detail["client"]["contact_hidden"], true);
    assert_eq!(detail["client"]["contact"], json!({}));
    let snapshot = &answers[1].1;
    let hanna = snapshot["conversations"]
        .as_array()
        .expect("conversations")
        .iter()
        .find(|x| x["id"] == c_hanna)
        .expect("Hanna's conversation in the snapshot");
    assert_eq!(
        hanna["client"]["display_name"], "Hanna Berg",
        "a name stays"
    );
    let found = answers[6].1["hits"].as_array().expect("hits").len();
    assert!(
        found >= 2,
        "search by message text still works: {}",
        answers[5].1
    );

    // A search by the hidden number, address or username finds nothing.
    for q in ["5550199", "%2B15550199", "martak", "marta.k"] {
        let hits = ok(&fx, &anna, &format!("/api/v1/search?q={q}")).await;
        assert_eq!(hits["hits"], json!([]), "search {q}");
    }

    // The events stream replays the conversation without it.
    let mut ws = fx.events(&anna, 1).await;
    frame_where(&mut ws, true, |f| conversation_record(f, c)).await;

    // Answers of actions carry the client too.
    let (st, started) = fx
        .call(
            &anna,
            Method::POST,
            &format!("/api/v1/conversations/{c}/actions"),
            Some(json!({"action": "start", "action_id": "pd-start"})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{started}");
    assert!(leaks(&started).is_empty(), "{started}");
    let (st, renamed) = fx
        .call(
            &anna,
            Method::POST,
            &format!("/api/v1/clients/{client}/rename"),
            Some(json!({"display_name": "Marta K."})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{renamed}");
    assert!(leaks(&renamed).is_empty(), "{renamed}");
    // Her original name was her number: still hidden under the new name.
    assert_eq!(
        renamed["client"]["original_name"],
        format!("Client #{client}")
    );
    frame_where(&mut ws, true, |f| {
        conversation_record(f, c) && f["data"]["client"]["display_name"] == "Marta K."
    })
    .await;

    // The super-admin and the API token are not affected.
    for token in [&admin, &fx.api] {
        let full = ok(&fx, token, &format!("/api/v1/conversations/{c}")).await;
        assert_eq!(full["client"]["contact"]["phone"], PHONE, "{full}");
        assert_eq!(full["client"]["external_id"], PHONE);
        assert_eq!(
            full["client"]["contact"]["avatar_url"],
            "https://cdn.example/marta.png"
        );
        assert_eq!(full["client"]["original_name"], PHONE);
    }

    // The 1st line exempt: Anna sees it again.
    let (st, _) = set(
        &fx,
        &admin,
        json!({"enabled": true, "hide_avatars": true, "exempt_group_ids": [fx.g1]}),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let again = ok(&fx, &anna, &format!("/api/v1/conversations/{c}")).await;
    assert_eq!(again["client"]["contact"]["phone"], PHONE);
    // Olga (no group) is not in an exempt group.
    let olga = ok(
        &fx,
        &session(fx.olga),
        &format!("/api/v1/conversations/{c_hanna}"),
    )
    .await;
    assert!(leaks(&olga).is_empty(), "{olga}");
}

#[tokio::test]
async fn avatars_alone_follow_their_own_switch() {
    let fx = Fx::new();
    let (c, _, _) = two_clients(&fx).await;
    let (st, _) = set(
        &fx,
        &session(fx.admin),
        json!({"enabled": true, "hide_avatars": false}),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let v = ok(
        &fx,
        &session(fx.anna),
        &format!("/api/v1/conversations/{c}"),
    )
    .await;
    assert_eq!(
        v["client"]["contact"],
        json!({"avatar_url": "https://cdn.example/marta.png"})
    );
}

#[tokio::test]
async fn saving_the_setting_reaches_open_streams_at_once() {
    let fx = Fx::new();
    let (admin, anna) = (session(fx.admin), session(fx.anna));
    let (c, _, c_hanna) = two_clients(&fx).await;
    // Both sockets replay up to the last record (Hanna's conversation), then are live.
    let mut anna_ws = fx.events(&anna, 1).await;
    frame_where(&mut anna_ws, false, |f| conversation_record(f, c_hanna)).await;
    let mut admin_ws = fx.events(&admin, 1).await;
    frame_where(&mut admin_ws, false, |f| conversation_record(f, c_hanna)).await;

    let (st, _) = set(&fx, &admin, json!({"enabled": true, "hide_avatars": true})).await;
    assert_eq!(st, StatusCode::OK);
    // Her own record tells her app to ask `me` again (and rebuild its cache).
    let anna_id = fx.anna;
    frame_where(&mut anna_ws, true, |f| {
        f["type"] == "change" && f["entity"] == "operator" && f["id"] == anna_id
    })
    .await;

    let (st, _) = client_writes(&fx, PHONE, "", marta(), "Any news?").await;
    assert_eq!(st, StatusCode::OK);
    let seen = frame_where(&mut anna_ws, true, |f| conversation_record(f, c)).await;
    assert_eq!(seen["data"]["client"]["contact_hidden"], true);
    let full = frame_where(&mut admin_ws, false, |f| conversation_record(f, c)).await;
    assert_eq!(full["data"]["client"]["contact"]["phone"], PHONE);
}

#[tokio::test]
async fn bad_settings_and_bad_contacts_are_refused_and_change_nothing() {
    let fx = Fx::new();
    let admin = session(fx.admin);
    let foreign = fx
        .db()
        .write_blocking(|ctx| {
            let other: Id = ctx.tx.query_row(
                "SELECT company_id FROM operators WHERE email = 'boss@other.test'",
                (),
                |r| r.get(0),
            )?;
            Ok(groups::insert(ctx.tx, other, "Theirs", "#000000")?)
        })
        .expect("another company's group");
    for g in [foreign, 999_999] {
        let got = set(
            &fx,
            &admin,
            json!({"enabled": true, "hide_avatars": false, "exempt_group_ids": [g]}),
        )
        .await;
        let needle = format!("Group {g} does not exist");
        assert_error(
            &got,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_state",
            &needle,
        );
    }
    let (st, body) = set(
        &fx,
        &admin,
        json!({"enabled": "yes", "hide_avatars": false}),
    )
    .await;
    assert!(st.is_client_error(), "{st} {body}");
    let now = ok(&fx, &admin, "/api/v1/settings/personal-data").await;
    assert_eq!(
        now,
        json!({"enabled": false, "hide_avatars": false, "exempt_group_ids": []})
    );
    // Not a super-admin: 403 (the matrix checks every kind of caller).
    let (st, _) = set(
        &fx,
        &session(fx.sue),
        json!({"enabled": false, "hide_avatars": false}),
    )
    .await;
    assert_eq!(st, StatusCode::FORBIDDEN);

    // A channel's contact: links must be web addresses, fields bounded; nothing is stored.
    for (contact, needle) in [
        (
            json!({"profile_url": "javascript:alert(1)"}),
            "contact.profile_url",
        ),
        (
            json!({"avatar_url": "file:///etc/passwd"}),
            "contact.avatar_url",
        ),
        (json!({"phone": "1".repeat(201)}), "contact.phone"),
        (json!({"email": "a\u{0}b@x"}), "contact.email"),
    ] {
        let got = client_writes(&fx, "bad-contact", "Bad", contact, "hi").await;
        assert_error(&got, StatusCode::BAD_REQUEST, "bad_request", needle);
    }
    let stored: i64 = fx
        .db()
        .read_blocking(|c| {
            Ok(c.query_row(
                "SELECT COUNT(*) FROM clients WHERE external_id = 'bad-contact'",
                (),
                |r| r.get(0),
            )?)
        })
        .expect("count");
    assert_eq!(stored, 0);

    // A later message that tells only an email keeps the phone it told before.
    let (st, a) = client_writes(&fx, PHONE, "", json!({"phone": PHONE}), "one").await;
    assert_eq!(st, StatusCode::OK, "{a}");
    let (st, _) = client_writes(
        &fx,
        PHONE,
        "",
        json!({"email": " new@mail.example "}),
        "two",
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let c = a["conversation_id"].as_i64().expect("id");
    until("the merged contact", || async {
        let v = ok(&fx, &admin, &format!("/api/v1/conversations/{c}")).await;
        v["client"]["contact"] == json!({"phone": PHONE, "email": "new@mail.example"})
    })
    .await;
}
