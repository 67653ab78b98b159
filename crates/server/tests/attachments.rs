//! Attachments against the real server binary: upload (idempotent, 413, 415, path tricks),
//! download (bytes, headers, visibility), the group file policy, inbound client files, and
//! `send-file-message` fetching from a local HTTP server.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use axum::response::IntoResponse;
use axum::routing::get;
use common::{assert_error, decode, session, Fx};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR fake but signed";

impl Fx {
    fn tmp_files(&self) -> usize {
        let mut dir = self.db_path.as_os_str().to_owned();
        dir.push(".files/tmp");
        std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
    }
}

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[tokio::test]
async fn upload_download_limits_and_visibility() {
    let fx = Fx::with_server_args(&["--max-file-mb", "1"]);
    fx.start_for(fx.c1, fx.anna).await;
    let anna = session(fx.anna);

    // A path trick in the name: only the last component is kept.
    let r = fx
        .upload(
            &anna,
            fx.c1,
            "u1",
            "..%2F..%2Fetc%2Fphoto.png",
            PNG.to_vec(),
        )
        .await;
    assert_eq!(r.0, StatusCode::CREATED, "{}", r.1);
    let att = r.1["attachment"].clone();
    assert_eq!(att["name"], "photo.png");
    assert_eq!(att["content_type"], "image/png");
    assert_eq!(att["size"], PNG.len());
    assert_eq!(att["sha256"], sha(PNG));
    assert_eq!(r.1["text"], "photo.png");
    assert_eq!(r.1["kind"], "operator");
    // Stored content-addressed beside the database.
    let hex = sha(PNG);
    let mut blob = fx.db_path.as_os_str().to_owned();
    blob.push(format!(".files/{}/{}", &hex[..2], &hex[2..]));
    assert_eq!(std::fs::read(&blob).expect("blob"), PNG);

    // Idempotent: the same client_msg_id returns the first message.
    let again = fx
        .upload(&anna, fx.c1, "u1", "other.png", PNG.to_vec())
        .await;
    assert_eq!(again.0, StatusCode::OK, "{}", again.1);
    assert_eq!(again.1["id"], r.1["id"]);
    let msgs = fx.seed_get(fx.c1).await["messages"].clone();
    let with_files: Vec<&Value> = msgs
        .as_array()
        .expect("messages")
        .iter()
        .filter(|m| !m["attachment"].is_null())
        .collect();
    assert_eq!(with_files.len(), 1);

    // Download: bytes, type and disposition.
    let resp = fx.download(&anna, &att["id"]).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let h = resp.headers().clone();
    assert_eq!(h["content-type"], "image/png");
    let disp = h["content-disposition"].to_str().expect("ascii");
    assert!(disp.starts_with("attachment;"), "{disp}");
    assert!(disp.contains("filename*=UTF-8''photo%2Epng"), "{disp}");
    assert_eq!(resp.bytes().await.expect("bytes").as_ref(), PNG);

    // Visibility: another group's operator and another company get 404, as for a missing id.
    for token in [session(fx.dave), fx.other_admin_token.clone()] {
        let (st, body) = decode(fx.download(&token, &att["id"]).await).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{body}");
        assert_eq!(body["error"]["code"], "not_found");
    }
    let (st, _) = decode(fx.download(&anna, &json!(999_999)).await).await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    // 413 over the limit (1 MiB here), before and while streaming.
    let big = vec![b'a'; 1024 * 1024 + 10];
    let r = fx.upload(&anna, fx.c1, "u2", "big.txt", big).await;
    assert_error(&r, StatusCode::PAYLOAD_TOO_LARGE, "too_large", "1 MiB");

    // 415: executables by extension and by content; content that does not match its name.
    let r = fx
        .upload(&anna, fx.c1, "u3", "setup.exe", b"MZ\x90\0".to_vec())
        .await;
    assert_error(
        &r,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_type",
        ".exe",
    );
    let r = fx
        .upload(&anna, fx.c1, "u4", "cat.png", b"MZ\x90\0rest".to_vec())
        .await;
    assert_error(
        &r,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_type",
        "program",
    );
    let r = fx
        .upload(&anna, fx.c1, "u5", "run.txt", b"#!/bin/sh\nid\n".to_vec())
        .await;
    assert_error(
        &r,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_type",
        "program",
    );
    let r = fx
        .upload(&anna, fx.c1, "u6", "doc.pdf", b"not a pdf".to_vec())
        .await;
    assert_error(
        &r,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_type",
        ".pdf",
    );
    // Windows device names and control characters are defused, the extension kept.
    let r = fx
        .upload(&anna, fx.c1, "u7", "CON%0D%0A.txt", b"hello".to_vec())
        .await;
    assert_eq!(r.0, StatusCode::CREATED, "{}", r.1);
    assert_eq!(r.1["attachment"]["name"], "_CON.txt");
    // Refused uploads leave no temporary files.
    assert_eq!(fx.tmp_files(), 0);

    // Visible but in someone else's inbox (a supervisor) → 403; not visible → 404; no name → 400.
    let r = fx
        .upload(&session(fx.sue), fx.c1, "u8", "a.txt", b"x".to_vec())
        .await;
    assert_eq!(r.0, StatusCode::FORBIDDEN, "{}", r.1);
    let r = fx
        .upload(&session(fx.dave), fx.c1, "u9", "a.txt", b"x".to_vec())
        .await;
    assert_eq!(r.0, StatusCode::NOT_FOUND, "{}", r.1);
    let resp = fx
        .http
        .post(fx.url(&format!(
            "/api/v1/conversations/{}/attachments?client_msg_id=u10",
            fx.c1
        )))
        .header("Authorization", format!("Bearer {anna}"))
        .body("x")
        .send()
        .await
        .expect("post");
    assert_error(
        &decode(resp).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
        "X-File-Name",
    );
}

