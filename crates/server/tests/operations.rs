//! What operations teams run the server with, against the real binary: the liveness and
//! readiness probes a load balancer polls, and a `--db` that is a URL refused by name instead
//! of becoming a stray SQLite file.

mod common;

use std::process::Command;

use common::{Server, BIN};
use reqwest::StatusCode;
use serde_json::Value;

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
    for (db, scheme) in [
        ("postgres://sb:pw@db.internal/switchboard", "postgres"),
        ("mysql://root@localhost/sb", "mysql"),
        ("sqlite+wal://sb.db", "sqlite+wal"),
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
            assert!(
                stderr.contains(&format!("`{scheme}://` databases are not supported")),
                "{db}: {stderr}"
            );
        }
    }
    let left: Vec<_> = walk(cwd.path());
    assert!(left.is_empty(), "files appeared: {left:?}");
}

/// Every file under `dir`, at any depth.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .expect("read dir")
        .flatten()
        .flat_map(|e| {
            let p = e.path();
            if p.is_dir() {
                walk(&p)
            } else {
                vec![p]
            }
        })
        .collect()
}
