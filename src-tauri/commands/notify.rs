//! Notification settings, the open conversation for the notification policy, and the tray's
//! do-not-disturb item kept in step.

use switchboard_core::cache::account_dir;
use switchboard_core::notify_policy::{self, NotifySettings};
use switchboard_protocol::Id;
use tauri::{AppHandle, Manager, State};
use tauri_specta::Event;

use crate::notify::{Notifier, NotifySettingsChanged};
use crate::state::{AppState, Session};
use crate::UiError;

/// Where the signed-in operator's notification settings live.
pub fn settings_path(state: &AppState, session: &Session) -> std::path::PathBuf {
    notify_policy::settings_path(&account_dir(
        &state.data_dir,
        &session.info.server_url,
        session.info.me.operator.id,
    ))
}

/// Changes the settings, saves them and tells the UI and the tray.
pub async fn update(
    app: &AppHandle,
    state: &AppState,
    change: impl FnOnce(&mut NotifySettings),
) -> Result<NotifySettings, UiError> {
    let session = state.current().await?;
    let path = settings_path(state, &session);
    let settings = app.state::<Notifier>().with_policy(
        path.clone(),
        |p| -> Result<NotifySettings, UiError> {
            let mut next = p.settings.clone();
            change(&mut next);
            notify_policy::save_settings(&path, &next)?;
            p.settings = next.clone();
            Ok(next)
        },
    )?;
    if let Some(tray) = app.try_state::<crate::tray::TrayMenu>() {
        let _ = tray.dnd.set_checked(settings.do_not_disturb);
    }
    let event = NotifySettingsChanged {
        settings: settings.clone(),
    };
    if let Err(err) = event.emit(app) {
        tracing::warn!(%err, "could not emit notify-settings-changed");
    }
    Ok(settings)
}

#[tauri::command]
#[specta::specta]
pub async fn notify_settings(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<NotifySettings, UiError> {
    let session = state.current().await?;
    let settings = app
        .state::<Notifier>()
        .with_policy(settings_path(&state, &session), |p| p.settings.clone());
    if let Some(tray) = app.try_state::<crate::tray::TrayMenu>() {
        let _ = tray.dnd.set_checked(settings.do_not_disturb);
    }
    Ok(settings)
}

#[tauri::command]
#[specta::specta]
pub async fn set_notify_settings(
    app: AppHandle,
    state: State<'_, AppState>,
    do_not_disturb: bool,
    sound: bool,
    preview: bool,
) -> Result<NotifySettings, UiError> {
    update(&app, &state, |s| {
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
    state: State<'_, AppState>,
    id: Id,
    muted: bool,
) -> Result<NotifySettings, UiError> {
    update(&app, &state, |s| {
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
        .set_open(settings_path(&state, &session), id);
    Ok(())
}
