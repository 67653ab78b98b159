//! Errors of the core, each with a message that tells the operator what to do.

use serde::Serialize;

/// Coarse class of a [`CoreError`], sent to the UI so it can react (e.g. show the sign-in
/// screen on `Unauthorized`, an offline badge on `Offline`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    Offline,
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    InvalidState,
    BadInput,
    RateLimited,
    Server,
    Cache,
    Keychain,
    NotSignedIn,
}

/// The server's error code for an operator outside the company's IP whitelist.
pub const ADDRESS_NOT_ALLOWED: &str = "address_not_allowed";
/// Why a session ended when the server refused its token.
pub const TOKEN_REFUSED: &str = "The server no longer accepts your sign-in. Please sign in again.";

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("Cannot reach the server at {url}: {detail}. Check the address and your network.")]
    Offline { url: String, detail: String },
    /// A JSON error reply of the server, passed on with the server's own message.
    #[error("{message}")]
    Api {
        kind: ErrorKind,
        status: u16,
        code: String,
        message: String,
        /// The facts behind the refusal (who holds the conversation), when the server sent them.
        detail: Option<switchboard_protocol::ErrorFacts>,
    },
    /// An online-only action tried without a connection; `{0}` names the action.
    #[error("{0} needs a connection to the server. Try again when the desk is back online.")]
    NeedsConnection(&'static str),
    #[error("The local cache failed: {0}")]
    Cache(#[from] rusqlite::Error),
    #[error("The local cache is damaged ({0}); it will be rebuilt from the server.")]
    CacheCorrupt(String),
    #[error("The server sent something unexpected: {0}")]
    Protocol(String),
    #[error("{0}")]
    BadInput(String),
    #[error("Not signed in.")]
    NotSignedIn,
    #[error("File access failed: {0}")]
    Io(#[from] std::io::Error),
}

impl CoreError {
    /// Whether the server ended this session: the token is refused (401), or the company's IP
    /// whitelist refuses the address the operator works from (403 `address_not_allowed`).
    pub fn ends_session(&self) -> bool {
        self.kind() == ErrorKind::Unauthorized
            || matches!(self, Self::Api { code, .. } if code == ADDRESS_NOT_ALLOWED)
    }

    /// The sentence the sign-in screen shows when this error ended the session.
    pub fn session_end_reason(&self) -> String {
        match self {
            Self::Api { code, message, .. } if code == ADDRESS_NOT_ALLOWED => message.clone(),
            // The server's own sentence ("Your account was deactivated by an admin.").
            Self::Api {
                kind: ErrorKind::Unauthorized,
                message,
                ..
            } if !message.is_empty() => message.clone(),
            _ => TOKEN_REFUSED.to_owned(),
        }
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Offline { .. } | Self::NeedsConnection(_) => ErrorKind::Offline,
            Self::Api { kind, .. } => *kind,
            Self::Cache(_) | Self::CacheCorrupt(_) | Self::Io(_) => ErrorKind::Cache,
            Self::Protocol(_) => ErrorKind::Server,
            Self::BadInput(_) => ErrorKind::BadInput,
            Self::NotSignedIn => ErrorKind::NotSignedIn,
        }
    }
}

pub type Result<T, E = CoreError> = std::result::Result<T, E>;
