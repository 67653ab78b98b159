//! Administration of the company's directory: operators, groups and roles
//! (`/api/v1/operators`, `/api/v1/groups`, `/api/v1/roles`).

use serde::{Deserialize, Deserializer, Serialize};

use crate::{ChannelAccount, ChannelKind, Id, Operator, Permissions};

/// A field of a PATCH that may be set to `null`: absent → `None` (unchanged), `null` →
/// `Some(None)` (cleared), a value → `Some(Some(v))`.
#[allow(clippy::option_option)] // a PATCH field has exactly these three cases
fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// `POST /api/v1/operators`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewOperatorRequest {
    #[cfg_attr(feature = "openapi", schema(format = "email", max_length = 254))]
    pub email: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub name: String,
    /// Absent: a one-time password is made and returned once.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 1024))]
    pub password: Option<String>,
    #[serde(default)]
    pub role_id: Option<Id>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 100))]
    pub group_ids: Vec<Id>,
}

/// The answer to a new operator or a password reset: the one-time password is shown here
/// once (only when the admin gave none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OperatorCreated {
    pub operator: Operator,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub one_time_password: Option<String>,
}

/// `PATCH /api/v1/operators/{id}`: only the fields given change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OperatorPatch {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub name: Option<String>,
    /// `null`: no role (no extra permissions).
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "specta", specta(type = Option<Id>))]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub role_id: Option<Option<Id>>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 100))]
    pub group_ids: Option<Vec<Id>>,
    /// `false` deactivates: every session of theirs ends at once and they cannot sign in.
    #[serde(default)]
    pub active: Option<bool>,
}

/// `POST /api/v1/operators/{id}/password`: an admin resets an operator's password.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordReset {
    /// Absent: a one-time password is made and returned once.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 1024))]
    pub password: Option<String>,
}

/// `PUT /api/v1/me/password`: an operator changes their own password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangePassword {
    #[cfg_attr(feature = "openapi", schema(max_length = 1024))]
    pub current_password: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 8, max_length = 1024))]
    pub new_password: String,
}

/// `POST /api/v1/groups`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewGroupRequest {
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 200, pattern = "[^\\s]")
    )]
    pub name: String,
    /// `#rrggbb`; default the accent blue.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = "^#[0-9a-fA-F]{6}$"))]
    pub color: Option<String>,
}

/// `PATCH /api/v1/groups/{id}`: only the fields given change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupPatch {
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 200, pattern = "[^\\s]")
    )]
    pub name: Option<String>,
    /// `#rrggbb`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = "^#[0-9a-fA-F]{6}$"))]
    pub color: Option<String>,
}

/// `DELETE /api/v1/groups/{id}?move_to=`: where the group's conversations and channels go.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct DeleteGroupQuery {
    /// Another group of the company. Needed when the group still has conversations or
    /// channels (409 otherwise, saying how many).
    #[serde(default)]
    pub move_to: Option<Id>,
}

/// `POST /api/v1/roles`: a name and permissions (all off unless given).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewRoleRequest {
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 200, pattern = "[^\\s]")
    )]
    pub name: String,
    #[serde(default)]
    pub permissions: Permissions,
}

/// `PATCH /api/v1/roles/{id}`: only the fields given change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RolePatch {
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 200, pattern = "[^\\s]")
    )]
    pub name: Option<String>,
    #[serde(default)]
    pub permissions: Option<Permissions>,
}

/// `GET/PUT /api/v1/settings/iframe` (Settings › Advanced › Iframe integration): whether
/// conversations may be embedded, by which sites, and how long a link lives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IframeSettings {
    pub enabled: bool,
    /// Origins allowed to frame the view (`https://crm.example.com`); sent as
    /// `Content-Security-Policy: frame-ancestors`. Turning it on needs at least one (422).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 20, value_type = Vec<OriginText>))]
    pub origins: Vec<String>,
    /// How long a link works after it is made, 1 to 10,080 minutes (a week).
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10080))]
    pub link_minutes: u32,
}

/// An origin as the API documents it: `scheme://host[:port]`, http or https, nothing after.
#[cfg(feature = "openapi")]
#[derive(utoipa::ToSchema)]
#[schema(
    pattern = "^[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9.-]+(:([0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?/?$"
)]
pub struct OriginText(pub String);

/// `POST /api/v1/conversations/{id}/embed`: a link to the conversation's embeddable view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EmbedLink {
    /// The view's path on this server (`/embed/…`): put it after the server's address in the
    /// CRM's `<iframe src>`.
    pub path: String,
    pub expires_at: crate::Millis,
}

