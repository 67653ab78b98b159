//! `GET/PUT /api/v1/settings/advanced` against the real binary: the seven Settings › Advanced
//! functions in one document, in the seed's order, saved all together or not at all, through
//! the same rules as each function's own route (`service/advanced.rs`).

mod common;

use common::{assert_error, session, Fx};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const ADVANCED: &str = "/api/v1/settings/advanced";

async fn put(fx: &Fx, token: &str, body: Value) -> (StatusCode, Value) {
    fx.call(token, Method::PUT, ADVANCED, Some(body)).await
}

async fn get_ok(fx: &Fx, token: &str, path: &str) -> Value {
    let (st, body) = fx.call(token, Method::GET, path, None).await;
    assert_eq!(st, StatusCode::OK, "GET {path}: {body}");
    body
}

/// The action types of the company's log, newest first.
async fn logged(fx: &Fx) -> Vec<String> {
    let log = get_ok(fx, &fx.api, "/api/v1/action-log?limit=200").await;
    log["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["action"].as_str().expect("action").to_string())
        .collect()
}

/// Change records stored (all companies): what open apps are sent.
fn changes(fx: &Fx) -> i64 {
    fx.db()
        .read_blocking(|conn| Ok(conn.query_row("SELECT COUNT(*) FROM changes", (), |r| r.get(0))?))
        .expect("count changes")
}

/// Each section as its own route answers it.
async fn single_routes(fx: &Fx, token: &str) -> Value {
    json!({
        "file_blocks": get_ok(fx, token, "/api/v1/settings/groups/files").await,
        "email_whitelist": get_ok(fx, token, "/api/v1/settings/email-whitelist").await,
        "personal_data": get_ok(fx, token, "/api/v1/settings/personal-data").await,
        "ip_whitelist": get_ok(fx, token, "/api/v1/settings/ip-whitelist").await,
        "iframe": get_ok(fx, token, "/api/v1/settings/iframe").await,
        "webhooks": get_ok(fx, token, "/api/v1/webhooks").await,
    })
}

/// A body that changes five sections, every one valid for Acme.
fn five_sections(fx: &Fx) -> Value {
    json!({
        "file_blocks": [
            {"group_id": fx.g1, "policy": {"block_send": true, "block_receive": false}},
            {"group_id": fx.g2, "policy": {"block_send": false, "block_receive": true}},
        ],
        "email_whitelist": {"restrict": true, "addresses": ["Claims@Partner.test", "claims@partner.test"]},
        "personal_data": {"enabled": true, "hide_avatars": true, "exempt_group_ids": [fx.g2, fx.g2]},
        "ip_whitelist": {"enabled": true, "entries": ["127.0.0.1", "::1", "10.1.2.3/8"]},
        "iframe": {"enabled": true, "origins": ["https://crm.example.com"], "link_minutes": 30},
    })
}

#[tokio::test]
async fn get_shows_what_each_single_route_saved_in_the_seeds_order() {
    let fx = Fx::with_server_args(&["--allow-private-callbacks"]);
    let admin = session(fx.admin);
    let g2_files = format!("/api/v1/settings/groups/{}/files", fx.g2);
    let saves = [
        (
            "/api/v1/settings/email-whitelist",
            json!({"restrict": true, "addresses": ["claims@partner.test"]}),
        ),
        (
            "/api/v1/settings/personal-data",
            json!({"enabled": true, "hide_avatars": false, "exempt_group_ids": [fx.g1]}),
        ),
        (
            "/api/v1/settings/ip-whitelist",
            json!({"enabled": true, "entries": ["127.0.0.0/8", "::1"]}),
        ),
        (
            "/api/v1/settings/iframe",
            json!({"enabled": true, "origins": ["https://crm.example.com"], "link_minutes": 45}),
        ),
        (
            g2_files.as_str(),
            json!({"block_send": true, "block_receive": true}),
        ),
    ];
    for (path, body) in saves {
        let (st, answer) = fx.call(&admin, Method::PUT, path, Some(body)).await;
        assert_eq!(st, StatusCode::OK, "PUT {path}: {answer}");
    }
    let (st, hook) = fx
        .post_json(
            &admin,
            "/api/v1/webhooks",
            json!({"url": "http://127.0.0.1:9/hook", "events": ["message.created"]}),
        )
        .await;
    assert!(st.is_success(), "{hook}");

    let doc = get_ok(&fx, &admin, ADVANCED).await;
    let singles = single_routes(&fx, &admin).await;
    for (name, value) in singles.as_object().expect("object") {
        assert_eq!(&doc[name], value, "section {name}");
    }
    assert_eq!(doc["ip_whitelist"]["your_address"], "127.0.0.1");
    assert_eq!(doc["file_blocks"][1]["name"], "2nd line");
    assert_eq!(doc["file_blocks"][1]["policy"]["block_receive"], true);
    assert_eq!(doc["webhooks"][0]["url"], "http://127.0.0.1:9/hook");
    assert!(doc["webhooks"][0].get("secret").is_none(), "{doc}");
    // The action log: always on, with the rows the log holds (at least the six saves above).
    assert_eq!(doc["action_log"]["always_on"], true);
    assert_eq!(doc["action_log"]["path"], "/api/v1/action-log");
    let rows = doc["action_log"]["rows"].as_i64().expect("rows");
    assert!(rows >= 6, "{rows}");
    assert_eq!(rows as usize, logged(&fx).await.len());

    // The seed's order: action log, file blocks, email whitelist, personal data, IP
    // whitelist, iframe, webhooks.
    let raw = fx
        .http
        .get(fx.url(ADVANCED))
        .header("Authorization", format!("Bearer {admin}"))
        .send()
        .await
        .expect("GET")
        .text()
        .await
        .expect("body");
    let order = [
        "\"action_log\"",
        "\"file_blocks\"",
        "\"email_whitelist\"",
        "\"personal_data\"",
        "\"ip_whitelist\"",
        "\"iframe\"",
        "\"webhooks\"",
    ]
    .map(|k| {
        raw.find(k)
            .unwrap_or_else(|| panic!("{k} missing in {raw}"))
    });
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{raw}");
}

#[tokio::test]
async fn a_put_of_several_sections_saves_them_all_each_with_its_log_row() {
    let fx = Fx::new();
    let admin = session(fx.admin);
    let before = logged(&fx).await.len();
    let records_before = changes(&fx);
    let (st, doc) = put(&fx, &admin, five_sections(&fx)).await;
    assert_eq!(st, StatusCode::OK, "{doc}");
    // Hiding personal data sent the operators whose share changed their own record again.
    assert!(changes(&fx) > records_before, "no change records");

    // Each section as its own route shows it, cleaned by that route's rules.
    let singles = single_routes(&fx, &admin).await;
    for (name, value) in singles.as_object().expect("object") {
        assert_eq!(&doc[name], value, "section {name}");
    }
    assert_eq!(
        singles["email_whitelist"],
        json!({"restrict": true, "addresses": ["claims@partner.test"]})
    );
    assert_eq!(
        singles["personal_data"],
        json!({"enabled": true, "hide_avatars": true, "exempt_group_ids": [fx.g2]})
    );
    assert_eq!(
        singles["ip_whitelist"]["entries"],
        json!(["10.0.0.0/8", "127.0.0.1", "::1"])
    );
    assert_eq!(
        singles["iframe"]["origins"],
        json!(["https://crm.example.com"])
    );
    assert_eq!(singles["iframe"]["link_minutes"], 30);
    let files = &singles["file_blocks"];
    assert_eq!(files[0]["group_id"], fx.g1);
    assert_eq!(
        files[0]["policy"],
        json!({"block_send": true, "block_receive": false})
    );
    assert_eq!(files[1]["group_id"], fx.g2);
    assert_eq!(
        files[1]["policy"],
        json!({"block_send": false, "block_receive": true})
    );

    // One log row per change, as the single routes write them.
    let log = logged(&fx).await;
    let mut new: Vec<&str> = log[..log.len() - before]
        .iter()
        .map(String::as_str)
        .collect();
    new.sort_unstable();
    assert_eq!(
        new,
        [
            "email_whitelist_changed",
            "file_policy_changed",
            "file_policy_changed",
            "iframe_settings_changed",
            "ip_whitelist_changed",
            "personal_data_changed",
        ]
    );
    assert_eq!(doc["action_log"]["rows"], log.len());
    let whitelist_row = get_ok(
        &fx,
        &admin,
        "/api/v1/action-log?action=email_whitelist_changed",
    )
    .await;
    assert_eq!(whitelist_row["rows"][0]["ip"], "127.0.0.1");
    assert_eq!(whitelist_row["rows"][0]["actor_operator_id"], fx.admin);

    // The rules apply at once: Anna (1st line, not exempt) no longer gets clients' contacts;
    // Dave (2nd line, exempt) still does.
    let anna = get_ok(&fx, &session(fx.anna), "/api/v1/me").await;
    assert_eq!(anna["hidden_client_data"]["contacts"], true, "{anna}");
    let dave = get_ok(&fx, &session(fx.dave), "/api/v1/me").await;
    assert_eq!(dave["hidden_client_data"]["contacts"], false, "{dave}");

    // An empty PUT changes nothing and logs nothing.
    let (st, same) = put(&fx, &admin, json!({})).await;
    assert_eq!(st, StatusCode::OK, "{same}");
    assert_eq!(same, doc);
    assert_eq!(logged(&fx).await.len(), log.len());
}

/// Refusals of the aggregate: each names its section, keeps its section's status, and saves
/// none of the other sections of the same request.
#[tokio::test]
async fn one_bad_section_saves_none_of_them_and_is_named() {
    let fx = Fx::new();
    let admin = session(fx.admin);
    let before = get_ok(&fx, &admin, ADVANCED).await;
    let records = changes(&fx);
    let cases: [(&str, Value, StatusCode, &str, &str); 6] = [
        (
            "iframe",
            json!({"enabled": true, "origins": [], "link_minutes": 30}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_state",
            "iframe: Name at least one origin allowed to frame conversations",
        ),
        (
            "email_whitelist",
            json!({"restrict": true, "addresses": ["not an address"]}),
            StatusCode::BAD_REQUEST,
            "bad_request",
            "email_whitelist: \"not an address\" is not a valid email address",
        ),
        (
            "ip_whitelist",
            json!({"enabled": true, "entries": ["10.0.0.0/33"]}),
            StatusCode::BAD_REQUEST,
            "bad_request",
            "ip_whitelist: \"10.0.0.0/33\" is not an IP address or a CIDR range",
        ),
        (
            "personal_data",
            json!({"enabled": true, "hide_avatars": false, "exempt_group_ids": [999_999]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_state",
            "personal_data: Group 999999 does not exist",
        ),
        (
            "file_blocks",
            json!([{"group_id": 999_999, "policy": {"block_send": true, "block_receive": true}}]),
            StatusCode::NOT_FOUND,
            "not_found",
            "file_blocks: Group 999999 not found.",
        ),
        (
            "file_blocks",
            json!([
                {"group_id": fx.g1, "policy": {"block_send": true, "block_receive": false}},
                {"group_id": fx.g1, "policy": {"block_send": false, "block_receive": false}},
            ]),
            StatusCode::BAD_REQUEST,
            "bad_request",
            &format!("file_blocks: Group {} is listed twice", fx.g1),
        ),
    ];
    for (section, bad, status, code, sentence) in cases {
        // Every other section valid and different from what is stored.
        let mut body = five_sections(&fx);
        body[section] = bad;
        assert_error(&put(&fx, &admin, body).await, status, code, sentence);
        let after = get_ok(&fx, &admin, ADVANCED).await;
        assert_eq!(after, before, "a refused PUT ({section}) changed something");
        // Nor did the personal data section's change records stay.
        assert_eq!(
            changes(&fx),
            records,
            "a refused PUT ({section}) sent records"
        );
    }
    // Sections that are not settings here are refused, not dropped.
    let (st, body) = put(&fx, &admin, json!({"webhooks": []})).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(get_ok(&fx, &admin, ADVANCED).await, before);
}

#[tokio::test]
async fn the_ip_lockout_confirmation_works_through_the_aggregate() {
    let fx = Fx::new();
    let admin = session(fx.admin);
    let before = get_ok(&fx, &admin, ADVANCED).await;
    let office_only = json!({"enabled": true, "entries": ["10.0.0.0/8"]});
    let body = json!({
        "email_whitelist": {"restrict": true, "addresses": ["claims@partner.test"]},
        "ip_whitelist": office_only,
    });
    assert_error(
        &put(&fx, &admin, body.clone()).await,
        StatusCode::CONFLICT,
        "conflict",
        "ip_whitelist: This list does not include your address 127.0.0.1: saving it signs you out. Send \"confirm_lockout\": true",
    );
    assert_eq!(get_ok(&fx, &admin, ADVANCED).await, before, "nothing saved");

    // Confirmed: both sections are saved, and the admin's own session is shut out.
    let mut confirmed = body;
    confirmed["ip_whitelist"]["confirm_lockout"] = json!(true);
    let (st, doc) = put(&fx, &admin, confirmed).await;
    assert_eq!(st, StatusCode::OK, "{doc}");
    assert_eq!(doc["ip_whitelist"]["entries"], json!(["10.0.0.0/8"]));
    assert_eq!(doc["ip_whitelist"]["your_address"], "127.0.0.1");
    assert_error(
        &fx.call(&admin, Method::GET, ADVANCED, None).await,
        StatusCode::FORBIDDEN,
        "address_not_allowed",
        "Your address 127.0.0.1 is not allowed by your company's IP whitelist",
    );
    // An API token is not bound by the list: it reads both sections saved, and saves a list
    // without it without confirming.
    let seen = get_ok(&fx, &fx.api, ADVANCED).await;
    assert_eq!(seen["ip_whitelist"]["enabled"], true);
    assert_eq!(
        seen["email_whitelist"]["addresses"],
        json!(["claims@partner.test"])
    );
    let (st, doc) = put(
        &fx,
        &fx.api,
        json!({"ip_whitelist": {"enabled": true, "entries": ["192.0.2.0/24"]}}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{doc}");
    assert_eq!(doc["ip_whitelist"]["entries"], json!(["192.0.2.0/24"]));
}

#[tokio::test]
async fn only_the_super_admin_reads_or_changes_it() {
    let fx = Fx::new();
    let admin = session(fx.admin);
    let before = get_ok(&fx, &admin, ADVANCED).await;
    // Anna (an operator) and Sue (a supervisor who manages conversations and sees all tabs).
    for op in [fx.anna, fx.sue] {
        let token = session(op);
        assert_error(
            &fx.call(&token, Method::GET, ADVANCED, None).await,
            StatusCode::FORBIDDEN,
            "forbidden",
            "Only a super-admin can see or change Settings › Advanced.",
        );
        assert_error(
            &put(&fx, &token, five_sections(&fx)).await,
            StatusCode::FORBIDDEN,
            "forbidden",
            "Only a super-admin can see or change Settings › Advanced.",
        );
    }
    let (st, _) = fx.call("", Method::GET, ADVANCED, None).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    assert_eq!(get_ok(&fx, &admin, ADVANCED).await, before, "nothing saved");
    // An API token acts as the company's super-admin.
    let (st, doc) = put(&fx, &fx.api, five_sections(&fx)).await;
    assert_eq!(st, StatusCode::OK, "{doc}");
}

#[tokio::test]
async fn another_companys_group_is_not_found_and_nothing_is_saved() {
    let fx = Fx::new();
    let other = fx.other_admin_token.clone();
    let theirs_before = get_ok(&fx, &other, ADVANCED).await;
    let ours_before = get_ok(&fx, &session(fx.admin), ADVANCED).await;
    let body = json!({
        "email_whitelist": {"restrict": true, "addresses": ["them@other.test"]},
        "file_blocks": [{"group_id": fx.g1, "policy": {"block_send": true, "block_receive": true}}],
    });
    assert_error(
        &put(&fx, &other, body).await,
        StatusCode::NOT_FOUND,
        "not_found",
        &format!("file_blocks: Group {} not found.", fx.g1),
    );
    let exempt = json!({
        "email_whitelist": {"restrict": true, "addresses": ["them@other.test"]},
        "personal_data": {"enabled": true, "hide_avatars": false, "exempt_group_ids": [fx.g2]},
    });
    assert_error(
        &put(&fx, &other, exempt).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_state",
        &format!("personal_data: Group {} does not exist", fx.g2),
    );
    // Neither company's settings changed; Acme's groups are not in the other's document.
    assert_eq!(get_ok(&fx, &other, ADVANCED).await, theirs_before);
    assert_eq!(get_ok(&fx, &session(fx.admin), ADVANCED).await, ours_before);
    assert_eq!(theirs_before["file_blocks"], json!([]));
}
