//! `switchboard-server migrate --from FILE --to postgres://…` (issue 13): the demo company with
//! a 100,000-message conversation moves from its SQLite file to PostgreSQL, and the server on
//! PostgreSQL answers every question exactly as the one on SQLite did: the full sync, the
//! long thread page by page, search, the directory, the action log, the seed API. A second
//! run into the same database is refused, and a file that is not a database is refused.
//!
//! Runs on PostgreSQL only (`tests/postgres/run.sh`, which `./dev.sh test` runs).

mod common;

use std::ffi::OsString;
use std::process::Command;

use common::{db_arg, pg_base, Server, BIN};
use reqwest::StatusCode;
use serde_json::{json, Value};

const LONG: u32 = 100_000;

/// Every question the comparison asks, as the admin.
async fn answers(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    long: i64,
) -> Vec<(String, Value)> {
    let get = |path: String| {
        let req = http.get(format!("{base}{path}")).bearer_auth(token);
        async move {
            let resp = req.send().await.expect("request");
            assert_eq!(resp.status(), StatusCode::OK, "{path}");
            (path, resp.json::<Value>().await.expect("json"))
        }
    };
    let mut out = Vec::new();
    // The whole sync log, as a desk syncing from nothing reads it.
    let mut next = 0;
    loop {
        let (path, page) = get(format!("/api/v1/sync?after={next}&limit=1000")).await;
        next = page["next"].as_i64().expect("next");
        let more = page["has_more"] == true;
        out.push((path, page));
        if !more {
            break;
        }
    }
    // The snapshot a new desk loads, page by page (with every message of every conversation).
    let mut after_id = 0;
    loop {
        let (path, page) = get(format!("/api/v1/snapshot?after_id={after_id}&limit=2000")).await;
        let next = page["next_after_id"].as_i64();
        out.push((path, page));
        match next {
            Some(n) => after_id = n,
            None => break,
        }
    }
    // The long thread, newest page and a page deep inside it.
    out.push(get(format!("/api/v1/conversations/{long}/messages?limit=200")).await);
    out.push(
        get(format!(
            "/api/v1/conversations/{long}/messages?limit=200&before_id=60000"
        ))
        .await,
    );
    for q in ["Longhistory", "parcel", "050000", "refund"] {
        out.push(get(format!("/api/v1/search?q={q}")).await);
    }
    out.push(get("/api/v1/directory".into()).await);
    out.push(get("/api/v1/action-log?limit=100".into()).await);
    out.push(get("/api/v1/canned-responses".into()).await);
    out
}

fn migrate(from: &std::path::Path, to: &OsString) -> std::process::Output {
    Command::new(BIN)
        .args(["migrate", "--from"])
        .arg(from)
        .arg("--to")
        .arg(to)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run migrate")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_with_a_long_history_answers_the_same_after_moving_to_postgres() {
    if pg_base().is_none() {
        eprintln!("needs PostgreSQL: tests/postgres/run.sh (part of ./dev.sh test) runs it");
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("sb.db");
    let demo = Command::new(BIN)
        .arg("--db")
        .arg(&file)
        .args(["demo", "--long-history", &LONG.to_string()])
        .env("RUST_LOG", "warn")
        .output()
        .expect("demo");
    assert!(
        demo.status.success(),
        "{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    let files = dir.path().join("sb.db.files");
    let files_arg: Vec<OsString> = vec!["--files".into(), files.into()];

    let http = reqwest::Client::new();
    let login = |base: String| {
        let http = http.clone();
        async move {
            let body: Value = http
                .post(format!("{base}/api/v1/auth/login"))
                .json(&json!({"email": "admin@demo.test", "password": "demo"}))
                .send()
                .await
                .expect("login")
                .json()
                .await
                .expect("json");
            body["token"].as_str().expect("token").to_string()
        }
    };

    let before_server = Server::start_on(
        file.as_os_str(),
        &dir.path().join("sqlite.log"),
        &files_arg,
        &[],
    );
    let token = login(before_server.url.clone()).await;
    let (_, found) = (
        (),
        http.get(format!("{}/api/v1/search?q=Longhistory", before_server.url))
            .bearer_auth(&token)
            .send()
            .await
            .expect("search")
            .json::<Value>()
            .await
            .expect("json"),
    );
    let long = found["hits"][0]["conversation"]["id"]
        .as_i64()
        .expect("the long conversation");
    let before = answers(&http, &before_server.url, &token, long).await;
    drop(before_server);

    let target = db_arg(&dir.path().join("copy"));
    let out = migrate(&file, &target);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("row counts and SHA-256 digests are equal in every table"),
        "{stdout}"
    );
    let messages = stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("messages"))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse::<u64>().ok())
        .expect("the messages line");
    assert!(messages > u64::from(LONG), "{stdout}");

    // The same session token: sessions moved with everything else.
    let after_server = Server::start_on(&target, &dir.path().join("postgres.log"), &files_arg, &[]);
    let after = answers(&http, &after_server.url, &token, long).await;
    assert_eq!(before.len(), after.len());
    for ((path, a), (_, b)) in before.iter().zip(&after) {
        assert!(
            a == b,
            "{path} answers differently after the move:\n{}\n{}",
            serde_json::to_string(a)
                .unwrap_or_default()
                .chars()
                .take(3000)
                .collect::<String>(),
            serde_json::to_string(b)
                .unwrap_or_default()
                .chars()
                .take(3000)
                .collect::<String>()
        );
    }
    // The copy goes on numbering after the copied ids: a new message gets a new id.
    let sent: Value = http
        .post(format!(
            "{}/api/v1/conversations/{long}/messages",
            after_server.url
        ))
        .bearer_auth(&token)
        .json(&json!({"text": "After the move", "client_msg_id": "moved-1"}))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    let id = sent["id"].as_i64().expect("the new message's id");
    assert!(id > i64::from(LONG), "{sent}");
    assert_eq!(sent["text"], "After the move");

    // Into a database that holds a company: refused, nothing touched.
    let again = migrate(&file, &target);
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already holds"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    // A file that is not a database.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"not a database at all").expect("junk");
    let bad = migrate(&junk, &db_arg(&dir.path().join("copy2")));
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("not a database"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}
