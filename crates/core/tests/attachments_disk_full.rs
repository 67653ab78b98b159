//! A download that hits a full disk: the error says so and nothing half-written stays. The
//! disk is made "full" for real with RLIMIT_FSIZE (writes past the limit fail with EFBIG),
//! in this test binary's own process so no other test is affected.
#![cfg(unix)]

mod common;

use common::*;
use switchboard_core::UploadState;

fn set_file_size_limit(bytes: libc::rlim_t) {
    let lim = libc::rlimit {
        rlim_cur: bytes,
        rlim_max: libc::RLIM_INFINITY,
    };
    // SAFETY: plain libc calls with valid arguments; SIGXFSZ ignored so that the write fails
    // with EFBIG instead of killing the process.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
        assert_eq!(libc::setrlimit(libc::RLIMIT_FSIZE, &lim), 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disk_full_on_download_leaves_nothing() -> anyhow::Result<()> {
    let server = Server::demo()?;
    let data = tempfile::tempdir()?;
    let session = login(&server, DEMO_ADMIN).await?;
    let (desk, events) = start_desk(&server, DEMO_ADMIN, data.path()).await?;
    wait_online(&desk, 120).await;
    let id = my_conversation(&server, &desk, &session.token, "disk-1").await?;
    // Larger than any file the cache has, so only the download crosses the limit.
    let limit: u64 = 4 * 1024 * 1024;
    let mut bytes = b"%PDF-1.4\n".to_vec();
    bytes.resize(limit as usize + 1024 * 1024, b'x');
    let path = data.path().join("big.pdf");
    std::fs::write(&path, &bytes)?;
    desk.attach(id, path.clone()).await?;
    wait_for(60, "the upload", async || {
        events
            .uploads
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .any(|p| matches!(p.state, UploadState::Done { .. }))
            .then_some(())
    })
    .await;
    std::fs::remove_file(&path)?;
    let att = wait_for(20, "the file message", async || {
        desk.open(id)
            .await
            .ok()?
            .messages
            .into_iter()
            .find_map(|m| m.attachment)
    })
    .await;

    set_file_size_limit(limit);
    let err = desk.open_attachment(att.id).await.expect_err("disk full");
    set_file_size_limit(libc::RLIM_INFINITY);
    assert!(err.to_string().contains("cannot save the file"), "{err}");
    let left: Vec<_> = std::fs::read_dir(data.path().join("files"))?
        .map(|e| e.map(|e| e.file_name()))
        .collect::<Result<_, _>>()?;
    assert!(left.is_empty(), "left behind: {left:?}");

    // With space again the same call succeeds and the file is whole.
    let got = desk.open_attachment(att.id).await?;
    assert_eq!(std::fs::read(got)?, bytes);
    desk.shutdown().await;
    Ok(())
}
