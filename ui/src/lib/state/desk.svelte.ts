/** The signed-in desk: list, open conversation and connection, kept fresh by the shell's
 * events (never by polling). */
import { api, listenAll, on, type ConnState, type FirstScreen, type Me, type Tab, type Unlisten } from "../ipc";
import { Connection } from "./connection.svelte";
import { OpenConversation } from "./conversation.svelte";
import { ConversationList } from "./conversations.svelte";
import { ChangeBatcher } from "./serial";
import { afterPaint } from "../perf/ready";
import { landingTab } from "./landing";

export class DeskState {
  /** Who is signed in, kept current by `follow` (a role or group change on the server). */
  me = $state.raw<Me>() as Me;
  /** The tabs this operator has, as the core decided them. */
  tabs = $state.raw<Tab[]>([]);
  readonly list = new ConversationList();
  readonly thread = new OpenConversation();
  readonly conn = new Connection();
  #batch = new ChangeBatcher((ids, all) => this.#changed(ids, all));
  #stop: Unlisten | null = null;
  /** The tab chosen last with its first rows, as the shell read them when the session opened
   * (null: nothing remembered). */
  readonly #first: FirstScreen | null;
  /** The first tab was chosen (by the landing rule, the operator or a notification). */
  #landed = $state(false);

  constructor(me: Me, tabs: Tab[], first: FirstScreen | null = null) {
    this.me = me;
    this.tabs = tabs;
    this.#first = first;
  }

  /** The desk shows its first tab (the start's "inbox rendered" mark waits for it). */
  get landed(): boolean {
    return this.#landed;
  }

  start(): void {
    this.#stop = listenAll([
      on.conversationsChanged((ids) => this.#batch.add(ids)),
      this.conn.listen(),
      // The first sync's end decides an empty My inbox (see `landingTab`), on fresh counts:
      // the last synced changes may still be waiting in the batcher.
      on.connStateChanged((state) => {
        if (!this.#landed) void this.list.reloadCounts().then(() => this.#land(state));
      }),
    ]);
    // The tab chosen last comes with its first rows: the desk is drawn once, with them, and
    // asks no list of its own (budget 6, docs/BENCHMARKS.md). Without one, the landing waits
    // for counts or the first sync, and the desk is drawn at once so the sync's progress shows.
    const first = this.#first;
    if (first !== null) {
      this.#landed = true;
      this.list.showFirst(first);
      void afterPaint().then(() => this.conn.load());
      return;
    }
    void this.list.reload();
    void this.conn.load().then(() => this.#land());
    void this.list.reloadCounts().then(() => this.#land());
  }

  /** The server changed who the operator is (role, groups): the tabs and buttons follow, and
   * a tab they lost is left for the first one they have. */
  follow(me: Me, tabs: Tab[]): void {
    this.me = me;
    this.tabs = tabs;
    const first = tabs[0];
    if (this.#landed && first !== undefined && !tabs.includes(this.list.tab)) this.list.setTab(first);
  }

  /** The operator picks a tab: shown, and remembered for the next start. */
  chooseTab(tab: Tab): void {
    this.#landed = true;
    this.list.setTab(tab);
    api.rememberTab(tab).catch(() => {
      // Not remembered (the session just ended): the next start lands where work waits.
    });
  }

  /** Lands where work waits once it can be decided (see `landingTab`); never after a tab was
   * chosen. */
  #land(conn: ConnState = this.conn.state): void {
    if (this.#landed) return;
    const tab = landingTab(this.list.counts, conn);
    if (tab === null) return;
    this.#landed = true;
    this.list.setTab(tab);
  }

  stop(): void {
    this.#stop?.();
    this.#stop = null;
    this.#batch.cancel();
    this.list.dispose();
  }

  select(id: number): void {
    this.list.selectedId = id;
    void this.thread.open(id);
  }

  /** Opens `id` from outside the list (its notification was clicked) and switches to the tab
   * that lists it, so the list shows what the thread shows. */
  async reveal(id: number): Promise<void> {
    this.list.selectedId = id;
    await this.thread.open(id);
    const view = this.thread.view;
    if (view?.row.id !== id) return;
    if (view.tab) {
      this.#landed = true;
      this.list.setTab(view.tab);
    }
  }

  /** Moves the selection up or down the list; returns the newly selected id. */
  move(delta: number): number | null {
    const id = this.list.neighbour(delta);
    if (id !== null && id !== this.list.selectedId) this.select(id);
    return id;
  }

  #changed(ids: ReadonlySet<number>, all: boolean): void {
    void this.list.reload();
    void this.list.reloadCounts().then(() => this.#land());
    const open = this.thread.id;
    if (open !== null && (all || ids.has(open))) void this.thread.reload();
  }
}
