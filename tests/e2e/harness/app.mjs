// Driving the real app: tauri-driver (→ WebKitWebDriver → app-wrapper.sh → the app binary) on a
// free port, WebdriverIO sessions, screenshots, and DOM reads that poll cheaply.

import fs from "node:fs";
import path from "node:path";
import { remote } from "webdriverio";
import { env, freePort, log, logsDir, pidAlive, run, sleep, startProcess, waitFor } from "./util.mjs";

let shotNo = 0;

/** `NN-name.png` in OUT_DIR: the webview through WebDriver, else the whole X screen. */
export async function screenshot(browser, name) {
  shotNo++;
  const file = path.join(env.out, `${String(shotNo).padStart(2, "0")}-${name}.png`);
  try {
    if (!browser) throw new Error("no session");
    await settle(browser);
    await browser.saveScreenshot(file);
  } catch (err) {
    await screenScreenshot(file).catch(() => {});
    log(`screenshot ${path.basename(file)} through X (${err.message.split("\n")[0]})`);
  }
  return file;
}

/** Lets the page paint what the last DOM change produced (two animation frames). */
export async function settle(browser) {
  await browser
    .executeAsync((done) => requestAnimationFrame(() => requestAnimationFrame(() => done())))
    .catch(() => {});
}

/** The whole X screen (shows native windows and notification popups too). */
export async function screenScreenshot(file) {
  await run("import", ["-window", "root", file], { timeout: 15000 });
  return file;
}

/**
 * One tauri-driver with its own environment: the app it launches inherits it (data dir, log
 * file, and for `bare` a private D-Bus session with no Secret Service).
 */
export class Driver {
  constructor(name, { appEnv = {}, bare = false } = {}) {
    this.name = name;
    this.appEnv = appEnv;
    this.bare = bare;
    this.appLog = path.join(logsDir, `app-${name}.log`);
    this.pidFile = path.join(env.runDir, `app-${name}.pid`);
    this.proc = null;
    this.port = 0;
  }

  async start() {
    this.port = await freePort();
    // Its own WebKitWebDriver port too: the default (4445) is shared by every run on the machine.
    const nativePort = await freePort();
    const args = ["--port", String(this.port), "--native-port", String(nativePort), "--native-driver", "/usr/bin/WebKitWebDriver"];
    const [cmd, argv] = this.bare
      ? ["dbus-run-session", ["--config-file", path.join(env.here, "bare-session.conf"), "--", "tauri-driver", ...args]]
      : ["tauri-driver", args];
    this.proc = startProcess(`tauri-driver-${this.name}`, cmd, argv, {
      logFile: path.join(logsDir, `tauri-driver-${this.name}.log`),
      env: {
        ...this.appEnv,
        SB_E2E_APP_LOG: this.appLog,
        SB_E2E_APP_PIDFILE: this.pidFile,
        NO_COLOR: "1",
        RUST_LOG:
          process.env.E2E_APP_LOG ||
          "debug,tao=warn,wry=warn,hyper=info,hyper_util=info,reqwest=info,rustls=info,tungstenite=info,tokio_tungstenite=info,h2=info,zbus=info",
      },
    });
    await waitFor(`tauri-driver ${this.name} on port ${this.port}`, async () => {
      if (this.proc.exited) throw new Error(`tauri-driver exited (${this.proc.exitCode})`);
      const res = await fetch(`http://127.0.0.1:${this.port}/status`, { signal: AbortSignal.timeout(1000) });
      return res.ok;
    }, { timeout: 15000, interval: 200 });
    log(`tauri-driver ${this.name} on port ${this.port}${this.bare ? " (bare D-Bus session)" : ""}`);
  }

  /** Launches the app and returns a WebdriverIO browser once the page has a body. */
  async launch() {
    try {
      fs.rmSync(this.pidFile, { force: true });
    } catch {}
    const browser = await remote({
      hostname: "127.0.0.1",
      port: this.port,
      logLevel: "error",
      connectionRetryTimeout: 30000,
      connectionRetryCount: 0,
      capabilities: {
        browserName: "wry",
        "tauri:options": { application: path.join(env.here, "app-wrapper.sh") },
        "wdio:enforceWebDriverClassic": true,
      },
    });
    await waitFor("the app's page", async () => (await browser.execute(() => document.readyState)) === "complete", {
      timeout: 20000,
    });
    const pid = this.appPid();
    log(`app launched through ${this.name} (pid ${pid})`);
    return browser;
  }

  appPid() {
    try {
      return Number(fs.readFileSync(this.pidFile, "utf8").trim()) || null;
    } catch {
      return null;
    }
  }

