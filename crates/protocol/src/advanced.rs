//! `GET/PUT /api/v1/settings/advanced`: all seven Settings › Advanced functions in one
//! document, in the seed's order (action log, file blocks, email whitelist, hide personal data,
//! IP whitelist, iframe integration, webhooks). Each function keeps its own route too; both
//! read and save through the same rules.

use serde::{Deserialize, Serialize};

use crate::{
    EmailWhitelist, GroupFilePolicy, GroupFiles, Id, IframeSettings, IpWhitelistSettings,
    IpWhitelistUpdate, PersonalDataSettings, Webhook,
};

/// The action log as Settings › Advanced shows it: nothing to switch, read through its route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActionLogFacts {
    /// Always true: every action of super-admins and operators is logged.
    pub always_on: bool,
    /// Rows the company's log holds.
    pub rows: i64,
    /// Where to read it (filters, cursor, `?format=csv`): `/api/v1/action-log`.
    pub path: String,
}

/// `GET /api/v1/settings/advanced` (super-admin), and the answer of its `PUT`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdvancedSettings {
    pub action_log: ActionLogFacts,
    /// "Block send/receive files": every group with its policy, by name.
    pub file_blocks: Vec<GroupFiles>,
    pub email_whitelist: EmailWhitelist,
    pub personal_data: PersonalDataSettings,
    /// With `your_address`, the address the server sees the caller at.
    pub ip_whitelist: IpWhitelistSettings,
    pub iframe: IframeSettings,
    /// Read-only here: webhooks are managed through `/api/v1/webhooks` (each has its own
    /// secret, deliveries and test event).
    pub webhooks: Vec<Webhook>,
}

/// One group's file policy in [`AdvancedSettingsUpdate::file_blocks`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupFilesUpdate {
    pub group_id: Id,
    pub policy: GroupFilePolicy,
}

/// `PUT /api/v1/settings/advanced`: only the sections given change, and all of them are saved
/// in one transaction or none is (a refusal names its section: `"iframe: …"`). The action log
/// and webhooks are not settings here (unknown fields are refused, so they are not dropped
/// silently).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AdvancedSettingsUpdate {
    /// The groups listed get these policies (each group at most once); groups not listed keep
    /// theirs.
    #[serde(default)]
    pub file_blocks: Option<Vec<GroupFilesUpdate>>,
    #[serde(default)]
    pub email_whitelist: Option<EmailWhitelist>,
    #[serde(default)]
    pub personal_data: Option<PersonalDataSettings>,
    /// With `confirm_lockout` when the list shuts out the caller's own address (409 otherwise).
    #[serde(default)]
    pub ip_whitelist: Option<IpWhitelistUpdate>,
    #[serde(default)]
    pub iframe: Option<IframeSettings>,
}