#[tokio::test]
async fn group_policy_blocks_sending_and_receiving() {
    let fx = Fx::new();
    let path = format!("/api/v1/settings/groups/{}/files", fx.g1);
    let (fx, path) = (&fx, &path);
    let put = |token: String, body: Value| {
        let req = fx
            .http
            .put(fx.url(path))
            .header("Authorization", format!("Bearer {token}"))
            .json(&body);
        async move { decode(req.send().await.expect("put")).await }
    };
    let r = put(session(fx.anna), json!({"block_send": true})).await;
    assert_error(&r, StatusCode::FORBIDDEN, "forbidden", "super-admin");
    let r = put(fx.other_admin_token.clone(), json!({"block_send": true})).await;
    assert_eq!(r.0, StatusCode::NOT_FOUND, "{}", r.1);
    let r = put(
        session(fx.admin),
        json!({"block_send": true, "block_receive": true}),
    )
    .await;
    assert_eq!(r.0, StatusCode::OK, "{}", r.1);

    fx.start_for(fx.c1, fx.anna).await;
    let r = fx
        .upload(&session(fx.anna), fx.c1, "b1", "a.txt", b"hi".to_vec())
        .await;
    assert_error(
        &r,
        StatusCode::FORBIDDEN,
        "forbidden",
        "Sending files is blocked",
    );

    // A client's file still arrives and is stored…
    use base64::Engine as _;
    let resp = fx
        .http
        .post(fx.url(&format!("/api/v1/channels/{}/inbound", fx.tg)))
        .header("X-Channel-Secret", "tg-secret")
        .json(&json!({"external_id": "t1", "name": "Tom", "text": "",
            "attachment": {"name": "scan.pdf",
                "data_base64": base64::engine::general_purpose::STANDARD.encode(b"%PDF-1.4 scan")}}))
        .send()
        .await
        .expect("inbound");
    let (st, acc) = decode(resp).await;
    assert_eq!(st, StatusCode::OK, "{acc}");
    let msgs = fx.seed_get(fx.c1).await["messages"].clone();
    let last = msgs
        .as_array()
        .and_then(|m| m.last())
        .cloned()
        .expect("last");
    assert_eq!(last["kind"], "client");
    assert_eq!(last["text"], "scan.pdf");
    let id = last["attachment"]["id"].clone();
    assert_eq!(last["attachment"]["content_type"], "application/pdf");
    // …but not given to the group's operators, who are told why.
    let r = decode(fx.download(&session(fx.anna), &id).await).await;
    assert_error(
        &r,
        StatusCode::FORBIDDEN,
        "forbidden",
        "Receiving files is blocked",
    );
    // The super-admin is not affected.
    let resp = fx.download(&session(fx.admin), &id).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.bytes().await.expect("bytes").as_ref(),
        b"%PDF-1.4 scan"
    );

    // Lifting the block lets the operator send again.
    let r = put(session(fx.admin), json!({})).await;
    assert_eq!(r.0, StatusCode::OK);
    let r = fx
        .upload(&session(fx.anna), fx.c1, "b2", "a.txt", b"hi".to_vec())
        .await;
    assert_eq!(r.0, StatusCode::CREATED, "{}", r.1);
}

