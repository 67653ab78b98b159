//! Settings › Advanced "IP address whitelist" against the real binary: operators' sign-in,
//! requests and events socket are refused from outside the company's list (with a sentence the
//! sign-in screen shows), CIDR ranges of both families match, the super-admin cannot lock
//! themself out without saying so, `X-Forwarded-For` counts only from a trusted proxy, and bad
//! entries get a clear 400 that changes nothing. API tokens are not bound (DESIGN decision in
//! `service/ip_whitelist.rs`).

mod common;

use common::{assert_error, decode, session, Fx, PASSWORD};
use futures_util::StreamExt;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use switchboard_protocol::Id;
use switchboard_server::storage::ip_whitelist;

const REFUSED: &str = "is not allowed by your company's IP whitelist; ask your admin.";

/// A call as `token` (if any), seen as coming from `from` (an `X-Forwarded-For` the server
/// honours only when started with `--trusted-proxy 127.0.0.1`).
async fn call(
    fx: &Fx,
    method: Method,
    path: &str,
    token: Option<&str>,
    from: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = fx.http.request(method, fx.url(path));
    if let Some(t) = token {
        req = req.header("Authorization", format!("Bearer {t}"));
    }
    if let Some(f) = from {
        req = req.header("X-Forwarded-For", f);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    decode(req.send().await.expect("request")).await
}

async fn me(fx: &Fx, token: &str, from: Option<&str>) -> (StatusCode, Value) {
    call(fx, Method::GET, "/api/v1/me", Some(token), from, None).await
}

async fn login(fx: &Fx, email: &str, password: &str, from: &str) -> (StatusCode, Value) {
    let body = json!({"email": email, "password": password});
    call(
        fx,
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(from),
        Some(body),
    )
    .await
}

async fn put_list(fx: &Fx, token: &str, from: Option<&str>, body: Value) -> (StatusCode, Value) {
    let path = "/api/v1/settings/ip-whitelist";
    call(fx, Method::PUT, path, Some(token), from, Some(body)).await
}

/// Sets Acme's list directly in the database (the server reads it on every request).
fn set_list(fx: &Fx, entries: &[&str]) {
    let company = acme(fx);
    let entries: Vec<String> = entries.iter().map(|e| (*e).to_string()).collect();
    fx.db()
        .write_blocking(move |ctx| Ok(ip_whitelist::set(ctx.tx, company, true, &entries)?))
        .expect("set the whitelist");
}

fn acme(fx: &Fx) -> Id {
    let anna = fx.anna;
    fx.db()
        .read_blocking(move |conn| {
            Ok(conn.query_row(
                "SELECT company_id FROM operators WHERE id = ?1",
                [anna],
                |r| r.get(0),
            )?)
        })
        .expect("Acme")
}

fn trusting_localhost() -> Fx {
    Fx::with_server_args(&["--trusted-proxy", "127.0.0.1"])
}

async fn anna_email(fx: &Fx) -> String {
    let (st, me) = me(fx, &session(fx.anna), None).await;
    assert_eq!(st, StatusCode::OK, "{me}");
    me["operator"]["email"].as_str().expect("email").to_string()
}

#[tokio::test]
async fn sign_in_from_outside_is_refused_with_a_sentence_naming_the_address() {
    let fx = trusting_localhost();
    let email = anna_email(&fx).await;
    // The admin works from the office network, which the list includes: no confirmation.
    let admin = session(fx.admin);
    let saved = put_list(
        &fx,
        &admin,
        Some("10.1.2.3"),
        json!({"enabled": true, "entries": ["10.0.0.0/8"]}),
    )
    .await;
    assert_eq!(saved.0, StatusCode::OK, "{}", saved.1);
    assert_eq!(saved.1["your_address"], "10.1.2.3");

    let refused = login(&fx, &email, PASSWORD, "203.0.113.9").await;
    assert_error(
        &refused,
        StatusCode::FORBIDDEN,
        "address_not_allowed",
        &format!("Your address 203.0.113.9 {REFUSED}"),
    );
    // A wrong password from outside learns nothing about the whitelist.
    let wrong = login(&fx, &email, "not the password", "203.0.113.9").await;
    assert_eq!(wrong.0, StatusCode::UNAUTHORIZED, "{}", wrong.1);
    // From the office: signed in.
    let ok = login(&fx, &email, PASSWORD, "10.20.30.40").await;
    assert_eq!(ok.0, StatusCode::OK, "{}", ok.1);
    let token = ok.1["token"].as_str().expect("token").to_string();
    assert_eq!(me(&fx, &token, Some("10.20.30.40")).await.0, StatusCode::OK);
    // The same session taken outside is refused on its next request.
    assert_error(
        &me(&fx, &token, Some("198.51.100.1")).await,
        StatusCode::FORBIDDEN,
        "address_not_allowed",
        &format!("Your address 198.51.100.1 {REFUSED}"),
    );
}

#[tokio::test]
async fn every_request_and_the_events_socket_of_operators_are_refused_outside() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
    use tokio_tungstenite::tungstenite::{Error, Message};
    let fx = Fx::new();
    let anna = session(fx.anna);
    // An events socket opened while the list is off…
    let mut open = fx.events(&anna, 0).await;
    set_list(&fx, &["10.0.0.0/8"]);
    // …is closed with 4403 and the sentence once the list shuts her address out.
    // Frames before it (hello, replay) are skipped; the deadline only bounds a broken run.
    let closed = tokio::time::timeout(std::time::Duration::from_secs(30), async {
        loop {
            match open.next().await {
                Some(Ok(Message::Close(Some(f)))) => {
                    break (u16::from(f.code), f.reason.to_string())
                }
                Some(Ok(_)) => {}
                other => panic!("the socket ended without a close frame: {other:?}"),
            }
        }
    })
    .await;
    let (code, reason) = closed.expect("the open events socket closes");
    assert_eq!(code, 4403);
    assert!(reason.contains("127.0.0.1 is not allowed"), "{reason}");

    // Every kind of request of hers: REST, the seed API, sync.
    for (method, path) in [
        (Method::GET, "/api/v1/me".to_string()),
        (Method::GET, "/api/v1/sync?after=0".into()),
        (Method::GET, format!("/api/v1/conversations/{}", fx.c1)),
        (Method::GET, "/api/conversations/unassigned".into()),
        (Method::POST, "/api/v1/auth/logout".into()),
    ] {
        let got = call(&fx, method.clone(), &path, Some(&anna), None, None).await;
        assert_error(&got, StatusCode::FORBIDDEN, "address_not_allowed", REFUSED);
    }
    // A new events socket is refused at the handshake.
    let url = fx.url("/api/v1/events").replacen("http", "ws", 1);
    let mut req = url.into_client_request().expect("ws request");
    req.headers_mut().insert(
        "Authorization",
        format!("Bearer {anna}").parse().expect("header"),
    );
    match tokio_tungstenite::connect_async(req).await {
        Err(Error::Http(resp)) => {
            assert_eq!(resp.status().as_u16(), 403);
            let body =
                String::from_utf8_lossy(resp.body().as_deref().unwrap_or_default()).into_owned();
            assert!(body.contains(REFUSED), "{body}");
        }
        other => panic!("the events handshake was not refused: {other:?}"),
    }
    // Not bound: API tokens (integrations), and other companies' operators.
    let seed = call(
        &fx,
        Method::GET,
        "/api/conversations/unassigned",
        Some(&fx.api),
        None,
        None,
    )
    .await;
    assert_eq!(seed.0, StatusCode::OK, "{}", seed.1);
    assert_eq!(me(&fx, &fx.other_admin_token, None).await.0, StatusCode::OK);
    // Public routes stay public.
    let doc = fx
        .http
        .get(fx.url("/api/openapi.json"))
        .send()
        .await
        .expect("openapi");
    assert_eq!(doc.status(), StatusCode::OK);
}

