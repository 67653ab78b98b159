//! IPC commands by domain. Each is a one-line adapter from IPC arguments to a core call.

pub mod canned;
pub mod conversations;
pub mod profile;
pub mod session;