/// Seed (Settings › Advanced, "Block send/receive files"): "This function allows you to
/// prohibit receiving and sending files to specific groups of operators." The operator's own
/// groups decide, not the conversation's: an operator in no group is never blocked, and one in
/// a blocking group is blocked in any conversation.
#[tokio::test]
async fn file_policy_follows_the_operators_groups_not_the_conversations() {
    let fx = Fx::new();
    let r = fx
        .http
        .put(fx.url(&format!("/api/v1/settings/groups/{}/files", fx.g2)))
        .header("Authorization", format!("Bearer {}", session(fx.admin)))
        .json(&json!({"block_send": true, "block_receive": true}))
        .send()
        .await
        .expect("put");
    assert_eq!(r.status(), StatusCode::OK);
    let olga = session(fx.olga);
    // c4 is a 2nd line conversation; Olga is in no group.
    fx.start_for(fx.c4, fx.olga).await;
    let (st, sent) = fx.upload(&olga, fx.c4, "o1", "a.txt", b"hi".to_vec()).await;
    assert_eq!(st, StatusCode::CREATED, "no group, no block: {sent}");
    let own = sent["attachment"]["id"].clone();
    use base64::Engine as _;
    let resp = fx
        .http
        .post(fx.url(&format!("/api/v1/channels/{}/inbound", fx.mail)))
        .header("X-Channel-Secret", "mail-secret")
        .json(&json!({"external_id": "m4@x.test", "name": "Mia", "text": "",
            "attachment": {"name": "scan.pdf",
                "data_base64": base64::engine::general_purpose::STANDARD.encode(b"%PDF-1.4 scan")}}))
        .send()
        .await
        .expect("inbound");
    assert_eq!(resp.status(), StatusCode::OK);
    let msgs = fx.seed_get(fx.c4).await["messages"].clone();
    let client_file = msgs
        .as_array()
        .and_then(|m| m.last())
        .map(|m| m["attachment"]["id"].clone())
        .expect("client file");
    assert_eq!(
        fx.download(&olga, &client_file).await.status(),
        StatusCode::OK
    );

    // Olga joins the 2nd line: now she may neither send files nor get the client's…
    fx.db()
        .write_blocking(|ctx| {
            ctx.tx.execute(
                "INSERT INTO operator_groups (operator_id, group_id) VALUES (?1, ?2)",
                [fx.olga, fx.g2],
            )?;
            Ok(())
        })
        .expect("join group");
    let r = fx.upload(&olga, fx.c4, "o2", "b.txt", b"hi".to_vec()).await;
    assert_error(
        &r,
        StatusCode::FORBIDDEN,
        "forbidden",
        "Sending files is blocked for your group \"2nd line\"",
    );
    let r = decode(fx.download(&olga, &client_file).await).await;
    assert_error(
        &r,
        StatusCode::FORBIDDEN,
        "forbidden",
        "Receiving files is blocked for your group \"2nd line\"",
    );
    // …while the file she sent herself is not "received" and stays hers.
    assert_eq!(fx.download(&olga, &own).await.status(), StatusCode::OK);

    // A 1st line operator is not blocked by the 2nd line's policy in a 2nd line conversation
    // (the conversation moved to Anna's inbox through the seed API).
    fx.start_for(fx.c5, fx.anna).await;
    let (st, body) = fx
        .upload(&session(fx.anna), fx.c5, "a1", "a.txt", b"hi".to_vec())
        .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
}

