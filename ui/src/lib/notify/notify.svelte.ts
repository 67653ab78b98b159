/** Notification settings and what the shell tells the desk about notifications: a click on a
 * popup (open that conversation), a popup that could not be shown (toast it here), the tray's
 * Sign out. Fed by backend events; the shell owns the decision to notify. */
import { api, listenAll, on, type NotifyFailed, type NotifySettings, type Unlisten } from "../ipc";

export type Toast = NotifyFailed & { key: number };

/** How long an in-app toast stays, in ms. */
const TOAST_MS = 8000;

export class NotifyState {
  settings = $state.raw<NotifySettings>({ do_not_disturb: false, sound: true, preview: true, muted: [] });
  toasts = $state<Toast[]>([]);
  error = $state<string | null>(null);
  #next = 0;
  #stop: Unlisten | null = null;

  start(handlers: { open: (id: number) => void; signOut: () => void }): void {
    this.#stop = listenAll([
      on.notifySettingsChanged((s) => (this.settings = s)),
      on.notifyFailed((n) => this.toast(n)),
      on.openConversation(handlers.open),
      on.signOutRequested(handlers.signOut),
    ]);
    void this.load();
  }

  stop(): void {
    this.#stop?.();
    this.#stop = null;
  }

  async load(): Promise<void> {
    try {
      this.settings = await api.notifySettings();
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
    }
  }

  isMuted(id: number): boolean {
    return this.settings.muted.includes(id);
  }

  async update(change: Partial<Pick<NotifySettings, "do_not_disturb" | "sound" | "preview">>): Promise<void> {
    await this.#save(() => api.setNotifySettings({ ...this.settings, ...change }));
  }

  async setMuted(id: number, muted: boolean): Promise<void> {
    await this.#save(() => api.setConversationMuted(id, muted));
  }

  async #save(call: () => Promise<NotifySettings>): Promise<void> {
    try {
      this.settings = await call();
      this.error = null;
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
    }
  }

  toast(n: NotifyFailed): void {
    const key = ++this.#next;
    this.toasts = [...this.toasts, { ...n, key }].slice(-3);
    setTimeout(() => this.dismiss(key), TOAST_MS);
  }

  dismiss(key: number): void {
    this.toasts = this.toasts.filter((t) => t.key !== key);
  }
}

export const NOTIFY_CONTEXT = Symbol("notify");
