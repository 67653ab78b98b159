/** Message selection of the open conversation (the checkbox at a message's upper right), the
 * tags shown on messages, "Add Tag" and the retry of a failed delivery. Shared with the
 * thread's messages through context, so the thread needs no extra props. */
import { getContext, setContext } from "svelte";
import { errorText } from "../errors";
import { api, type Tag } from "../ipc";

const KEY = Symbol("message-selection");

export class MessageSelection {
  conversationId: number | null = null;
  selected = $state.raw<ReadonlySet<number>>(new Set());
  /** Tags per message id. */
  tags = $state.raw<ReadonlyMap<number, string[]>>(new Map());
  allTags = $state.raw<Tag[]>([]);
  error = $state<string | null>(null);
  busy = $state(false);

  /** (Re)reads the tags of `conversationId` from the cache; a new conversation clears the
   * selection. */
  async load(conversationId: number): Promise<void> {
    if (conversationId !== this.conversationId) {
      this.conversationId = conversationId;
      this.selected = new Set();
      this.error = null;
    }
    try {
      const [tagged, all] = await Promise.all([api.messageTags(conversationId), api.tags()]);
      if (conversationId !== this.conversationId) return;
      this.tags = new Map(tagged.map((t) => [t.message_id, t.tags]));
      this.allTags = all;
    } catch (e) {
      this.error = errorText(e);
    }
  }

  toggle(id: number): void {
    const next = new Set(this.selected);
    if (!next.delete(id)) next.add(id);
    this.selected = next;
  }

  clear(): void {
    this.selected = new Set();
  }

  async #run(work: () => Promise<unknown>): Promise<boolean> {
    this.busy = true;
    this.error = null;
    try {
      await work();
      return true;
    } catch (e) {
      this.error = errorText(e);
      return false;
    } finally {
      this.busy = false;
    }
  }

  async addTag(name: string): Promise<boolean> {
    const ids = [...this.selected];
    const done = await this.#run(() => api.tagMessages(ids, name));
    if (done) {
      this.clear();
      if (this.conversationId !== null) await this.load(this.conversationId);
    }
    return done;
  }

  retry(messageId: number): Promise<boolean> {
    return this.#run(() => api.retryDelivery(messageId));
  }

  provide(): this {
    setContext(KEY, this);
    return this;
  }
}

/** The selection of the surrounding conversation pane, if any (component tests may have none). */
export function messageSelection(): MessageSelection | undefined {
  return getContext<MessageSelection | undefined>(KEY);
}
