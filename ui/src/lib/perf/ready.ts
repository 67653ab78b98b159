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

/** The next paint, until its frame callback has run: every wait for it shares one frame
 * callback and one task after the paint. */
let nextPaint: Promise<void> | null = null;
/** The start's report, when the frame being built is the first screen. */
let readyReport: (() => void) | null = null;

/** Resolves after the next paint. Effects run after Svelte updated the DOM; the frame
 * callback runs before the paint, and a task queued from it runs after that paint. In that
 * task the start's report goes first: what waited for the paint to begin (loads, subscriptions)
 * runs after it, so the report says when the first screen was painted. */
export function afterPaint(): Promise<void> {
  nextPaint ??= new Promise((resolve) =>
    requestAnimationFrame(() => {
      // Whoever asks from now on waits for the paint after this one.
      nextPaint = null;
      const report = readyReport;
      readyReport = null;
      setTimeout(() => {
        report?.();
        resolve();
      });
    }),
  );
  return nextPaint;
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
  // Once the rows are on screen, their handlers attached.
  readyReport = () => {
    performance.mark(READY_MARK, { detail: { rows } });
    api.uiReady(rows).catch(() => {
      // A mark for measurement only: nothing to tell the operator.
    });
  };
  void afterPaint();
}

/** Tests: a fresh page. */
export function resetReady(): void {
  reported = false;
}
