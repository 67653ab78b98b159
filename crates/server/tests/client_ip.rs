//! The action log's IP address (seed Settings › Advanced, Action log: "IP address of the account
//! that committed the action") against the real binary: the TCP peer, or `X-Forwarded-For`
//! only when the peer is a proxy given with `serve --trusted-proxy CIDR`.

mod common;

use common::{session, Fx};
use reqwest::StatusCode;
use serde_json::json;
use switchboard_protocol::{Id, LogAction, LogTarget};
use switchboard_server::storage::action_log;

/// Starts conversation `c` as Anna with these `X-Forwarded-For` headers; returns the IP the
/// action log recorded for it.
async fn logged_ip(fx: &Fx, c: Id, forwarded: &[&str]) -> Option<String> {
    let mut req = fx
        .http
        .post(fx.url(&format!("/api/v1/conversations/{c}/actions")))
        .header("Authorization", format!("Bearer {}", session(fx.anna)))
        .json(&json!({"action_id": format!("ip-{c}"), "action": "start"}));
    for f in forwarded {
        req = req.header("X-Forwarded-For", *f);
    }
    let resp = req.send().await.expect("start");
    assert_eq!(resp.status(), StatusCode::OK);
    let rows = fx
        .db()
        .read_blocking(move |conn| {
            Ok(action_log::list_for_target(
                conn,
                1,
                LogTarget::Conversation,
                c,
            )?)
        })
        .expect("log");
    let row = rows
        .into_iter()
        .rev()
        .find(|r| r.action == LogAction::Start)
        .expect("a start row");
    row.ip
}

#[tokio::test]
async fn without_trusted_proxies_the_peer_is_logged_whatever_it_forwards() {
    let fx = Fx::new();
    let ip = logged_ip(&fx, fx.c1, &["203.0.113.9"]).await;
    assert_eq!(ip.as_deref(), Some("127.0.0.1"));
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_rightmost_untrusted_forwarded_address_is_logged() {
    let fx = Fx::with_server_args(&[
        "--trusted-proxy",
        "127.0.0.0/8",
        "--trusted-proxy",
        "192.0.2.7",
    ]);
    // The client forged "1.1.1.1"; the outer proxy 192.0.2.7 saw 203.0.113.9.
    let ip = logged_ip(&fx, fx.c1, &["1.1.1.1, 203.0.113.9, 192.0.2.7"]).await;
    assert_eq!(ip.as_deref(), Some("203.0.113.9"));
    // No header: the proxy is all we know.
    let ip = logged_ip(&fx, fx.c2, &[]).await;
    assert_eq!(ip.as_deref(), Some("127.0.0.1"));
}

#[test]
fn a_bad_trusted_proxy_stops_the_server_at_start_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = std::process::Command::new(common::BIN)
        .arg("--db")
        .arg(dir.path().join("x.db"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--trusted-proxy",
            "10.0.0.0/99",
        ])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is not a CIDR like 10.0.0.0/8"), "{err}");
}
