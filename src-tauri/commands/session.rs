//! Sign-in, sign-out and restoring the last session at start-up.

use std::sync::Arc;

use switchboard_core::account::{self, RememberedAccount};
use switchboard_core::{Desk, DeskConfig, SessionInfo};
use switchboard_protocol::Me;
use tauri::{AppHandle, Manager, State};

use crate::creds::{self, KeychainStatus};
use crate::events::TauriEvents;
use crate::state::{AppState, Session};
use crate::UiError;

/// Opens the remembered session (token from the keychain), works offline. With nothing
/// remembered, `./dev.sh run` may ask for a sign-in through the environment.
#[tauri::command]
#[specta::specta]
pub async fn restore_session(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<Option<SessionInfo>, UiError> {
    if let Some(session) = state.session.read().await.clone() {
        return Ok(Some(session.info.clone()));
    }
    let remembered = account::load_remembered(&state.data_dir).unwrap_or_else(|err| {
        tracing::warn!(%err, "ignoring the remembered account");
        None
    });
    if let Some(remembered) = remembered {
        match creds::load(&remembered.server_url, &remembered.email) {
            Ok(Some(token)) => {
                let RememberedAccount {
                    server_url,
                    email,
                    me,
                } = remembered;
                let info = open_desk(&app, &state, server_url, email, token, me, true).await?;
                return Ok(Some(info));
            }
            Ok(None) => tracing::info!("no token in the keychain; showing sign-in"),
            Err(err) => tracing::warn!(%err, "keychain unavailable; showing sign-in"),
        }
    }
    if let (Ok(url), Ok(email), Ok(password)) = (
        std::env::var("SWITCHBOARD_SERVER_URL"),
        std::env::var("SWITCHBOARD_SIGN_IN_EMAIL"),
        std::env::var("SWITCHBOARD_SIGN_IN_PASSWORD"),
    ) {
        let remember = creds::probe().available;
        return sign_in(app, state, url, email, password, remember)
            .await
            .map(Some);
    }
    Ok(None)
}

#[tauri::command]
#[specta::specta]
pub fn keychain_status() -> Result<KeychainStatus, UiError> {
    Ok(creds::probe())
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
    let server_url = normalize_server_url(&server_url);
    let email = email.trim().to_string();
    let reply = switchboard_core::login(&server_url, &email, &password).await?;
    if remember {
        creds::store(&server_url, &email, &reply.token)?;
        account::save_remembered(
            &state.data_dir,
            &RememberedAccount {
                server_url: server_url.clone(),
                email: email.clone(),
                me: reply.me.clone(),
            },
        )?;
    }
    open_desk(
        &app,
        &state,
        server_url,
        email,
        reply.token,
        reply.me,
        remember,
    )
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn sign_out(app: AppHandle, state: State<'_, AppState>) -> Result<(), UiError> {
    let Some(session) = state.session.write().await.take() else {
        return Ok(());
    };
    if let Err(err) = switchboard_core::logout(&session.info.server_url, &session.token).await {
        tracing::warn!(%err, "could not revoke the token on the server (signing out locally)");
    }
    end_session(&app, &state, session).await
}

/// Ends a session on this machine: its keychain entry, the remembered account, its
/// background tasks and the unread count in the window title, badge and tray (a sign-out and
/// a refused token both come here, so neither leaves the old count showing). Every step runs
/// even when an earlier one fails; the first error is kept.
async fn end_session(
    app: &AppHandle,
    state: &AppState,
    session: Arc<Session>,
) -> Result<(), UiError> {
    let forgot_token =
        creds::delete(&session.info.server_url, &session.email).map_err(UiError::from);
    let forgot_account = account::forget(&state.data_dir).map_err(UiError::from);
    close(session).await;
    crate::tray::show_unread(app, 0);
    forgot_token.and(forgot_account)
}

/// Stops a session's sync and outbox; a command still holding it lets the last drop stop it.
pub async fn close(session: Arc<Session>) {
    if let Ok(session) = Arc::try_unwrap(session) {
        session.desk.shutdown().await;
    }
}

/// The server refused the stored token: forget it and tell the UI to show sign-in.
pub async fn token_refused(app: &AppHandle) {
    let state = app.state::<AppState>();
    let Some(session) = state.session.write().await.take() else {
        return;
    };
    if let Err(err) = end_session(app, &state, session).await {
        tracing::warn!(kind = ?err.kind, message = %err.message, "could not fully forget the refused session");
    }
}

async fn open_desk(
    app: &AppHandle,
    state: &AppState,
    server_url: String,
    email: String,
    token: String,
    me: Me,
    remembered: bool,
) -> Result<SessionInfo, UiError> {
    let mut slot = state.session.write().await;
    if let Some(old) = slot.take() {
        close(old).await;
    }
    let config = DeskConfig {
        data_dir: state.data_dir.clone(),
        server_url: server_url.clone(),
        token: token.clone(),
        me: me.clone(),
    };
    let desk = Desk::start(config, Arc::new(TauriEvents(app.clone()))).await?;
    let info = SessionInfo::new(server_url, me, remembered);
    *slot = Some(Arc::new(Session {
        desk,
        info: info.clone(),
        email,
        token,
    }));
    Ok(info)
}

/// Accepts what people type: surrounding spaces, a missing scheme, a trailing slash.
fn normalize_server_url(input: &str) -> String {
    let trimmed = input.trim().trim_end_matches('/');
    if trimmed.contains("://") {
        trimmed.to_string()
    } else {
        format!("http://{trimmed}")
    }
}

#[cfg(test)]
mod tests {
    use super::normalize_server_url;

    #[test]
    fn server_urls_are_normalized() {
        assert_eq!(
            normalize_server_url(" localhost:8080/ "),
            "http://localhost:8080"
        );
        assert_eq!(
            normalize_server_url("https://desk.example.com"),
            "https://desk.example.com"
        );
    }
}
