//! A LiveChat channel's settings, stored in `channel_accounts.config`: the origins of the pages
//! that may embed the widget, the key visitor tokens are signed with (never leaves the server),
//! and the Tab: Widget look (colour, greeting, position, offline message).

use reqwest::Url;
use serde::{Deserialize, Serialize};

/// Most origins per channel.
pub const MAX_ORIGINS: usize = 50;
const MAX_ORIGIN_LEN: usize = 255;
/// Longest greeting or offline message.
pub const MAX_WIDGET_TEXT: usize = 500;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LiveChatConfig {
    /// `scheme://host[:port]`, as browsers send them in `Origin`.
    pub origins: Vec<String>,
    /// Hex of 32 random bytes: the HMAC key of visitor tokens.
    pub token_key: String,
    #[serde(default)]
    pub widget: WidgetSettings,
}

/// Tab: Widget; sent to the widget by its init call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WidgetSettings {
    /// `#rrggbb`.
    pub color: String,
    pub greeting: String,
    pub position: Position,
    /// Shown instead of the greeting while no operator has the app open.
    pub offline_message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Position {
    Left,
    Right,
}

impl Default for WidgetSettings {
    fn default() -> Self {
        Self {
            color: "#2563eb".into(),
            greeting: "Hi! How can we help you?".into(),
            position: Position::Right,
            offline_message: "We are offline right now. Leave a message and we will answer here."
                .into(),
        }
    }
}

/// Changes to the widget's settings (`channel widget`); `None` keeps the current value.
#[derive(Debug, Clone, Default)]
pub struct WidgetChanges {
    pub color: Option<String>,
    pub greeting: Option<String>,
    pub position: Option<String>,
    pub offline_message: Option<String>,
    /// Non-empty: replaces the allowed origins.
    pub origins: Vec<String>,
}

impl LiveChatConfig {
    /// A channel's config as stored; `None` when it is not a LiveChat config.
    pub fn from_value(v: &serde_json::Value) -> Option<Self> {
        serde_json::from_value(v.clone()).ok()
    }

    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }

    pub fn allows(&self, origin: &str) -> bool {
        self.origins.iter().any(|o| o == origin)
    }

    /// Applies `changes`, all checked before any is applied.
    pub fn apply(&mut self, changes: &WidgetChanges) -> Result<(), String> {
        let mut next = self.clone();
        if !changes.origins.is_empty() {
            next.origins = parse_origins(&changes.origins)?;
        }
        if let Some(c) = &changes.color {
            next.widget.color = parse_color(c)?;
        }
        if let Some(g) = &changes.greeting {
            next.widget.greeting = widget_text(g, "greeting")?;
        }
        if let Some(m) = &changes.offline_message {
            next.widget.offline_message = widget_text(m, "offline message")?;
        }
        if let Some(p) = &changes.position {
            next.widget.position = match p.trim().to_ascii_lowercase().as_str() {
                "left" => Position::Left,
                "right" => Position::Right,
                _ => return Err(format!("the position must be left or right; got {p:?}")),
            };
        }
        *self = next;
        Ok(())
    }
}

/// One origin as an admin gives it: `scheme://host[:port]` (http or https), no path, query,
/// fragment or credentials; returned as browsers serialize it (lowercase host, no default
/// port), so it compares equal to the `Origin` header.
pub fn parse_origin(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    let invalid = |why: &str| {
        format!("{raw:?} is not an origin like https://shop.example.com or http://localhost:8000: {why}")
    };
    if raw.is_empty() || raw.len() > MAX_ORIGIN_LEN || raw.chars().any(char::is_whitespace) {
        return Err(invalid("empty, too long or with spaces"));
    }
    let url = Url::parse(raw).map_err(|e| invalid(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("the scheme must be http or https"));
    }
    let Some(host) = url.host_str().filter(|h| !h.is_empty()) else {
        return Err(invalid("it has no host"));
    };
    // Letters, digits, dots and dashes (IDN hosts in their xn-- form), or an IPv6 literal: a
    // `*` would be a wildcard where the origin is a CSP source (frame-ancestors).
    let ipv6 = host.starts_with('[') && host.ends_with(']');
    if !ipv6
        && !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
    {
        return Err(invalid(
            "the host may hold only letters, digits, dots and dashes",
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("it must not carry a user or password"));
    }
    // `Url` turns "https://x" into path "/": only a bare trailing slash is tolerated.
    let after_authority = raw.splitn(4, '/').nth(3).unwrap_or_default();
    if !after_authority.is_empty() || url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("an origin has no path, query or fragment"));
    }
    Ok(url.origin().ascii_serialization())
}

