// The desktop around the app, as an operator meets it under Xvfb: its X windows (shown, hidden
// to the tray, focused), a real close request, and a stand-in panel for the tray icon (a
// StatusNotifierWatcher on the session bus, see sni-watcher.py) whose menu is driven over
// com.canonical.dbusmenu the way a panel does.

import path from "node:path";
import { env, log, logsDir, run, startProcess, waitFor } from "./util.mjs";

/** Ids of the app's mapped (visible) X windows. */
export async function visibleAppWindows() {
  const res = await run("xdotool", ["search", "--onlyvisible", "--name", "Switchboard"], { timeout: 5000 }).catch(() => ({ stdout: "" }));
  return res.stdout.trim().split("\n").filter(Boolean);
}

/** The name of the window with the X input focus ("" when none). */
export async function focusedWindowName() {
  const res = await run("xdotool", ["getwindowfocus", "getwindowname"], { timeout: 5000 }).catch((e) => ({ stdout: `(${e.message})` }));
  return res.stdout.trim();
}

/** Closes the app's window like the title bar's close button (WM_DELETE_WINDOW); the app hides
 * to the tray. Resolves once no app window is mapped. */
export async function closeWindow() {
  const ids = await visibleAppWindows();
  if (!ids.length) throw new Error("no visible app window to close");
  await run("/usr/bin/python3", [path.join(env.here, "harness", "x-close.py"), ...ids], { timeout: 5000 });
  await waitFor("the app window hidden", async () => (await visibleAppWindows()).length === 0, { timeout: 10000 });
}

/** Waits until the app's window is mapped and has the input focus. */
export async function waitWindowShownAndFocused() {
  let focus = "";
  let shown = [];
  await waitFor(
    "the app window shown with the X input focus",
    async () => (shown = await visibleAppWindows()).length > 0 && /Switchboard/.test((focus = await focusedWindowName())),
    { timeout: 10000 },
  ).catch((e) => {
    throw new Error(`${e.message}; mapped app windows: ${JSON.stringify(shown)}, focused window: ${JSON.stringify(focus)}`);
  });
}

/** `gdbus call` on the session bus; returns its printed GVariant text. */
export async function gdbusCall(dest, objectPath, method, ...args) {
  const res = await run("gdbus", ["call", "--session", "--dest", dest, "--object-path", objectPath, "--method", method, "--", ...args], { timeout: 5000 });
  return res.stdout.trim();
}

/** The panel's side of the tray: owns org.kde.StatusNotifierWatcher and reports items. */
export class TrayWatcher {
  items = [];
  #buf = "";

  async start() {
    this.proc = startProcess("sni-watcher", "/usr/bin/python3", [path.join(env.here, "harness", "sni-watcher.py")], {
      logFile: path.join(logsDir, "sni-watcher.log"),
      onStdout: (chunk) => {
        this.#buf += chunk;
        const lines = this.#buf.split("\n");
        this.#buf = lines.pop();
        for (const line of lines) {
          const m = line.match(/^ITEM (\S+) (\S+)$/);
          if (m) this.items.push({ bus: m[1], path: m[2] });
          if (line.startsWith("OWNED ")) this.owned = true;
        }
      },
    });
    await waitFor("the StatusNotifierWatcher name owned", () => this.owned || this.proc.exited, { timeout: 10000 });
    if (!this.owned) throw new Error("sni-watcher.py exited; see logs/sni-watcher.log");
    log("StatusNotifierWatcher on the session bus");
  }

  /** The app's item once it registered. */
  async item(timeout = 15000) {
    return waitFor("the app's StatusNotifierItem to register", () => this.items.at(-1), { timeout });
  }

  async stop() {
    await this.proc?.stop();
  }
}

/** One property of a StatusNotifierItem, as gdbus prints it. */
export function itemProperty(item, name) {
  return gdbusCall(item.bus, item.path, "org.freedesktop.DBus.Properties.Get", "org.kde.StatusNotifierItem", name);
}

/**
 * The item's menu: `{ path, entries: [{ id, label, toggleState }] }` from dbusmenu GetLayout
 * (gdbus prints GVariant text; ids, labels and toggle states are read from it).
 */
export async function trayMenu(item) {
  const menuPath = (await itemProperty(item, "Menu")).match(/objectpath '([^']+)'/)?.[1];
  if (!menuPath) throw new Error("the tray item has no Menu property");
  const layout = await gdbusCall(item.bus, menuPath, "com.canonical.dbusmenu.GetLayout", "0", "-1", "[]");
  const entries = [];
  // Each child is `<(ID, {props}, [children])>`; labels are `'label': <'…'>`.
  for (const m of layout.matchAll(/<\((\d+), \{([^}]*)\}/g)) {
    const props = m[2];
    entries.push({
      id: Number(m[1]),
      label: props.match(/'label': <'([^']*)'>/)?.[1]?.replace(/_/g, "") ?? null,
      toggleState: Number(props.match(/'toggle-state': <(-?\d+)>/)?.[1] ?? NaN),
      type: props.match(/'type': <'([^']*)'>/)?.[1] ?? null,
    });
  }
  return { path: menuPath, entries, layout };
}

/** Clicks the tray menu entry labelled `label` (a dbusmenu "clicked" event, as a panel sends). */
export async function clickTrayEntry(item, label) {
  const menu = await trayMenu(item);
  const entry = menu.entries.find((e) => e.label === label);
  if (!entry) throw new Error(`no "${label}" in the tray menu: ${menu.layout}`);
  await gdbusCall(item.bus, menu.path, "com.canonical.dbusmenu.Event", String(entry.id), "clicked", "<int32 0>", "0");
  return entry;
}
