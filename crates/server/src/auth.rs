//! Credentials: argon2 password hashes (and the gate that bounds how many run at once), random
//! bearer tokens (stored as sha256), and the size limits of login input.

use std::sync::Arc;
use std::time::Duration;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::RngCore;
use sha2::{Digest, Sha256};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Prefixes tell the two token kinds apart at a glance (logs, support requests).
pub const SESSION_PREFIX: &str = "sbs_";
pub const API_PREFIX: &str = "sba_";
/// Inbound secrets of channels made by `channel add`.
pub const CHANNEL_PREFIX: &str = "sbc_";

#[derive(Debug, thiserror::Error)]
#[error("cannot hash the password: {0}")]
pub struct HashError(String);

pub fn hash_password(password: &str) -> Result<String, HashError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| HashError(e.to_string()))
}

/// Argon2's working memory, kept by a password worker and reused by every check it runs.
/// Letting argon2 allocate its 19 MiB per check grows a long-lived thread by that much per
/// check, up to about 200 MiB (the allocator does not reuse the freed block in a thread's
/// arena), which is how a burst of logins kept gigabytes after it ended.
#[derive(Default)]
pub struct Scratch(Vec<Block>);

impl Scratch {
    /// Checks `password` against a stored PHC string, as `argon2`'s own verifier does, with
    /// this scratch memory. False for a wrong password and a malformed hash alike.
    pub fn verify(&mut self, password: &str, hash: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(hash) else {
            return false;
        };
        let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
            return false;
        };
        let (Ok(algorithm), Ok(params)) = (
            Algorithm::try_from(parsed.algorithm),
            Params::try_from(&parsed),
        ) else {
            return false;
        };
        let version = match parsed.version.map(Version::try_from).transpose() {
            Ok(v) => v.unwrap_or_default(),
            Err(_) => return false,
        };
        let mut salt_buf = [0u8; 64];
        let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
            return false;
        };
        let blocks = params.block_count();
        if self.0.len() < blocks {
            self.0.resize(blocks, Block::default());
        }
        let mut out = [0u8; 64];
        let Some(out) = out.get_mut(..expected.len()) else {
            return false;
        };
        Argon2::new(algorithm, version, params)
            .hash_password_into_with_memory(password.as_bytes(), salt, out, &mut self.0[..blocks])
            .is_ok()
            && bytes_equal(out, expected.as_bytes())
    }
}

/// A fresh random token with `prefix` (256 bits of entropy).
pub fn new_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("{prefix}{}", hex::encode(bytes))
}

/// Hex HMAC-SHA256 of the concatenated `parts` keyed by `secret` (the signatures the server
/// puts on what it POSTs: Custom app callbacks, webhooks).
pub fn hmac_sha256_hex(secret: &str, parts: &[&[u8]]) -> String {
    use hmac::{Hmac, Mac};
    // HMAC takes a key of any length.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    for p in parts {
        mac.update(p);
    }
    hex::encode(mac.finalize().into_bytes())
}

/// What is stored for a token: its sha256, hex.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Constant-time string comparison for shared secrets.
pub fn secrets_equal(a: &str, b: &str) -> bool {
    bytes_equal(a.as_bytes(), b.as_bytes())
}

fn bytes_equal(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// How long an app session lives: `idle` since it was last used, `absolute` since login
/// (`serve --session-idle`, `--session-max`; defaults in `cli::SessionArgs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLifetime {
    pub idle: Duration,
    pub absolute: Duration,
}

impl SessionLifetime {
    /// `(created after, last used after)` in ms: a session older or idler than that is dead.
    pub fn cutoffs(&self, now_ms: i64) -> (i64, i64) {
        let ms = |d: Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
        (
            now_ms.saturating_sub(ms(self.absolute)),
            now_ms.saturating_sub(ms(self.idle)),
        )
    }

    /// Whether a session last used at `last_used_ms` should record a new use at `now_ms`.
    /// Not on every request (a write each time): once a tenth of the idle time has passed,
    /// and at least every few minutes.
    pub fn needs_touch(&self, last_used_ms: i64, now_ms: i64) -> bool {
        let every = (self.idle / 10).min(Duration::from_secs(5 * 60));
        now_ms.saturating_sub(last_used_ms) >= i64::try_from(every.as_millis()).unwrap_or(0)
    }
}

/// Longest email accepted (the SMTP path limit); longer ones are refused before any work.
pub const MAX_EMAIL_BYTES: usize = 254;
/// Longest password accepted; argon2 reads all of it.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Refused: as many password checks as the server runs and queues are under way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many password checks at once")]
pub struct Busy;