  /** Ends the WebDriver session and makes sure the app process is gone. */
  async quit(browser) {
    const pid = this.appPid();
    if (browser) {
      await Promise.race([browser.deleteSession().catch((e) => log(`deleteSession: ${e.message}`)), sleep(10000)]);
    }
    if (!pid) return;
    const gone = () => !pidAlive(pid);
    try {
      await waitFor(`app pid ${pid} to exit after the session ended`, gone, { timeout: 5000, interval: 100 });
    } catch {
      log(`app pid ${pid} still running after deleteSession; sending SIGTERM`);
      try {
        process.kill(pid, "SIGTERM");
      } catch {}
      try {
        await waitFor(`app pid ${pid} to exit`, gone, { timeout: 5000, interval: 100 });
      } catch {
        try {
          process.kill(pid, "SIGKILL");
        } catch {}
        await waitFor(`app pid ${pid} to die`, gone, { timeout: 5000, interval: 100 });
      }
    }
  }

  async stop() {
    if (this.proc) await this.proc.stop();
    this.proc = null;
  }
}

// DOM reads through one `execute` each: fast to poll, and no stale element references.

export function exists(browser, selector) {
  return browser.execute((s) => !!document.querySelector(s), selector);
}

/** Is an element there and rendered (not display:none / zero-size)? */
export function visible(browser, selector) {
  return browser.execute((s) => {
    const el = document.querySelector(s);
    if (!el) return false;
    const r = el.getBoundingClientRect();
    const st = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && st.visibility !== "hidden" && st.display !== "none";
  }, selector);
}

export function count(browser, selector) {
  return browser.execute((s) => document.querySelectorAll(s).length, selector);
}

export function attr(browser, selector, name) {
  return browser.execute((s, n) => document.querySelector(s)?.getAttribute(n) ?? null, selector, name);
}

export function text(browser, selector) {
  return browser.execute((s) => document.querySelector(s)?.textContent ?? null, selector);
}

export function bodyText(browser) {
  return browser.execute(() => document.body?.innerText ?? "");
}

/** Texts of the thread's messages with their kind class. */
export function threadMessages(browser) {
  return browser.execute(() =>
    [...document.querySelectorAll(".message")].map((m) => ({
      key: m.getAttribute("data-key"),
      kind: [...m.classList].find((c) => c.startsWith("message--"))?.slice(9) ?? null,
      text: (m.querySelector(".message-text")?.textContent ?? "").trim(),
    })),
  );
}

/** Calls a Tauri command through the page's IPC bridge. */
export async function invoke(browser, cmd, args = {}) {
  const res = await browser.executeAsync(
    (c, a, done) => {
      window.__TAURI_INTERNALS__.invoke(c, a).then(
        (ok) => done({ ok }),
        (err) => done({ err: typeof err === "string" ? err : JSON.stringify(err) }),
      );
    },
    cmd,
    args,
  );
  if (res && "err" in res) throw new Error(`invoke ${cmd}: ${res.err}`);
  return res?.ok;
}

/** Clicks an element found by selector (a real WebDriver click). */
export async function click(browser, selector) {
  const el = await browser.$(selector);
  await el.waitForClickable({ timeout: 10000 });
  await el.click();
}

/** Replaces an input's value by typing (real key events). */
export async function typeInto(browser, selector, value) {
  const el = await browser.$(selector);
  await el.waitForDisplayed({ timeout: 10000 });
  await el.click();
  await el.clearValue();
  await el.setValue(value);
}

/** Fills the sign-in form, once it shows, with the server `url` and `who`'s email and password,
 * and submits it; what "signed in" looks like differs per spec, so the caller waits for it. */
export async function signIn(browser, url, who) {
  await waitFor("the sign-in form", () => visible(browser, "#sign-in"), { timeout: 20000 });
  await typeInto(browser, "#server-url", url);
  await typeInto(browser, "#email", who.email);
  await typeInto(browser, "#password", who.password);
  await click(browser, "#sign-in");
}

/** Ctrl+Enter through WebDriver actions (key down Control, Enter, key up). */
export async function ctrlEnter(browser) {
  await browser.performActions([
    {
      type: "key",
      id: "keyboard",
      actions: [
        { type: "keyDown", value: "\uE009" },
        { type: "keyDown", value: "\uE007" },
        { type: "keyUp", value: "\uE007" },
        { type: "keyUp", value: "\uE009" },
      ],
    },
  ]);
  await browser.releaseActions();
}

/** Clicks a conversation tab and waits until it is the active one. */
export async function selectTab(browser, tab) {
  await click(browser, `[data-tab="${tab}"]`);
  await waitFor(`tab ${tab} active`, async () => (await attr(browser, `[data-tab="${tab}"]`, "aria-current")) === "page");
}

/** Opens conversation `id` from the current list: waits for its row, clicks it, and waits until
 * the row is selected and the thread shows at least `minMessages` messages. */
export async function openRow(browser, id, { minMessages = 1, timeout = 15000 } = {}) {
  const row = `.conversation-row[data-id="${id}"]`;
  await waitFor(`conversation ${id} in the list`, () => exists(browser, row), { timeout });
  await click(browser, row);
  await waitFor(
    `conversation ${id} selected with at least ${minMessages} message(s) in its thread`,
    async () =>
      (await attr(browser, row, "aria-selected")) === "true" &&
      (await exists(browser, ".conv-header")) &&
      (await count(browser, ".message")) >= minMessages,
    { timeout },
  );
}
