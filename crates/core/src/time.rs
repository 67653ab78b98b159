//! Wall-clock helpers: the protocol's Unix-millisecond timestamps and retry backoff.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rand::Rng;
use switchboard_protocol::Millis;

/// Now as Unix milliseconds (UTC); 0 if the clock is before 1970, which only a broken clock does.
pub fn now_millis() -> Millis {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Exponential backoff with full jitter on the upper half, so that many apps reconnecting after
/// a server restart do not all knock at the same instant.
#[derive(Debug, Clone)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    pub fn new(min: Duration, max: Duration) -> Self {
        Self {
            min,
            max,
            next: min,
        }
    }

    /// The delay to wait now; doubles the next one up to `max`.
    pub fn next_delay(&mut self) -> Duration {
        let base = self.next;
        self.next = (self.next * 2).min(self.max);
        let half = base / 2;
        let jitter_ms = u64::try_from(half.as_millis()).unwrap_or(0);
        let extra = if jitter_ms == 0 {
            0
        } else {
            rand::thread_rng().gen_range(0..=jitter_ms)
        };
        half + Duration::from_millis(extra)
    }

    pub fn reset(&mut self) {
        self.next = self.min;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_max_and_resets() {
        let mut b = Backoff::new(Duration::from_millis(500), Duration::from_secs(10));
        let mut last = Duration::ZERO;
        for _ in 0..10 {
            last = b.next_delay();
            assert!(last <= Duration::from_secs(10));
        }
        assert!(last >= Duration::from_secs(5));
        b.reset();
        assert!(b.next_delay() <= Duration::from_millis(500));
    }
}
