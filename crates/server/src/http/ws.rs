//! What every WebSocket the server accepts shares (the app's events socket, the chat widget's):
//! both mostly send; what comes in is pongs, a close and small messages, up to a limit.

use axum::extract::ws::WebSocketUpgrade;

/// The read buffer of an accepted socket. tungstenite zero-fills the free part of its read
/// buffer before every read attempt, and a socket's task polls its read half each time it wakes
/// to send a change record: with the default 128 KiB, every record cost every open socket a
/// 128 KiB memset, the largest single cost of fanning a record out to 1,000 apps. Messages up
/// to the socket's limit are still read whole, in pieces of this size.
const READ_BUFFER: usize = 4 * 1024;

/// `upgrade` with the shared read buffer, refusing incoming messages over `max_incoming` bytes.
pub fn accept(upgrade: WebSocketUpgrade, max_incoming: usize) -> WebSocketUpgrade {
    upgrade
        .read_buffer_size(READ_BUFFER)
        .max_message_size(max_incoming)
        .max_frame_size(max_incoming)
}
