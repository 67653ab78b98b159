//! LiveChat web widget. A site embeds `<script src="{server}/widget.js" data-channel="{id}">`;
//! the script (`widget/widget.js`, served by `http::widget`) talks to
//! `/api/v1/widget/{channel}/…` from the visitor's browser:
//!
//! - `init` gives the visitor a signed token ([`token`]) kept in localStorage, and the Tab:
//!   Widget settings ([`config`]);
//! - a WebSocket ([`socket`]) sends the visitor's history (their own conversation only, notes
//!   never), then pushes every new operator answer; the visitor's messages come in on it;
//! - files go up and down over two small HTTP routes.
//!
//! Pages on origins the channel does not list are refused (CORS and the socket's `Origin`
//! check, `http::widget`), and everything a visitor can send is bounded ([`limits`]).
//!
//! Delivery: LiveChat has no delivery queue. An operator answer is stored `sent` (it waits on
//! the server for the visitor); it becomes `delivered` when it is pushed to one of the
//! visitor's open sockets, or when the visitor's next visit loads it with the history. A
//! visitor who never comes back leaves it `sent`, never lost.

pub mod config;
pub mod limits;
pub mod socket;
pub mod token;
pub mod visitors;

use switchboard_protocol::ChannelKind;

use super::{ChannelOptions, Configured};
use config::{parse_origins, LiveChatConfig, WidgetSettings};

/// `channel add --kind livechat --origin URL…`: the origins, a fresh token key and the default
/// widget settings.
pub fn configure(options: &ChannelOptions) -> Result<Configured, String> {
    options.only(ChannelKind::Livechat, &["--origin"])?;
    let config = LiveChatConfig {
        origins: parse_origins(&options.origins)?,
        token_key: token::new_key(),
        widget: WidgetSettings::default(),
    };
    Ok(Configured {
        config: config.to_value(),
        callback_url: None,
    })
}

/// New origins for a channel: its visitors' token key and the widget's look stay as they were
/// (visitors keep their conversations; `channel widget` owns the look).
pub fn keep_widget(stored: &serde_json::Value, next: &mut serde_json::Value) {
    if let (Some(old), Some(mut new)) = (
        LiveChatConfig::from_value(stored),
        LiveChatConfig::from_value(next),
    ) {
        new.token_key = old.token_key;
        new.widget = old.widget;
        *next = new.to_value();
    }
}

/// The `<script>` tag a site pastes to embed the widget of `channel_id` served by `server`
/// (its public base URL, e.g. `https://desk.example.com`).
pub fn snippet(server: &str, channel_id: switchboard_protocol::Id) -> String {
    let server = server.trim_end_matches('/');
    format!(r#"<script src="{server}/widget.js" data-channel="{channel_id}" async></script>"#)
}

/// `channel widget`: changes a LiveChat channel's widget settings (and origins); returns the
/// settings now stored.
pub fn update_widget(
    db: &crate::storage::Db,
    channel_id: switchboard_protocol::Id,
    changes: &config::WidgetChanges,
) -> crate::error::ApiResult<LiveChatConfig> {
    use crate::error::ApiError;
    use crate::storage::channels;
    db.write_blocking(|ctx| {
        let not_livechat = || {
            ApiError::not_found(format!(
                "No livechat channel {channel_id}; see `channel list`."
            ))
        };
        let record = channels::get_any(ctx.tx, channel_id)?.ok_or_else(not_livechat)?;
        if record.account.kind != ChannelKind::Livechat {
            return Err(not_livechat());
        }
        let mut config = LiveChatConfig::from_value(&record.config).ok_or_else(not_livechat)?;
        config
            .apply(changes)
            .map_err(|e| ApiError::bad_request(format!("{e}.")))?;
        channels::set_config(ctx.tx, channel_id, &config.to_value())?;
        Ok(config)
    })
}
