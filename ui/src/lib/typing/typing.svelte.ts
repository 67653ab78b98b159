/**
 * Typing indicators, both ways (ephemeral: nothing is cached or queued).
 *
 * - `ClientTypists`: who is typing now, per conversation, fed by `ClientTypingChanged`
 *   events (a LiveChat visitor typing in the widget). Each signal shows for
 *   `TYPING_SHOWN_MS`; the widget repeats it every few seconds while the visitor types, and a
 *   stop (box emptied, or the message stored) hides it at once.
 * - `TypingThrottle`: what the composer tells the server while the operator types an answer:
 *   at most one "typing" per `TYPING_EVERY_MS`, one "stopped" when the box is emptied.
 */
import { api, on, type ClientTyping, type Unlisten } from "../ipc";

/** How long one signal shows "is typing…" without a newer one. */
export const TYPING_SHOWN_MS = 6000;
/** Least time between two "typing" signals the composer sends. */
export const TYPING_EVERY_MS = 2500;

export class ClientTypists {
  /** The client typing in each conversation, by name. */
  names = $state<Record<number, string>>({});
  #timers = new Map<number, ReturnType<typeof setTimeout>>();
  #stop: Unlisten | null = null;

  /** Starts listening to the backend (idempotent). */
  listen(): void {
    if (this.#stop) return;
    let stop: Unlisten | null = null;
    let stopped = false;
    this.#stop = () => {
      stopped = true;
      stop?.();
    };
    on.clientTypingChanged((t) => this.apply(t)).then(
      (s) => (stopped ? s() : (stop = s)),
      () => {
        // No event bridge (component tests drive `apply` directly).
      },
    );
  }

  apply(t: ClientTyping): void {
    const id = t.conversation_id;
    clearTimeout(this.#timers.get(id));
    this.#timers.delete(id);
    if (!t.typing) {
      delete this.names[id];
      return;
    }
    this.names[id] = t.name;
    this.#timers.set(
      id,
      setTimeout(() => {
        this.#timers.delete(id);
        delete this.names[id];
      }, TYPING_SHOWN_MS),
    );
  }
}

/** The app's typists (one desk per window). */
export const typists = new ClientTypists();

export class TypingThrottle {
  #send: (typing: boolean) => void;
  #now: () => number;
  #last = -Infinity;
  #active = false;

  constructor(send: (typing: boolean) => void, now: () => number = () => Date.now()) {
    this.#send = send;
    this.#now = now;
  }

  /** The box now holds `text`. */
  input(text: string): void {
    if (text.trim() === "") {
      this.stop();
      return;
    }
    const now = this.#now();
    if (!this.#active || now - this.#last >= TYPING_EVERY_MS) {
      this.#active = true;
      this.#last = now;
      this.#send(true);
    }
  }

  /** The operator stopped (emptied the box, switched to a note, left the conversation). */
  stop(): void {
    if (!this.#active) return;
    this.#active = false;
    this.#send(false);
  }

  /** The answer was sent: it ends "typing…" on the client's side by itself. */
  sent(): void {
    this.#active = false;
  }
}

/** A throttle that tells the server about `conversationId`; failures are not the operator's
 *  concern (a missed signal is replaced within seconds, offline ones are dropped). */
export function serverTyping(conversationId: number): TypingThrottle {
  return new TypingThrottle((typing) => {
    api.setTyping(conversationId, typing).catch(() => {});
  });
}