#[tokio::test]
async fn addresses_and_cidr_ranges_of_both_families_match() {
    let fx = trusting_localhost();
    // The API token saves it: it is not bound, so nothing to confirm.
    let saved = put_list(
        &fx,
        &fx.api,
        None,
        json!({"enabled": true,
            "entries": ["192.0.2.0/24", "2001:DB8::/32", "198.51.100.7", "2001:db8::1", " 192.0.2.9/24 "]}),
    )
    .await;
    assert_eq!(saved.0, StatusCode::OK, "{}", saved.1);
    // Canonical, sorted, deduplicated.
    assert_eq!(
        saved.1["entries"],
        json!([
            "192.0.2.0/24",
            "198.51.100.7",
            "2001:db8::/32",
            "2001:db8::1"
        ])
    );
    let anna = session(fx.anna);
    for (from, ok) in [
        ("192.0.2.55", true),
        ("::ffff:192.0.2.1", true),
        ("198.51.100.7", true),
        ("2001:db8:1::5", true),
        ("192.0.3.1", false),
        ("198.51.100.8", false),
        ("2001:db9::1", false),
        ("127.0.0.1", false),
    ] {
        let got = me(&fx, &anna, Some(from)).await;
        let want = if ok {
            StatusCode::OK
        } else {
            StatusCode::FORBIDDEN
        };
        assert_eq!(got.0, want, "from {from}: {}", got.1);
    }
}

