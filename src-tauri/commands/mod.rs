//! IPC commands by domain. Each is a one-line adapter from IPC arguments to a core call.

pub mod admin;
pub mod advanced;
pub mod assign;
pub mod attachments;
pub mod autostart;
pub mod canned;
pub mod conversations;
pub mod email;
pub mod notify;
pub mod outbox;
pub mod profile;
pub mod ready;
pub mod session;
pub mod settings;
pub mod typing;
pub mod updates;
pub mod webhooks;
