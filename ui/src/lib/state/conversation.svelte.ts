/** The open conversation: its header, capabilities and thread (newest page plus the older pages
 * the operator scrolled back to), sending and conversation actions. */
import { errorText } from "../errors";
import {
  api,
  type ConversationAction,
  type ConversationView,
  type ThreadMessage,
} from "../ipc";
import { Serial } from "./serial";

export class OpenConversation {
  id = $state<number | null>(null);
  view = $state.raw<ConversationView | null>(null);
  /** Oldest first. */
  messages = $state.raw<ThreadMessage[]>([]);
  hasOlder = $state(false);
  loadingOlder = $state(false);
  /** Opening failed and nothing is shown. */
  error = $state<string | null>(null);
  actionError = $state<string | null>(null);
  busyAction = $state<ConversationAction["action"] | null>(null);

  #reload = new Serial(() => this.#load());
  #olderHasMore = true;
  /** Sends made here, by key, numbered, until a reload that started after them shows them. */
  #sends = new Map<string, { n: number; message: ThreadMessage }>();
  #sendCount = 0;

  get loading(): boolean {
    return this.id !== null && this.view === null && this.error === null;
  }

  open(id: number): Promise<void> {
    if (id !== this.id) {
      this.id = id;
      this.view = null;
      this.messages = [];
      this.hasOlder = false;
      this.error = null;
      this.actionError = null;
      this.#olderHasMore = true;
      this.#sends.clear();
    }
    return this.reload();
  }

  close(): void {
    this.id = null;
    this.view = null;
    this.messages = [];
    this.hasOlder = false;
  }

  reload(): Promise<void> {
    return this.#reload.run();
  }

  async loadOlder(): Promise<void> {
    const id = this.id;
    if (id === null || !this.hasOlder || this.loadingOlder) return;
    const first = this.messages.find((m) => m.id !== null)?.id;
    if (first == null) {
      this.hasOlder = false;
      return;
    }
    this.loadingOlder = true;
    try {
      const page = await api.olderMessages(id, first);
      if (id !== this.id) return;
      const known = new Set(this.messages.map((m) => m.key));
      const added = page.filter((m) => !known.has(m.key));
      this.messages = [...added, ...this.messages];
      this.#olderHasMore = added.length > 0;
      this.hasOlder = this.#olderHasMore;
    } catch (e) {
      this.actionError = `Older messages could not be loaded: ${errorText(e)}`;
    } finally {
      this.loadingOlder = false;
    }
  }

  /** Queues a message or note; it shows at once as pending. Throws `IpcError`. */
  async send(text: string, note: boolean): Promise<void> {
    const id = this.id;
    if (id === null) return;
    const message = await api.sendMessage(id, text, note);
    if (id !== this.id) return;
    this.#sends.set(message.key, { n: ++this.#sendCount, message });
    if (!this.messages.some((m) => m.key === message.key)) this.messages = [...this.messages, message];
  }

  async act(action: ConversationAction): Promise<void> {
    const id = this.id;
    if (id === null) return;
    this.busyAction = action.action;
    this.actionError = null;
    try {
      await api.conversationAction(id, action);
    } catch (e) {
      if (id === this.id) this.actionError = errorText(e);
    } finally {
      if (id === this.id) this.busyAction = null;
    }
    void this.reload();
  }

  async #load(): Promise<void> {
    const id = this.id;
    if (id === null) return;
    const sendsBefore = this.#sendCount;
    try {
      const view = await api.openConversation(id);
      if (id !== this.id) return;
      this.#apply(view, sendsBefore);
    } catch (e) {
      if (id !== this.id) return;
      // With a thread on screen a failed refresh keeps it; the cache answers again later.
      if (this.view === null) this.error = errorText(e);
    }
  }

  #apply(view: ConversationView, sendsBefore: number): void {
    const fresh = view.messages;
    const freshKeys = new Set(fresh.map((m) => m.key));
    const firstId = fresh.find((m) => m.id !== null)?.id ?? null;
    // Older pages loaded by scrolling up stay in place above the newest page.
    const older =
      firstId === null ? [] : this.messages.filter((m) => m.id !== null && m.id < firstId && !freshKeys.has(m.key));
    // Sends made while this reload was running are not in its answer yet.
    const recent: ThreadMessage[] = [];
    for (const [key, send] of this.#sends) {
      if (freshKeys.has(key) || send.n <= sendsBefore) this.#sends.delete(key);
      else recent.push(send.message);
    }
    this.view = view;
    this.messages = [...older, ...fresh, ...recent];
    this.hasOlder = older.length > 0 ? this.#olderHasMore : view.has_older;
    this.error = null;
  }
}
