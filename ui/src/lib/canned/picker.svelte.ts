/** The picker's state: the cached answers, the trigger under the caret, the highlighted match,
 * and the keys it takes from the composer while open. */
import { errorText } from "../errors";
import { api, type CannedResponse, type CannedResponseInput, type Me } from "../ipc";
import { findTrigger, groupMatches, replaceTrigger, type Trigger } from "./trigger";

export class CannedPicker {
  items = $state.raw<CannedResponse[]>([]);
  trigger = $state.raw<Trigger | null>(null);
  active = $state(0);
  /** "list" shows the matches; "form" adds (no id) or edits an answer. */
  mode = $state<"list" | "form">("list");
  editing = $state.raw<CannedResponse | null>(null);
  error = $state<string | null>(null);
  /** Where Esc closed the picker: it stays closed until another trigger is typed. */
  #dismissed: number | null = null;
  readonly me: Me | null;

  constructor(me: Me | null) {
    this.me = me;
  }

  readonly groups = $derived(groupMatches(this.items, this.trigger?.query ?? ""));
  readonly matches = $derived(this.groups.flatMap((g) => g.items));
  readonly open = $derived(this.trigger !== null);

  /** Follows the text and caret of the composer. */
  update(text: string, caret: number): void {
    const t = findTrigger(text, caret);
    if (t && t.start === this.#dismissed) return;
    this.#dismissed = null;
    const opening = t !== null && this.trigger === null;
    this.trigger = t;
    if (!t) this.mode = "list";
    if (opening) void this.load();
    if (this.active >= this.matches.length) this.active = 0;
  }

  async load(): Promise<void> {
    try {
      this.items = await api.cannedResponses();
      this.error = null;
    } catch (e) {
      this.error = errorText(e);
    }
  }

  close(): void {
    this.#dismissed = this.trigger?.start ?? null;
    this.trigger = null;
    this.mode = "list";
  }

  /** Keys while open. Returns the answer to insert on Enter; `true` when the key was used. */
  keydown(e: KeyboardEvent): CannedResponse | boolean {
    if (!this.open || this.mode !== "list" || e.isComposing) return false;
    const n = this.matches.length;
    switch (e.key) {
      case "ArrowDown":
        if (n) this.active = (this.active + 1) % n;
        return true;
      case "ArrowUp":
        if (n) this.active = (this.active - 1 + n) % n;
        return true;
      case "Enter":
        if (e.ctrlKey || e.metaKey || e.shiftKey || !n) return false;
        return this.matches[this.active] ?? false;
      case "Escape":
        this.close();
        return true;
      default:
        return false;
    }
  }

  /** The composer's text after picking `c` (the trigger and query replaced). */
  pick(text: string, c: CannedResponse): { text: string; caret: number } | null {
    const t = this.trigger;
    if (!t) return null;
    this.trigger = null;
    this.active = 0;
    return replaceTrigger(text, t, c.text);
  }

  /** Whether this operator may edit or delete `c`: their own private ones; a super-admin the
   * global ones (the server enforces the same). */
  canManage(c: CannedResponse): boolean {
    if (!this.me) return false;
    return c.global ? this.me.operator.super_admin : c.operator_id === this.me.operator.id;
  }

  startForm(c: CannedResponse | null): void {
    this.editing = c;
    this.error = null;
    this.mode = "form";
  }

  async save(input: CannedResponseInput): Promise<void> {
    try {
      if (this.editing) await api.editCannedResponse(this.editing.id, input);
      else await api.addCannedResponse(input);
      this.mode = "list";
      await this.load();
    } catch (e) {
      this.error = errorText(e);
    }
  }

  async remove(c: CannedResponse): Promise<void> {
    try {
      await api.deleteCannedResponse(c.id);
      await this.load();
    } catch (e) {
      this.error = errorText(e);
    }
  }
}
