//! Canned responses against the real binary: global vs private, who may edit and delete, bad
//! input, other companies' ids, the action log and the change records the app caches.

mod common;

use common::{assert_error, decode, session, Fx};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use switchboard_protocol::{LogAction, LogTarget};
use switchboard_server::storage::action_log;

async fn call(
    fx: &Fx,
    method: Method,
    token: &str,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = fx
        .http
        .request(method, fx.url(path))
        .header("Authentication", token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    decode(req.send().await.expect("request")).await
}

async fn create(fx: &Fx, token: &str, title: &str, text: &str) -> Value {
    let got = fx
        .post_json(
            token,
            "/api/v1/canned-responses",
            json!({"title": title, "text": text}),
        )
        .await;
    assert_eq!(got.0, StatusCode::CREATED, "{}", got.1);
    got.1
}

async fn titles(fx: &Fx, token: &str) -> Vec<String> {
    let (st, body) = fx.get(token, "/api/v1/canned-responses").await;
    assert_eq!(st, StatusCode::OK, "{body}");
    body.as_array()
        .expect("array")
        .iter()
        .map(|c| c["text"].as_str().expect("text").to_string())
        .collect()
}

/// Canned-response records visible to `token` after `after`: `(id, op)` pairs.
async fn canned_changes(fx: &Fx, token: &str, after: i64) -> Vec<(i64, String)> {
    let (st, page) = fx
        .get(token, &format!("/api/v1/sync?after={after}&limit=1000"))
        .await;
    assert_eq!(st, StatusCode::OK, "{page}");
    page["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter(|c| c["entity"] == "canned_response")
        .map(|c| {
            (
                c["id"].as_i64().expect("id"),
                c["op"].as_str().expect("op").to_string(),
            )
        })
        .collect()
}

async fn current_seq(fx: &Fx, token: &str) -> i64 {
    let (_, page) = fx.get(token, "/api/v1/sync?after=0").await;
    page["next"].as_i64().expect("next")
}

#[tokio::test]
async fn super_admin_answers_are_global_operator_answers_private() {
    let fx = Fx::new();
    let (admin, anna, bob) = (session(fx.admin), session(fx.anna), session(fx.bob));
    let seq = current_seq(&fx, &anna).await;
    let global = create(&fx, &admin, "Greeting", "Hello! How can I help?").await;
    assert_eq!(global["global"], true);
    assert_eq!(global["operator_id"], fx.admin);
    let private = create(&fx, &anna, "Closing", "Anna says bye").await;
    assert_eq!(private["global"], false);

    assert_eq!(
        titles(&fx, &anna).await,
        ["Anna says bye", "Hello! How can I help?"]
    );
    assert_eq!(titles(&fx, &bob).await, ["Hello! How can I help?"]);
    assert_eq!(titles(&fx, &admin).await, ["Hello! How can I help?"]);
    assert!(titles(&fx, &fx.other_admin_token).await.is_empty());

    // Change records: the global one for everyone, the private one only for its author.
    let gid = global["id"].as_i64().expect("id");
    let pid = private["id"].as_i64().expect("id");
    let up = || "upsert".to_string();
    assert_eq!(
        canned_changes(&fx, &anna, seq).await,
        [(gid, up()), (pid, up())]
    );
    assert_eq!(canned_changes(&fx, &bob, seq).await, [(gid, up())]);

    // The action log names the actor.
    let logged = fx
        .db()
        .read_blocking(|c| {
            Ok(action_log::list_for_target(
                c,
                1,
                LogTarget::CannedResponse,
                pid,
            )?)
        })
        .expect("log");
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0].action, LogAction::CannedCreate);
    assert_eq!(logged[0].actor_operator_id, Some(fx.anna));
}

