//! What one browser, or one address, may cost the server: the widget is unauthenticated, so
//! every input is bounded here (messages and new visitors per minute, open sockets). The
//! counters live in memory with a cap on their keys ([`AttemptLimiter`]); a restart forgets
//! them, which only ever loosens a limit.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use switchboard_protocol::Id;

use crate::error::ApiError;
use crate::throttle::{self, AttemptLimiter, Blocked};

const MINUTE: Duration = Duration::from_secs(60);
/// Messages (and files) one visitor may send per minute.
pub const VISITOR_MESSAGES_PER_MINUTE: usize = 20;
/// Typing signals one visitor may send per minute (the widget sends at most one every 2.5 s
/// while typing, and one stop after each: under 50).
pub const VISITOR_TYPING_PER_MINUTE: usize = 60;
/// Messages one address may send per minute, over all its visitors.
pub const IP_MESSAGES_PER_MINUTE: usize = 60;
/// Files one address may send per minute (each up to the chat's file limit: this bounds the
/// disk a stranger can fill).
pub const IP_FILES_PER_MINUTE: usize = 6;
/// New visitor tokens one address may get per minute.
pub const NEW_VISITORS_PER_MINUTE: usize = 10;
/// Sockets one address may open per minute (each open reads the visitor's history).
pub const SOCKET_OPENS_PER_MINUTE: usize = 60;
/// Open widget sockets per address, and in all.
pub const SOCKETS_PER_IP: usize = 20;
pub const SOCKETS_TOTAL: usize = 2_000;
/// Keys each limiter holds at most.
const CAPACITY: usize = 100_000;

/// The widget's limits, shared by its routes.
pub struct WidgetLimits {
    visitor_messages: AttemptLimiter,
    visitor_typing: AttemptLimiter,
    ip_messages: AttemptLimiter,
    new_visitors: AttemptLimiter,
    ip_files: AttemptLimiter,
    socket_opens: AttemptLimiter,
    sockets: Arc<Mutex<HashMap<String, usize>>>,
}

impl Default for WidgetLimits {
    fn default() -> Self {
        Self {
            visitor_messages: AttemptLimiter::new(VISITOR_MESSAGES_PER_MINUTE, MINUTE, CAPACITY),
            visitor_typing: AttemptLimiter::new(VISITOR_TYPING_PER_MINUTE, MINUTE, CAPACITY),
            ip_messages: AttemptLimiter::new(IP_MESSAGES_PER_MINUTE, MINUTE, CAPACITY),
            new_visitors: AttemptLimiter::new(NEW_VISITORS_PER_MINUTE, MINUTE, CAPACITY),
            ip_files: AttemptLimiter::new(IP_FILES_PER_MINUTE, MINUTE, CAPACITY),
            socket_opens: AttemptLimiter::new(SOCKET_OPENS_PER_MINUTE, MINUTE, CAPACITY),
            sockets: Arc::default(),
        }
    }
}

fn limited(what: &str, blocked: Blocked) -> ApiError {
    ApiError::RateLimited {
        message: format!("Too many {what}; wait a moment and try again."),
        retry_after: blocked.retry_after,
    }
}

/// An open socket, counted until dropped.
pub struct SocketSlot {
    sockets: Arc<Mutex<HashMap<String, usize>>>,
    ip: String,
}

impl Drop for SocketSlot {
    fn drop(&mut self) {
        let mut map = self.sockets.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = map.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.ip);
            }
        }
    }
}

impl WidgetLimits {
    /// Counts one message of `visitor` from `ip`.
    pub fn message(&self, channel_id: Id, visitor: &str, ip: &str) -> Result<(), ApiError> {
        self.ip_messages
            .attempt(&throttle::key(&["ip", ip]))
            .map_err(|b| limited("messages from this address", b))?;
        self.visitor_messages
            .attempt(&throttle::key(&[&channel_id.to_string(), visitor]))
            .map_err(|b| limited("messages", b))
    }

    /// Counts one typing signal of `visitor`.
    pub fn typing(&self, channel_id: Id, visitor: &str) -> Result<(), ApiError> {
        self.visitor_typing
            .attempt(&throttle::key(&[&channel_id.to_string(), visitor]))
            .map_err(|b| limited("typing signals", b))
    }

    /// Counts one file from `ip` (the file is a message too: [`Self::message`]).
    pub fn file(&self, ip: &str) -> Result<(), ApiError> {
        self.ip_files
            .attempt(&throttle::key(&[ip]))
            .map_err(|b| limited("files from this address", b))
    }

    /// Counts one new visitor from `ip`.
    pub fn new_visitor(&self, ip: &str) -> Result<(), ApiError> {
        self.new_visitors
            .attempt(&throttle::key(&[ip]))
            .map_err(|b| limited("new chats from this address", b))
    }

    /// A slot for one more socket from `ip`, if it and the server have room and the address
    /// has not opened too many in the last minute.
    pub fn open_socket(&self, ip: &str) -> Result<SocketSlot, ApiError> {
        self.socket_opens
            .attempt(&throttle::key(&[ip]))
            .map_err(|b| limited("new connections from this address", b))?;
        let mut map = self.sockets.lock().unwrap_or_else(PoisonError::into_inner);
        let total: usize = map.values().sum();
        let mine = map.get(ip).copied().unwrap_or(0);
        if mine >= SOCKETS_PER_IP || total >= SOCKETS_TOTAL {
            return Err(limited(
                "open chats from this address",
                Blocked {
                    retry_after: Duration::from_secs(10),
                },
            ));
        }
        map.insert(ip.to_string(), mine + 1);
        Ok(SocketSlot {
            sockets: self.sockets.clone(),
            ip: ip.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sockets_are_counted_per_address_and_freed() {
        let l = WidgetLimits::default();
        let slots: Vec<_> = (0..SOCKETS_PER_IP)
            .map(|_| l.open_socket("1.2.3.4").expect("room"))
            .collect();
        assert!(l.open_socket("1.2.3.4").is_err());
        assert!(l.open_socket("5.6.7.8").is_ok());
        drop(slots);
        assert!(l.open_socket("1.2.3.4").is_ok());
    }

    #[test]
    fn socket_opens_per_minute() {
        let l = WidgetLimits::default();
        for _ in 0..SOCKET_OPENS_PER_MINUTE {
            drop(l.open_socket("1.2.3.4").expect("within the rate"));
        }
        assert!(
            l.open_socket("1.2.3.4").is_err(),
            "closing does not refund an open"
        );
        assert!(l.open_socket("5.6.7.8").is_ok());
    }

    #[test]
    fn messages_per_visitor() {
        let l = WidgetLimits::default();
        for _ in 0..VISITOR_MESSAGES_PER_MINUTE {
            l.message(1, "v", "ip").expect("within the limit");
        }
        assert!(matches!(
            l.message(1, "v", "ip"),
            Err(ApiError::RateLimited { .. })
        ));
        assert!(l.message(1, "w", "ip").is_ok(), "another visitor");
    }
}
