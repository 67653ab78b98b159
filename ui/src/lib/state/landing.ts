/**
 * Which tab the desk opens on (issue 9 "First landing"): the tab the operator used last on
 * this machine for this account, else the tab where work waits — My inbox when it holds
 * conversations, Unassigned when My inbox is empty.
 *
 * The last tab is kept by the shell in the account's cache (`desk/landing.rs`), which reads
 * it with its first rows while the window opens and hands them over with the session
 * (`FirstScreen`); this is the rule for a start without one.
 */
import type { ConnState, TabCounts } from "../ipc";

/** Where work waits, or `null` while it cannot be decided yet: no counts, or the first sync
 * still filling the cache (an empty My inbox then may only be not synced yet). */
export function landingTab(counts: TabCounts | null, conn: ConnState): "inbox" | "unassigned" | null {
  if (counts === null || conn.state === "connecting" || conn.state === "syncing") return null;
  if (counts.inbox > 0) return "inbox";
  return "unassigned";
}
