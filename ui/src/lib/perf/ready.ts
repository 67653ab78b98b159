/**
 * The "inbox rendered" mark of a start: once per page, when the desk has landed on its first
 * tab and that tab's list is in the DOM, the page waits for the next paint, records a
 * performance mark and tells the shell (`ui_ready`, which logs it). `./dev.sh bench` times a
 * cold start from process start to that line (budget 6, docs/BENCHMARKS.md).
 */
import { api } from "../ipc";

export const READY_MARK = "switchboard:inbox-ready";

/** A step of the start, as a performance mark (`switchboard:NAME`): the bench reads them to
 * say where a cold start's time goes. */
export function markStep(name: string, detail?: unknown): void {
  performance.mark(`switchboard:${name}`, { detail });
}

/** Resolves after the next paint. Effects run after Svelte updated the DOM; the frame
 * callback runs before the paint, and a task queued from it runs after that paint. */
export function afterPaint(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve)));
}

/**
 * Runs `setup` once the frame being built is painted, and returns what undoes it (or, before
 * then, cancels it): for what the first screen does not show — a component's loads and
 * subscriptions that would otherwise hold its first paint back (budget 6).
 */
export function onPainted(setup: () => (() => void) | void): () => void {
  let cancelled = false;
  let undo: (() => void) | void;
  void afterPaint().then(() => {
    if (!cancelled) undo = setup();
  });
  return () => {
    cancelled = true;
    undo?.();
  };
}

let reported = false;

/** Reports the first call of the page; later calls do nothing. */
export function reportReady(rows: number): void {
  if (reported) return;
  reported = true;
  // The rows are on screen, their handlers attached.
  void afterPaint().then(() => {
    performance.mark(READY_MARK, { detail: { rows } });
    api.uiReady(rows).catch(() => {
      // A mark for measurement only: nothing to tell the operator.
    });
  });
}

/** Tests: a fresh page. */
export function resetReady(): void {
  reported = false;
}
