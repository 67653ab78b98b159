import { afterEach, describe, expect, it, vi } from "vitest";
import { ChangeBatcher, Serial } from "./serial";

describe("ChangeBatcher", () => {
  afterEach(() => vi.useRealTimers());

  it("collects ids for 50 ms and flushes once", () => {
    vi.useFakeTimers();
    const flush = vi.fn();
    const b = new ChangeBatcher(flush);
    b.add([1]);
    vi.advanceTimersByTime(30);
    b.add([2, 3]);
    vi.advanceTimersByTime(49);
    expect(flush).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(flush).toHaveBeenCalledOnce();
    expect([...(flush.mock.calls[0]?.[0] as Set<number>)]).toEqual([1, 2, 3]);
    expect(flush.mock.calls[0]?.[1]).toBe(false);
  });

  it("treats empty ids as everything and still flushes during a steady stream", () => {
    vi.useFakeTimers();
    const flush = vi.fn();
    const b = new ChangeBatcher(flush, 50, 250);
    for (let t = 0; t < 300; t += 20) {
      b.add(t === 100 ? [] : [t]);
      vi.advanceTimersByTime(20);
    }
    expect(flush).toHaveBeenCalled();
    expect(flush.mock.calls[0]?.[1]).toBe(true);
  });

  it("cancels pending flushes", () => {
    vi.useFakeTimers();
    const flush = vi.fn();
    const b = new ChangeBatcher(flush);
    b.add([1]);
    b.cancel();
    vi.advanceTimersByTime(500);
    expect(flush).not.toHaveBeenCalled();
  });
});

describe("Serial", () => {
  it("runs one task at a time and folds calls made meanwhile into one rerun", async () => {
    let running = 0;
    let max = 0;
    let runs = 0;
    const s = new Serial(async () => {
      running++;
      runs++;
      max = Math.max(max, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
    });
    const all = [s.run(), s.run(), s.run(), s.run()];
    await Promise.all(all);
    expect(max).toBe(1);
    expect(runs).toBe(2);
  });

  it("runs a request made in any tick after the task's last run ended (no lost reload)", async () => {
    // Another promise chain (a state update) asks again a few microtasks after the task ended,
    // while the loop is winding down: whatever the depth, the request runs.
    for (let depth = 0; depth < 6; depth++) {
      let runs = 0;
      let later: Promise<void> = Promise.resolve();
      const s = new Serial(async () => {
        runs++;
        if (runs > 1) return;
        let p = Promise.resolve();
        for (let k = 0; k < depth; k++) p = p.then(() => undefined);
        void p.then(() => {
          later = s.run();
        });
      });
      await s.run();
      await new Promise((r) => setTimeout(r, 0));
      await later;
      expect(runs, `request ${depth} ticks after the task`).toBe(2);
    }
  });
});
