/** The client profile panel's state: notes (cache first, then the server's list), rename, and
 * errors in plain words. */
import { errorText } from "../errors";
import { api, type ClientNote } from "../ipc";

export class ClientProfileState {
  readonly clientId: number;
  notes = $state.raw<ClientNote[]>([]);
  error = $state<string | null>(null);
  busy = $state(false);

  constructor(clientId: number) {
    this.clientId = clientId;
  }

  /** Cached notes at once, then the server's (which may have notes the cache never saw). */
  async load(): Promise<void> {
    try {
      this.notes = await api.clientNotes(this.clientId);
    } catch (e) {
      this.error = errorText(e);
      return;
    }
    await this.refresh();
  }

  /** The server's list, in the background: offline, the cached notes stay on screen without an
   * error, and the panel asks again when the connection comes back. */
  async refresh(): Promise<void> {
    try {
      this.notes = await api.refreshClientNotes(this.clientId);
      this.error = null;
    } catch {
      // Offline or refused: what the cache had is what there is until the next refresh.
    }
  }

  /** The cached list again (a queued note was stored, or refused): no server round trip. */
  async reloadCached(): Promise<void> {
    try {
      this.notes = await api.clientNotes(this.clientId);
    } catch {
      // The list on screen stays; the next load will tell.
    }
  }

  async #run(work: () => Promise<void>): Promise<boolean> {
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

  addNote(text: string): Promise<boolean> {
    return this.#run(async () => {
      const note = await api.addClientNote(this.clientId, text);
      this.notes = [...this.notes.filter((n) => n.id !== note.id), note];
    });
  }

  rename(name: string): Promise<boolean> {
    return this.#run(() => api.renameClient(this.clientId, name).then(() => undefined));
  }
}
