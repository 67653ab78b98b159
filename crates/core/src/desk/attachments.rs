//! Attachments on the desk: uploading a file with progress and cancel, and opening a file
//! from the content-addressed download cache (`<data dir>/files/<sha256>`).
//!
//! Decisions:
//! - Uploads are not queued in the outbox: a file is picked to go now, the operator sees it
//!   going, and offline it fails at once with the Offline error instead of waiting silently.
//!   The upload's `client_msg_id` still makes a retried request idempotent on the server.
//! - Files are read and hashed as streams; a download goes to a temporary name in the same
//!   folder, is checked against its SHA-256 and only then renamed into place, so a broken,
//!   truncated or disk-full download never leaves a file that looks complete.

use std::path::{Path, PathBuf};
use std::sync::PoisonError;

use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use switchboard_protocol::{AttachmentRef, Id};
use tokio::io::AsyncWriteExt;

use super::{not_found, Desk};
use crate::cache::messages;
use crate::error::{CoreError, Result};
use crate::shared::Shared;
use crate::view::{UploadProgress, UploadState};

/// Progress is reported at most this often (in bytes) so the UI is not flooded.
const PROGRESS_STEP: u64 = 64 * 1024;

impl Desk {
    /// Starts uploading the file at `path` into the conversation; returns the upload id at
    /// once. Progress, the outcome and the reason of a failure arrive through
    /// [`crate::DeskEvents::upload_progress`]; [`Desk::cancel_upload`] stops it.
    pub async fn attach(&self, conversation_id: Id, path: PathBuf) -> Result<String> {
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| CoreError::BadInput("Pick a file, not a folder.".into()))?;
        let file = tokio::fs::File::open(&path)
            .await
            .map_err(|e| CoreError::BadInput(format!("Cannot read {}: {e}", path.display())))?;
        let total = file.metadata().await?.len();
        if total == 0 {
            return Err(CoreError::BadInput(format!("{file_name} is empty.")));
        }
        let upload_id = uuid::Uuid::new_v4().to_string();
        let progress = UploadProgress {
            upload_id: upload_id.clone(),
            conversation_id,
            file_name: file_name.clone(),
            sent: 0,
            total: total as i64,
            state: UploadState::Uploading,
        };
        self.shared.events.upload_progress(&progress);
        let shared = self.shared.clone();
        // Registered before the task runs, so a quick finish cannot race the insert.
        let mut uploads = shared
            .uploads
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let task = tokio::spawn(upload(shared.clone(), progress.clone(), file));
        uploads.insert(upload_id.clone(), (task.abort_handle(), progress));
        drop(uploads);
        Ok(upload_id)
    }

    /// Stops an upload; nothing is sent as a message (the server drops the partial file when
    /// the connection closes). Unknown or finished ids are ignored.
    pub fn cancel_upload(&self, upload_id: &str) {
        let entry = self
            .shared
            .uploads
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(upload_id);
        if let Some((handle, mut progress)) = entry {
            handle.abort();
            progress.state = UploadState::Cancelled;
            self.shared.events.upload_progress(&progress);
        }
    }

    /// The local path of attachment `id`, downloading it first when it is not cached yet.
    /// Offline, a file downloaded before still opens; one that was not fails with Offline.
    pub async fn open_attachment(&self, id: Id) -> Result<PathBuf> {
        let att = self
            .shared
            .read(move |conn| messages::attachment(conn, id))
            .await?
            .ok_or_else(|| not_found("This file is not in the local cache."))?;
        let target = cached_path(&self.shared.files_dir, &att)?;
        if tokio::fs::try_exists(&target).await.unwrap_or(false) {
            return Ok(target);
        }
        download(&self.shared, &att, &target).await?;
        Ok(target)
    }
}

/// `<files dir>/<sha256>`, refusing anything that is not a hex digest (it names a file).
fn cached_path(dir: &Path, att: &AttachmentRef) -> Result<PathBuf> {
    let ok = att.sha256.len() == 64 && att.sha256.bytes().all(|b| b.is_ascii_hexdigit());
    if !ok {
        return Err(CoreError::Protocol(format!(
            "attachment {} has no valid SHA-256",
            att.id
        )));
    }
    Ok(dir.join(att.sha256.to_ascii_lowercase()))
}

