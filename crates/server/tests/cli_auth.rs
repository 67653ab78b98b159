//! The command line (`init`, `token create`, `demo`, `serve` and its shutdown) and login.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{assert_error, cli, Fx, Server, BIN, PASSWORD};
use reqwest::StatusCode;
use serde_json::json;

#[test]
fn init_refuses_a_taken_email_and_token_create_prints_one_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Parent folders are created; --db may come from the environment.
    let db = dir.path().join("nested").join("deeper").join("sb.db");
    let out = Command::new(BIN)
        .env("SWITCHBOARD_DB", common::db_arg(&db))
        .args([
            "init",
            "--company",
            "Acme",
            "--email",
            "a@acme.test",
            "--password",
            "pw",
        ])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let again = Command::new(BIN)
        .arg("--db")
        .arg(common::db_arg(&db))
        .args([
            "init",
            "--company",
            "Again",
            "--email",
            "A@acme.test",
            "--password",
            "pw",
        ])
        .output()
        .expect("run");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));

    let stdout = cli(&db, &["token", "create", "--name", "zapier"]);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{stdout:?}");
    assert!(lines[0].starts_with("sba_") && lines[0].len() > 40);

    let no_db = Command::new(BIN)
        .args(["token", "create", "--name", "x"])
        .env_remove("SWITCHBOARD_DB")
        .output()
        .expect("run");
    assert!(!no_db.status.success());
    assert!(String::from_utf8_lossy(&no_db.stderr).contains("--db"));
}

#[tokio::test]
async fn demo_is_idempotent_and_its_operators_can_log_in() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("demo.db");
    let started = Instant::now();
    let first = cli(&db, &["demo"]);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "demo took {:?}",
        started.elapsed()
    );
    let second = cli(&db, &["demo"]);
    assert_eq!(first, second);
    assert!(
        first.contains("admin@demo.test")
            && first.contains("secret demo-")
            && first.contains("olga@demo.test")
    );

    let conn = common::open_db(&db);
    let count = |sql: &str| -> i64 {
        let sql = sql.to_owned();
        conn.read_blocking(|c| Ok(c.query_row(&sql, (), |r| r.get(0))?))
            .expect("count")
    };
    assert!(count("SELECT COUNT(*) FROM conversations") >= 2000);
    for status in ["unassigned", "inbox", "closed"] {
        assert!(
            count(&format!(
                "SELECT COUNT(*) FROM conversations WHERE status = '{status}'"
            )) > 100
        );
    }
    assert!(count("SELECT COUNT(*) FROM clients WHERE blacklisted = TRUE") > 0);
    assert!(count("SELECT COUNT(*) FROM clients WHERE pinned_operator_id IS NOT NULL") > 0);
    assert_eq!(count("SELECT COUNT(*) FROM (SELECT conversation_id, COUNT(*) n FROM messages GROUP BY 1 HAVING COUNT(*) < 3 OR COUNT(*) > 15) AS t"), 0);
    assert_eq!(count("SELECT COUNT(*) FROM channel_accounts"), 4);
    let before = count("SELECT COUNT(*) FROM messages");
    cli(&db, &["demo"]);
    assert_eq!(count("SELECT COUNT(*) FROM messages"), before);

    let server = Server::start(&db);
    let http = reqwest::Client::new();
    let resp = http
        .post(format!("{}/api/v1/auth/login", server.url))
        .json(&json!({"email": "olga@demo.test", "password": "demo"}))
        .send()
        .await
        .expect("login");
    let (st, body) = common::decode(resp).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body["me"]["operator"]["group_ids"], json!([]));
    let token = body["token"].as_str().expect("token").to_string();
    let resp = http
        .get(format!("{}/api/v1/snapshot?limit=5", server.url))
        .bearer_auth(&token)
        .send()
        .await
        .expect("snapshot");
    let (st, page) = common::decode(resp).await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        page["total"].as_i64().expect("total") > 300,
        "olga sees every unassigned and her own"
    );
}

#[tokio::test]
async fn login_logout_and_rate_limit() {
    let fx = Fx::new();
    let login = |email: &str, password: &str| {
        let body = json!({"email": email, "password": password});
        let req = fx.http.post(fx.url("/api/v1/auth/login")).json(&body);
        async move { common::decode(req.send().await.expect("login")).await }
    };
    let (st, ok) = login("anna@acme.test", PASSWORD).await;
    assert_eq!(st, StatusCode::OK, "{ok}");
    assert_eq!(ok["me"]["operator"]["id"], fx.anna);
    assert_eq!(ok["me"]["permissions"]["show_all_tab"], false);
    let token = ok["token"].as_str().expect("token").to_string();
    let (st, me) = fx.get(&token, "/api/v1/me").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(me["company"]["name"], "Acme");

    // Wrong password and unknown email: the same answer.
    let wrong = login("anna@acme.test", "nope").await;
    assert_error(
        &wrong,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "Wrong email or password",
    );
    let unknown = login("nobody@acme.test", "nope").await;
    assert_eq!(wrong.1, unknown.1);
    for _ in 0..4 {
        assert_eq!(
            login("anna@acme.test", "nope").await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    // Five failures: now even the right password is refused for a while.
    assert_error(
        &login("anna@acme.test", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        "wait",
    );
    assert_eq!(
        login("bob@acme.test", PASSWORD).await.0,
        StatusCode::OK,
        "other emails are not blocked"
    );

    // Malformed bodies.
    let resp = fx
        .http
        .post(fx.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .expect("post");
    assert_error(
        &common::decode(resp).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
        "JSON",
    );
    let resp = fx
        .http
        .post(fx.url("/api/v1/auth/login"))
        .json(&json!({"email": "x"}))
        .send()
        .await
        .expect("post");
    assert_error(
        &common::decode(resp).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
        "password",
    );

    // Logout revokes the session.
    let resp = fx
        .http
        .post(fx.url("/api/v1/auth/logout"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("logout");
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert_error(
        &fx.get(&token, "/api/v1/me").await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "token",
    );
    // The API token acts as the admin.
    let (_, me) = fx.get(&fx.api, "/api/v1/me").await;
    assert_eq!(me["operator"]["id"], fx.admin);
}

#[tokio::test]
async fn serve_stops_gracefully_on_sigterm_even_with_an_open_socket() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut fx = Fx::new();
    let url = format!(
        "{}/api/v1/events?after=1",
        fx.server.url.replace("http://", "ws://")
    );
    let mut req = url.into_client_request().expect("request");
    req.headers_mut().insert(
        "Authentication",
        common::session(fx.anna).parse().expect("header"),
    );
    let (_ws, _) = tokio_tungstenite::connect_async(req)
        .await
        .expect("connect");
    let server = &mut fx.server;
    let pid = server.child.id().to_string();
    let status = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(exit) = server.child.try_wait().expect("wait") {
            assert!(exit.success(), "exit status {exit}");
            break;
        }
        assert!(Instant::now() < deadline, "server did not stop");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
