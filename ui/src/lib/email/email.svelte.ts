/** "Send to Email" state: which dialog is open and the "Sent to …" toast. Module state, so a
 * button inside another form (the selection bar) opens the dialog outside it, and the toast
 * outlives the selection bar that closes once its messages were sent. */

import type { Me } from "../ipc";

/** "Send to Email" is offered to the super-admin and to roles with "download conversations";
 * the server refuses everyone else (and applies the email whitelist to all but the
 * super-admin). */
export const mayEmail = (me: Me): boolean => me.operator.super_admin || me.permissions.download_conversations === true;

/** How long the toast stays, in ms. */
export const TOAST_MS = 4000;

export type EmailRequest = {
  conversationId: number;
  clientName: string;
  /** The selected messages; `null`: the whole conversation. */
  messageIds: number[] | null;
  onsent?: () => void;
};

class EmailExport {
  request = $state.raw<EmailRequest | null>(null);
  sentTo = $state<string | null>(null);
  #timer: ReturnType<typeof setTimeout> | undefined;

  open(request: EmailRequest): void {
    this.request = request;
  }

  close(): void {
    this.request = null;
  }

  sent(to: string): void {
    const done = this.request?.onsent;
    this.request = null;
    this.sentTo = to;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => (this.sentTo = null), TOAST_MS);
    done?.();
  }
}

export const emailExport = new EmailExport();
