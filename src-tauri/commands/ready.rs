//! The UI's "inbox rendered" mark: the page calls this once, when the first conversation list
//! of a session start is in the DOM and painted (ui/src/lib/perf/ready.ts). The line it logs is
//! what `./dev.sh bench` times a cold start by (budget 6, docs/BENCHMARKS.md), against the
//! same line from the blank Tauri window of crates/bench/blank-window.

use crate::UiError;

/// Logs `inbox rendered` with the number of rows the list holds.
#[tauri::command]
#[specta::specta]
// A `Result` like every command, so the UI calls it through the same door (ipc.ts `unwrap`).
#[allow(clippy::unnecessary_wraps)]
pub fn ui_ready(rows: u32) -> Result<(), UiError> {
    tracing::info!(target: "switchboard::ready", rows, "inbox rendered");
    Ok(())
}
