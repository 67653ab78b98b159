//! Settings › Advanced on the desk: the action log (read, exported as CSV to a file the
//! operator chose), the IP address whitelist and the iframe integration. Online only like the
//! other company settings (`desk/email.rs`): the server decides; nothing is cached.

use std::path::Path;

use futures_util::StreamExt;
use switchboard_protocol::{
    ActionLogFilter, ActionLogPage, IframeSettings, IpWhitelistSettings, IpWhitelistUpdate,
    PersonalDataSettings,
};
use tokio::io::AsyncWriteExt;

use super::attachments::{disk_error, TempFile};
use super::email::online_only;
use super::Desk;
use crate::error::{CoreError, Result};

/// Rows per page of the log in the app.
const LOG_PAGE: u32 = 50;

impl Desk {
    pub async fn action_log(
        &self,
        filter: ActionLogFilter,
        cursor: Option<String>,
    ) -> Result<ActionLogPage> {
        online_only(
            "Reading the action log",
            self.shared
                .api
                .action_log(&filter, cursor.as_deref(), LOG_PAGE)
                .await,
        )
    }

    /// Streams the filtered log as CSV into `target` (through a temporary file beside it, so
    /// a failed export leaves no half file); returns the bytes written.
    pub async fn export_action_log(&self, filter: ActionLogFilter, target: &Path) -> Result<u64> {
        let dir = target
            .parent()
            .ok_or_else(|| CoreError::BadInput("Choose a file inside a folder.".into()))?;
        let resp = online_only(
            "Exporting the action log",
            self.shared.api.export_action_log(&filter).await,
        )?;
        let temp = TempFile(dir.join(format!(".action-log-{}.part", uuid::Uuid::new_v4())));
        let mut file = tokio::fs::File::create(&temp.0)
            .await
            .map_err(|e| disk_error(&temp.0, e))?;
        let mut written = 0u64;
        let mut stream = resp.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| self.shared.api.transfer_failed(&e))?;
            written += chunk.len() as u64;
            file.write_all(&chunk)
                .await
                .map_err(|e| disk_error(&temp.0, e))?;
        }
        file.sync_all().await.map_err(|e| disk_error(&temp.0, e))?;
        drop(file);
        tokio::fs::rename(&temp.0, target)
            .await
            .map_err(|e| disk_error(target, e))?;
        Ok(written)
    }

    pub async fn ip_whitelist(&self) -> Result<IpWhitelistSettings> {
        online_only(
            "Reading the company settings",
            self.shared.api.ip_whitelist().await,
        )
    }

    pub async fn set_ip_whitelist(&self, update: IpWhitelistUpdate) -> Result<IpWhitelistSettings> {
        online_only(
            "Changing the company settings",
            self.shared.api.set_ip_whitelist(&update).await,
        )
    }

    pub async fn iframe_settings(&self) -> Result<IframeSettings> {
        online_only(
            "Reading the company settings",
            self.shared.api.iframe_settings().await,
        )
    }

    pub async fn set_iframe_settings(&self, settings: IframeSettings) -> Result<IframeSettings> {
        online_only(
            "Changing the company settings",
            self.shared.api.set_iframe_settings(&settings).await,
        )
    }

    pub async fn personal_data(&self) -> Result<PersonalDataSettings> {
        online_only(
            "Reading the company settings",
            self.shared.api.personal_data().await,
        )
    }

    pub async fn set_personal_data(
        &self,
        settings: PersonalDataSettings,
    ) -> Result<PersonalDataSettings> {
        online_only(
            "Changing the company settings",
            self.shared.api.set_personal_data(&settings).await,
        )
    }
}
