/** Who is signed in: restores the remembered session at start, signs in and out, and returns
 * to the sign-in screen when the shell reports `signedOut`. */
import { errorText } from "../errors";
import { api, listenAll, on, type FirstScreen, type Opened, type SessionInfo, type Unlisten } from "../ipc";
import { markStep } from "../perf/ready";

export type SessionPhase = "loading" | "signed_out" | "signed_in";

export class Session {
  phase = $state<SessionPhase>("loading");
  info = $state.raw<SessionInfo | null>(null);
  /** What the desk shows first (the tab chosen last and its rows), as the shell read it when
   * the session opened; `null`: nothing remembered. */
  firstScreen = $state.raw<FirstScreen | null>(null);
  /** Why the sign-in screen is shown (signed out by the server, restore failed). */
  notice = $state<string | null>(null);

  /** `restoring`: the restore the page asked for first thing (main.ts), so the answer is on
   * its way while the page's code is still being set up. */
  async restore(restoring: Promise<Opened | null> = api.restoreSession()): Promise<void> {
    try {
      const opened = await restoring;
      markStep("restore-answered");
      if (opened) this.#enter(opened);
      else this.phase = "signed_out";
    } catch (e) {
      this.end(`Your saved session could not be restored: ${errorText(e)}`);
    }
  }

  /** Throws `IpcError` so the form can explain what went wrong. */
  async signIn(serverUrl: string, email: string, password: string, remember: boolean): Promise<void> {
    this.#enter(await api.signIn(serverUrl, email, password, remember));
  }

  async signOut(): Promise<void> {
    try {
      await api.signOut();
      this.end(null);
    } catch (e) {
      this.end(`Signed out on this computer, but the server was not told: ${errorText(e)}`);
    }
  }

  end(notice: string | null): void {
    this.info = null;
    this.notice = notice;
    this.phase = "signed_out";
  }

  listen(): Promise<Unlisten> {
    return Promise.resolve(
      listenAll([
      on.signedOut((reason) => {
        if (this.phase === "signed_out") return;
        this.end(reason || "You were signed out. Sign in again to continue.");
      }),
      // A role or group change reached this operator: same session, who they are now.
      on.sessionChanged((info) => {
        if (this.phase === "signed_in") this.info = info;
      }),
      ]),
    );
  }

  #enter({ session, first_screen }: Opened): void {
    this.info = session;
    this.firstScreen = first_screen;
    this.notice = null;
    this.phase = "signed_in";
  }
}
