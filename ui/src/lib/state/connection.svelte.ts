/** The connection to the server as the status bar shows it, fed by `connStateChanged`. */
import { api, on, type ConnState, type Unlisten } from "../ipc";

export class Connection {
  state = $state.raw<ConnState>({ state: "connecting" });
  #events = 0;

  async load(): Promise<void> {
    const before = this.#events;
    try {
      const state = await api.connState();
      // An event that arrived meanwhile is newer than this answer.
      if (this.#events === before) this.state = state;
    } catch {
      // Keep the last known state; the next event corrects it.
    }
  }

  listen(): Promise<Unlisten> {
    return on.connStateChanged((state) => {
      this.#events++;
      this.state = state;
    });
  }
}
