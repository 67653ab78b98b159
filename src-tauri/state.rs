//! What the shell keeps between commands: the data dir and the signed-in session, if any.

use std::path::PathBuf;
use std::sync::Arc;

use switchboard_core::{Desk, FirstScreen, SessionInfo};
use tauri::async_runtime::JoinHandle;
use tokio::sync::{Mutex, RwLock};

use crate::UiError;

pub struct Session {
    pub desk: Desk,
    pub info: SessionInfo,
    pub email: String,
    pub token: String,
}

/// The session the app began opening at process start (`lib.rs` setup), before the page
/// asked: the keychain read, the cache's opening and the first screen's rows overlap the
/// webview's start. `None`: no session, or no remembered tab.
pub type Starting = JoinHandle<Result<Option<FirstScreen>, UiError>>;

pub struct AppState {
    pub data_dir: PathBuf,
    pub session: RwLock<Option<Arc<Session>>>,
    pub starting: Mutex<Option<Starting>>,
    /// An exit is under way (`session::exit_requested`).
    pub exiting: std::sync::atomic::AtomicBool,
}

impl Session {
    /// The session as the UI shows it, with who the operator is now (a role or group change
    /// reaches an open app: the desk keeps `me` current).
    pub fn live_info(&self) -> SessionInfo {
        SessionInfo::new(
            self.info.server_url.clone(),
            self.desk.me(),
            self.info.remembered,
        )
    }
}

impl AppState {
    pub fn new(data_dir: PathBuf) -> Self {
        Self {
            data_dir,
            session: RwLock::new(None),
            starting: Mutex::new(None),
            exiting: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// The current session, or the error that sends the UI back to sign-in.
    pub async fn current(&self) -> Result<Arc<Session>, UiError> {
        self.session
            .read()
            .await
            .clone()
            .ok_or_else(UiError::not_signed_in)
    }
}
