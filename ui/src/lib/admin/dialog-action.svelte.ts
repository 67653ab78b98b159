/** What the admin screens' dialogs share: running a dialog's action, closing the dialog and
 * reloading the screen on success, keeping it open with the server's sentence otherwise. */
import { errorText } from "../errors";

export class DialogAction {
  busy = $state(false);
  error = $state<string | null>(null);

  constructor(private readonly reload: () => Promise<unknown>) {}

  async run(action: () => Promise<unknown>, close: () => void): Promise<void> {
    this.busy = true;
    this.error = null;
    try {
      await action();
      close();
      await this.reload();
    } catch (e) {
      this.error = errorText(e);
    } finally {
      this.busy = false;
    }
  }
}
