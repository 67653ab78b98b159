//! The app core (a `Desk`) on its own data dir, started through the counting proxy, and a
//! wait for it to come online with progress from its `Syncing` states.

use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use switchboard_core::{ConnState, Desk, DeskConfig, DeskEvents};
use switchboard_protocol::Id;
use switchboard_protocol::Me;
use tokio::sync::watch;

use crate::phase::Phase;

#[derive(Default)]
struct Watcher {
    online: std::sync::Mutex<Option<watch::Sender<bool>>>,
    done: AtomicI64,
    total: AtomicI64,
}

impl DeskEvents for Watcher {
    fn conversations_changed(&self, _ids: &[Id]) {}
    fn conn_state(&self, state: &ConnState) {
        match state {
            ConnState::Online => {
                if let Some(tx) = &*self.online.lock().unwrap_or_else(|e| e.into_inner()) {
                    tx.send_replace(true);
                }
            }
            ConnState::Syncing { done, total } => {
                self.done.store(*done, Ordering::Relaxed);
                self.total.store(*total, Ordering::Relaxed);
            }
            _ => {}
        }
    }
}

/// Starts a desk on `data_dir` against `url` and waits until it is online or the phase's
/// bound passes. Returns the desk and whether it came online.
pub async fn start_online(
    data_dir: &Path,
    url: &str,
    token: &str,
    me: Me,
    phase: &mut Phase,
) -> anyhow::Result<(Desk, bool)> {
    let (tx, mut online) = watch::channel(false);
    let watcher = Arc::new(Watcher {
        online: std::sync::Mutex::new(Some(tx)),
        ..Watcher::default()
    });
    let desk = Desk::start(
        DeskConfig {
            data_dir: data_dir.to_path_buf(),
            server_url: url.to_string(),
            token: token.to_string(),
            me,
        },
        watcher.clone(),
    )
    .await?;
    let deadline = tokio::time::Instant::from_std(phase.deadline());
    loop {
        let tick = tokio::time::timeout(Duration::from_millis(250), online.wait_for(|v| *v)).await;
        if matches!(tick, Ok(Ok(_))) {
            return Ok((desk, true));
        }
        let total = watcher.total.load(Ordering::Relaxed);
        if total > 0 {
            phase.set_total(total as u64);
        }
        phase.progress(watcher.done.load(Ordering::Relaxed).max(0) as u64);
        if tokio::time::Instant::now() >= deadline {
            return Ok((desk, false));
        }
    }
}
