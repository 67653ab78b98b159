//! What operations teams run the server with, against the real binary: the liveness and
//! readiness probes a load balancer polls, the Prometheus metrics a scraper reads with its
//! token, and a `--db` that is a URL refused by name instead of becoming a stray SQLite file.

mod common;
#[path = "common/postgres.rs"]
mod postgres_server;

use std::process::Command;

use common::{cli_refused, files_under, session, until, Fx, Server, BIN};
use futures_util::StreamExt;
use reqwest::StatusCode;
use serde_json::Value;

const SCRAPER: &str = "scrape-me-0123456789";

/// The value of the sample `line` (its name and labels exactly) in the metrics text.
fn sample(text: &str, line: &str) -> Option<i64> {
    text.lines()
        .find_map(|l| l.strip_prefix(line)?.strip_prefix(' ')?.parse().ok())
}

async fn scrape(fx: &Fx, token: Option<&str>) -> (StatusCode, String) {
    let mut req = fx.http.get(fx.url("/metrics"));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let resp = req.send().await.expect("scrape");
    (resp.status(), resp.text().await.expect("text"))
}

#[tokio::test]
async fn the_scraper_with_its_token_reads_requests_messages_sockets_and_queues() {
    let fx = Fx::with_server_args(&["--metrics-token", SCRAPER]);
    for token in [None, Some("wrong-token-0123456789"), Some(fx.api.as_str())] {
        let (status, body) = scrape(&fx, token).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{token:?}: {body}");
        assert!(!body.contains("switchboard_"), "{token:?} read metrics");
    }
    let (status, before) = scrape(&fx, Some(SCRAPER)).await;
    assert_eq!(status, StatusCode::OK, "{before}");
    let inbound = |t: &str| sample(t, "switchboard_inbound_messages_total").unwrap_or(0);

    // Two client messages, one app connected.
    for text in ["Hello?", "Anyone there?"] {
        let (st, body) = fx.inbound(fx.tg, "tg-secret", "metrics-1", text).await;
        assert_eq!(st, StatusCode::OK, "{body}");
    }
    let mut ws = fx.events(&session(fx.anna), 0).await;
    until("the app's socket counted", || async {
        let (_, text) = scrape(&fx, Some(SCRAPER)).await;
        sample(&text, "switchboard_events_sockets") == Some(1)
    })
    .await;
    let (_, text) = scrape(&fx, Some(SCRAPER)).await;
    assert_eq!(inbound(&text) - inbound(&before), 2, "{text}");
    let route = r#"switchboard_http_requests_total{method="POST",route="/api/v1/channels/{channel_id}/inbound",status="200"}"#;
    assert_eq!(sample(&text, route), Some(2), "{text}");
    assert!(
        sample(
            &text,
            r#"switchboard_queue_depth{queue="deliveries",state="queued"}"#
        )
        .is_some(),
        "{text}"
    );
    assert!(
        text.ends_with("# EOF\n"),
        "OpenMetrics ends with # EOF: {text}"
    );

    // The socket closes: the gauge goes back down.
    ws.close(None).await.expect("close");
    while ws.next().await.is_some() {}
    until("the socket uncounted", || async {
        let (_, text) = scrape(&fx, Some(SCRAPER)).await;
        sample(&text, "switchboard_events_sockets") == Some(0)
    })
    .await;
}

