/** The signed-in desk: list, open conversation and connection, kept fresh by the shell's
 * events (never by polling). */
import { listenAll, on, type ConnState, type Me, type Tab, type Unlisten } from "../ipc";
import { Connection } from "./connection.svelte";
import { OpenConversation } from "./conversation.svelte";
import { ConversationList } from "./conversations.svelte";
import { ChangeBatcher } from "./serial";
import { landingTab, lastTabKey, rememberedTab, rememberTab } from "./landing";

/** The longest a start holds the desk back for its first rows (see `DeskState.shown`); the
 * first page of a local list takes ~10 ms. */
const HOLD_AT_MOST_MS = 1000;

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
  /** Where the last tab is remembered (null: not remembered, e.g. in tests). */
  readonly #lastTabKey: string | null;
  /** The first tab was chosen (by the landing rule, the operator or a notification). */
  #landed = $state(false);
  /** The start landed on a remembered tab and its first rows are on their way: the desk is
   * held back until they are there (see `shown`). */
  #holding = $state(false);
  #holdTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(me: Me, tabs: Tab[], serverUrl: string | null = null) {
    this.me = me;
    this.tabs = tabs;
    this.#lastTabKey = serverUrl === null ? null : lastTabKey(serverUrl, me.operator.id);
  }

  /** Whether the desk is drawn yet. A start that lands on a remembered tab draws it once, with
   * that tab's first rows: drawn at once, the desk's frame was laid out and painted on its own
   * before the rows came, a second full frame that held the start back (budget 6,
   * docs/BENCHMARKS.md). A start that must wait for counts or the first sync draws at once,
   * so the sync's progress shows. */
  get shown(): boolean {
    return !this.#holding || !this.list.loading || this.list.error !== null;
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
    // A remembered tab is decided without counts or the connection: land on it at once, so
    // the start's first list query is the tab the desk shows, not My inbox's and then this one
    // (with 10k conversations each list query is a large part of a cold start).
    const first = this.list.tab;
    this.#land();
    this.#holding = this.#landed;
    // Never held longer than this: a list that does not answer must not hide the desk.
    if (this.#holding) this.#holdTimer = setTimeout(() => (this.#holding = false), HOLD_AT_MOST_MS);
    if (this.list.tab === first) void this.list.reload();
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
    if (this.#lastTabKey !== null) rememberTab(this.#lastTabKey, tab);
  }

  /** Lands on the first tab once it can be decided (see `landingTab`); never after a tab was
   * chosen. */
  #land(conn: ConnState = this.conn.state): void {
    if (this.#landed) return;
    const remembered = this.#lastTabKey === null ? null : rememberedTab(this.#lastTabKey);
    const tab = landingTab(remembered, this.list.counts, conn, this.tabs);
    if (tab === null) return;
    this.#landed = true;
    this.list.setTab(tab);
  }

  stop(): void {
    clearTimeout(this.#holdTimer);
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