/// A password check handed to a worker, with the worker's argon2 memory.
type Job = Box<dyn FnOnce(&mut Scratch) + Send>;

/// Bounds password hashing. Argon2 takes about 19 MiB and a core for a while per check, so
/// checks run on a few dedicated threads, and a few more wait; past that a login is refused
/// at once instead of queueing (an unbounded queue is unbounded memory). Dedicated threads
/// also bound what the allocator keeps: each thread that ever ran argon2 holds on to its
/// 19 MiB (glibc keeps freed memory in per-thread arenas), so checks on the ever-changing
/// threads of the blocking pool grew the process by 19 MiB per thread.
#[derive(Clone)]
pub struct PasswordGate {
    admitted: Arc<Semaphore>,
    jobs: std::sync::mpsc::Sender<Job>,
}

/// A place in the gate's queue; [`Admitted::run`] hands the check to a worker.
pub struct Admitted {
    _place: OwnedSemaphorePermit,
    jobs: std::sync::mpsc::Sender<Job>,
}

/// The check did not complete (its worker panicked).
#[derive(Debug, thiserror::Error)]
#[error("the password check failed")]
pub struct CheckFailed;

impl PasswordGate {
    /// `workers` threads run checks, and `queued` more may wait.
    pub fn new(workers: usize, queued: usize) -> Self {
        let workers = workers.max(1);
        let (jobs, rx) = std::sync::mpsc::channel::<Job>();
        let rx = Arc::new(std::sync::Mutex::new(rx));
        for i in 0..workers {
            let rx = Arc::clone(&rx);
            let spawned = std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || {
                    let mut scratch = Scratch::default();
                    loop {
                        // Holding the lock only to take the next job.
                        let job = rx
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .recv();
                        match job {
                            Ok(job) => job(&mut scratch),
                            // Every sender (the gate and its tickets) is gone.
                            Err(_) => return,
                        }
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a password worker");
            }
        }
        Self {
            admitted: Arc::new(Semaphore::new(workers + queued)),
            jobs,
        }
    }

    /// One worker per core (at most 4: logins are rare, memory is not free), and four
    /// waiting per worker.
    pub fn per_core() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let workers = cores.min(4);
        Self::new(workers, workers * 4)
    }

    /// A place in the queue, or [`Busy`] when it is full.
    pub fn admit(&self) -> Result<Admitted, Busy> {
        let place = Arc::clone(&self.admitted)
            .try_acquire_owned()
            .map_err(|_| Busy)?;
        Ok(Admitted {
            _place: place,
            jobs: self.jobs.clone(),
        })
    }
}

impl Admitted {
    /// Runs `check` (which verifies with the given scratch memory) on a password worker; the
    /// place in the queue is held until it is done.
    pub async fn run<T: Send + 'static>(
        self,
        check: impl FnOnce(&mut Scratch) -> T + Send + 'static,
    ) -> Result<T, CheckFailed> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |scratch| {
            // A panic ends this check, not the worker.
            let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(scratch)));
            if let Ok(out) = out {
                let _ = tx.send(out);
            }
        });
        self.jobs.send(job).map_err(|_| CheckFailed)?;
        rx.await.map_err(|_| CheckFailed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_round_trip() {
        let h = hash_password("secret").expect("hash");
        let mut scratch = Scratch::default();
        assert!(scratch.verify("secret", &h));
        assert!(!scratch.verify("Secret", &h));
        assert!(!scratch.verify("secret", "not a hash"));
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let a = new_token(API_PREFIX);
        let b = new_token(API_PREFIX);
        assert_ne!(a, b);
        assert!(a.starts_with(API_PREFIX));
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }

    #[tokio::test]
    async fn the_gate_refuses_past_its_queue() {
        let gate = PasswordGate::new(1, 1);
        let a = gate.admit().expect("first");
        let b = gate.admit().expect("queued");
        assert_eq!(gate.admit().err(), Some(Busy));
        drop(b);
        let c = gate.admit().expect("a place freed");
        let h = hash_password("secret").expect("hash");
        let h2 = h.clone();
        assert!(a.run(move |s| s.verify("secret", &h)).await.expect("run"));
        assert!(!c.run(move |s| s.verify("wrong", &h2)).await.expect("run"));
    }

    #[test]
    fn secrets_compare() {
        assert!(secrets_equal("abc", "abc"));
        assert!(!secrets_equal("abc", "abd"));
        assert!(!secrets_equal("abc", "abcd"));
    }
}
