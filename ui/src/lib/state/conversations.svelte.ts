/** The conversation list of the active tab and search, the tab counters and the selection.
 * Reloaded from the cache (through the shell) whenever the desk reports changes. */
import { errorText } from "../errors";
import { formatCount } from "../format";
import { api, FIRST_PAGE, type ConversationRow, type FirstScreen, type ListPage, type ListQuery, type Tab, type TabCounts } from "../ipc";
import { afterPaint, markStep } from "../perf/ready";
import { Serial } from "./serial";

/** The seed: search needs at least 3 characters and matches from the start of words. */
export const SEARCH_MIN = 3;
const SEARCH_DELAY_MS = 150;

export type ListFilters = Pick<ListQuery, "group_id" | "status" | "operator_id">;

/** The filters `tab` has, from everything set in the bar. */
export function filtersFor(tab: Tab, f: ListFilters): ListFilters {
  return {
    group_id: f.group_id,
    status: tab === "all" ? f.status : null,
    operator_id: tab === "all" || tab === "blacklist" ? f.operator_id : null,
  };
}

export class ConversationList {
  tab = $state<Tab>("inbox");
  search = $state("");
  rows = $state.raw<ConversationRow[]>([]);
  /** How many rows the list holds; more than `rows` while the rest is being read. */
  total = $state(0);
  /** How many conversations match: more than `total` past a tab's cap; `null` when a search
   * matches more than it lists (it does not count them). */
  matching = $state<number | null>(0);
  counts = $state.raw<TabCounts | null>(null);
  selectedId = $state<number | null>(null);
  /** Filter bar (seed "Filters"): groups in every tab, status in All, operators in All and
   * Blacklist; a filter the tab does not have is kept but not applied. */
  filters = $state<ListFilters>({ group_id: null, status: null, operator_id: null });
  /** The current tab/search has not answered yet. */
  loading = $state(true);
  error = $state<string | null>(null);

  #rows = new Serial(() => this.#loadRows());
  #counts = new Serial(() => this.#loadCounts());
  #searchTimer: ReturnType<typeof setTimeout> | null = null;

  /** The count in the list's header. */
  get countLabel(): string {
    return this.matching === null ? `${formatCount(this.total)}+` : formatCount(this.matching);
  }

  /** What the list says under its rows when it does not hold every match. */
  get capNote(): string | null {
    if (this.matching === null) {
      return `The newest ${formatCount(this.total)} matches are listed: add words to the search to narrow it.`;
    }
    if (this.matching > this.total) {
      return `The newest ${formatCount(this.total)} of ${formatCount(this.matching)} are listed: search or filter to find the others.`;
    }
    return null;
  }

  /** The search text sent to the shell, or null while it is too short. */
  get activeSearch(): string | null {
    const q = this.search.trim();
    return q.length >= SEARCH_MIN ? q : null;
  }

  get searchTooShort(): boolean {
    const n = this.search.trim().length;
    return n > 0 && n < SEARCH_MIN;
  }

  query(): ListQuery {
    return { tab: this.tab, search: this.activeSearch, ...filtersFor(this.tab, this.filters) };
  }

  setFilters(patch: Partial<ListFilters>): void {
    this.filters = { ...this.filters, ...patch };
    this.loading = true;
    void this.reload();
  }

  setTab(tab: Tab): void {
    if (tab === this.tab) return;
    this.tab = tab;
    this.rows = [];
    this.total = 0;
    this.matching = 0;
    this.loading = true;
    void this.reload();
  }

  setSearch(text: string): void {
    const before = this.activeSearch;
    this.search = text;
    if (this.activeSearch === before) return;
    if (this.#searchTimer !== null) clearTimeout(this.#searchTimer);
    this.loading = true;
    this.#searchTimer = setTimeout(() => {
      this.#searchTimer = null;
      void this.reload();
    }, SEARCH_DELAY_MS);
  }

  /** A start's first screen, read by the shell while the window opened: shown as it is, then
   * read again once it is painted — the whole list, and whatever sync changed before the desk
   * was listening. */
  showFirst(first: FirstScreen): void {
    this.tab = first.tab;
    this.counts = first.counts;
    this.#show(first.page);
    void afterPaint().then(() => {
      void this.reload();
      void this.reloadCounts();
    });
  }

  reload(): Promise<void> {
    return this.#rows.run();
  }

  reloadCounts(): Promise<void> {
    return this.#counts.run();
  }

  /** The id of the row `delta` rows away from the selection (the first row when nothing in
   * this list is selected). */
  neighbour(delta: number): number | null {
    if (this.rows.length === 0) return null;
    const at = this.rows.findIndex((r) => r.id === this.selectedId);
    if (at < 0) return this.rows[delta < 0 ? this.rows.length - 1 : 0]?.id ?? null;
    const next = Math.min(this.rows.length - 1, Math.max(0, at + delta));
    return this.rows[next]?.id ?? null;
  }

  dispose(): void {
    if (this.#searchTimer !== null) clearTimeout(this.#searchTimer);
  }

  async #loadRows(): Promise<void> {
    const query = this.query();
    const key = JSON.stringify(query);
    const moved = () => key !== JSON.stringify(this.query()); // the tab or search moved on
    try {
      if (this.rows.length === 0 && query.search === null) {
        markStep("list-asked", query.tab);
        const first = await api.listConversations(query, FIRST_PAGE);
        markStep("list-answered", { tab: query.tab, rows: first.rows.length, total: first.total });
        if (moved()) return;
        this.#show(first);
        if (first.rows.length >= first.total) return;
        // The rest once the first screen is on it: thousands of rows arriving first would
        // hold the paint back.
        await afterPaint();
        if (moved()) return;
      }
      const all = await api.listConversations(query);
      if (moved()) return;
      this.#show(all);
    } catch (e) {
      if (moved()) return;
      this.error = errorText(e);
      if (this.#searchTimer === null) this.loading = false;
    }
  }

  #show(page: ListPage): void {
    this.rows = page.rows;
    this.total = page.total;
    this.matching = page.matching;
    this.error = null;
    if (this.#searchTimer === null) this.loading = false;
  }

  async #loadCounts(): Promise<void> {
    try {
      this.counts = await api.tabCounts();
    } catch {
      // Counters are decoration; the list shows its own errors.
    }
  }
}
