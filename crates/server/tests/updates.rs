//! App updates from the company's own server (`serve --updates-dir`), against the real binary:
//! Tauri's dynamic update contract (a newer release for the asking platform with its bundle's
//! address on this server and its signature, or 204), the bundle download, and what is refused.

mod common;

use common::{cli_refused, Server};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn release(dir: &std::path::Path) {
    std::fs::write(
        dir.join("Switchboard_0.2.0_amd64.AppImage"),
        b"the new desk",
    )
    .expect("bundle");
    let manifest = json!({
        "version": "0.2.0",
        "notes": "Faster first sync",
        "pub_date": "2026-11-29T08:00:00Z",
        "platforms": {
            "linux-x86_64": {"url": "Switchboard_0.2.0_amd64.AppImage", "signature": "untrusted comment: sig\nRWQ…"},
            "linux-x86_64-deb": {"url": "Switchboard_0.2.0_amd64.deb", "signature": "SIG-D"},
            "darwin-aarch64": {"url": "https://cdn.example/Switchboard_0.2.0_aarch64.app.tar.gz", "signature": "SIG-M"}
        }
    });
    std::fs::write(dir.join("latest.json"), manifest.to_string()).expect("manifest");
}

#[tokio::test]
async fn a_desk_is_offered_a_newer_release_and_downloads_it_from_this_server() {
    let tmp = tempfile::tempdir().expect("tmp");
    let updates = tmp.path().join("updates");
    std::fs::create_dir(&updates).expect("mkdir");
    release(&updates);
    let db = tmp.path().join("sb.db");
    common::cli(
        &db,
        &[
            "init",
            "--company",
            "Acme",
            "--email",
            "a@acme.test",
            "--password",
            "pw-pw-pw-pw",
        ],
    );
    let server = Server::start_with(&db, &["--updates-dir", updates.to_str().expect("utf-8")]);
    let http = reqwest::Client::new();
    let get = |path: &str| http.get(format!("{}{path}", server.url)).send();
    // An update check that offers something: the offer.
    let offer_at = |path: &str| {
        let sent = get(path);
        async move {
            let resp = sent.await.expect("check");
            assert_eq!(resp.status(), StatusCode::OK);
            resp.json::<Value>().await.expect("json")
        }
    };

    let resp = get("/updates/linux/x86_64/0.1.0").await.expect("check");
    assert_eq!(resp.status(), StatusCode::OK);
    let offer: Value = resp.json().await.expect("json");
    assert_eq!(offer["version"], "0.2.0");
    assert_eq!(offer["notes"], "Faster first sync");
    assert_eq!(offer["signature"], "untrusted comment: sig\nRWQ…");
    let url = offer["url"].as_str().expect("url");
    assert_eq!(
        url,
        format!(
            "{}/updates/files/Switchboard_0.2.0_amd64.AppImage",
            server.url
        )
    );
    let bundle = http.get(url).send().await.expect("download");
    assert_eq!(bundle.status(), StatusCode::OK);
    assert_eq!(
        bundle.bytes().await.expect("bytes").as_ref(),
        b"the new desk"
    );

    // A desk installed from a .deb is offered the .deb (the app says how it was installed, as
    // Tauri's `{{bundle_type}}`); one that says nothing, or has no entry of its own, the plain one.
    let deb = offer_at("/updates/linux/x86_64/0.1.0?bundle_type=deb").await;
    assert_eq!(
        deb["url"],
        format!("{}/updates/files/Switchboard_0.2.0_amd64.deb", server.url)
    );
    assert_eq!(deb["signature"], "SIG-D");
    let appimage = offer_at("/updates/linux/x86_64/0.1.0?bundle_type=appimage").await;
    assert_eq!(appimage["url"], offer["url"]);

    // Another platform's bundle lives elsewhere: its address as the manifest says.
    let mac = offer_at("/updates/darwin/aarch64/0.1.0").await;
    assert_eq!(
        mac["url"],
        "https://cdn.example/Switchboard_0.2.0_aarch64.app.tar.gz"
    );

    // Up to date, newer, or a platform without a bundle: nothing to offer.
    for path in [
        "/updates/linux/x86_64/0.2.0",
        "/updates/linux/x86_64/v1.0.0",
        "/updates/windows/x86_64/0.1.0",
    ] {
        let resp = get(path).await.expect("check");
        assert_eq!(resp.status(), StatusCode::NO_CONTENT, "{path}");
    }
    // Bad input: a clear 400; files outside the directory or not named by it: 404.
    let resp = get("/updates/linux/x86_64/0.1.0?bundle_type=exe")
        .await
        .expect("check");
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let resp = get("/updates/linux/x86_64/latest").await.expect("check");
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let body: Value = resp.json().await.expect("json");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("is not a version"),
        "{body}"
    );
    std::fs::write(tmp.path().join("secret.txt"), b"no").expect("secret");
    for path in [
        "/updates/files/..%2Fsecret.txt",
        "/updates/files/latest.json",
        "/updates/files/nope.deb",
    ] {
        let resp = get(path).await.expect("file");
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn a_server_without_an_updates_dir_offers_nothing_and_serves_no_file() {
    let tmp = tempfile::tempdir().expect("tmp");
    let db = tmp.path().join("sb.db");
    common::cli(
        &db,
        &[
            "init",
            "--company",
            "Acme",
            "--email",
            "a@acme.test",
            "--password",
            "pw-pw-pw-pw",
        ],
    );
    let server = Server::start(&db);
    // Every desk asks at start: nothing newer, not an error.
    let resp = reqwest::get(format!("{}/updates/linux/x86_64/0.1.0", server.url))
        .await
        .expect("check");
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let resp = reqwest::get(format!("{}/updates/files/app.AppImage", server.url))
        .await
        .expect("file");
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let body: Value = resp.json().await.expect("json");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("--updates-dir"),
        "{body}"
    );
    drop(server);
    cli_refused(
        &db,
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--updates-dir",
            "/nonexistent/updates",
        ],
        "is not a directory",
    );
}
