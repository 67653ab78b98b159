/** A compact curated emoji set, bundled (no remote sprite or font under the strict CSP):
 * the faces and gestures operators actually use with clients. */
export const EMOJI = [
  "😀", "😃", "😊", "🙂", "😉", "😍", "🤗", "🤔",
  "😅", "😂", "😢", "😔", "😮", "😎", "🙏", "👍",
  "👎", "👌", "👋", "👏", "🙌", "💪", "🤝", "✌️",
  "❤️", "💙", "⭐", "🔥", "🎉", "✅", "❌", "⚠️",
  "📦", "🚚", "💳", "🧾", "📞", "✉️", "⏰", "📅",
] as const;

/** `text` with `insert` put in place of the selection `[start, end)`, and the caret after it. */
export function insertAt(text: string, start: number, end: number, insert: string): { text: string; caret: number } {
  return { text: text.slice(0, start) + insert + text.slice(end), caret: start + insert.length };
}