/// A local file server for `send-file-message`.
async fn file_server() -> SocketAddr {
    let app = axum::Router::new()
        .route(
            "/files/report.pdf",
            get(|| async { b"%PDF-1.7 report".to_vec() }),
        )
        .route(
            "/files/download",
            get(|| async { ([("content-type", "image/png")], PNG.to_vec()).into_response() }),
        )
        .route(
            "/files/big.zip",
            get(|| async {
                let mut z = b"PK\x03\x04".to_vec();
                z.resize(1024 * 1024 + 100, 0);
                z
            }),
        )
        .route("/files/tool.png", get(|| async { b"\x7FELF....".to_vec() }))
        .route(
            "/files/slow.txt",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(30)).await;
                "late"
            }),
        )
        .route(
            "/files/missing.pdf",
            get(|| async { axum::http::StatusCode::NOT_FOUND }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

#[tokio::test]
async fn send_file_message_fetches_safely() {
    let files = file_server().await;
    let fx = Fx::with_server_args(&[
        "--allow-private-fetch",
        "--max-file-mb",
        "1",
        "--fetch-timeout-secs",
        "2",
    ]);
    fx.start_for(fx.c2, fx.bob).await;
    let fx = &fx;
    let send = |url: String| {
        let form = [
            ("conversation_id", fx.c2.to_string()),
            ("file_url", url),
            ("operator_id", fx.bob.to_string()),
        ];
        async move {
            fx.post_form(&fx.api, "/api/conversations/send-file-message", &form)
                .await
        }
    };
    let r = send(format!("http://{files}/files/report.pdf")).await;
    assert_eq!(r.0, StatusCode::OK, "{}", r.1);
    let att = r.1["data"]["attachment"].clone();
    assert_eq!(att["name"], "report.pdf");
    assert_eq!(att["content_type"], "application/pdf");
    let resp = fx.download(&session(fx.bob), &att["id"]).await;
    assert_eq!(
        resp.bytes().await.expect("bytes").as_ref(),
        b"%PDF-1.7 report"
    );
    // No extension in the URL: the server's Content-Type supplies one.
    let r = send(format!("http://{files}/files/download")).await;
    assert_eq!(r.0, StatusCode::OK, "{}", r.1);
    assert_eq!(r.1["data"]["attachment"]["name"], "download.png");

    let r = send(format!("http://{files}/files/big.zip")).await;
    assert_error(&r, StatusCode::PAYLOAD_TOO_LARGE, "too_large", "1 MiB");
    let r = send(format!("http://{files}/files/tool.png")).await;
    assert_error(
        &r,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_type",
        "program",
    );
    let r = send(format!("http://{files}/files/slow.txt")).await;
    assert_error(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_state",
        "in time",
    );
    let r = send(format!("http://{files}/files/missing.pdf")).await;
    assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_state", "404");
    let r = send("ftp://example.com/a.pdf".into()).await;
    assert_eq!(r.0, StatusCode::BAD_REQUEST);
    assert_eq!(fx.tmp_files(), 0);

    // Without --allow-private-fetch the same local URLs are refused before any request.
    let strict = Fx::new();
    strict.start_for(strict.c2, strict.bob).await;
    for url in [
        format!("http://{files}/files/report.pdf"),
        format!("http://localhost:{}/files/report.pdf", files.port()),
        "http://169.254.169.254/latest/meta-data.txt".into(),
        "http://[::1]/a.pdf".into(),
    ] {
        let r = strict
            .post_form(
                &strict.api,
                "/api/conversations/send-file-message",
                &[
                    ("conversation_id", strict.c2.to_string()),
                    ("file_url", url.clone()),
                ],
            )
            .await;
        assert_error(
            &r,
            StatusCode::BAD_REQUEST,
            "bad_request",
            "private address",
        );
    }
}
