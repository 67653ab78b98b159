//! Channel accounts over REST (`/api/v1/channels`) and an operator changing their own password
//! (`PUT /api/v1/me/password`), against the real binary.

mod common;

use common::{assert_error, session, Fx};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use switchboard_server::storage::clients;

#[tokio::test]
async fn the_admin_adds_a_custom_channel_rotates_its_secret_and_disables_it() {
    let fx = Fx::new();
    let admin = session(fx.admin);
    let made = fx
        .call(
            &admin,
            Method::POST,
            "/api/v1/channels",
            Some(json!({"name": "Shop app", "group_id": fx.g1})),
        )
        .await;
    assert_eq!(made.0, StatusCode::CREATED, "{}", made.1);
    let id = made.1["channel"]["id"].as_i64().expect("id");
    let secret = made.1["secret"].as_str().expect("secret").to_string();
    assert_eq!(made.1["channel"]["group_id"], fx.g1);
    assert_eq!(made.1["channel"]["disabled"], false);

    // The secret is shown once: the list never has it, nor the kind's settings.
    let (st, list) = fx.call(&admin, Method::GET, "/api/v1/channels", None).await;
    assert_eq!(st, StatusCode::OK);
    let text = list.to_string();
    assert!(!text.contains(&secret) && !text.contains("tg-secret") && !text.contains("config"));
    assert!(list
        .as_array()
        .expect("list")
        .iter()
        .any(|c| c["id"] == id && c["name"] == "Shop app"));
    // One channel: the same record, without the secret; another company's is not there.
    let (st, one) = fx
        .call(&admin, Method::GET, &format!("/api/v1/channels/{id}"), None)
        .await;
    assert_eq!(st, StatusCode::OK, "{one}");
    assert_eq!(one["name"], "Shop app");
    assert!(!one.to_string().contains(&secret));
    let (st, _) = fx
        .call(
            &fx.other_admin_token,
            Method::GET,
            &format!("/api/v1/channels/{id}"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    let (st, first) = fx.inbound(id, &secret, "cli-1", "Hello").await;
    assert_eq!(st, StatusCode::OK, "{first}");
    let conv = first["conversation_id"].as_i64().expect("conversation");

    // Rotating: the old secret stops at once (though it opened the channel a moment ago), the
    // new one works.
    let (st, rotated) = fx
        .call(
            &admin,
            Method::POST,
            &format!("/api/v1/channels/{id}/secret"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{rotated}");
    let new_secret = rotated["secret"].as_str().expect("secret").to_string();
    assert_ne!(new_secret, secret);
    assert_eq!(
        fx.inbound(id, &secret, "cli-1", "sent with the old secret")
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        fx.inbound(id, &new_secret, "cli-1", "new").await.0,
        StatusCode::OK
    );

    // Renamed, moved, disabled: inbound messages are refused with a sentence, nothing stored,
    // and its conversation stays readable.
    let (st, patched) = fx
        .call(
            &admin,
            Method::PATCH,
            &format!("/api/v1/channels/{id}"),
            Some(json!({"name": "Shop", "group_id": fx.g2, "disabled": true})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{patched}");
    assert_eq!(patched["name"], "Shop");
    assert_eq!(patched["group_id"], fx.g2);
    let refused = fx.inbound(id, &new_secret, "cli-1", "while off").await;
    assert_error(
        &refused,
        StatusCode::FORBIDDEN,
        "forbidden",
        "This channel is disabled",
    );
    let (st, msgs) = fx
        .get(&admin, &format!("/api/v1/conversations/{conv}/messages"))
        .await;
    assert_eq!(st, StatusCode::OK, "{msgs}");
    assert!(!msgs.to_string().contains("while off"));
    assert!(!msgs.to_string().contains("sent with the old secret"));
    assert!(msgs.to_string().contains("Hello"));

    // Enabled again, it takes messages.
    let (st, _) = fx
        .call(
            &admin,
            Method::PATCH,
            &format!("/api/v1/channels/{id}"),
            Some(json!({"disabled": false})),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        fx.inbound(id, &new_secret, "cli-1", "back").await.0,
        StatusCode::OK
    );

    // Bad input: clear 4xx, nothing changed.
    let bad = fx
        .call(
            &admin,
            Method::POST,
            "/api/v1/channels",
            Some(json!({"name": " "})),
        )
        .await;
    assert_error(&bad, StatusCode::BAD_REQUEST, "bad_request", "channel name");
    let bad = fx
        .call(
            &admin,
            Method::POST,
            "/api/v1/channels",
            Some(json!({"name": "X", "settings": {"callback_url": "not a url"}})),
        )
        .await;
    assert_error(
        &bad,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_state",
        "callback URL",
    );
    // Where it was before `settings`: refused, not dropped.
    let bad = fx
        .call(
            &admin,
            Method::POST,
            "/api/v1/channels",
            Some(json!({"name": "X", "callback_url": "https://crm.test/hook"})),
        )
        .await;
    assert!(bad.0.is_client_error(), "{bad:?}");
    assert!(bad.1.to_string().contains("callback_url"), "{bad:?}");
    let bad = fx
        .call(
            &admin,
            Method::POST,
            &format!("/api/v1/channels/{}/secret", fx.tg),
            None,
        )
        .await;
    assert_error(
        &bad,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_state",
        "Custom app",
    );
    // An operator without "manage settings" gets a sentence, not the list.
    let anna = fx
        .call(&session(fx.anna), Method::GET, "/api/v1/channels", None)
        .await;
    assert_error(&anna, StatusCode::FORBIDDEN, "forbidden", "manage settings");
    // The action log has the three kinds of rows.
    let rows = fx
        .db()
        .read_blocking(move |conn| {
            Ok(conn
                .prepare(
                    "SELECT action FROM action_log WHERE target_type = 'channel' AND target_id = ?1",
                )?
                .query_map([id], |r| r.get::<String>(0))?
                .collect::<Result<Vec<_>, _>>()?)
        })
        .expect("log");
    for action in [
        "channel_created",
        "channel_secret_rotated",
        "channel_updated",
    ] {
        assert!(rows.iter().any(|r| r == action), "{action} in {rows:?}");
    }
}

#[tokio::test]
async fn an_operator_changes_their_own_password_and_their_other_sessions_end() {
    let fx = Fx::new();
    let login = |password: &'static str| {
        let req = fx
            .http
            .post(fx.url("/api/v1/auth/login"))
            .json(&json!({"email": "anna@acme.test", "password": password}));
        async move { common::decode(req.send().await.expect("login")).await }
    };
    let (st, here) = login(common::PASSWORD).await;
    assert_eq!(st, StatusCode::OK, "{here}");
    let here = here["token"].as_str().expect("token").to_string();
    let (_, other) = login(common::PASSWORD).await;
    let other = other["token"].as_str().expect("token").to_string();
    let change = |current: &str, new: &str| {
        fx.call(
            &here,
            Method::PUT,
            "/api/v1/me/password",
            Some(json!({"current_password": current, "new_password": new})),
        )
    };

    let wrong = change("not-mine", "a-long-new-one").await;
    assert_error(
        &wrong,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_state",
        "current password is not right",
    );
    let short = change(common::PASSWORD, "short").await;
    assert_error(
        &short,
        StatusCode::BAD_REQUEST,
        "bad_request",
        "8 characters",
    );
    // Neither changed anything: the other session still works.
    assert_eq!(fx.get(&other, "/api/v1/me").await.0, StatusCode::OK);

    let (st, body) = change(common::PASSWORD, "a-long-new-one").await;
    assert_eq!(st, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(
        fx.get(&here, "/api/v1/me").await.0,
        StatusCode::OK,
        "this app stays in"
    );
    assert_eq!(
        fx.get(&other, "/api/v1/me").await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(login(common::PASSWORD).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(login("a-long-new-one").await.0, StatusCode::OK);

    // An API token has no password.
    let api = fx
        .call(
            &fx.api,
            Method::PUT,
            "/api/v1/me/password",
            Some(json!({"current_password": "x", "new_password": "a-long-new-one"})),
        )
        .await;
    assert_error(&api, StatusCode::FORBIDDEN, "forbidden", "API token");
}

/// The channels of Acme, as the admin's list shows them.
async fn list(fx: &Fx, token: &str) -> Vec<Value> {
    let (st, list) = fx.call(token, Method::GET, "/api/v1/channels", None).await;
    assert_eq!(st, StatusCode::OK, "{list}");
    list.as_array().expect("list").clone()
}

async fn create(fx: &Fx, token: &str, body: Value) -> (StatusCode, Value) {
    fx.call(token, Method::POST, "/api/v1/channels", Some(body))
        .await
}

/// Where the company's change stream stands now.
async fn seq_now(fx: &Fx, token: &str) -> i64 {
    let (st, body) = fx.get(token, "/api/v1/sync?after=0&limit=1").await;
    assert_eq!(st, StatusCode::OK, "{body}");
    body["next"].as_i64().expect("next")
}

/// The change records the apps get after `seq`.
async fn changes_since(fx: &Fx, token: &str, seq: i64) -> Vec<Value> {
    let (st, body) = fx
        .get(token, &format!("/api/v1/sync?after={seq}&limit=1000"))
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body["reset"], false, "{body}");
    body["changes"].as_array().expect("changes").clone()
}

const BOT_TOKEN: &str = "123456789:AAH-secret_bot_token";
const MAIL_PASSWORD: &str = "mailbox-pa55word";

#[tokio::test]
async fn the_admin_adds_every_kind_with_the_checks_of_channel_add_and_never_sees_a_secret_again() {
    let fx = Fx::new();
    let admin = session(fx.admin);
    let seq = seq_now(&fx, &admin).await;
    // Closed ports: the listeners try and retry quietly; nothing leaves the machine.
    let tg = create(
        &fx,
        &admin,
        json!({"name": "Bot", "kind": "telegram", "group_id": fx.g1,
            "settings": {"bot_token": BOT_TOKEN, "api_url": "http://127.0.0.1:9"}}),
    )
    .await;
    assert_eq!(tg.0, StatusCode::CREATED, "{}", tg.1);
    assert_eq!(tg.1["channel"]["kind"], "telegram");
    let mail = create(
        &fx,
        &admin,
        json!({"name": "Support mailbox", "kind": "email", "settings": {
            "address": "support@acme.test",
            "imap_url": format!("imap+plain://support:{MAIL_PASSWORD}@127.0.0.1:9"),
            "smtp_url": format!("smtp://support:{MAIL_PASSWORD}@127.0.0.1:9")}}),
    )
    .await;
    assert_eq!(mail.0, StatusCode::CREATED, "{}", mail.1);
    let chat = create(
        &fx,
        &admin,
        json!({"name": "Shop chat", "kind": "livechat", "tags": ["EU"],
            "settings": {"origins": ["https://Shop.example.com/"]}}),
    )
    .await;
    assert_eq!(chat.0, StatusCode::CREATED, "{}", chat.1);
    assert_eq!(chat.1["channel"]["tags"], json!(["EU"]));
    let chat_id = chat.1["channel"]["id"].as_i64().expect("id");
    // The widget of the new LiveChat channel answers a page of the origin given, normalized.
    let init = fx
        .http
        .post(fx.url(&format!("/api/v1/widget/{chat_id}/init")))
        .header("Origin", "https://shop.example.com")
        .json(&json!({"token": null}))
        .send()
        .await
        .expect("init");
    assert_eq!(init.status(), StatusCode::OK);
    // No kind means a Custom app.
    let custom = create(&fx, &admin, json!({"name": "App"})).await;
    assert_eq!(custom.0, StatusCode::CREATED, "{}", custom.1);
    assert_eq!(custom.1["channel"]["kind"], "custom");

    // Write-only: no list, change record or log row carries a bot token or a password.
    let all = list(&fx, &admin).await;
    let names: Vec<_> = all.iter().map(|c| c["name"].clone()).collect();
    for n in ["Bot", "Support mailbox", "Shop chat", "App"] {
        assert!(names.contains(&json!(n)), "{n} in {names:?}");
    }
    let (_, log) = fx.get(&admin, "/api/v1/action-log?limit=100").await;
    let changes = changes_since(&fx, &admin, seq).await;
    assert_eq!(
        changes
            .iter()
            .filter(|c| c["entity"] == "channel_account")
            .count(),
        4,
        "the apps are told of each: {changes:?}"
    );
    for text in [
        json!(all).to_string(),
        json!(changes).to_string(),
        log.to_string(),
        tg.1.to_string(),
        mail.1.to_string(),
    ] {
        assert!(
            !text.contains("AAH-secret") && !text.contains(MAIL_PASSWORD),
            "{text}"
        );
        assert!(
            !text.contains("imap") && !text.contains("127.0.0.1:9"),
            "{text}"
        );
    }

    // Bad input: the CLI's sentences in the API's words, 422, and no channel made.
    let before = list(&fx, &admin).await.len();
    for (body, needle) in [
        (json!({"name": "X", "kind": "telegram"}), "needs bot_token"),
        (
            json!({"name": "X", "kind": "custom", "settings": {"bot_token": BOT_TOKEN}}),
            "A custom channel does not take bot_token",
        ),
        (
            json!({"name": "X", "kind": "email", "settings": {"address": "a@acme.test",
                "imap_url": "imaps://u:p@x.test", "smtp_url": "smtp://x.test", "origins": ["https://a.test"]}}),
            "An email channel does not take origins",
        ),
        (
            json!({"name": "X", "kind": "email", "settings": {"address": "a@acme.test",
                "imap_url": format!("pop3://u:{MAIL_PASSWORD}@x.test"), "smtp_url": "smtp://x.test"}}),
            "imap_url must be",
        ),
        (
            json!({"name": "X", "kind": "livechat"}),
            "at least one allowed origin",
        ),
        (
            json!({"name": "X", "kind": "livechat", "settings": {"origins": ["https://a.test/shop"]}}),
            "no path",
        ),
        (
            json!({"name": "X", "kind": "whatsapp"}),
            "cannot be added yet",
        ),
        (json!({"name": "X", "tags": [" "]}), "1 to 50 characters"),
    ] {
        let got = create(&fx, &admin, body.clone()).await;
        assert_error(
            &got,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_state",
            needle,
        );
        assert!(!got.1.to_string().contains(MAIL_PASSWORD), "{}", got.1);
    }
    let unknown = create(&fx, &admin, json!({"name": "X", "kind": "pigeon"})).await;
    assert_eq!(unknown.0, StatusCode::BAD_REQUEST, "{}", unknown.1);
    // Refused before anything is checked: an operator without the permission learns nothing.
    let anna = create(
        &fx,
        &session(fx.anna),
        json!({"name": "X", "kind": "telegram"}),
    )
    .await;
    assert_error(&anna, StatusCode::FORBIDDEN, "forbidden", "manage settings");
    assert_eq!(list(&fx, &admin).await.len(), before, "nothing was made");
}

#[tokio::test]
async fn a_channel_s_settings_change_with_the_same_checks_and_a_web_chat_keeps_its_visitors() {
    let fx = Fx::new();
    let admin = session(fx.admin);
    let chat = create(
        &fx,
        &admin,
        json!({"name": "Shop chat", "kind": "livechat",
            "settings": {"origins": ["https://shop.example.com"]}}),
    )
    .await;
    assert_eq!(chat.0, StatusCode::CREATED, "{}", chat.1);
    let id = chat.1["channel"]["id"].as_i64().expect("id");
    let config = |fx: &Fx| {
        fx.db()
            .read_blocking(move |conn| {
                Ok(conn.query_row(
                    "SELECT config FROM channel_accounts WHERE id = ?1",
                    [id],
                    |r| r.get::<String>(0),
                )?)
            })
            .map(|t| serde_json::from_str::<Value>(&t).expect("json"))
            .expect("config")
    };
    let key = config(&fx)["token_key"].clone();
    let path = format!("/api/v1/channels/{id}");

    let foreign = fx
        .call(
            &admin,
            Method::PATCH,
            &path,
            Some(json!({"name": "Renamed", "settings": {"bot_token": BOT_TOKEN}})),
        )
        .await;
    assert_error(
        &foreign,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_state",
        "A livechat channel does not take bot_token",
    );
    assert!(
        list(&fx, &admin)
            .await
            .iter()
            .any(|c| c["name"] == "Shop chat"),
        "nothing changed"
    );

    let (st, patched) = fx
        .call(
            &admin,
            Method::PATCH,
            &path,
            Some(json!({"settings": {"origins": ["https://shop.example.org"]}})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{patched}");
    let now = config(&fx);
    assert_eq!(now["origins"], json!(["https://shop.example.org"]));
    assert_eq!(now["token_key"], key, "visitors' tokens stay valid");
    let init = |origin: &'static str| {
        fx.http
            .post(fx.url(&format!("/api/v1/widget/{id}/init")))
            .header("Origin", origin)
            .json(&json!({"token": null}))
            .send()
    };
    assert_eq!(
        init("https://shop.example.org")
            .await
            .expect("init")
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        init("https://shop.example.com")
            .await
            .expect("init")
            .status(),
        StatusCode::FORBIDDEN
    );

    // A bot in webhook mode: new settings keep it there (its poller could not read updates
    // while Telegram holds the webhook).
    let bot = create(
        &fx,
        &admin,
        json!({"name": "Hooked bot", "kind": "telegram", "settings": {"bot_token": BOT_TOKEN,
            "api_url": "http://127.0.0.1:9", "webhook_url": "http://127.0.0.1:9"}}),
    )
    .await;
    assert_eq!(bot.0, StatusCode::CREATED, "{}", bot.1);
    let bot_path = format!("/api/v1/channels/{}", bot.1["channel"]["id"]);
    let to_polling = fx
        .call(
            &admin,
            Method::PATCH,
            &bot_path,
            Some(json!({"settings": {"bot_token": "42:NEW", "api_url": "http://127.0.0.1:9"}})),
        )
        .await;
    assert_error(
        &to_polling,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_state",
        "This bot gets its updates by webhook; give webhook_url again",
    );
    let (st, body) = fx
        .call(
            &admin,
            Method::PATCH,
            &bot_path,
            Some(
                json!({"settings": {"bot_token": "42:NEW", "api_url": "http://127.0.0.1:9",
                "webhook_url": "http://127.0.0.1:9"}}),
            ),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");

    // A Custom app's callback URL, checked as on creation.
    let app = create(&fx, &admin, json!({"name": "App"})).await;
    let app_id = app.1["channel"]["id"].as_i64().expect("id");
    let bad = fx
        .call(
            &admin,
            Method::PATCH,
            &format!("/api/v1/channels/{app_id}"),
            Some(json!({"settings": {"callback_url": "ftp://x.test"}})),
        )
        .await;
    assert_error(
        &bad,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_state",
        "callback URL",
    );
}

#[tokio::test]
async fn tags_are_trimmed_deduplicated_bounded_and_reach_the_apps() {
    let fx = Fx::new();
    let admin = session(fx.admin);
    let path = format!("/api/v1/channels/{}", fx.tg);
    let seq = seq_now(&fx, &admin).await;
    // A channel made before tags existed reads with none.
    let tg = list(&fx, &admin)
        .await
        .into_iter()
        .find(|c| c["id"] == fx.tg)
        .expect("tg");
    assert_eq!(tg["tags"], json!([]));

    let (st, patched) = fx
        .call(
            &admin,
            Method::PATCH,
            &path,
            Some(json!({"tags": ["  EU ", "VIP line", "eu", "Vip Line"]})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{patched}");
    assert_eq!(patched["tags"], json!(["EU", "VIP line"]));
    let tg = list(&fx, &admin)
        .await
        .into_iter()
        .find(|c| c["id"] == fx.tg)
        .expect("tg");
    assert_eq!(tg["tags"], json!(["EU", "VIP line"]));
    let changes = json!(changes_since(&fx, &admin, seq).await).to_string();
    assert!(
        changes.contains("VIP line"),
        "the change reaches the apps: {changes}"
    );

    let long = "x".repeat(51);
    let many: Vec<String> = (0..21).map(|i| format!("tag {i}")).collect();
    let repeats: Vec<String> = (0..2000).map(|_| "EU".to_string()).collect();
    for (tags, needle) in [
        (json!([""]), "1 to 50 characters"),
        (json!([long]), "51 characters"),
        (json!(["ok", "line\nbreak"]), "Tag 2 holds a line break"),
        (json!(many), "at most 20 tags"),
    ] {
        let got = fx
            .call(
                &admin,
                Method::PATCH,
                &path,
                Some(json!({"name": "Changed", "tags": tags})),
            )
            .await;
        assert_error(
            &got,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_state",
            needle,
        );
    }
    // Repeats in any number are one tag; 50 characters (of any script) are fine.
    let fifty = "ü".repeat(50);
    let mut tags = repeats;
    tags.push(fifty.clone());
    let (st, patched) = fx
        .call(&admin, Method::PATCH, &path, Some(json!({"tags": tags})))
        .await;
    assert_eq!(st, StatusCode::OK, "{patched}");
    assert_eq!(patched["tags"], json!(["EU", fifty]));
    assert_eq!(
        patched["name"], "bot",
        "the refused patches changed nothing"
    );
    let (st, cleared) = fx
        .call(&admin, Method::PATCH, &path, Some(json!({"tags": []})))
        .await;
    assert_eq!((st, cleared["tags"].clone()), (StatusCode::OK, json!([])));
}

#[tokio::test]
async fn a_channel_without_conversations_is_deleted_and_one_with_conversations_is_kept() {
    let fx = Fx::new();
    let admin = session(fx.admin);
    let made = create(&fx, &admin, json!({"name": "Trial app"})).await;
    assert_eq!(made.0, StatusCode::CREATED, "{}", made.1);
    let id = made.1["channel"]["id"].as_i64().expect("id");
    let secret = made.1["secret"].as_str().expect("secret").to_string();

    // Another company's channel does not exist for Acme's admin.
    let other = fx
        .db()
        .read_blocking(|conn| {
            Ok(conn.query_row(
                "SELECT id FROM channel_accounts WHERE secret = 'other-secret'",
                (),
                |r| r.get::<i64>(0),
            )?)
        })
        .expect("other company's channel");
    for (method, body) in [
        (Method::DELETE, None),
        (Method::PATCH, Some(json!({"tags": ["x"]}))),
    ] {
        let got = fx
            .call(&admin, method, &format!("/api/v1/channels/{other}"), body)
            .await;
        assert_error(&got, StatusCode::NOT_FOUND, "not_found", "not found");
    }
    // Without the permission: 403, the channel stays.
    let anna = fx
        .call(
            &session(fx.anna),
            Method::DELETE,
            &format!("/api/v1/channels/{id}"),
            None,
        )
        .await;
    assert_error(&anna, StatusCode::FORBIDDEN, "forbidden", "manage settings");

    // A channel with conversations is refused with the count, and nothing is lost.
    let (_, before) = fx
        .get(&admin, &format!("/api/v1/conversations/{}/messages", fx.c1))
        .await;
    let refused = fx
        .call(
            &admin,
            Method::DELETE,
            &format!("/api/v1/channels/{}", fx.tg),
            None,
        )
        .await;
    assert_error(
        &refused,
        StatusCode::CONFLICT,
        "conflict",
        "has 4 conversations; disable it instead so they stay readable",
    );
    let (st, after) = fx
        .get(&admin, &format!("/api/v1/conversations/{}/messages", fx.c1))
        .await;
    assert_eq!((st, after), (StatusCode::OK, before));
    assert!(list(&fx, &admin).await.iter().any(|c| c["id"] == fx.tg));
    assert_eq!(
        fx.inbound(fx.tg, "tg-secret", "t1", "still here").await.0,
        StatusCode::OK
    );

    // A client that never wrote (pinned ahead of their first message) does not keep it.
    fx.db()
        .write_blocking(move |ctx| {
            let company: i64 = ctx.tx.query_row(
                "SELECT company_id FROM channel_accounts WHERE id = ?1",
                [id],
                |r| r.get(0),
            )?;
            clients::insert(ctx.tx, company, id, "early", "Early bird", 0)?;
            Ok(())
        })
        .expect("a client without a conversation");
    let seq = seq_now(&fx, &admin).await;
    // The unused one goes: gone from the list, its secret no longer opens anything, the apps
    // are told, the log has it.
    let (st, body) = fx
        .call(
            &admin,
            Method::DELETE,
            &format!("/api/v1/channels/{id}"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT, "{body}");
    assert!(!list(&fx, &admin).await.iter().any(|c| c["id"] == id));
    let inbound = fx.inbound(id, &secret, "c1", "Hello?").await;
    let unknown = fx.inbound(999_999, &secret, "c1", "Hello?").await;
    assert_eq!(inbound.0, StatusCode::NOT_FOUND, "{inbound:?}");
    assert_eq!(
        inbound.1["error"]["code"], unknown.1["error"]["code"],
        "as an unknown channel"
    );
    let changes = changes_since(&fx, &admin, seq).await;
    let removed = changes
        .iter()
        .any(|c| c["id"] == id && c["op"] == "remove" && c["entity"] == "channel_account");
    assert!(removed, "{changes:?}");
    let again = fx
        .call(
            &admin,
            Method::DELETE,
            &format!("/api/v1/channels/{id}"),
            None,
        )
        .await;
    assert_eq!(again.0, StatusCode::NOT_FOUND);
    let (_, log) = fx.get(&admin, "/api/v1/action-log?limit=100").await;
    let deleted = log["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["action"] == "channel_deleted" && r["target_id"] == id)
        .unwrap_or_else(|| panic!("a channel_deleted row: {log}"));
    assert_eq!(deleted["note"], "Deleted the channel account \"Trial app\"");
    assert_eq!(
        deleted["target_name"],
        Value::Null,
        "the channel is gone; the note names it"
    );
}