#[tokio::test]
async fn without_a_metrics_token_there_are_no_metrics() {
    let fx = Fx::new();
    let (status, body) = scrape(&fx, Some(SCRAPER)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert!(body.contains("Metrics are off"), "{body}");
    let tmp = tempfile::tempdir().expect("tmp");
    cli_refused(
        &tmp.path().join("sb.db"),
        &["serve", "--metrics-token", "short"],
        "at least 16 characters",
    );
}

#[tokio::test]
async fn the_probes_say_live_and_ready_without_a_token() {
    let tmp = tempfile::tempdir().expect("tmp");
    let server = Server::start(&tmp.path().join("sb.db"));
    let http = reqwest::Client::new();
    for (path, status) in [("/healthz", "ok"), ("/readyz", "ready")] {
        let resp = http
            .get(format!("{}{path}", server.url))
            .send()
            .await
            .expect("probe");
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        let body: Value = resp.json().await.expect("json");
        assert_eq!(body["status"], status, "{path}: {body}");
    }
}

#[test]
fn a_database_url_is_refused_and_no_file_appears() {
    let cwd = tempfile::tempdir().expect("cwd");
    // A port nothing listens on: PostgreSQL is tried and the failure said, with no password.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let unreachable = format!("postgres://sb:hunter2@127.0.0.1:{closed}/switchboard");
    for (db, expected) in [
        (unreachable.as_str(), "cannot connect to PostgreSQL"),
        (
            "postgres://sb@db.internal:notaport/x",
            "the PostgreSQL address is not valid",
        ),
        (
            "mysql://root@localhost/sb",
            "`mysql://` databases are not supported",
        ),
        (
            "sqlite+wal://sb.db",
            "`sqlite+wal://` databases are not supported",
        ),
    ] {
        for via_env in [false, true] {
            let mut cmd = Command::new(BIN);
            cmd.current_dir(cwd.path()).env("RUST_LOG", "warn");
            if via_env {
                cmd.env("SWITCHBOARD_DB", db);
            } else {
                cmd.args(["--db", db]);
            }
            let out = cmd
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
                .expect("run switchboard-server");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(!out.status.success(), "{db} was accepted");
            assert!(stderr.contains(expected), "{db}: {stderr}");
            assert!(
                !stderr.contains("hunter2"),
                "the password was shown: {stderr}"
            );
        }
    }
    let left = files_under(cwd.path());
    assert!(left.is_empty(), "files appeared: {left:?}");
}

/// `/readyz` says 503 while the database does not answer, and the liveness probe stays 200:
/// a PostgreSQL of the test's own, stopped under the running server.
#[tokio::test]
async fn readiness_fails_while_postgres_is_down_and_liveness_does_not() {
    let pg = postgres_server::TestPg::start();
    let dir = tempfile::tempdir().expect("tmp");
    let files = dir.path().join("files");
    let server = Server::start_on(
        std::ffi::OsStr::new(&pg.url()),
        &dir.path().join("server.log"),
        &["--files".into(), files.into()],
        &[],
    );
    let http = reqwest::Client::new();
    let probe = |path: &'static str| {
        let req = http.get(format!("{}{path}", server.url));
        async move {
            let resp = req.send().await.expect("probe");
            (resp.status(), resp.json::<Value>().await.expect("json"))
        }
    };
    let (st, body) = probe("/readyz").await;
    assert_eq!(st, StatusCode::OK, "{body}");
    pg.stop();
    let (st, body) = probe("/readyz").await;
    assert_eq!(st, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["status"], "unavailable");
    assert!(
        body["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{body}"
    );
    let (st, body) = probe("/healthz").await;
    assert_eq!(st, StatusCode::OK, "{body}");
}

/// A PostgreSQL that asks for TLS (`sslmode=require`): reached with the CA that signed its
/// certificate (`SWITCHBOARD_DB_CA_FILE`), every connection of the server encrypted; refused
/// without it, saying why.
#[tokio::test]
async fn a_database_reached_over_tls_is_checked_against_its_ca() {
    let (pg, ca) = postgres_server::TestPg::start_tls();
    let url = format!(
        "postgres://sb@localhost:{}/postgres?sslmode=require",
        pg.port()
    );
    let init = |ca: Option<&std::path::Path>| {
        let mut cmd = Command::new(BIN);
        cmd.args([
            "--db",
            &url,
            "init",
            "--company",
            "Acme",
            "--email",
            "a@acme.test",
        ])
        .args(["--password", "pw"])
        .env("RUST_LOG", "warn")
        .env_remove("SWITCHBOARD_DB_CA_FILE");
        if let Some(ca) = ca {
            cmd.env("SWITCHBOARD_DB_CA_FILE", ca);
        }
        cmd.output().expect("run switchboard-server")
    };
    let refused = init(None);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "connected without the CA");
    assert!(
        stderr.contains("cannot connect to PostgreSQL") && stderr.contains("certificate"),
        "{stderr}"
    );
    let made = init(Some(&ca));
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );

    let dir = tempfile::tempdir().expect("tmp");
    let server = Server::start_on(
        std::ffi::OsStr::new(&url),
        &dir.path().join("server.log"),
        &["--files".into(), dir.path().join("files").into()],
        &[("SWITCHBOARD_DB_CA_FILE", ca.to_str().expect("utf-8 path"))],
    );
    let ready = reqwest::get(format!("{}/readyz", server.url))
        .await
        .expect("probe");
    assert_eq!(ready.status(), StatusCode::OK);
    let (plain, encrypted) = tokio::task::spawn_blocking(move || {
        let mut admin =
            postgres::Client::connect(&pg.url(), postgres::NoTls).expect("connect plainly");
        let row = admin
            .query_one(
                "SELECT COUNT(*) FILTER (WHERE NOT s.ssl), COUNT(*) FILTER (WHERE s.ssl)
                 FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
                 WHERE a.backend_type = 'client backend' AND a.pid <> pg_backend_pid()",
                &[],
            )
            .expect("connections");
        (row.get::<_, i64>(0), row.get::<_, i64>(1))
    })
    .await
    .expect("query");
    assert_eq!(plain, 0, "a plain connection of the server");
    assert!(encrypted >= 1, "the server's connections");
}
