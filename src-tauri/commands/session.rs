//! Sign-in, sign-out and restoring the last session at start-up: adapters to `session.rs`.

use std::sync::Arc;

use switchboard_core::{DeskEvents, SessionInfo};
use tauri::{AppHandle, State};

use crate::creds::{self, KeychainStatus};
use crate::events::TauriEvents;
use crate::session;
use crate::state::AppState;
use crate::UiError;

fn events(app: &AppHandle) -> Arc<dyn DeskEvents> {
    Arc::new(TauriEvents(app.clone()))
}

/// Opens the remembered session (token from the keychain), works offline. With nothing
/// remembered, `./dev.sh run` may ask for a sign-in through the environment.
#[tauri::command]
#[specta::specta]
pub async fn restore_session(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<Option<SessionInfo>, UiError> {
    if let Some(session) = state.session.read().await.clone() {
        return Ok(Some(session.live_info()));
    }
    if let Some(info) = session::restore(&state, events(&app)).await? {
        return Ok(Some(info));
    }
    if let (Ok(url), Ok(email), Ok(password)) = (
        std::env::var("SWITCHBOARD_SERVER_URL"),
        std::env::var("SWITCHBOARD_SIGN_IN_EMAIL"),
        std::env::var("SWITCHBOARD_SIGN_IN_PASSWORD"),
    ) {
        let remember = creds::probe().await.available;
        return session::sign_in(&state, events(&app), &url, &email, &password, remember)
            .await
            .map(Some);
    }
    Ok(None)
}

/// Whether tokens can be remembered on this machine (the keychain's D-Bus call runs on the
/// blocking pool, never on the UI thread).
#[tauri::command]
#[specta::specta]
pub async fn keychain_status() -> Result<KeychainStatus, UiError> {
    Ok(creds::probe().await)
}

/// The server address the sign-in form starts with.
#[tauri::command]
#[specta::specta]
pub fn default_server_url() -> Result<String, UiError> {
    Ok(std::env::var("SWITCHBOARD_SERVER_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into()))
}

/// Signs in; with `remember` the token goes to the OS keychain (a keychain failure is
/// returned as kind `keychain` so the UI can offer a session-only sign-in).
#[tauri::command]
#[specta::specta]
pub async fn sign_in(
    app: AppHandle,
    state: State<'_, AppState>,
    server_url: String,
    email: String,
    password: String,
    remember: bool,
) -> Result<SessionInfo, UiError> {
    session::sign_in(
        &state,
        events(&app),
        &server_url,
        &email,
        &password,
        remember,
    )
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn sign_out(app: AppHandle, state: State<'_, AppState>) -> Result<(), UiError> {
    session::sign_out(&app, &state).await
}
