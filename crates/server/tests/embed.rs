//! Settings › Advanced › Iframe integration against the real binary: the super-admin's
//! settings, links made by an API token (a CRM) for one conversation, the view they open
//! (framed only by the listed origins), and everything a link must not open.

mod common;

use common::{session, Fx};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use switchboard_server::auth::hmac_sha256_hex;
use switchboard_server::storage::iframe;

async fn call(
    fx: &Fx,
    token: Option<&str>,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut req = fx.http.request(method, fx.url(path));
    if let Some(t) = token {
        req = req.header("Authorization", format!("Bearer {t}"));
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    req.send().await.expect("request")
}

fn csp(resp: &reqwest::Response) -> String {
    resp.headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

async fn turn_on(fx: &Fx) {
    let admin = session(fx.admin);
    let resp = call(
        fx,
        Some(&admin),
        Method::PUT,
        "/api/v1/settings/iframe",
        Some(json!({"enabled": true, "origins": ["https://CRM.example.com/", "https://crm.example.com"], "link_minutes": 30})),
    )
    .await;
    let (st, saved) = common::decode(resp).await;
    assert_eq!(st, StatusCode::OK, "{saved}");
    assert_eq!(
        saved["origins"],
        json!(["https://crm.example.com"]),
        "checked and deduplicated"
    );
}

/// A link made by the API token (the CRM) for `conv`.
async fn link(fx: &Fx, conv: i64) -> String {
    let (st, made) = common::decode(
        call(
            fx,
            Some(&fx.api),
            Method::POST,
            &format!("/api/v1/conversations/{conv}/embed"),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{made}");
    made["path"].as_str().expect("path").to_string()
}

#[tokio::test]
async fn only_the_super_admin_sets_it_and_it_starts_off() {
    let fx = Fx::new();
    let admin = session(fx.admin);
    let (st, s) = common::decode(
        call(
            &fx,
            Some(&admin),
            Method::GET,
            "/api/v1/settings/iframe",
            None,
        )
        .await,
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        s,
        json!({"enabled": false, "origins": [], "link_minutes": 60})
    );
    // Off: no link is made.
    let (st, body) = common::decode(
        call(
            &fx,
            Some(&fx.api),
            Method::POST,
            &format!("/api/v1/conversations/{}/embed", fx.c1),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body.to_string().contains("iframe integration is off"),
        "{body}"
    );
    // Operators may not change it, nor make links.
    let anna = session(fx.anna);
    let put = json!({"enabled": true, "origins": ["https://crm.example.com"], "link_minutes": 30});
    assert_eq!(
        call(
            &fx,
            Some(&anna),
            Method::PUT,
            "/api/v1/settings/iframe",
            Some(put)
        )
        .await
        .status(),
        StatusCode::FORBIDDEN
    );
    turn_on(&fx).await;
    assert_eq!(
        call(
            &fx,
            Some(&anna),
            Method::POST,
            &format!("/api/v1/conversations/{}/embed", fx.c1),
            None
        )
        .await
        .status(),
        StatusCode::FORBIDDEN
    );
    // Bad settings: a clear 4xx, nothing saved.
    let on_without_origin = json!({"enabled": true, "origins": [], "link_minutes": 30});
    let (st, got) = common::decode(
        call(
            &fx,
            Some(&admin),
            Method::PUT,
            "/api/v1/settings/iframe",
            Some(on_without_origin),
        )
        .await,
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{got}");
    assert!(got.to_string().contains("at least one origin"), "{got}");
    for (body, needle) in [
        // A wildcard would let any site frame it.
        (
            json!({"enabled": true, "origins": ["https://*"], "link_minutes": 30}),
            "only letters, digits, dots and dashes",
        ),
        (
            json!({"enabled": true, "origins": ["crm.example.com"], "link_minutes": 30}),
            "is not an origin",
        ),
        (
            json!({"enabled": true, "origins": ["https://crm.example.com/path"], "link_minutes": 30}),
            "no path",
        ),
        (
            json!({"enabled": true, "origins": ["https://crm.example.com"], "link_minutes": 0}),
            "link_minutes",
        ),
    ] {
        let (st, got) = common::decode(
            call(
                &fx,
                Some(&admin),
                Method::PUT,
                "/api/v1/settings/iframe",
                Some(body.clone()),
            )
            .await,
        )
        .await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{body}: {got}");
        assert!(got.to_string().contains(needle), "{body}: {got}");
    }
    let (_, s) = common::decode(
        call(
            &fx,
            Some(&admin),
            Method::GET,
            "/api/v1/settings/iframe",
            None,
        )
        .await,
    )
    .await;
    assert_eq!(s["origins"], json!(["https://crm.example.com"]));
    // Another company's conversation: 404 as everywhere.
    let (st, _) = common::decode(
        call(
            &fx,
            Some(&fx.api),
            Method::POST,
            &format!("/api/v1/conversations/{}/embed", fx.other_conv),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_link_opens_its_conversation_for_the_listed_origins_and_answers() {
    let fx = Fx::new();
    turn_on(&fx).await;
    let admin = session(fx.admin);
    // The admin starts the conversation and leaves an internal note the view must not show.
    let (st, _) = common::decode(
        call(
            &fx,
            Some(&fx.api),
            Method::POST,
            &format!("/api/conversations/start?conversation_id={}", fx.c1),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    fx.send_message(&admin, fx.c1, "note", "internal: VIP client")
        .await;
    let path = link(&fx, fx.c1).await;
    assert!(path.starts_with("/embed/"), "{path}");

    let page = call(&fx, None, Method::GET, &path, None).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        csp(&page).contains("frame-ancestors https://crm.example.com"),
        "{}",
        csp(&page)
    );
    assert!(page
        .text()
        .await
        .expect("html")
        .contains("<script src=\"/embed.js\">"));

    let view = call(
        &fx,
        None,
        Method::GET,
        &format!("{path}/conversation"),
        None,
    )
    .await;
    assert!(csp(&view).contains("frame-ancestors https://crm.example.com"));
    let (st, view) = common::decode(view).await;
    assert_eq!(st, StatusCode::OK, "{view}");
    assert_eq!(view["id"], fx.c1);
    let texts: Vec<&str> = view["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter_map(|m| m["text"].as_str())
        .collect();
    assert!(texts.contains(&"Hello, where is my order?"), "{texts:?}");
    assert!(
        !texts.iter().any(|t| t.contains("VIP")),
        "no internal note in the view: {texts:?}"
    );

    let answer = json!({"text": "It ships today", "client_msg_id": "embed-1"});
    let (st, msg) = common::decode(
        call(
            &fx,
            None,
            Method::POST,
            &format!("{path}/messages"),
            Some(answer.clone()),
        )
        .await,
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{msg}");
    assert_eq!(msg["kind"], "operator");
    assert_eq!(
        msg["operator_id"], fx.admin,
        "as the operator the link acts for"
    );
    // A repeat (same key) stores nothing new; the app's API shows one answer.
    let (st, _) = common::decode(
        call(
            &fx,
            None,
            Method::POST,
            &format!("{path}/messages"),
            Some(answer),
        )
        .await,
    )
    .await;
    assert!(st.is_success());
    let (_, detail) = fx
        .get(&admin, &format!("/api/v1/conversations/{}", fx.c1))
        .await;
    let copies = detail["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter(|m| m["text"] == "It ships today")
        .count();
    assert_eq!(copies, 1);

    // The link opens nothing else: another conversation's id in its place breaks the signature.
    let forged = path.replacen(&format!("-{}-", fx.c1), &format!("-{}-", fx.c2), 1);
    let resp = call(
        &fx,
        None,
        Method::GET,
        &format!("{forged}/conversation"),
        None,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert!(
        csp(&resp).contains("frame-ancestors 'none'"),
        "{}",
        csp(&resp)
    );
    // Switched off: every link dies at once.
    let off = json!({"enabled": false, "origins": ["https://crm.example.com"], "link_minutes": 30});
    let (st, _) = common::decode(
        call(
            &fx,
            Some(&admin),
            Method::PUT,
            "/api/v1/settings/iframe",
            Some(off),
        )
        .await,
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        call(&fx, None, Method::GET, &path, None).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn an_expired_or_malformed_link_opens_nothing() {
    let fx = Fx::new();
    turn_on(&fx).await;
    let path = link(&fx, fx.c1).await;
    // The same link, signed correctly, but expired a second ago.
    let parts: Vec<String> = path
        .trim_start_matches("/embed/")
        .splitn(5, '-')
        .map(str::to_string)
        .collect();
    let company: i64 = parts[0].parse().expect("company");
    let key = fx
        .db()
        .read_blocking(move |conn| Ok(iframe::get(conn, company)?.expect("settings").1))
        .expect("key");
    let past = switchboard_server::service::now_ms() - 1000;
    let sig = hmac_sha256_hex(
        &key,
        &[format!("embed:v1:{}:{}:{}:{past}", parts[0], parts[1], parts[2]).as_bytes()],
    );
    let expired = format!("/embed/{}-{}-{}-{past}-{sig}", parts[0], parts[1], parts[2]);
    assert_eq!(
        call(&fx, None, Method::GET, &expired, None).await.status(),
        StatusCode::NOT_FOUND
    );
    // The signature check itself works on this shape: the same message a minute ahead opens.
    let later = switchboard_server::service::now_ms() + 60_000;
    let sig = hmac_sha256_hex(
        &key,
        &[format!("embed:v1:{}:{}:{}:{later}", parts[0], parts[1], parts[2]).as_bytes()],
    );
    let fresh = format!(
        "/embed/{}-{}-{}-{later}-{sig}",
        parts[0], parts[1], parts[2]
    );
    assert_eq!(
        call(&fx, None, Method::GET, &fresh, None).await.status(),
        StatusCode::OK
    );
    for bad in [
        "/embed/x",
        "/embed/1-2-3",
        "/embed/1-2-3-4-5-6",
        "/embed/%00",
        "/embed/-1--1--1--1-",
    ] {
        let resp = call(&fx, None, Method::GET, &format!("{bad}/conversation"), None).await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{bad}");
    }
    // The answer route refuses bad bodies with a clear 4xx before anything is stored.
    let resp = call(
        &fx,
        None,
        Method::POST,
        &format!("{path}/messages"),
        Some(json!({"text": 5})),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
}
