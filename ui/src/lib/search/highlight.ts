/** Search highlighting: the parts of a text that the search matched, by the cache search's rule
 * (every typed word matches the beginning of a word, case-insensitively; crates/core
 * cache/search.rs). Parts, not HTML: the text is never rendered as markup. */

export interface Part {
  text: string;
  hit: boolean;
}

/** A letter or digit: what FTS5's unicode61 tokenizer keeps inside a word. */
const WORD_CHAR = /[\p{L}\p{N}]/u;

/** The typed words, lowercased, longest first (a longer word wins where two would match). */
function terms(query: string): string[] {
  return [...new Set(query.trim().toLowerCase().split(/\s+/).filter(Boolean))].sort((a, b) => b.length - a.length);
}

/** Splits `text` into matched and unmatched parts for `query` (null or blank: one plain part). */
export function highlightParts(text: string, query: string | null): Part[] {
  const words = query ? terms(query) : [];
  if (words.length === 0 || text === "") return [{ text, hit: false }];
  const lower = text.toLowerCase();
  // Lowercasing can change the length of some characters (e.g. "İ"); then positions in the
  // lowered text do not map back, and the text is shown without marks rather than wrongly.
  if (lower.length !== text.length) return [{ text, hit: false }];
  const parts: Part[] = [];
  let plainFrom = 0;
  let i = 0;
  while (i < text.length) {
    const atWordStart = WORD_CHAR.test(text.charAt(i)) && (i === 0 || !WORD_CHAR.test(text.charAt(i - 1)));
    const word = atWordStart ? words.find((w) => lower.startsWith(w, i)) : undefined;
    if (word) {
      if (plainFrom < i) parts.push({ text: text.slice(plainFrom, i), hit: false });
      parts.push({ text: text.slice(i, i + word.length), hit: true });
      i += word.length;
      plainFrom = i;
    } else {
      i++;
    }
  }
  if (plainFrom < text.length) parts.push({ text: text.slice(plainFrom), hit: false });
  return parts;
}