#[tokio::test]
async fn a_list_without_the_admins_own_address_needs_an_explicit_confirmation() {
    let fx = Fx::new();
    let admin = session(fx.admin);
    let get = || async {
        call(
            &fx,
            Method::GET,
            "/api/v1/settings/ip-whitelist",
            Some(&admin),
            None,
            None,
        )
        .await
    };
    let off = get().await;
    assert_eq!(off.0, StatusCode::OK, "{}", off.1);
    assert_eq!(
        off.1,
        json!({"enabled": false, "entries": [], "your_address": "127.0.0.1"})
    );

    let lockout = json!({"enabled": true, "entries": ["10.0.0.0/8"]});
    let refused = put_list(&fx, &admin, None, lockout.clone()).await;
    assert_error(
        &refused,
        StatusCode::CONFLICT,
        "conflict",
        "does not include your address 127.0.0.1",
    );
    assert_eq!(get().await.1["enabled"], false, "nothing was saved");
    // An explicit `false` is no confirmation either.
    let mut unconfirmed = lockout.clone();
    unconfirmed["confirm_lockout"] = false.into();
    assert_eq!(
        put_list(&fx, &admin, None, unconfirmed).await.0,
        StatusCode::CONFLICT
    );
    // A list that includes the admin's address saves at once; turning it off never asks.
    let with_me = put_list(
        &fx,
        &admin,
        None,
        json!({"enabled": true, "entries": ["10.0.0.0/8", "127.0.0.1"]}),
    )
    .await;
    assert_eq!(with_me.0, StatusCode::OK, "{}", with_me.1);
    let off_again = put_list(&fx, &admin, None, json!({"enabled": false, "entries": []})).await;
    assert_eq!(off_again.0, StatusCode::OK, "{}", off_again.1);
    // Confirmed: saved, and the admin's own session is refused from then on.
    let mut confirmed = lockout;
    confirmed["confirm_lockout"] = true.into();
    let saved = put_list(&fx, &admin, None, confirmed).await;
    assert_eq!(saved.0, StatusCode::OK, "{}", saved.1);
    assert_error(
        &me(&fx, &admin, None).await,
        StatusCode::FORBIDDEN,
        "address_not_allowed",
        REFUSED,
    );
}

