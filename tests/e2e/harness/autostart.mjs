// "Start at login" as the operator uses it: the status bar's settings popover, its checkbox,
// and what the OS gets — on Linux the XDG autostart entry ~/.config/autostart/switchboard.desktop
// (tauri-plugin-autostart; run.sh gives the app a throwaway HOME) — removed again when unticked.

import fs from "node:fs";
import path from "node:path";
import { attr, click, exists, screenshot } from "./app.mjs";
import { assert, waitFor } from "./util.mjs";

export const AUTOSTART_ENTRY = path.join(process.env.HOME, ".config", "autostart", "switchboard.desktop");

const checked = (browser) => browser.execute(() => document.querySelector("#autostart")?.checked ?? null);

/** Ticks "Start at login", checks the entry starts `exe`, then unticks it and checks it is gone. */
export async function toggleAutostart(browser, exe) {
  fs.rmSync(AUTOSTART_ENTRY, { force: true });
  if (!(await exists(browser, "#autostart"))) await click(browser, "#notify-settings");
  await waitFor("the Start at login box, off and enabled", async () =>
    (await checked(browser)) === false && (await attr(browser, "#autostart", "disabled")) === null,
  );
  assert(!fs.existsSync(AUTOSTART_ENTRY), `${AUTOSTART_ENTRY} exists before the box was ticked`);

  await click(browser, "#autostart");
  await waitFor(`${AUTOSTART_ENTRY} written`, () => fs.existsSync(AUTOSTART_ENTRY), { timeout: 10000 });
  const entry = fs.readFileSync(AUTOSTART_ENTRY, "utf8");
  const execLine = entry.split("\n").find((l) => l.startsWith("Exec="));
  assert(execLine?.slice(5).trim().split(" ")[0] === exe, `the entry starts ${execLine}, not ${exe}:\n${entry}`);
  assert(/^Type=Application$/m.test(entry), `not an application entry:\n${entry}`);
  await waitFor("the box ticked", async () => (await checked(browser)) === true);
  await screenshot(browser, "start-at-login-on");

  await click(browser, "#autostart");
  await waitFor(`${AUTOSTART_ENTRY} removed`, () => !fs.existsSync(AUTOSTART_ENTRY), { timeout: 10000 });
  await waitFor("the box unticked", async () => (await checked(browser)) === false);
  await click(browser, "#notify-settings");
}
