/** The signed-in desk: list, open conversation and connection, kept fresh by the shell's
 * events (never by polling). */
import { listenAll, on, type Me, type Tab, type Unlisten } from "../ipc";
import { Connection } from "./connection.svelte";
import { OpenConversation } from "./conversation.svelte";
import { ConversationList } from "./conversations.svelte";
import { ChangeBatcher } from "./serial";

export class DeskState {
  readonly me: Me;
  /** The tabs this operator has, as the core decided them. */
  readonly tabs: Tab[];
  readonly list = new ConversationList();
  readonly thread = new OpenConversation();
  readonly conn = new Connection();
  #batch = new ChangeBatcher((ids, all) => this.#changed(ids, all));
  #stop: Unlisten | null = null;

  constructor(me: Me, tabs: Tab[]) {
    this.me = me;
    this.tabs = tabs;
  }

  start(): void {
    this.#stop = listenAll([
      on.conversationsChanged((ids) => this.#batch.add(ids)),
      this.conn.listen(),
    ]);
    void this.conn.load();
    void this.list.reload();
    void this.list.reloadCounts();
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
    if (view.tab) this.list.setTab(view.tab);
  }

  /** Moves the selection up or down the list; returns the newly selected id. */
  move(delta: number): number | null {
    const id = this.list.neighbour(delta);
    if (id !== null && id !== this.list.selectedId) this.select(id);
    return id;
  }

  #changed(ids: ReadonlySet<number>, all: boolean): void {
    void this.list.reload();
    void this.list.reloadCounts();
    const open = this.thread.id;
    if (open !== null && (all || ids.has(open))) void this.thread.reload();
  }
}
