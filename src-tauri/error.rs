//! The one error type every command returns: a kind the UI can branch on and a sentence for
//! the operator.

use serde::Serialize;
use switchboard_core::{CoreError, ErrorKind};

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct UiError {
    pub kind: ErrorKind,
    pub message: String,
}

impl UiError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    pub fn not_signed_in() -> Self {
        Self::from(CoreError::NotSignedIn)
    }
}

impl From<CoreError> for UiError {
    fn from(err: CoreError) -> Self {
        Self::new(err.kind(), err.to_string())
    }
}

impl From<crate::creds::CredsError> for UiError {
    fn from(err: crate::creds::CredsError) -> Self {
        Self::new(ErrorKind::Keychain, err.to_string())
    }
}
