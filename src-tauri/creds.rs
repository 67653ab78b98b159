//! The session token in the OS keychain (keyring 3 with its native backends: Keychain on
//! macOS, Credential Manager on Windows, Secret Service on Linux). The token is never written
//! anywhere else; when no keychain is reachable the app offers a session-only sign-in.

use serde::Serialize;

const SERVICE: &str = "dev.switchboard.desk";

#[derive(Debug, thiserror::Error)]
pub enum CredsError {
    #[error(
        "Your system keychain is not available ({0}). Sign in for this session only, or unlock \
         or install a keychain (on Linux: GNOME Keyring or KWallet) to stay signed in."
    )]
    Unavailable(String),
    #[error("The keychain refused the operation: {0}")]
    Other(String),
}

/// Whether tokens can be remembered on this machine, with the reason when not.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct KeychainStatus {
    pub available: bool,
    pub detail: String,
}

fn entry(server_url: &str, email: &str) -> Result<keyring::Entry, CredsError> {
    keyring::Entry::new(SERVICE, &format!("{email} @ {server_url}")).map_err(map_err)
}

fn map_err(err: keyring::Error) -> CredsError {
    match err {
        keyring::Error::PlatformFailure(_) | keyring::Error::NoStorageAccess(_) => {
            CredsError::Unavailable(err.to_string())
        }
        other => CredsError::Other(other.to_string()),
    }
}

/// Keychain calls block: a D-Bus round trip on Linux, which can last seconds while the
/// keyring daemon starts or asks to be unlocked. Each one runs on Tokio's blocking pool so no
/// async worker (nor the UI thread) waits on it.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, CredsError> + Send + 'static,
) -> Result<T, CredsError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| CredsError::Other(format!("the keychain call failed: {e}")))?
}

pub async fn store(server_url: &str, email: &str, token: &str) -> Result<(), CredsError> {
    let (server_url, email, token) = (server_url.to_owned(), email.to_owned(), token.to_owned());
    blocking(move || {
        entry(&server_url, &email)?
            .set_password(&token)
            .map_err(map_err)
    })
    .await
}

pub async fn load(server_url: &str, email: &str) -> Result<Option<String>, CredsError> {
    let (server_url, email) = (server_url.to_owned(), email.to_owned());
    blocking(move || match entry(&server_url, &email)?.get_password() {
        Ok(token) => Ok(Some(token)),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(err) => Err(map_err(err)),
    })
    .await
}

pub async fn delete(server_url: &str, email: &str) -> Result<(), CredsError> {
    let (server_url, email) = (server_url.to_owned(), email.to_owned());
    blocking(
        move || match entry(&server_url, &email)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(err) => Err(map_err(err)),
        },
    )
    .await
}

/// Looks up an entry that does not exist: `NoEntry` means the store answered. When it did
/// not, `detail` names the cause in plain words for the sign-in screen.
pub async fn probe() -> KeychainStatus {
    blocking(|| Ok(probe_now()))
        .await
        .unwrap_or_else(|err| KeychainStatus {
            available: false,
            detail: err.to_string(),
        })
}

fn probe_now() -> KeychainStatus {
    let answer = keyring::Entry::new(SERVICE, "availability probe").and_then(|e| e.get_password());
    match answer {
        Ok(_) | Err(keyring::Error::NoEntry) => KeychainStatus {
            available: true,
            detail: String::new(),
        },
        Err(err) => {
            tracing::info!(%err, "keychain unavailable");
            KeychainStatus {
                available: false,
                detail: plain_cause(&err),
            }
        }
    }
}

/// What went wrong, for an operator rather than a D-Bus expert.
fn plain_cause(err: &keyring::Error) -> String {
    let raw = err.to_string();
    match err {
        keyring::Error::NoStorageAccess(_) if raw.contains("ocked") => "it is locked".into(),
        keyring::Error::NoStorageAccess(_) => "it has no unlocked default keyring".into(),
        keyring::Error::PlatformFailure(_)
            if raw.contains("ServiceUnknown") || raw.contains("not provided by any") =>
        {
            "no keychain service is running".into()
        }
        keyring::Error::PlatformFailure(_) if raw.contains("autolaunch") || raw.contains("bus") => {
            "there is no desktop session bus".into()
        }
        _ => raw,
    }
}
