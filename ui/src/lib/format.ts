/** Time and number formats of the desk. English month names and a 24-hour clock, the same on
 * every machine, so lists read the same for every operator and tests are deterministic. */

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

const pad = (n: number) => String(n).padStart(2, "0");

function sameDay(a: Date, b: Date): boolean {
  return (
    a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate()
  );
}

/** "14:05" in local time. */
export function formatClock(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** "12 Nov" this year, "12 Nov 2025" another year. */
export function formatDate(ms: number, now: Date = new Date()): string {
  const d = new Date(ms);
  const day = `${d.getDate()} ${MONTHS[d.getMonth()]}`;
  return d.getFullYear() === now.getFullYear() ? day : `${day} ${d.getFullYear()}`;
}

/** List time (#8): today "14:05", this year "12 Nov", else "12 Nov 2025". */
export function formatListTime(ms: number, now: Date = new Date()): string {
  return sameDay(new Date(ms), now) ? formatClock(ms) : formatDate(ms, now);
}

/** A moment with its clock: today "14:05", else "12 Nov 14:05" (or with the year). */
export function formatMoment(ms: number, now: Date = new Date()): string {
  return sameDay(new Date(ms), now) ? formatClock(ms) : `${formatDate(ms, now)} ${formatClock(ms)}`;
}

/** Day separator in a thread: "Today", "Yesterday", "12 Nov", "12 Nov 2025". */
export function formatDay(ms: number, now: Date = new Date()): string {
  const d = new Date(ms);
  if (sameDay(d, now)) return "Today";
  const yesterday = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1);
  if (sameDay(d, yesterday)) return "Yesterday";
  return formatDate(ms, now);
}

export function isSameDay(a: number, b: number): boolean {
  return sameDay(new Date(a), new Date(b));
}

/** Full timestamp for tooltips: "12 Nov 2025, 14:05". */
export function formatFull(ms: number): string {
  const d = new Date(ms);
  return `${d.getDate()} ${MONTHS[d.getMonth()]} ${d.getFullYear()}, ${formatClock(ms)}`;
}

/** "1,200". Grouped here rather than by `toLocaleString`: WebKit's first Intl number format
 * loads ICU's number data, ~10 ms of a cold start on the tab counters (budget 6). */
export function formatCount(n: number): string {
  const rounded = Math.round(n);
  const digits = String(Math.abs(rounded)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return rounded < 0 ? `-${digits}` : digits;
}
