/**
 * The "/" or "\" trigger of canned responses: a word that starts with either character, ending
 * at the caret, opens the picker filtered by the rest of the word. Picking replaces the trigger
 * and its query with the answer's text.
 */
import type { CannedResponse } from "../ipc";

export interface Trigger {
  /** Index of the "/" or "\" in the text. */
  start: number;
  /** The caret: the end of the query. */
  end: number;
  query: string;
}

export function findTrigger(text: string, caret: number): Trigger | null {
  let start = caret;
  while (start > 0 && !/\s/.test(text.charAt(start - 1))) start--;
  const first = text[start];
  if (start >= caret || (first !== "/" && first !== "\\")) return null;
  return { start, end: caret, query: text.slice(start + 1, caret) };
}

/** The text with the trigger replaced by `insert`, and where the caret goes. */
export function replaceTrigger(text: string, t: Trigger, insert: string): { text: string; caret: number } {
  const before = text.slice(0, t.start);
  const after = text.slice(t.end);
  return { text: before + insert + after, caret: before.length + insert.length };
}

export interface CannedGroup {
  title: string;
  items: CannedResponse[];
}

/** Answers whose title or text contains `query` (any case), grouped by title in the cache's
 * order (title, then oldest first). */
export function groupMatches(items: CannedResponse[], query: string): CannedGroup[] {
  const q = query.trim().toLocaleLowerCase();
  const groups: CannedGroup[] = [];
  for (const item of items) {
    if (q && !item.title.toLocaleLowerCase().includes(q) && !item.text.toLocaleLowerCase().includes(q)) continue;
    const last = groups.at(-1);
    if (last && last.title.toLocaleLowerCase() === item.title.toLocaleLowerCase()) last.items.push(item);
    else groups.push({ title: item.title, items: [item] });
  }
  return groups;
}
