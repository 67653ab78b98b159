//! IPC commands by domain. Each is a one-line adapter from IPC arguments to a core call.

pub mod assign;
pub mod attachments;
pub mod conversations;
pub mod outbox;
pub mod canned;
pub mod profile;
pub mod notify;
pub mod session;
