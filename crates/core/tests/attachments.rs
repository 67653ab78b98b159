//! Attachments through the desk against the real server: upload with progress, the
//! hash-verified download cache, opening offline, and a damaged download leaving nothing.

mod common;

use std::path::Path;

use common::*;
use sha2::{Digest, Sha256};
use switchboard_core::{Desk, ErrorKind, UploadState};
use switchboard_protocol::{AttachmentRef, Id};

/// A PNG-signed file of `len` bytes with varied content.
fn png(len: usize) -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
    v.extend((0..len.saturating_sub(8)).map(|i| (i * 31 % 251) as u8));
    v
}

/// Uploads `bytes` as `name` and waits for the message with its attachment in the thread.
async fn upload(
    desk: &Desk,
    events: &Recorder,
    id: Id,
    dir: &Path,
    name: &str,
    bytes: &[u8],
) -> AttachmentRef {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write");
    let upload_id = desk.attach(id, path).await.expect("attach");
    let done = wait_for(30, "the upload to finish", async || {
        events
            .uploads
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .find(|p| p.upload_id == upload_id && p.state != UploadState::Uploading)
            .cloned()
    })
    .await;
    assert!(matches!(done.state, UploadState::Done { .. }), "{done:?}");
    wait_for(20, "the file message in the thread", async || {
        desk.open(id)
            .await
            .ok()?
            .messages
            .into_iter()
            .filter_map(|m| m.attachment)
            .find(|a| a.name == name)
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_download_verify_and_open_offline() -> anyhow::Result<()> {
    let mut server = Server::demo()?;
    let data = tempfile::tempdir()?;
    let files = tempfile::tempdir()?;
    let session = login(&server, DEMO_ADMIN).await?;
    let (desk, events) = start_desk(&server, DEMO_ADMIN, data.path()).await?;
    wait_online(&desk, 120).await;
    let id = my_conversation(&server, &desk, &session.token, "att-1").await?;

    let bytes = png(300 * 1024);
    let att = upload(&desk, &events, id, files.path(), "chart.png", &bytes).await;
    assert_eq!(att.size, bytes.len() as i64);
    assert_eq!(att.sha256, hex::encode(Sha256::digest(&bytes)));
    // Progress came in steps, growing, ending at the total.
    let steps: Vec<i64> = events
        .uploads
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .map(|p| p.sent)
        .collect();
    assert!(steps.len() >= 4, "{steps:?}");
    assert!(steps.windows(2).all(|w| w[0] <= w[1]), "{steps:?}");
    assert_eq!(steps.last().copied(), Some(bytes.len() as i64));

    // First open downloads into files/<sha256>, verified, with no temporary file left.
    let path = desk.open_attachment(att.id).await?;
    assert_eq!(path, data.path().join("files").join(&att.sha256));
    assert_eq!(std::fs::read(&path)?, bytes);
    assert_eq!(std::fs::read_dir(data.path().join("files"))?.count(), 1);

    // A second file, uploaded but never opened, and a damaged copy on the server.
    let other = upload(&desk, &events, id, files.path(), "other.png", &png(5000)).await;
    let tampered = png(2000);
    let damaged = upload(&desk, &events, id, files.path(), "damaged.png", &tampered).await;
    let blob = format!(
        "{}.files/{}/{}",
        server.db.display(),
        &damaged.sha256[..2],
        &damaged.sha256[2..]
    );
    std::fs::write(&blob, png(2000).iter().map(|b| b ^ 1).collect::<Vec<u8>>())?;
    let err = desk.open_attachment(damaged.id).await.expect_err("damaged");
    assert!(err.to_string().contains("damaged"), "{err}");
    assert!(!data.path().join("files").join(&damaged.sha256).exists());
    assert_eq!(std::fs::read_dir(data.path().join("files"))?.count(), 1);

    // Offline: the downloaded file still opens; the other one says Offline.
    server.kill();
    wait_offline(&desk, 30).await;
    assert_eq!(desk.open_attachment(att.id).await?, path);
    let err = desk.open_attachment(other.id).await.expect_err("offline");
    assert_eq!(err.kind(), ErrorKind::Offline, "{err}");
    desk.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_uploads_report_the_servers_reason() -> anyhow::Result<()> {
    let server = Server::demo()?;
    let data = tempfile::tempdir()?;
    let files = tempfile::tempdir()?;
    let session = login(&server, DEMO_ADMIN).await?;
    let (desk, events) = start_desk(&server, DEMO_ADMIN, data.path()).await?;
    wait_online(&desk, 120).await;
    let id = my_conversation(&server, &desk, &session.token, "att-2").await?;
    let path = files.path().join("setup.exe");
    std::fs::write(&path, b"MZ\x90\0")?;
    let upload_id = desk.attach(id, path).await?;
    let failed = wait_for(30, "the upload to fail", async || {
        events
            .uploads
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .find_map(|p| match (&p.state, p.upload_id == upload_id) {
                (UploadState::Failed { error }, true) => Some(error.clone()),
                _ => None,
            })
    })
    .await;
    assert!(failed.contains(".exe"), "{failed}");
    desk.shutdown().await;
    Ok(())
}

/// Every file under `dir` (recursively), empty when it does not exist.
fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_upload_leaves_no_message_and_no_file() -> anyhow::Result<()> {
    let server = Server::demo()?;
    let data = tempfile::tempdir()?;
    let files = tempfile::tempdir()?;
    let session = login(&server, DEMO_ADMIN).await?;
    let (desk, events) = start_desk(&server, DEMO_ADMIN, data.path()).await?;
    wait_online(&desk, 120).await;
    let id = my_conversation(&server, &desk, &session.token, "att-cancel").await?;
    let store = server.files_dir();
    let before = files_under(&store);

    let path = files.path().join("big.png");
    std::fs::write(&path, png(20 * 1024 * 1024))?;
    let upload_id = desk.attach(id, path).await?;
    // Mid-upload: the server has started writing the file; freeze it there so the upload
    // cannot finish before the cancel.
    let tmp = store.join("tmp");
    wait_for(30, "the server to start storing the upload", async || {
        files_under(&tmp)
            .iter()
            .any(|p| p.metadata().map(|m| m.len() > 0).unwrap_or(false))
            .then_some(())
    })
    .await;
    server.signal("STOP")?;
    let states = |events: &Recorder| {
        events
            .uploads
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|p| p.upload_id == upload_id)
            .map(|p| (p.state.clone(), p.sent, p.total))
            .collect::<Vec<_>>()
    };
    let cancelled = (|| {
        let last = states(&events).last().cloned().expect("progress events");
        anyhow::ensure!(
            last.0 == UploadState::Uploading && last.1 < last.2,
            "the upload finished before the server was frozen: {last:?}"
        );
        desk.cancel_upload(&upload_id);
        Ok(())
    })();
    server.signal("CONT")?;
    cancelled?;

    // The UI hears "cancelled", the server drops its partial file, and nothing is sent.
    let last = states(&events).last().cloned().expect("events");
    assert_eq!(last.0, UploadState::Cancelled, "{last:?}");
    wait_for(30, "the server to drop the partial file", async || {
        files_under(&tmp).is_empty().then_some(())
    })
    .await;
    assert_eq!(files_under(&store), before, "no blob was stored");
    let last = states(&events).last().cloned().expect("events");
    assert_eq!(
        last.0,
        UploadState::Cancelled,
        "nothing after cancelled: {last:?}"
    );
    let detail = admin_api(&server, &session.token)?.conversation(id).await?;
    assert!(
        detail.messages.iter().all(|m| m.attachment.is_none()),
        "{:?}",
        detail.messages
    );
    assert!(desk
        .open(id)
        .await?
        .messages
        .iter()
        .all(|m| m.attachment.is_none()));
    assert!(
        files_under(&data.path().join("files")).is_empty(),
        "no file in the app's cache"
    );
    assert!(
        states(&events)
            .iter()
            .all(|(s, _, _)| !matches!(s, UploadState::Done { .. } | UploadState::Failed { .. })),
        "{:?}",
        states(&events)
    );
    desk.shutdown().await;
    Ok(())
}
