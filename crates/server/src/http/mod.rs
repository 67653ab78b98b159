//! The HTTP surface: router, extractors and handlers of the seed API and `/api/v1`.

pub mod action_log;
pub mod advanced;
pub mod assets;
pub mod attachments;
pub mod auth;
pub mod canned;
pub mod channel_accounts;
pub mod channels;
pub mod client_ip;
pub mod clients;
pub mod conversations;
pub mod directory;
pub mod edit_ids;
pub mod email;
pub mod embed;
pub mod events;
pub mod extract;
pub mod health;
pub mod ip_whitelist;
pub mod message_tags;
pub mod metrics;
pub mod openapi;
pub mod outgoing;
pub mod personal_data;
pub mod profile;
pub mod router;
pub mod search;
pub mod seed;
pub mod sync;
pub mod updates;
pub mod webhooks;
pub mod widget;
pub mod ws;

use std::sync::Arc;

use crate::auth::{PasswordGate, SessionLifetime};
use crate::channels::livechat::limits::WidgetLimits;
use crate::files::FileStore;
use crate::hub::Hub;
use crate::mail::Mailer;
use crate::storage::Db;
use crate::throttle::AttemptLimiter;

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub hub: Hub,
    /// Bounds concurrent argon2 work (logins).
    pub passwords: PasswordGate,
    /// Wrong channel secrets per channel and IP.
    pub inbound_failures: Arc<AttemptLimiter>,
    /// Channel secrets confirmed lately (`ingest::admit`).
    pub inbound_opened: Arc<crate::service::ingest::OpenedChannels>,
    /// `serve --session-idle` and `--session-max`.
    pub sessions: SessionLifetime,
    pub files: FileStore,
    /// `serve --smtp-url`; `None`: "Send to Email" answers 422.
    pub mailer: Option<Arc<Mailer>>,
    /// What chat widget visitors may cost (messages, new visitors, sockets).
    pub widget: Arc<WidgetLimits>,
    /// How the server calls channel platforms (`serve --allow-private-callbacks`, timeouts).
    pub channels: crate::channels::AdapterSettings,
    /// `serve --updates-dir`: app releases served to operators' desks; `None`: 404.
    pub updates_dir: Option<std::path::PathBuf>,
    /// `serve --metrics-token`: the scraper's bearer token; `None`: nobody reads `/metrics`.
    pub metrics_token: Option<Arc<str>>,
}

pub use router::router;
