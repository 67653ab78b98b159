// Native notifications as the session's D-Bus carries them: a `dbus-monitor` in the same
// session records every org.freedesktop.Notifications.Notify call the app makes (shared by the
// specs that prove a notification).

import path from "node:path";
import { logsDir, startProcess, waitFor } from "./util.mjs";

/** Records Notify calls as {time (ms since epoch, from dbus-monitor), replacesId, summary, body}. */
export class NotifyMonitor {
  calls = [];
  #buf = "";

  /** `name`: of the process and its log (logs/NAME.log). */
  start(name = "dbus-monitor") {
    this.proc = startProcess(
      name,
      "dbus-monitor",
      ["--session", "type='method_call',interface='org.freedesktop.Notifications',member='Notify'"],
      { logFile: path.join(logsDir, `${name}.log`), onStdout: (chunk) => this.#feed(chunk) },
    );
  }

  #feed(chunk) {
    this.#buf += chunk;
    // A call is complete once its last argument (the expire timeout, int32) has been printed.
    const re = /method call time=([\d.]+)[^\n]*member=Notify\n\s*string "([^"]*)"\n\s*uint32 (\d+)\n\s*string "([^"]*)"\n\s*string "([^"]*)"\n\s*string "([^"]*)"[\s\S]*?\n\s*int32 -?\d+\n/g;
    let m;
    let end = 0;
    while ((m = re.exec(this.#buf))) {
      this.calls.push({ time: Number(m[1]) * 1000, appName: m[2], replacesId: Number(m[3]), summary: m[5], body: m[6] });
      end = re.lastIndex;
    }
    this.#buf = this.#buf.slice(end);
  }

  /** Waits for a call whose body contains `text`; returns it. */
  async waitText(text, timeout = 15000) {
    let found = null;
    await waitFor(`a Notify call with "${text}" in its body`, () => (found = this.calls.find((c) => c.body.includes(text))), {
      timeout,
    });
    return found;
  }

  withText(text) {
    return this.calls.filter((c) => c.body.includes(text));
  }
}
