//! Attachments: pick a file (native dialog), upload it with progress and cancel, open a
//! received file with the OS, and preview images inline.
//!
//! Test hook: WebDriver cannot drive the native file dialog, so when the environment variable
//! `SWITCHBOARD_E2E_PICK_FILE` is set, [`pick_file`] returns that path instead of opening the
//! dialog. Everything after the pick (upload, progress, thread, preview) is the real path.

use base64::Engine as _;
use switchboard_core::{CoreError, ErrorKind};
use switchboard_protocol::Id;
use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt;
use tauri_plugin_opener::OpenerExt;

use crate::state::AppState;
use crate::UiError;

/// Largest image shown inline (as a data URL; the CSP allows `img-src data:`).
const MAX_PREVIEW_BYTES: u64 = 8 * 1024 * 1024;

/// Opens the native "open file" dialog for one file; `None` when the operator cancels.
#[tauri::command]
#[specta::specta]
pub async fn pick_file(app: AppHandle) -> Result<Option<String>, UiError> {
    if let Some(path) = std::env::var_os("SWITCHBOARD_E2E_PICK_FILE") {
        return Ok(Some(path.to_string_lossy().into_owned()));
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog().file().pick_file(move |picked| {
        let _ = tx.send(picked.and_then(|p| p.into_path().ok()));
    });
    Ok(rx
        .await
        .ok()
        .flatten()
        .map(|p| p.to_string_lossy().into_owned()))
}

/// Starts uploading `path` into the conversation; progress arrives as `UploadProgressChanged`.
#[tauri::command]
#[specta::specta]
pub async fn attach_file(
    state: State<'_, AppState>,
    conversation_id: Id,
    path: String,
) -> Result<String, UiError> {
    Ok(state
        .current()
        .await?
        .desk
        .attach(conversation_id, path.into())
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn cancel_upload(state: State<'_, AppState>, upload_id: String) -> Result<(), UiError> {
    state.current().await?.desk.cancel_upload(&upload_id);
    Ok(())
}

/// Downloads the file if needed and opens it with the OS's handler; returns its local path.
#[tauri::command]
#[specta::specta]
pub async fn open_attachment(
    app: AppHandle,
    state: State<'_, AppState>,
    id: Id,
) -> Result<String, UiError> {
    let path = state.current().await?.desk.open_attachment(id).await?;
    let path = path.to_string_lossy().into_owned();
    app.opener().open_path(&path, None::<&str>).map_err(|e| {
        UiError::new(
            ErrorKind::BadInput,
            format!("The file is saved at {path}, but it could not be opened: {e}"),
        )
    })?;
    Ok(path)
}

/// An image attachment as a `data:` URL for the inline preview (downloaded if needed).
#[tauri::command]
#[specta::specta]
pub async fn attachment_preview(
    state: State<'_, AppState>,
    id: Id,
    content_type: String,
) -> Result<String, UiError> {
    if !content_type.starts_with("image/") {
        return Err(UiError::new(
            ErrorKind::BadInput,
            "Only images have a preview.",
        ));
    }
    let path = state.current().await?.desk.open_attachment(id).await?;
    let meta = tokio::fs::metadata(&path)
        .await
        .map_err(|e| UiError::from(CoreError::Io(e)))?;
    if meta.len() > MAX_PREVIEW_BYTES {
        return Err(UiError::new(
            ErrorKind::BadInput,
            "The image is too large to preview; open it instead.",
        ));
    }
    let bytes = tokio::fs::read(&path)
        .await
        .map_err(|e| UiError::from(CoreError::Io(e)))?;
    let data = base64::engine::general_purpose::STANDARD.encode(bytes);
    Ok(format!("data:{content_type};base64,{data}"))
}
