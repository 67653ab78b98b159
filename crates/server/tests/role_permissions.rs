//! The role permissions "view action log" and "download conversations" (issue 11): what each
//! opens, what stays the super-admin's, that nobody gives them away without having them, and
//! that roles made before they existed keep exporting.

mod common;

use std::path::Path;

use common::{assert_error, cli, session, Fx, Server};
use reqwest::{Method, StatusCode};
use serde_json::json;
use switchboard_protocol::Id;
use switchboard_server::auth::token_hash;
use switchboard_server::storage::operators::{self, NewOperator};
use switchboard_server::storage::tokens;

/// Gives `op` the role `role` as the super-admin would (REST).
async fn give_role(fx: &Fx, op: Id, role: Id) {
    let (st, body) = fx
        .call(
            &session(fx.admin),
            Method::PATCH,
            &format!("/api/v1/operators/{op}"),
            Some(json!({"role_id": role})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn view_action_log_reads_the_log_and_changes_no_advanced_setting() {
    let fx = Fx::new();
    let anna = session(fx.anna);
    // Something in the log: the super-admin turns the email whitelist on.
    let (st, body) = fx
        .call(
            &session(fx.admin),
            Method::PUT,
            "/api/v1/settings/email-whitelist",
            Some(json!({"restrict": true, "addresses": ["boss@partner.test"]})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");

    // Anna's plain role: no log.
    let got = fx.get(&anna, "/api/v1/action-log").await;
    assert_error(
        &got,
        StatusCode::FORBIDDEN,
        "forbidden",
        "Reading the action log needs the super-admin or a role with \"view action log\".",
    );

    // `role add … --permission view_action_log` (the CLI knows the new name), given to Anna.
    let role: Id = cli(
        &fx.db_path,
        &["role", "add", "Auditor", "--permission", "view_action_log"],
    )
    .trim()
    .parse()
    .expect("role id");
    give_role(&fx, fx.anna, role).await;
    let (st, me) = fx.get(&anna, "/api/v1/me").await;
    assert_eq!(st, StatusCode::OK, "{me}");
    assert_eq!(me["permissions"]["view_action_log"], true, "{me}");
    assert_eq!(me["permissions"]["download_conversations"], false, "{me}");

    let (st, page) = fx.get(&anna, "/api/v1/action-log").await;
    assert_eq!(st, StatusCode::OK, "{page}");
    let rows = page["rows"].as_array().expect("rows");
    assert!(
        rows.iter()
            .any(|r| r["action"] == "email_whitelist_changed"),
        "{page}"
    );
    let resp = fx
        .http
        .get(fx.url("/api/v1/action-log?format=csv"))
        .header("Authentication", &anna)
        .send()
        .await
        .expect("CSV");
    assert_eq!(resp.status(), StatusCode::OK);
    let csv = resp.text().await.expect("CSV text");
    assert!(csv.starts_with("Actor,Target account,Action type"), "{csv}");

    // Reading the log is all: every Settings › Advanced function stays the super-admin's.
    let advanced = "Only a super-admin can see or change Settings › Advanced";
    for (method, path, body) in [
        (Method::GET, "/api/v1/settings/email-whitelist", None),
        (
            Method::PUT,
            "/api/v1/settings/email-whitelist",
            Some(json!({"restrict": false, "addresses": []})),
        ),
        (
            Method::PUT,
            "/api/v1/settings/ip-whitelist",
            Some(json!({"enabled": false, "entries": []})),
        ),
        (Method::GET, "/api/v1/webhooks", None),
        (Method::GET, "/api/v1/settings/iframe", None),
    ] {
        let got = fx.call(&anna, method.clone(), path, body).await;
        assert_eq!(got.0, StatusCode::FORBIDDEN, "{method} {path}: {}", got.1);
        assert!(
            got.1.to_string().contains(advanced),
            "{method} {path}: {}",
            got.1
        );
    }
}

/// A lead who manages operators but lacks a flag cannot hand it out: not in a new role, not
/// by editing a role, not by giving someone a role that has it.
#[tokio::test]
async fn who_manages_operators_cannot_grant_the_new_flags_without_having_them() {
    let fx = Fx::new();
    let admin = session(fx.admin);
    let lead_role: Id = cli(
        &fx.db_path,
        &[
            "role",
            "add",
            "Lead",
            "--permission",
            "manage_operators",
            "--permission",
            "download_conversations",
        ],
    )
    .trim()
    .parse()
    .expect("role id");
    give_role(&fx, fx.sue, lead_role).await;
    let lead = session(fx.sue);
    let perms = |view_action_log: bool, download_conversations: bool| {
        json!({"conversations_management": false, "show_all_tab": false,
            "manage_operators": false, "manage_settings": false, "view_analytics": false,
            "outgoing_whatsapp": false, "view_action_log": view_action_log,
            "download_conversations": download_conversations})
    };
    let beyond = "You cannot give permissions you do not have yourself: view_action_log.";

    let got = fx
        .call(
            &lead,
            Method::POST,
            "/api/v1/roles",
            Some(json!({"name": "Auditor", "permissions": perms(true, false)})),
        )
        .await;
    assert_error(&got, StatusCode::FORBIDDEN, "forbidden", beyond);
    // What the lead has, they may give.
    let (st, exporter) = fx
        .call(
            &lead,
            Method::POST,
            "/api/v1/roles",
            Some(json!({"name": "Exporter", "permissions": perms(false, true)})),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{exporter}");
    let exporter = exporter["id"].as_i64().expect("role id");
    let got = fx
        .call(
            &lead,
            Method::PATCH,
            &format!("/api/v1/roles/{exporter}"),
            Some(json!({"permissions": perms(true, true)})),
        )
        .await;
    assert_error(&got, StatusCode::FORBIDDEN, "forbidden", beyond);

    // A role with the flag, made by the super-admin, cannot be given by the lead.
    let (st, auditor) = fx
        .call(
            &admin,
            Method::POST,
            "/api/v1/roles",
            Some(json!({"name": "Auditor", "permissions": perms(true, false)})),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{auditor}");
    let got = fx
        .call(
            &lead,
            Method::PATCH,
            &format!("/api/v1/operators/{}", fx.anna),
            Some(json!({"role_id": auditor["id"]})),
        )
        .await;
    assert_error(&got, StatusCode::FORBIDDEN, "forbidden", beyond);
    let (_, me) = fx.get(&session(fx.anna), "/api/v1/me").await;
    assert_eq!(me["permissions"]["view_action_log"], false, "{me}");
}

/// The migration files before 0021, applied as an older server did.
fn older_schema(db: &Path) -> rusqlite::Connection {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("migrations")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.get(..4))
                .and_then(|n| n.parse::<u32>().ok())
                .is_some_and(|n| n < 21)
        })
        .collect();
    files.sort();
    let conn = rusqlite::Connection::open(db).expect("open");
    for (i, f) in files.iter().enumerate() {
        let sql = std::fs::read_to_string(f).expect("read migration");
        conn.execute_batch(&format!("{sql}\n; PRAGMA user_version = {};", i + 1))
            .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
    }
    conn
}

#[tokio::test]
async fn roles_made_before_the_flags_keep_sending_to_email() {
    if common::sqlite_only("a database made by the SQLite migrations before 0021") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("old.db");
    let token = "sbs_before_0021";
    {
        let conn = older_schema(&db);
        conn.execute_batch(
            "INSERT INTO companies (id, name, created_at) VALUES (1, 'Old Co', 0);
             INSERT INTO roles (id, company_id, name) VALUES (1, 1, 'Agent');",
        )
        .expect("an older company and role");
        let agent = operators::insert(
            &switchboard_server::storage::sql::Conn::Sqlite(&conn),
            &NewOperator {
                company_id: 1,
                name: "Olaf",
                email: "olaf@old.test",
                password_hash: "x",
                super_admin: false,
                role_id: Some(1),
            },
            0,
        )
        .expect("an agent");
        tokens::insert_session(
            &switchboard_server::storage::sql::Conn::Sqlite(&conn),
            agent,
            &token_hash(token),
            switchboard_server::service::now_ms(),
        )
        .expect("session");
    }
    // The new server migrates the file at start.
    let server = Server::start(&db);
    let http = reqwest::Client::new();
    let get = |path: &str| {
        http.get(format!("{}{path}", server.url))
            .bearer_auth(token)
            .send()
    };
    let me: serde_json::Value = get("/api/v1/me")
        .await
        .expect("me")
        .json()
        .await
        .expect("json");
    assert_eq!(me["permissions"]["download_conversations"], true, "{me}");
    assert_eq!(me["permissions"]["view_action_log"], false, "{me}");
    // Past the role check: a conversation that does not exist is 404, not 403.
    let resp = http
        .post(format!("{}/api/v1/conversations/999/email", server.url))
        .bearer_auth(token)
        .json(&json!({"to": "x@partner.test", "subject": "S"}))
        .send()
        .await
        .expect("email");
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        get("/api/v1/action-log").await.expect("log").status(),
        StatusCode::FORBIDDEN
    );
}
