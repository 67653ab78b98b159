//! Notification settings and the open conversation for the notification policy: adapters to
//! the notifier (`notify.rs`), which saves the settings and keeps the tray in step.

use switchboard_core::notify_policy::NotifySettings;
use switchboard_protocol::Id;
use tauri::{AppHandle, Manager, State};

use crate::notify::{self, Notifier};
use crate::state::AppState;
use crate::UiError;

#[tauri::command]
#[specta::specta]
pub async fn notify_settings(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<NotifySettings, UiError> {
    let session = state.current().await?;
    Ok(app
        .state::<Notifier>()
        .settings(notify::settings_path(&state, &session)))
}

#[tauri::command]
#[specta::specta]
pub async fn set_notify_settings(
    app: AppHandle,
    do_not_disturb: bool,
    sound: bool,
    preview: bool,
) -> Result<NotifySettings, UiError> {
    notify::update(&app, |s| {
        s.do_not_disturb = do_not_disturb;
        s.sound = sound;
        s.preview = preview;
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn set_conversation_muted(
    app: AppHandle,
    id: Id,
    muted: bool,
) -> Result<NotifySettings, UiError> {
    notify::update(&app, |s| {
        if muted {
            s.muted.insert(id);
        } else {
            s.muted.remove(&id);
        }
    })
    .await
}

/// The UI shows this conversation (None: no conversation open).
#[tauri::command]
#[specta::specta]
pub async fn set_open_conversation(
    app: AppHandle,
    state: State<'_, AppState>,
    id: Option<Id>,
) -> Result<(), UiError> {
    let session = state.current().await?;
    app.state::<Notifier>()
        .set_open(notify::settings_path(&state, &session), id);
    Ok(())
}