async fn upload(
    shared: std::sync::Arc<Shared>,
    mut progress: UploadProgress,
    file: tokio::fs::File,
) {
    let upload_id = progress.upload_id.clone();
    let events = shared.events.clone();
    let total = progress.total as u64;
    let reporter = {
        let shared = shared.clone();
        let mut p = progress.clone();
        let mut sent = 0u64;
        let mut reported = 0u64;
        move |n: usize| {
            sent += n as u64;
            if sent - reported >= PROGRESS_STEP || sent == total {
                reported = sent;
                p.sent = sent as i64;
                // The body is polled by the HTTP connection's own task, which can outlive a
                // cancel by a chunk; a late "uploading" must not follow "cancelled", so the
                // check and the report happen under the lock that cancel takes.
                let uploads = shared
                    .uploads
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                if uploads.contains_key(&p.upload_id) {
                    shared.events.upload_progress(&p);
                }
            }
        }
    };
    let mut reporter = reporter;
    let stream = tokio_util::io::ReaderStream::new(file).map(move |chunk| {
        if let Ok(c) = &chunk {
            reporter(c.len());
        }
        chunk
    });
    let result = shared
        .api
        .upload_attachment(
            progress.conversation_id,
            &upload_id,
            &progress.file_name,
            total,
            reqwest::Body::wrap_stream(stream),
        )
        .await;
    progress.sent = progress.total;
    progress.state = match result {
        Ok(msg) => {
            let message_id = msg.id;
            let stored = shared
                .write(move |conn| messages::store_reply(conn, &msg))
                .await;
            if let Err(e) = stored {
                // Sync brings the message anyway; the upload itself succeeded.
                tracing::warn!(error = %e, "could not cache the uploaded message");
            }
            events.conversations_changed(&[progress.conversation_id]);
            UploadState::Done { message_id }
        }
        Err(e) => UploadState::Failed {
            error: e.to_string(),
        },
    };
    shared
        .uploads
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .remove(&upload_id);
    events.upload_progress(&progress);
}

/// Downloads `att` into `target`: temporary file, hash check, rename.
async fn download(shared: &Shared, att: &AttachmentRef, target: &Path) -> Result<()> {
    let dir = target
        .parent()
        .ok_or_else(|| CoreError::Protocol("download target has no folder".into()))?;
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(|e| disk_error(dir, e))?;
    let resp = shared.api.download_attachment(att.id).await?;
    let temp = TempFile(dir.join(format!(".part-{}", uuid::Uuid::new_v4())));
    let mut file = tokio::fs::File::create(&temp.0)
        .await
        .map_err(|e| disk_error(&temp.0, e))?;
    let mut hasher = Sha256::new();
    let mut stream = resp.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| shared.api.transfer_failed(&e))?;
        hasher.update(&chunk);
        file.write_all(&chunk)
            .await
            .map_err(|e| disk_error(&temp.0, e))?;
    }
    file.sync_all().await.map_err(|e| disk_error(&temp.0, e))?;
    drop(file);
    let got = hex::encode(hasher.finalize());
    if !got.eq_ignore_ascii_case(&att.sha256) {
        return Err(CoreError::Protocol(format!(
            "the download of {} was damaged (its SHA-256 does not match); try again",
            att.name
        )));
    }
    tokio::fs::rename(&temp.0, target)
        .await
        .map_err(|e| disk_error(target, e))?;
    Ok(())
}

pub(super) fn disk_error(path: &Path, e: std::io::Error) -> CoreError {
    CoreError::Io(std::io::Error::new(
        e.kind(),
        format!(
            "cannot save the file to {} ({e}); free some disk space or check the folder's permissions",
            path.display()
        ),
    ))
}

/// Removed when dropped unless renamed away first (then the removal finds nothing).
pub(super) struct TempFile(pub(super) PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