/// The `--origin` list: at least one, each checked, repeats dropped.
pub fn parse_origins(raw: &[String]) -> Result<Vec<String>, String> {
    if raw.is_empty() {
        return Err("a livechat channel needs at least one allowed origin (--origin: the site that embeds the widget, e.g. https://shop.example.com)".into());
    }
    let mut out: Vec<String> = Vec::new();
    for r in raw {
        let o = parse_origin(r)?;
        if !out.contains(&o) {
            out.push(o);
        }
    }
    if out.len() > MAX_ORIGINS {
        return Err(format!("at most {MAX_ORIGINS} origins per channel"));
    }
    Ok(out)
}

fn parse_color(raw: &str) -> Result<String, String> {
    let c = raw.trim();
    let ok = c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|ch| ch.is_ascii_hexdigit());
    if ok {
        Ok(c.to_ascii_lowercase())
    } else {
        Err(format!(
            "the colour must be #rrggbb, e.g. #2563eb; got {raw:?}"
        ))
    }
}

fn widget_text(raw: &str, what: &str) -> Result<String, String> {
    let t = raw.trim();
    if t.is_empty() || t.chars().count() > MAX_WIDGET_TEXT {
        return Err(format!(
            "the {what} must be 1 to {MAX_WIDGET_TEXT} characters"
        ));
    }
    Ok(t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_normalized_and_paths_refused() {
        assert_eq!(
            parse_origin("https://Shop.Example.com").as_deref(),
            Ok("https://shop.example.com")
        );
        assert_eq!(
            parse_origin("https://shop.example.com/").as_deref(),
            Ok("https://shop.example.com")
        );
        assert_eq!(
            parse_origin("http://localhost:8000").as_deref(),
            Ok("http://localhost:8000")
        );
        assert_eq!(
            parse_origin("https://x.test:443").as_deref(),
            Ok("https://x.test")
        );
        for bad in [
            "",
            "shop.example.com",
            "ftp://x.test",
            "https://x.test/shop",
            "https://x.test?a=1",
            "https://x.test#f",
            "https://u:p@x.test",
            "https://",
            "https://x .test",
            "javascript:alert(1)",
        ] {
            assert!(parse_origin(bad).is_err(), "{bad}");
        }
        assert!(parse_origins(&[]).is_err());
        assert_eq!(
            parse_origins(&["https://a.test".into(), "https://A.test/".into()]).expect("ok"),
            ["https://a.test"]
        );
    }

    #[test]
    fn widget_changes_are_checked_together() {
        let mut c = LiveChatConfig {
            origins: vec!["https://a.test".into()],
            token_key: String::new(),
            widget: WidgetSettings::default(),
        };
        let bad = WidgetChanges {
            color: Some("#123456".into()),
            position: Some("top".into()),
            ..WidgetChanges::default()
        };
        assert!(c.apply(&bad).is_err());
        assert_eq!(c.widget.color, "#2563eb", "nothing applied on error");
        let good = WidgetChanges {
            color: Some("#ABCDEF".into()),
            position: Some("left".into()),
            greeting: Some("Hello".into()),
            ..WidgetChanges::default()
        };
        c.apply(&good).expect("apply");
        assert_eq!(c.widget.color, "#abcdef");
        assert_eq!(c.widget.position, Position::Left);
        assert!(parse_color("red").is_err());
    }
}
