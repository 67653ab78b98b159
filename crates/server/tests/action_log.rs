//! Settings › Advanced "Action log" (`GET /api/v1/action-log`) against the real binary: the
//! seed's six columns with names resolved, filters, a cursor that stays stable while rows are
//! written, the CSV export (quoting, formula guard), super-admins only, and never another
//! company's rows.

mod common;

use std::collections::BTreeSet;

use common::{assert_error, decode, session, Fx};
use reqwest::StatusCode;
use serde_json::{json, Value};
use switchboard_protocol::Id;

async fn log(fx: &Fx, token: &str, query: &str) -> (StatusCode, Value) {
    fx.get(token, &format!("/api/v1/action-log{query}")).await
}

async fn log_ok(fx: &Fx, token: &str, query: &str) -> Value {
    let (st, body) = log(fx, token, query).await;
    assert_eq!(st, StatusCode::OK, "{query}: {body}");
    body
}

fn rows(page: &Value) -> Vec<Value> {
    page["rows"].as_array().cloned().unwrap_or_default()
}

async fn create_group(fx: &Fx, token: &str, name: &str) -> Id {
    let (st, g) = fx
        .post_json(
            token,
            "/api/v1/groups",
            json!({"name": name, "color": "#123456"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{g}");
    g["id"].as_i64().expect("group id")
}

async fn create_canned(fx: &Fx, token: &str, title: &str) {
    let (st, c) = fx
        .post_json(
            token,
            "/api/v1/canned-responses",
            json!({"title": title, "text": "t"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{c}");
}

async fn client_of(fx: &Fx, conversation: Id) -> Id {
    let (st, c) = fx
        .get(
            &session(fx.admin),
            &format!("/api/v1/conversations/{conversation}"),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{c}");
    c["client"]["id"].as_i64().expect("client id")
}

#[tokio::test]
async fn rows_show_the_six_columns_and_filters_pick_them() {
    let fx = Fx::new();
    let admin = session(fx.admin);
    let anna = session(fx.anna);
    let (st, started) = fx
        .post_json(
            &anna,
            &format!("/api/v1/conversations/{}/actions", fx.c1),
            json!({"action_id": "log-start", "action": "start"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{started}");
    let night = create_group(&fx, &admin, "Night shift").await;

    // Newest first: the admin's group, then Anna's start.
    let page = log_ok(&fx, &admin, "").await;
    let all = rows(&page);
    let group = &all[0];
    assert_eq!(group["action"], "group_created");
    assert_eq!(group["actor_name"], "boss");
    assert_eq!(group["actor_operator_id"], fx.admin);
    assert_eq!(group["target_type"], "group");
    assert_eq!(group["target_id"], night);
    assert_eq!(group["target_name"], "Night shift");
    assert_eq!(group["ip"], "127.0.0.1");
    assert_eq!(group["note"], "Created the group");
    assert!(group["created_at"].as_i64().expect("time") > 0);
    let start = &all[1];
    assert_eq!(start["action"], "start");
    assert_eq!(start["actor_operator_id"], fx.anna);
    assert_eq!(start["target_type"], "conversation");
    assert_eq!(start["target_id"], fx.c1);
    assert_eq!(start["note"], "Started the conversation");

    // Actor.
    let annas = rows(&log_ok(&fx, &admin, &format!("?actor={}", fx.anna)).await);
    assert!(!annas.is_empty());
    assert!(annas.iter().all(|r| r["actor_operator_id"] == fx.anna));
    // Target.
    let on_night = rows(
        &log_ok(
            &fx,
            &admin,
            &format!("?target_type=group&target_id={night}"),
        )
        .await,
    );
    assert_eq!(on_night.len(), 1);
    assert_eq!(on_night[0]["id"], group["id"]);
    let on_groups = rows(&log_ok(&fx, &admin, "?target_type=conversation").await);
    assert!(on_groups.iter().all(|r| r["target_type"] == "conversation"));
    // Type.
    let starts = rows(&log_ok(&fx, &admin, "?action=start").await);
    assert!(starts.iter().all(|r| r["action"] == "start"));
    assert!(starts.iter().any(|r| r["id"] == start["id"]));
    // Date range, inclusive.
    let at = group["created_at"].as_i64().expect("time");
    let exact = rows(
        &log_ok(
            &fx,
            &admin,
            &format!("?from={at}&to={at}&action=group_created"),
        )
        .await,
    );
    assert_eq!(exact.len(), 1);
    assert!(rows(&log_ok(&fx, &admin, &format!("?from={}", at + 1)).await).is_empty());
    let before = rows(&log_ok(&fx, &admin, &format!("?to={}", at - 1)).await);
    assert!(before.iter().all(|r| r["created_at"].as_i64() < Some(at)));

    // Bad filters: a clear 400 (wrong type) or 422 (well-formed, meaningless).
    for (q, status, needle) in [
        ("?target_type=planet", 400, "Invalid query string"),
        ("?from=yesterday", 400, "Invalid query string"),
        ("?format=xml", 400, "Invalid query string"),
        ("?limit=0", 400, "`limit` must be at least 1"),
        ("?action=teleport", 422, "`action` is not an action type"),
        ("?target_id=5", 422, "`target_id` needs `target_type`"),
        ("?from=10&to=5", 422, "`from` is after `to`"),
        (
            "?cursor=abc",
            422,
            "The cursor is not one this server gave out",
        ),
    ] {
        let got = log(&fx, &admin, q).await;
        let code = if status == 400 {
            "bad_request"
        } else {
            "invalid_state"
        };
        let status = StatusCode::from_u16(status).expect("status");
        assert_error(&got, status, code, needle);
    }
}

#[tokio::test]
async fn admin_actions_on_operators_roles_and_settings_are_listed_with_names() {
    let fx = Fx::new();
    let admin = session(fx.admin);
    let (st, _) = fx
        .post_json(
            &admin,
            &format!("/api/v1/operators/{}/password", fx.anna),
            json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, w) = fx
        .post_json(
            &admin,
            "/api/v1/clients/0/rename",
            json!({"display_name": "x"}),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{w}");
    let resp = fx
        .http
        .put(fx.url("/api/v1/settings/email-whitelist"))
        .header("Authorization", format!("Bearer {admin}"))
        .json(&json!({"restrict": true, "addresses": ["claims@partner.test"]}))
        .send()
        .await
        .expect("whitelist");
    assert_eq!(resp.status(), StatusCode::OK);
    let all = rows(&log_ok(&fx, &admin, "").await);
    assert_eq!(all[0]["action"], "email_whitelist_changed");
    assert_eq!(all[0]["target_type"], "company");
    assert_eq!(
        all[0]["note"],
        "Email whitelist on: only claims@partner.test"
    );
    assert_eq!(all[1]["action"], "password_reset");
    assert_eq!(all[1]["target_type"], "operator");
    assert_eq!(all[1]["target_id"], fx.anna);
    assert_eq!(all[1]["target_name"], "Anna");
    assert_eq!(all[1]["note"], "Reset the operator's password");
}

#[tokio::test]
async fn the_cursor_pages_newest_first_without_gaps_or_repeats_while_rows_are_written() {
    let fx = Fx::new();
    let admin = session(fx.admin);
    for i in 0..30 {
        create_canned(&fx, &admin, &format!("Before {i}")).await;
    }
    let existing: BTreeSet<i64> = {
        let first = log_ok(&fx, &admin, "?limit=200").await;
        rows(&first)
            .iter()
            .filter_map(|r| r["id"].as_i64())
            .collect()
    };
    assert!(existing.len() >= 30);

    // A writer keeps adding rows while the reader pages.
    let writer = {
        let (http, url, admin) = (
            fx.http.clone(),
            fx.url("/api/v1/canned-responses"),
            admin.clone(),
        );
        tokio::spawn(async move {
            for i in 0..40 {
                let resp = http
                    .post(&url)
                    .header("Authorization", format!("Bearer {admin}"))
                    .json(&json!({"title": format!("During {i}"), "text": "t"}))
                    .send()
                    .await
                    .expect("canned");
                assert_eq!(resp.status(), StatusCode::CREATED);
            }
        })
    };
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let q = match &cursor {
            Some(c) => format!("?limit=7&cursor={c}"),
            None => "?limit=7".into(),
        };
        let page = log_ok(&fx, &admin, &q).await;
        let ids: Vec<i64> = rows(&page)
            .iter()
            .filter_map(|r| r["id"].as_i64())
            .collect();
        assert!(ids.len() <= 7);
        seen.extend(ids);
        pages += 1;
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    writer.await.expect("writer");
    assert!(pages > 4, "{pages} pages");
    // Strictly newest first: nothing repeats, nothing comes back out of order.
    assert!(seen.windows(2).all(|w| w[0] > w[1]), "{seen:?}");
    // Every row that existed before paging began was listed exactly once.
    let listed: BTreeSet<i64> = seen.iter().copied().collect();
    assert_eq!(listed.len(), seen.len());
    assert!(
        existing.is_subset(&listed),
        "missing: {:?}",
        existing.difference(&listed)
    );
}

/// Reads RFC 4180 CSV (quoted fields, doubled quotes, CRLF records).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    records
}

async fn export(fx: &Fx, token: &str, query: &str) -> reqwest::Response {
    fx.http
        .get(fx.url(&format!("/api/v1/action-log?format=csv{query}")))
        .header("Authorization", format!("Bearer {token}"))
        .send()
        .await
        .expect("export")
}

#[tokio::test]
async fn csv_export_quotes_cells_and_defuses_formulas() {
    let fx = Fx::new();
    let admin = session(fx.admin);
    let client = client_of(&fx, fx.c1).await;
    let evil = "=HYPERLINK(\"http://evil.test\",\"Tom, \"\"Jr\"\"\")";
    let (st, r) = fx
        .post_json(
            &admin,
            &format!("/api/v1/clients/{client}/rename"),
            json!({"display_name": evil}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    create_group(&fx, &admin, "@team, \"B\"").await;
    create_group(&fx, &admin, "-1+2").await;

    let resp = export(&fx, &admin, "").await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers()["content-type"].to_str().expect("type"),
        "text/csv; charset=utf-8"
    );
    assert!(resp.headers()["content-disposition"]
        .to_str()
        .expect("disposition")
        .contains("action-log.csv"));
    let text = resp.text().await.expect("csv");
    let records = parse_csv(&text);
    assert_eq!(
        records[0],
        [
            "Actor",
            "Target account",
            "Action type",
            "IP address",
            "Date and time (UTC)",
            "Note"
        ]
    );
    // As many data rows as the JSON log has.
    let json_rows = rows(&log_ok(&fx, &admin, "?limit=200").await);
    assert_eq!(records.len() - 1, json_rows.len());
    assert!(records.iter().all(|r| r.len() == 6), "{records:?}");
    // Newest first: the two groups, then the rename.
    let minus = &records[1];
    assert_eq!(minus[0], "boss");
    assert!(minus[1].starts_with("'-1+2 (group "), "{minus:?}");
    assert_eq!(minus[2], "group_created");
    assert_eq!(minus[3], "127.0.0.1");
    assert!(
        minus[4].ends_with('Z') && minus[4].contains('T'),
        "{minus:?}"
    );
    let at = &records[2];
    assert!(at[1].starts_with("'@team, \"B\" (group "), "{at:?}");
    let rename = &records[3];
    assert_eq!(rename[2], "rename");
    // The target (the client, now named by a formula) is text; the note quotes it.
    assert_eq!(rename[1], format!("'{evil} (client {client})"));
    assert_eq!(rename[4].len(), "2026-11-29T06:40:05Z".len());
    assert_eq!(rename[5], format!("Renamed the client to \"{evil}\""));
    // Raw text: every cell that starts with a formula character is prefixed.
    for line in text.lines().skip(1) {
        for cell in parse_csv(&format!("{line}\n")).concat() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@']),
                "unguarded cell {cell:?}"
            );
        }
    }
    // Filters apply to the export.
    let only = parse_csv(
        &export(&fx, &admin, "&action=rename")
            .await
            .text()
            .await
            .expect("csv"),
    );
    assert_eq!(only.len(), 2);
    assert_eq!(only[1][2], "rename");
}

#[tokio::test]
async fn only_super_admins_and_api_tokens_read_the_log() {
    let fx = Fx::new();
    for who in [fx.anna, fx.dave] {
        let token = session(who);
        assert_error(
            &log(&fx, &token, "").await,
            StatusCode::FORBIDDEN,
            "forbidden",
            "super-admin",
        );
        let csv = export(&fx, &token, "").await;
        assert_eq!(csv.status(), StatusCode::FORBIDDEN);
        let (_, body) = decode(csv).await;
        assert_eq!(body["error"]["code"], "forbidden");
    }
    let unauthenticated = fx
        .http
        .get(fx.url("/api/v1/action-log?format=csv"))
        .send()
        .await
        .expect("no token");
    assert_eq!(unauthenticated.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(log(&fx, &fx.api, "").await.0, StatusCode::OK);
}

#[tokio::test]
async fn another_companys_rows_are_never_shown() {
    let fx = Fx::new();
    let admin = session(fx.admin);
    let other = fx.other_admin_token.clone();
    let theirs = create_group(&fx, &other, "Their group").await;
    let ours = create_group(&fx, &admin, "Our group").await;

    let acme = rows(&log_ok(&fx, &admin, "?limit=200").await);
    assert!(acme
        .iter()
        .all(|r| r["target_id"] != theirs || r["target_type"] != "group"));
    assert!(acme.iter().any(|r| r["target_id"] == ours));
    // Naming the other company's group or operator finds nothing.
    assert!(rows(
        &log_ok(
            &fx,
            &admin,
            &format!("?target_type=group&target_id={theirs}")
        )
        .await
    )
    .is_empty());
    let other_rows = rows(&log_ok(&fx, &other, "?limit=200").await);
    assert!(!other_rows.is_empty());
    assert!(other_rows
        .iter()
        .all(|r| r["target_id"] != ours || r["target_type"] != "group"));
    assert!(rows(&log_ok(&fx, &other, &format!("?actor={}", fx.admin)).await).is_empty());
    let csv = export(&fx, &other, "").await.text().await.expect("csv");
    assert!(!csv.contains("Our group") && !csv.contains("Anna"), "{csv}");
}
