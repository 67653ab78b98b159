//! Bounded in-memory limits for unauthenticated routes: attempts per key in a sliding window
//! (wrong channel secrets per channel and IP, the chat widget's limits), per server instance.
//! Failed sign-ins are counted in the database instead (`storage::login_attempts`), so that
//! every instance behind a load balancer shares their count.
//!
//! Keys are SHA-256 digests of their parts, so a caller who sends a megabyte of "email" costs
//! 32 bytes here; the number of keys is capped too.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

/// A limiter key: the digest of its parts.
pub type Key = [u8; 32];

/// The key of `parts` (each part is length-prefixed, so ("ab","c") and ("a","bc") differ).
pub fn key(parts: &[&str]) -> Key {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p.as_bytes());
    }
    h.finalize().into()
}

/// Refused: the key used up its attempts; the oldest one leaves the window after this long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Blocked {
    pub retry_after: Duration,
}

/// At most `max` attempts per key in any `window`. Checking and counting are one step under
/// one lock, so concurrent attempts cannot all slip through before any is counted.
pub struct AttemptLimiter {
    max: usize,
    window: Duration,
    capacity: usize,
    attempts: Mutex<HashMap<Key, VecDeque<Instant>>>,
}

impl AttemptLimiter {
    /// `capacity`: most keys held at once; past it (after dropping expired keys) new keys are
    /// refused until the window frees some, so memory stays bounded under a spray of keys.
    pub fn new(max: usize, window: Duration, capacity: usize) -> Self {
        Self {
            max,
            window,
            capacity,
            attempts: Mutex::new(HashMap::new()),
        }
    }

    pub fn window(&self) -> Duration {
        self.window
    }

    /// Whether `key` still has attempts left, without counting one. For limits on failures
    /// (count with [`Self::attempt`] once a failure is known): concurrent calls may all pass,
    /// so it suits limits where a few extra tries do not matter.
    pub fn check(&self, key: &Key) -> Result<(), Blocked> {
        let now = Instant::now();
        let map = self.attempts.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(times) = map.get(key) else {
            return Ok(());
        };
        let live: Vec<&Instant> = times.iter().filter(|t| now - **t < self.window).collect();
        match live.first() {
            Some(oldest) if live.len() >= self.max => Err(Blocked {
                retry_after: self.window.saturating_sub(now - **oldest),
            }),
            _ => Ok(()),
        }
    }

    /// Counts an attempt for `key`, or refuses it when the key already has `max` in the window.
    pub fn attempt(&self, key: &Key) -> Result<(), Blocked> {
        let now = Instant::now();
        let mut map = self.attempts.lock().unwrap_or_else(PoisonError::into_inner);
        if !map.contains_key(key) && map.len() >= self.capacity {
            map.retain(|_, times| times.back().is_some_and(|t| now - *t < self.window));
            if map.len() >= self.capacity {
                return Err(Blocked {
                    retry_after: self.window,
                });
            }
        }
        let times = map.entry(*key).or_default();
        while times.front().is_some_and(|t| now - *t >= self.window) {
            times.pop_front();
        }
        if times.len() >= self.max {
            let oldest = times.front().copied().unwrap_or(now);
            return Err(Blocked {
                retry_after: self.window.saturating_sub(now - oldest),
            });
        }
        times.push_back(now);
        Ok(())
    }

    /// Forgets `key`'s attempts (a successful login).
    pub fn clear(&self, key: &Key) {
        self.attempts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(key);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.attempts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_blocks_per_key() {
        let l = AttemptLimiter::new(2, Duration::from_secs(60), 100);
        let a = key(&["a@x", "1"]);
        assert!(l.attempt(&a).is_ok());
        assert!(l.check(&a).is_ok());
        assert!(l.attempt(&a).is_ok());
        assert!(l.check(&a).is_err());
        let blocked = l.attempt(&a).expect_err("third attempt");
        assert!(blocked.retry_after <= Duration::from_secs(60));
        assert!(l.attempt(&key(&["a@x", "2"])).is_ok());
        l.clear(&a);
        assert!(l.attempt(&a).is_ok());
    }

    #[test]
    fn parts_are_separated() {
        assert_ne!(key(&["ab", "c"]), key(&["a", "bc"]));
    }

    #[test]
    fn the_window_frees_attempts() {
        let l = AttemptLimiter::new(1, Duration::from_millis(1), 100);
        let a = key(&["a"]);
        assert!(l.attempt(&a).is_ok());
        std::thread::sleep(Duration::from_millis(5));
        assert!(l.attempt(&a).is_ok());
    }

    #[test]
    fn capacity_bounds_the_keys() {
        let l = AttemptLimiter::new(5, Duration::from_secs(60), 3);
        for i in 0..3 {
            assert!(l.attempt(&key(&[&i.to_string()])).is_ok());
        }
        assert!(l.attempt(&key(&["new"])).is_err());
        // Known keys still count.
        assert!(l.attempt(&key(&["0"])).is_ok());
        assert_eq!(l.len(), 3);
    }
}