#[tokio::test]
async fn x_forwarded_for_counts_only_from_a_trusted_proxy() {
    for (trusted, want) in [(false, StatusCode::FORBIDDEN), (true, StatusCode::OK)] {
        let fx = if trusted {
            trusting_localhost()
        } else {
            Fx::new()
        };
        set_list(&fx, &["203.0.113.0/24"]);
        let got = me(&fx, &session(fx.anna), Some("203.0.113.9")).await;
        assert_eq!(got.0, want, "trusted proxy: {trusted}: {}", got.1);
        if !trusted {
            // The address named is the TCP peer, not what the client claimed.
            assert_error(
                &got,
                StatusCode::FORBIDDEN,
                "address_not_allowed",
                "Your address 127.0.0.1 ",
            );
        }
    }
}

#[tokio::test]
async fn bad_entries_get_a_clear_400_and_change_nothing() {
    let fx = Fx::new();
    let admin = session(fx.admin);
    let good = put_list(
        &fx,
        &admin,
        None,
        json!({"enabled": true, "entries": ["127.0.0.1"]}),
    )
    .await;
    assert_eq!(good.0, StatusCode::OK, "{}", good.1);
    for (entries, needle) in [
        (
            json!(["10.0.0.0/33"]),
            "\"10.0.0.0/33\" is not an IP address or a CIDR range",
        ),
        (
            json!(["127.0.0.1", "office.example"]),
            "\"office.example\" is not",
        ),
        (json!(["1.2.3"]), "\"1.2.3\" is not"),
        (json!(["::/129"]), "\"::/129\" is not"),
        (json!(["2001:db8::zz"]), "\"2001:db8::zz\" is not"),
        (json!([""]), "\"\" is not"),
    ] {
        let got = put_list(
            &fx,
            &admin,
            None,
            json!({"enabled": true, "entries": entries}),
        )
        .await;
        assert_error(&got, StatusCode::BAD_REQUEST, "bad_request", needle);
    }
    let many: Vec<String> = (0..501)
        .map(|i| format!("10.0.{}.{}", i / 250, i % 250))
        .collect();
    let got = put_list(&fx, &admin, None, json!({"enabled": true, "entries": many})).await;
    assert_error(
        &got,
        StatusCode::BAD_REQUEST,
        "bad_request",
        "at most 500 entries",
    );
    let wrong_type = put_list(&fx, &admin, None, json!({"enabled": "yes", "entries": 5})).await;
    assert_eq!(wrong_type.0, StatusCode::BAD_REQUEST, "{}", wrong_type.1);
    let (st, now) = call(
        &fx,
        Method::GET,
        "/api/v1/settings/ip-whitelist",
        Some(&admin),
        None,
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        now["entries"],
        json!(["127.0.0.1"]),
        "the saved list is untouched"
    );
}

#[tokio::test]
async fn only_the_super_admin_sees_or_changes_the_list() {
    let fx = Fx::new();
    let anna = session(fx.anna);
    let got = call(
        &fx,
        Method::GET,
        "/api/v1/settings/ip-whitelist",
        Some(&anna),
        None,
        None,
    )
    .await;
    assert_error(&got, StatusCode::FORBIDDEN, "forbidden", "super-admin");
    let put = put_list(
        &fx,
        &anna,
        None,
        json!({"enabled": true, "entries": ["127.0.0.1"]}),
    )
    .await;
    assert_error(&put, StatusCode::FORBIDDEN, "forbidden", "super-admin");
    // The change is in the action log.
    let admin = session(fx.admin);
    let saved = put_list(
        &fx,
        &admin,
        None,
        json!({"enabled": true, "entries": ["127.0.0.1"]}),
    )
    .await;
    assert_eq!(saved.0, StatusCode::OK, "{}", saved.1);
    let (st, log) = call(
        &fx,
        Method::GET,
        "/api/v1/action-log?action=ip_whitelist_changed",
        Some(&admin),
        None,
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{log}");
    assert_eq!(log["rows"][0]["note"], "IP whitelist on: 127.0.0.1");
    assert_eq!(log["rows"][0]["ip"], "127.0.0.1");
}
