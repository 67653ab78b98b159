/** How consecutive messages group in the thread. */
import { formatDay, isSameDay } from "../format";
import type { ThreadMessage } from "../ipc";

const GROUP_GAP_MS = 10 * 60 * 1000;

/** A day separator above the first message of each day. */
export function dayLabelAt(messages: readonly ThreadMessage[], i: number, now: Date): string | null {
  const m = messages[i];
  if (!m) return null;
  const prev = messages[i - 1];
  return prev && isSameDay(prev.created_at, m.created_at) ? null : formatDay(m.created_at, now);
}

/** The author's name is shown when the author changes or after a pause. */
export function startsGroup(messages: readonly ThreadMessage[], i: number): boolean {
  const m = messages[i];
  const prev = messages[i - 1];
  if (!m || !prev) return true;
  return (
    prev.kind !== m.kind ||
    prev.author_name !== m.author_name ||
    m.created_at - prev.created_at > GROUP_GAP_MS ||
    !isSameDay(prev.created_at, m.created_at)
  );
}
