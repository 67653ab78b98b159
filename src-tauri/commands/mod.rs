//! IPC commands by domain. Each is a one-line adapter from IPC arguments to a core call.

pub mod conversations;
pub mod notify;
pub mod session;
