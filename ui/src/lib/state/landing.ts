/**
 * Which tab the desk opens on (issue 9 "First landing"): the tab the operator used last on
 * this machine for this account, else the tab where work waits — My inbox when it holds
 * conversations, Unassigned when My inbox is empty.
 *
 * The last tab is kept in the webview's localStorage, keyed by server and operator, so two
 * accounts on one machine each get their own; it holds no secret.
 */
import type { ConnState, Tab, TabCounts } from "../ipc";

/** The tab to land on, or `null` while it cannot be decided yet: no counts, or the first sync
 * still filling the cache (an empty My inbox then may only be not synced yet). */
export function landingTab(remembered: Tab | null, counts: TabCounts | null, conn: ConnState, tabs: readonly Tab[]): Tab | null {
  if (remembered !== null && tabs.includes(remembered)) return remembered;
  if (counts === null || conn.state === "connecting" || conn.state === "syncing") return null;
  if (counts.inbox > 0) return "inbox";
  return "unassigned";
}

const PREFIX = "switchboard.lastTab:";

export function lastTabKey(serverUrl: string, operatorId: number): string {
  return `${PREFIX}${serverUrl}#${operatorId}`;
}

const TABS: readonly Tab[] = ["unassigned", "inbox", "closed", "all", "blacklist"];

/** The remembered tab; `null` when none, unreadable, or storage is unavailable. */
export function rememberedTab(key: string): Tab | null {
  try {
    const v = globalThis.localStorage?.getItem(key) ?? null;
    return TABS.find((t) => t === v) ?? null;
  } catch {
    return null;
  }
}

export function rememberTab(key: string, tab: Tab): void {
  try {
    globalThis.localStorage?.setItem(key, tab);
  } catch {
    // Storage full or disabled: the next start falls back to where work waits.
  }
}
