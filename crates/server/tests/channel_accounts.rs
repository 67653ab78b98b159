//! Channel accounts over REST (`/api/v1/channels`) and an operator changing their own password
//! (`PUT /api/v1/me/password`), against the real binary.

mod common;

use common::{assert_error, session, Fx};
use reqwest::{Method, StatusCode};
use serde_json::json;

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

    let (st, first) = fx.inbound(id, &secret, "cli-1", "Hello").await;
    assert_eq!(st, StatusCode::OK, "{first}");
    let conv = first["conversation_id"].as_i64().expect("conversation");

    // Rotating: the old secret stops at once, the new one works.
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
        fx.inbound(id, &secret, "cli-1", "old").await.0,
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
            Some(json!({"name": "X", "callback_url": "not a url"})),
        )
        .await;
    assert_error(
        &bad,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_state",
        "callback URL",
    );
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
                .query_map([id], |r| r.get::<_, String>(0))?
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
