/** Runs an async reload one at a time: a request that arrives while one is running queues a
 * single rerun instead of a second concurrent call, so bursts of events cost at most two
 * reloads and results never arrive out of order. */
export class Serial {
  #task: () => Promise<void>;
  #running: Promise<void> | null = null;
  #again = false;

  constructor(task: () => Promise<void>) {
    this.#task = task;
  }

  run(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = this.#loop();
    return this.#running;
  }

  async #loop(): Promise<void> {
    try {
      do {
        this.#again = false;
        await this.#task();
      } while (this.#again);
    } finally {
      // In the same step as the last check of #again: a `.finally()` on the promise would run a
      // tick later, and a request arriving in between would be queued on a loop that already
      // ended and never run (a cold start's landed tab then stayed "Loading…").
      this.#running = null;
    }
  }
}

/** Collects `conversationsChanged` ids and flushes them together: `wait` ms after the last
 * event, but no later than `maxWait` ms after the first, so a long sync still refreshes. An
 * empty `ids` means "anything may have changed". */
export class ChangeBatcher {
  #ids = new Set<number>();
  #all = false;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #first = 0;
  #wait: number;
  #maxWait: number;
  #flush: (ids: ReadonlySet<number>, all: boolean) => void;

  constructor(flush: (ids: ReadonlySet<number>, all: boolean) => void, wait = 50, maxWait = 250) {
    this.#flush = flush;
    this.#wait = wait;
    this.#maxWait = maxWait;
  }

  add(ids: readonly number[]): void {
    if (ids.length === 0) this.#all = true;
    for (const id of ids) this.#ids.add(id);
    const now = Date.now();
    if (this.#timer === null) this.#first = now;
    else clearTimeout(this.#timer);
    const delay = Math.max(0, Math.min(this.#wait, this.#first + this.#maxWait - now));
    this.#timer = setTimeout(() => this.#fire(), delay);
  }

  cancel(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#ids = new Set();
    this.#all = false;
  }

  #fire(): void {
    const ids = this.#ids;
    const all = this.#all;
    this.#timer = null;
    this.#ids = new Set();
    this.#all = false;
    this.#flush(ids, all);
  }
}
