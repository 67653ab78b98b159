//! Attachments in an S3-compatible store (`serve --files s3://bucket/prefix`), which several
//! server instances share, against the real binary and an S3 server started by the test
//! (moto's server, from the venv `./dev.sh` makes; S3 itself is a cloud service tests cannot
//! reach, and moto speaks its wire protocol). Upload, download, content addressing under the
//! prefix, a file large enough to go up in parts, and nothing left on the local disk.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use common::{session, Fx};
use futures_util::TryStreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::ObjectStore;
use reqwest::StatusCode;
use sha2::{Digest, Sha256};

const BUCKET: &str = "switchboard-files";

/// moto's S3 server on a free port; killed when dropped.
struct S3 {
    child: Child,
    url: String,
}

impl S3 {
    fn start() -> Self {
        let venv = std::env::var("SWITCHBOARD_S3_VENV").unwrap_or_else(|_| {
            format!(
                "{}/.cache/switchboard/s3-venv",
                std::env::var("HOME").expect("HOME")
            )
        });
        let bin = format!("{venv}/bin/moto_server");
        let mut child = Command::new(&bin)
            .args(["-H", "127.0.0.1", "-p", "0"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {bin} ({e}): ./dev.sh test installs it"));
        let stderr = child.stderr.take().expect("stderr");
        let url = BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
            .find_map(|l| {
                l.split_once("Running on ")
                    .map(|(_, u)| u.trim().to_string())
            })
            .expect("moto printed its address");
        Self { child, url }
    }

    fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.url.clone()),
            ("AWS_ALLOW_HTTP", "true".into()),
            ("AWS_ACCESS_KEY_ID", "test".into()),
            ("AWS_SECRET_ACCESS_KEY", "test".into()),
            ("AWS_REGION", "us-east-1".into()),
        ]
    }

    /// The bucket, as any S3 client sees it (signed requests).
    fn client(&self) -> AmazonS3 {
        AmazonS3Builder::new()
            .with_endpoint(&self.url)
            .with_allow_http(true)
            .with_access_key_id("test")
            .with_secret_access_key("test")
            .with_region("us-east-1")
            .with_bucket_name(BUCKET)
            .build()
            .expect("S3 client")
    }

    /// The keys under `prefix`.
    async fn keys(&self, prefix: &str) -> Vec<String> {
        self.client()
            .list(Some(&prefix.into()))
            .map_ok(|meta| meta.location.to_string())
            .try_collect()
            .await
            .expect("list")
    }
}

impl Drop for S3 {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[tokio::test]
async fn attachments_go_to_the_bucket_and_come_back() {
    let s3 = S3::start();
    let made = reqwest::Client::new()
        .put(format!("{}/{BUCKET}", s3.url))
        .send()
        .await
        .expect("create bucket");
    assert!(made.status().is_success(), "{}", made.status());
    let env = s3.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let fx = Fx::with_server_env(&["--files", &format!("s3://{BUCKET}/acme")], &env);
    let anna = session(fx.anna);
    fx.start_for(fx.c1, fx.anna).await;

    // A small file, and one of 12 MiB: past object_store's 10 MiB buffer, it goes up in parts.
    let small = b"%PDF-1.4 a contract".to_vec();
    let big: Vec<u8> = (0..)
        .flat_map(|i| format!("{i:08} a line of the export\n").into_bytes())
        .take(12 * 1024 * 1024)
        .collect();
    for (cmid, name, bytes) in [
        ("s3-1", "contract.pdf", &small),
        ("s3-2", "export.txt", &big),
    ] {
        let (status, msg) = fx.upload(&anna, fx.c1, cmid, name, bytes.clone()).await;
        assert_eq!(status, StatusCode::CREATED, "{msg}");
        let hex = sha(bytes);
        assert_eq!(msg["attachment"]["sha256"], hex);
        let resp = fx.download(&anna, &msg["attachment"]["id"]).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let got = resp.bytes().await.expect("bytes");
        assert!(got.as_ref() == bytes.as_slice(), "{name}: the bytes differ");
        let key = format!("acme/{}/{}", &hex[..2], &hex[2..]);
        assert!(
            s3.keys("acme/").await.contains(&key),
            "{key} not in the bucket"
        );
    }
    // The same bytes again: stored once.
    let (status, _) = fx
        .upload(&anna, fx.c1, "s3-3", "copy.pdf", small.clone())
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        s3.keys("acme/").await.len(),
        2,
        "{:?}",
        s3.keys("acme/").await
    );

    // Nothing of the files is kept beside the database: only the receiving folder, empty.
    let mut local = fx.db_path.as_os_str().to_owned();
    local.push(".files");
    assert!(
        !std::path::Path::new(&local).exists(),
        "a local file store appeared"
    );
    let mut tmp = fx.db_path.as_os_str().to_owned();
    tmp.push(".files-tmp");
    let left = std::fs::read_dir(&tmp).map(Iterator::count).unwrap_or(0);
    assert_eq!(left, 0, "temporary files left in {tmp:?}");

    // A blob the bucket lost: the download says so instead of failing the server.
    let gone = format!("acme/{}/{}", &sha(&small)[..2], &sha(&small)[2..]);
    s3.client()
        .delete(&gone.as_str().into())
        .await
        .expect("delete");
    let (_, first) = fx
        .upload(&anna, fx.c1, "s3-1", "contract.pdf", small.clone())
        .await;
    let resp = fx.download(&anna, &first["attachment"]["id"]).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let body = resp.text().await.expect("text");
    assert!(body.contains("missing on the server"), "{body}");
}

#[test]
fn a_files_url_the_server_cannot_use_is_refused_at_start() {
    let tmp = tempfile::tempdir().expect("tmp");
    let db = tmp.path().join("sb.db");
    for (files, needle) in [
        (
            "ftp://files.example/sb",
            "give a directory or an s3://bucket/prefix URL",
        ),
        ("s3://", "name the bucket"),
    ] {
        common::cli_refused(&db, &["serve", "--files", files], needle);
    }
}
