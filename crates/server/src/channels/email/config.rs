//! An Email channel's settings (`channel add --kind email`), as stored in
//! `channel_accounts.config`: the mailbox's address, where to read it (IMAP) and where to send
//! from it (SMTP). Both URLs may carry a password: they are only ever shown through
//! [`redact`].
//!
//! IMAP URL schemes:
//! - `imaps://user:pass@host[:993]`: TLS from the first byte;
//! - `imap://user:pass@host[:143]`: STARTTLS, required (a server that does not offer it is
//!   refused rather than sent the password in clear);
//! - `imap+plain://user:pass@host[:143]`: no TLS at all, only to a server on this machine
//!   (loopback), e.g. a local Dovecot.

use std::time::Duration;

use lettre::Address;
use reqwest::Url;
use serde::{Deserialize, Serialize};
use switchboard_protocol::ChannelKind;

use crate::channels::{ChannelOptions, Configured};
use crate::mail::Smtp;

/// Longest accepted URL.
const MAX_URL_LEN: usize = 2048;

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailConfig {
    /// The mailbox's address: the `From` of answers.
    pub address: String,
    pub imap_url: String,
    pub smtp_url: String,
}

/// Without the passwords: a settings struct ends up in a log sooner or later.
impl std::fmt::Debug for EmailConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailConfig")
            .field("address", &self.address)
            .field("imap_url", &redact(&self.imap_url))
            .field("smtp_url", &redact(&self.smtp_url))
            .finish()
    }
}

/// How the IMAP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    Tls,
    StartTls,
    /// Loopback only.
    Plain,
}

/// Where and as whom to read the mailbox.
#[derive(Clone)]
pub struct ImapTarget {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub user: String,
    pub password: String,
}

impl std::fmt::Debug for ImapTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImapTarget")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

impl EmailConfig {
    /// The stored settings of a channel; `None` when they are not an email channel's.
    pub fn from_json(config: &serde_json::Value) -> Option<Self> {
        serde_json::from_value(config.clone()).ok()
    }

    pub fn imap(&self) -> Result<ImapTarget, String> {
        parse_imap_url(&self.imap_url)
    }

    /// The mailbox's domain, for the Message-IDs of answers.
    pub fn domain(&self) -> &str {
        self.address.rsplit('@').next().unwrap_or("localhost")
    }
}

/// `channel add --kind email --address A --imap-url URL --smtp-url URL`.
pub fn configure(options: &ChannelOptions) -> Result<Configured, String> {
    options.only(
        ChannelKind::Email,
        &["--address", "--imap-url", "--smtp-url"],
    )?;
    let need = |v: &Option<String>, flag: &str| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| format!("An email channel needs {flag}"))
    };
    let address = need(&options.address, "--address")?;
    let imap_url = need(&options.imap_url, "--imap-url")?;
    let smtp_url = need(&options.smtp_url, "--smtp-url")?;
    address
        .parse::<Address>()
        .map_err(|_| format!("--address {address:?} is not an email address"))?;
    parse_imap_url(&imap_url)?;
    let smtp = Url::parse(&smtp_url)
        .ok()
        .filter(|u| smtp_url.len() <= MAX_URL_LEN && matches!(u.scheme(), "smtp" | "smtps"));
    if smtp.is_none() {
        return Err(format!(
            "--smtp-url must be smtp://[user:pass@]host[:port] (STARTTLS with ?tls=required) or smtps://…; got {}",
            redact(&smtp_url)
        ));
    }
    Smtp::new(&smtp_url, Duration::from_secs(30))
        .map_err(|e| format!("--smtp-url {}: {e}", redact(&smtp_url)))?;
    let config = EmailConfig {
        address: address.to_lowercase(),
        imap_url,
        smtp_url,
    };
    Ok(Configured {
        config: serde_json::to_value(&config).map_err(|e| e.to_string())?,
        callback_url: None,
    })
}

/// Checks an IMAP URL (see the module's doc).
pub fn parse_imap_url(raw: &str) -> Result<ImapTarget, String> {
    let invalid = |why: &str| {
        format!(
            "--imap-url must be imaps://user:pass@host[:port] (TLS), imap://… (STARTTLS) or imap+plain://… (no TLS, this machine only); {why}: {}",
            redact(raw)
        )
    };
    if raw.len() > MAX_URL_LEN {
        return Err(invalid("too long"));
    }
    let url = Url::parse(raw).map_err(|_| invalid("not a URL"))?;
    let (security, default_port) = match url.scheme() {
        "imaps" => (Security::Tls, 993),
        "imap" => (Security::StartTls, 143),
        "imap+plain" => (Security::Plain, 143),
        _ => return Err(invalid("unknown scheme")),
    };
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| invalid("no host"))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    if security == Security::Plain && !is_loopback(&host) {
        return Err(invalid(
            "imap+plain:// is only for a server on this machine",
        ));
    }
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8()
            .map(|c| c.into_owned())
            .map_err(|_| invalid("the user or password is not UTF-8"))
    };
    let user = decode(url.username())?;
    let password = decode(url.password().unwrap_or_default())?;
    if user.is_empty() || password.is_empty() {
        return Err(invalid("no user and password"));
    }
    Ok(ImapTarget {
        host,
        port: url.port().unwrap_or(default_port),
        security,
        user,
        password,
    })
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// `url` with its password replaced by `***` (what `channel list` and errors show).
pub fn redact(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut u) => {
            if u.password().is_some() {
                // Only fails for URLs that cannot have a password, which this one has.
                let _ = u.set_password(Some("***"));
            }
            u.to_string()
        }
        // Unparseable: show none of it, it may hold a password.
        Err(_) => "(not a URL)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::{parse_imap_url, redact, Security};

    #[test]
    fn imap_urls() {
        let t = parse_imap_url("imaps://desk%40x.org:s3cr%2Ft@mail.x.org").expect("ok");
        assert_eq!((t.host.as_str(), t.port), ("mail.x.org", 993));
        assert_eq!(
            (t.user.as_str(), t.password.as_str()),
            ("desk@x.org", "s3cr/t")
        );
        assert_eq!(t.security, Security::Tls);
        let t = parse_imap_url("imap://u:p@mail.x.org:1143").expect("ok");
        assert_eq!((t.port, t.security), (1143, Security::StartTls));
        assert!(parse_imap_url("imap+plain://u:p@127.0.0.1:1143").is_ok());
        for bad in [
            "imap+plain://u:p@mail.x.org",
            "imaps://mail.x.org",
            "http://u:p@x.org",
            "imaps://u@x.org",
            "nonsense",
        ] {
            let err = parse_imap_url(bad).expect_err(bad);
            assert!(!err.contains(":p@"), "{err}");
        }
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact("imaps://desk:hunter2@mail.x.org:993"),
            "imaps://desk:***@mail.x.org:993"
        );
        assert_eq!(redact("smtp://127.0.0.1:25"), "smtp://127.0.0.1:25");
        assert_eq!(redact("::hunter2"), "(not a URL)");
        let config = super::EmailConfig {
            address: "desk@x.org".into(),
            imap_url: "imaps://desk:hunter2@mail.x.org".into(),
            smtp_url: "smtps://desk:hunter2@mail.x.org".into(),
        };
        assert!(!format!("{config:?}").contains("hunter2"));
    }
}