/// A channel kind's settings, as `channel add` takes them (the same checks: a kind refuses
/// the settings of the others with 422). They hold secrets (a bot token, mailbox passwords):
/// they are write-only, never returned.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelSettings {
    /// Custom app: where operators' answers are POSTed (an http(s) address with a host); none:
    /// nothing is delivered.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 2048))]
    pub callback_url: Option<String>,
    /// Telegram (needed): the bot's token from @BotFather, `123456789:AAH…`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub bot_token: Option<String>,
    /// Telegram: the Bot API's base URL (default the public one).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 2048))]
    pub api_url: Option<String>,
    /// Telegram: this server's public base URL; Telegram then POSTs updates to it (webhook)
    /// instead of the server polling `getUpdates`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 2048))]
    pub webhook_url: Option<String>,
    /// Email (needed): the mailbox's address.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 254))]
    pub address: Option<String>,
    /// Email (needed): `imaps://user:pass@host[:port]` (TLS), `imap://…` (STARTTLS).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 2048))]
    pub imap_url: Option<String>,
    /// Email (needed): `smtps://user:pass@host[:port]` or `smtp://…`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 2048))]
    pub smtp_url: Option<String>,
    /// LiveChat (at least one): origins of the pages that may embed the widget,
    /// `https://shop.example.com`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 50))]
    pub origins: Vec<String>,
}

fn custom_kind() -> ChannelKind {
    ChannelKind::Custom
}

/// `POST /api/v1/channels`: a channel of any kind the server connects (custom, telegram,
/// email, livechat), with that kind's settings. Unknown fields are refused: a `callback_url`
/// sent at the top level (where it was before `settings`) must not be dropped silently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewChannelRequest {
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 200, pattern = "[^\\s]")
    )]
    pub name: String,
    /// Default `custom`; a kind the server cannot connect yet (whatsapp …) is refused (422).
    #[serde(default = "custom_kind")]
    pub kind: ChannelKind,
    /// New conversations land in this group's Unassigned.
    #[serde(default)]
    pub group_id: Option<Id>,
    #[serde(default)]
    pub settings: ChannelSettings,
    /// Labels ("EU", "VIP line"): see [`ChannelPatch::tags`].
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 20))]
    pub tags: Vec<String>,
}

/// A new channel, or a rotated secret: the secret is shown here once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelSecretShown {
    pub channel: ChannelAccount,
    /// The inbound secret (`X-Channel-Secret`); never shown again.
    pub secret: String,
}

/// `PATCH /api/v1/channels/{id}`: only the fields given change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelPatch {
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 200, pattern = "[^\\s]")
    )]
    pub name: Option<String>,
    /// `null`: no group (its new conversations land in no group's Unassigned).
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "specta", specta(type = Option<Id>))]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub group_id: Option<Option<Id>>,
    /// `true`: inbound messages are refused; its conversations stay readable.
    #[serde(default)]
    pub disabled: Option<bool>,
    /// Replaces the labels: each trimmed, 1 to 50 characters, repeats (in any case) dropped,
    /// at most 20 (422 otherwise).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 20))]
    pub tags: Option<Vec<String>>,
    /// Replaces the kind's settings (all of them: secrets are never shown, so they are given
    /// again), checked as on creation.
    #[serde(default)]
    pub settings: Option<ChannelSettings>,
}

#[cfg(test)]
mod tests {
    use super::OperatorPatch;

    #[test]
    fn a_channel_record_of_an_older_server_reads_without_tags() {
        let old: crate::ChannelAccount =
            serde_json::from_str(r#"{"id":1,"kind":"telegram","name":"Bot","group_id":null}"#)
                .expect("an old record");
        assert!(old.tags.is_empty() && !old.disabled);
        let req: super::NewChannelRequest =
            serde_json::from_str(r#"{"name":"App"}"#).expect("a bare request");
        assert_eq!(req.kind, crate::ChannelKind::Custom);
    }

    #[test]
    fn a_patch_tells_absent_from_null() {
        let absent: OperatorPatch = serde_json::from_str("{}").expect("absent");
        assert_eq!(absent.role_id, None);
        let cleared: OperatorPatch = serde_json::from_str(r#"{"role_id":null}"#).expect("null");
        assert_eq!(cleared.role_id, Some(None));
        let set: OperatorPatch = serde_json::from_str(r#"{"role_id":7}"#).expect("set");
        assert_eq!(set.role_id, Some(Some(7)));
    }
}
