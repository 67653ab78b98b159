//! The remembered account in `data_dir/account.json`: server, email and the last known `Me`, so
//! the app can open signed in while offline. Never the token: that lives in the OS keychain.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use switchboard_protocol::Me;

use crate::error::Result;

pub const ACCOUNT_FILE: &str = "account.json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct RememberedAccount {
    pub server_url: String,
    pub email: String,
    pub me: Me,
}

fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(ACCOUNT_FILE)
}

/// The remembered account, `None` when there is none. A file that cannot be read as one is
/// treated as absent (the operator signs in again) rather than keeping the app from starting.
pub fn load_remembered(data_dir: &Path) -> Result<Option<RememberedAccount>> {
    let bytes = match std::fs::read(path(data_dir)) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    match serde_json::from_slice(&bytes) {
        Ok(a) => Ok(Some(a)),
        Err(e) => {
            tracing::warn!(error = %e, "ignoring an unreadable {ACCOUNT_FILE}");
            Ok(None)
        }
    }
}

/// Writes the file atomically (temp file + rename) so a crash never leaves half a file.
pub fn save_remembered(data_dir: &Path, account: &RememberedAccount) -> Result<()> {
    std::fs::create_dir_all(data_dir)?;
    let json = serde_json::to_vec_pretty(account)
        .map_err(|e| crate::error::CoreError::Protocol(e.to_string()))?;
    let tmp = data_dir.join(format!("{ACCOUNT_FILE}.tmp"));
    std::fs::write(&tmp, json)?;
    std::fs::rename(&tmp, path(data_dir))?;
    Ok(())
}

/// Forgets the account (sign-out). The cache folders stay; they are per operator anyway.
pub fn forget(data_dir: &Path) -> Result<()> {
    match std::fs::remove_file(path(data_dir)) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_protocol::{Company, Operator, Permissions};

    fn me() -> Me {
        Me {
            operator: Operator {
                id: 1,
                name: "Anna".into(),
                email: "anna@demo.test".into(),
                super_admin: false,
                role_id: None,
                group_ids: vec![2],
                active: true,
            },
            company: Company {
                id: 1,
                name: "Demo".into(),
            },
            permissions: Permissions::default(),
            hidden_client_data: switchboard_protocol::HiddenClientData::NONE,
        }
    }

    #[test]
    fn save_load_forget() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert_eq!(load_remembered(dir.path()).expect("load"), None);
        let acc = RememberedAccount {
            server_url: "https://x.test".into(),
            email: "anna@demo.test".into(),
            me: me(),
        };
        save_remembered(dir.path(), &acc).expect("save");
        assert_eq!(load_remembered(dir.path()).expect("load"), Some(acc));
        let text = std::fs::read_to_string(dir.path().join(ACCOUNT_FILE)).expect("read");
        assert!(!text.contains("token"));
        forget(dir.path()).expect("forget");
        forget(dir.path()).expect("forget twice");
        assert_eq!(load_remembered(dir.path()).expect("load"), None);
    }

    /// An account remembered before the role flags `view_action_log` and
    /// `download_conversations` existed still opens the app (both off until the server says).
    #[test]
    fn an_account_remembered_before_the_newer_role_flags_still_loads() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut old = serde_json::to_value(RememberedAccount {
            server_url: "https://x.test".into(),
            email: "anna@demo.test".into(),
            me: me(),
        })
        .expect("json");
        let perms = old["me"]["permissions"]
            .as_object_mut()
            .expect("permissions");
        perms.remove("view_action_log");
        perms.remove("download_conversations");
        std::fs::write(dir.path().join(ACCOUNT_FILE), old.to_string()).expect("write");
        let loaded = load_remembered(dir.path())
            .expect("load")
            .expect("an account");
        assert_eq!(loaded.me, me());
    }

    #[test]
    fn garbage_is_no_account() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join(ACCOUNT_FILE), b"{nope").expect("write");
        assert_eq!(load_remembered(dir.path()).expect("load"), None);
    }
}
