//! Sign-in, sign-out and restoring the last session at start-up: adapters to `session.rs`.

use std::sync::Arc;

use switchboard_core::{DeskEvents, ErrorKind, FirstScreen, Opened, SessionInfo, Tab};
use tauri::{AppHandle, Manager, State};

use crate::creds::{self, KeychainStatus};
use crate::events::TauriEvents;
use crate::session;
use crate::state::AppState;
use crate::UiError;

fn events(app: &AppHandle) -> Arc<dyn DeskEvents> {
    Arc::new(TauriEvents(app.clone()))
}

/// Opens the remembered session (token from the keychain), works offline. With nothing
/// remembered, `./dev.sh run` may ask for a sign-in through the environment. The app began
/// this at process start ([`begin_start`]), the first screen's rows included; the page waits
/// for that instead of starting over.
#[tauri::command]
#[specta::specta]
pub async fn restore_session(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<Option<Opened>, UiError> {
    let begun = state.starting.lock().await.take();
    let had_begun = begun.is_some();
    let mut first_screen = None;
    if let Some(begun) = begun {
        first_screen = begun.await.map_err(|err| {
            UiError::new(
                ErrorKind::InvalidState,
                format!("Opening the saved session failed: {err}"),
            )
        })??;
    }
    // Who the operator is now (a page reload, or the server changed their role meanwhile);
    // a session the server refused in between is gone, and sign-in shows.
    if let Some(session) = state.session.read().await.clone() {
        // The start read it already (None: nothing remembered); a page reload reads it now.
        if !had_begun {
            first_screen = read_first_screen(&state).await;
        }
        return Ok(Some(Opened {
            session: session.live_info(),
            first_screen,
        }));
    }
    if had_begun || start(&app, &state).await?.is_none() {
        return Ok(None);
    }
    opened(&state).await.map(Some)
}

/// Begins opening the saved session in the background as the process starts, and reads the
/// first screen's rows while the window opens (budget 6, docs/BENCHMARKS.md).
pub fn begin_start(app: &AppHandle) {
    let handle = app.clone();
    let begun = tauri::async_runtime::spawn(async move {
        let state = handle.state::<AppState>();
        if start(&handle, &state).await?.is_none() {
            return Ok(None);
        }
        Ok(read_first_screen(&state).await)
    });
    if let Ok(mut slot) = app.state::<AppState>().starting.try_lock() {
        *slot = Some(begun);
    }
}

async fn start(app: &AppHandle, state: &AppState) -> Result<Option<SessionInfo>, UiError> {
    if let Some(info) = session::restore(state, events(app)).await? {
        return Ok(Some(info));
    }
    if let (Ok(url), Ok(email), Ok(password)) = (
        std::env::var("SWITCHBOARD_SERVER_URL"),
        std::env::var("SWITCHBOARD_SIGN_IN_EMAIL"),
        std::env::var("SWITCHBOARD_SIGN_IN_PASSWORD"),
    ) {
        let remember = creds::probe().await.available;
        return session::sign_in(state, events(app), &url, &email, &password, remember)
            .await
            .map(Some);
    }
    Ok(None)
}

/// The current session with its first screen.
async fn opened(state: &AppState) -> Result<Opened, UiError> {
    let session = state.current().await?;
    Ok(Opened {
        session: session.live_info(),
        first_screen: read_first_screen(state).await,
    })
}

/// The remembered tab's first rows; a cache that cannot say is logged and the desk lands the
/// way it would with nothing remembered.
async fn read_first_screen(state: &AppState) -> Option<FirstScreen> {
    let session = state.current().await.ok()?;
    session
        .desk
        .first_screen()
        .await
        .inspect_err(|err| tracing::warn!(%err, "no first screen; landing where work waits"))
        .ok()
        .flatten()
}

/// The operator chose a tab: the next start lands on it.
#[tauri::command]
#[specta::specta]
pub async fn remember_tab(state: State<'_, AppState>, tab: Tab) -> Result<(), UiError> {
    Ok(state.current().await?.desk.remember_tab(tab).await?)
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
) -> Result<Opened, UiError> {
    session::sign_in(
        &state,
        events(&app),
        &server_url,
        &email,
        &password,
        remember,
    )
    .await?;
    opened(&state).await
}

#[tauri::command]
#[specta::specta]
pub async fn sign_out(app: AppHandle, state: State<'_, AppState>) -> Result<(), UiError> {
    session::sign_out(&app, &state).await
}
