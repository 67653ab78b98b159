//! What the desk tells the shell: the callbacks through which cache changes, the connection
//! state and sign-outs reach the UI as events (no polling).

use switchboard_protocol::{ClientTyping, Id};

use crate::view::{ConnState, IncomingMessage, Notice, UploadProgress};

/// Told about changes so the shell can forward them to the UI as events (no polling).
pub trait DeskEvents: Send + Sync + 'static {
    /// Cached conversations changed (rows, threads or counts); `ids` may be empty when only
    /// counts or many rows changed.
    fn conversations_changed(&self, ids: &[Id]);
    fn conn_state(&self, state: &ConnState);
    /// The server refused the token (revoked, expired, operator deactivated) or the address
    /// (the company's IP whitelist): sync and the outbox have stopped. The shell should drop
    /// the stored token and show the sign-in screen with `reason`, the server's sentence (or a
    /// plain one when it gave none). The cache and the outbox stay on disk for the next sign-in
    /// of this operator.
    fn signed_out(&self, _reason: &str) {}
    /// The signed-in operator's role, groups or flags changed on the server: `me` is who they
    /// are now (the shell updates the tabs, buttons and visibility it shows).
    fn me_changed(&self, _me: &switchboard_protocol::Me) {}
    /// New client messages arrived live or through a `/sync` catch-up (never through the
    /// initial snapshot), in conversations this operator sees, still unread, not blacklisted.
    fn client_messages(&self, _messages: &[IncomingMessage]) {}
    /// A one-off message for the operator (e.g. the cache was damaged and is being rebuilt).
    fn notice(&self, _notice: &Notice) {}
    /// The client of a conversation this operator sees is typing (or stopped): ephemeral,
    /// straight from the events socket, never cached. The UI shows it for a few seconds.
    fn client_typing(&self, _typing: &ClientTyping) {}
    /// An attachment upload moved on (see [`crate::Desk::attach`]).
    fn upload_progress(&self, _progress: &UploadProgress) {}
}