#[tokio::test]
async fn only_the_owner_edits_and_deletes_super_admin_manages_global() {
    let fx = Fx::new();
    let (admin, anna, bob) = (session(fx.admin), session(fx.anna), session(fx.bob));
    let global = create(&fx, &admin, "Greeting", "Hi").await;
    let private = create(&fx, &anna, "Closing", "Bye").await;
    let gpath = format!("/api/v1/canned-responses/{}", global["id"]);
    let ppath = format!("/api/v1/canned-responses/{}", private["id"]);
    let body = || Some(json!({"title": "Closing", "text": "Bye for now"}));

    // Another operator cannot see a private answer at all; an operator may not touch a global one.
    assert_error(
        &call(&fx, Method::PUT, &bob, &ppath, body()).await,
        StatusCode::NOT_FOUND,
        "not_found",
        "not found",
    );
    assert_error(
        &call(&fx, Method::DELETE, &admin, &ppath, None).await,
        StatusCode::NOT_FOUND,
        "not_found",
        "not found",
    );
    assert_error(
        &call(&fx, Method::PUT, &anna, &gpath, body()).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        "super-admin",
    );
    assert_error(
        &call(&fx, Method::DELETE, &anna, &gpath, None).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        "super-admin",
    );
    // Another company's admin: 404 for both.
    assert_error(
        &call(&fx, Method::DELETE, &fx.other_admin_token, &gpath, None).await,
        StatusCode::NOT_FOUND,
        "not_found",
        "not found",
    );

    let (st, edited) = call(&fx, Method::PUT, &anna, &ppath, body()).await;
    assert_eq!(st, StatusCode::OK, "{edited}");
    assert_eq!(edited["text"], "Bye for now");
    let (st, edited) = call(
        &fx,
        Method::PUT,
        &admin,
        &gpath,
        Some(json!({"title": "  Greeting ", "text": "Hello"})),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{edited}");
    assert_eq!(edited["title"], "Greeting");

    let seq = current_seq(&fx, &bob).await;
    let (st, _) = call(&fx, Method::DELETE, &admin, &gpath, None).await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (st, _) = call(&fx, Method::DELETE, &anna, &ppath, None).await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    assert!(titles(&fx, &anna).await.is_empty());
    // Bob's cache learns that the global one is gone; he never heard of the private one.
    let gid = global["id"].as_i64().expect("id");
    assert_eq!(
        canned_changes(&fx, &bob, seq).await,
        [(gid, "remove".to_string())]
    );
    assert_error(
        &call(&fx, Method::DELETE, &anna, &ppath, None).await,
        StatusCode::NOT_FOUND,
        "not_found",
        "not found",
    );
}

#[tokio::test]
async fn bad_input_is_refused_with_a_clear_message() {
    let fx = Fx::new();
    let anna = session(fx.anna);
    let path = "/api/v1/canned-responses";
    assert_error(
        &fx.post_json(&anna, path, json!({"title": " ", "text": "x"}))
            .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
        "`title`",
    );
    assert_error(
        &fx.post_json(&anna, path, json!({"title": "t", "text": "  "}))
            .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
        "`text`",
    );
    assert_error(
        &fx.post_json(&anna, path, json!({"title": "t".repeat(101), "text": "x"}))
            .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
        "`title`",
    );
    assert_error(
        &fx.post_json(&anna, path, json!({"title": "t", "text": "x".repeat(5001)}))
            .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
        "`text`",
    );
    let missing = fx.post_json(&anna, path, json!({"title": "t"})).await;
    assert_eq!(missing.0, StatusCode::BAD_REQUEST, "{}", missing.1);
    let wrong = call(
        &fx,
        Method::PUT,
        &anna,
        "/api/v1/canned-responses/abc",
        Some(json!({"title": "t", "text": "x"})),
    )
    .await;
    assert_eq!(wrong.0, StatusCode::BAD_REQUEST, "{}", wrong.1);
    assert_error(
        &fx.get("nope", path).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "token",
    );
    assert!(titles(&fx, &anna).await.is_empty());
}
