// Native notifications on the session's real D-Bus with the real notification daemon (dunst,
// started by session.sh): a `dbus-monitor` in the same session records every
// org.freedesktop.Notifications.Notify call the app makes. Absence is proven by ordering, not
// by waiting: the app makes its Notify calls from one thread in arrival order, so after a
// message that must stay silent, a later message that must notify is awaited, and the silent
// one's text must not appear before it.

import fs from "node:fs";
import path from "node:path";
import { attr, click, count, Driver, exists, openRow, screenScreenshot, screenshot, selectTab, signIn, typeInto, visible } from "../harness/app.mjs";
import { clickTrayEntry, closeWindow, gdbusCall, itemProperty, TrayWatcher, trayMenu, waitWindowShownAndFocused } from "../harness/desktop.mjs";
import { NotifyMonitor } from "../harness/notify.mjs";
import { TestServer } from "../harness/server.mjs";
import { assert, env, log, pidAlive, run, waitFor } from "../harness/util.mjs";

const ADMIN = { email: "admin@demo.test", password: "demo" };

/** The X window titles that mention the app, as a window manager or taskbar shows them. */
async function windowTitles() {
  const { stdout } = await run("xdotool", ["search", "--name", "Switchboard", "getwindowname", "%@"]).catch(
    (e) => ({ stdout: `xdotool: ${e.message}` }),
  );
  return stdout.trim().split("\n");
}

/** Runs `dunstctl` (the daemon's own control client over the session bus); returns stdout. */
async function dunstctl(...args) {
  return (await run("dunstctl", args)).stdout;
}

let stamp = Date.now();
const client = (label) => {
  stamp++;
  return { external_id: `notify-${label}-${stamp}`, name: `Notify ${label} ${stamp}`, text: `${label} text ${stamp}` };
};

/** Sends a message that must notify and waits for it: every call before it is settled. */
async function sentinel(ctx, label) {
  const c = client(label);
  await ctx.server.inbound(c);
  return ctx.monitor.waitText(c.text);
}

export default {
  title: "native notifications (dunst + dbus-monitor)",
  setupTimeout: 150000,

  async setup(ctx) {
    ctx.monitor = new NotifyMonitor();
    ctx.monitor.start();
    // A panel for the tray icon to register with, before the app starts.
    ctx.tray = new TrayWatcher();
    await ctx.tray.start();
    ctx.server = new TestServer("notify-server");
    await ctx.server.prepare();
    await ctx.server.start();
    ctx.dataDir = path.join(env.runDir, "data-notify");
    fs.mkdirSync(ctx.dataDir, { recursive: true });
    ctx.driver = new Driver("notify", { appEnv: { SWITCHBOARD_DATA_DIR: ctx.dataDir } });
    await ctx.driver.start();
    ctx.browser = await ctx.driver.launch();
  },

  cases: [
    {
      name: "a new client message raises one notification with client, channel and text",
      timeout: 90000,
      async run(ctx) {
        const { browser, server, monitor } = ctx;
        await signIn(browser, server.url, ADMIN);
        await waitFor("the desk", () => exists(browser, "[data-tab]"), { timeout: 20000 });
        await waitFor("online", async () => (await attr(browser, "#conn-state", "data-state")) === "online", { timeout: 45000 });
        await selectTab(browser, "unassigned");

        const c = client("first");
        const { conversation_id: id } = await server.inbound(c);
        ctx.first = { ...c, id };
        const call = await monitor.waitText(c.text);
        assert(call.summary === c.name, `summary is the client name: ${JSON.stringify(call)}`);
        const [channel, preview] = call.body.split("\n");
        assert(channel && preview === c.text, `body is the channel then the text: ${JSON.stringify(call.body)}`);
        assert(call.appName === "Switchboard", `app name: ${call.appName}`);
        await screenshot(browser, "notify-first");

        let titles = [];
        await waitFor(
          'the window title shows the unread count "(N) Switchboard"',
          async () => (titles = await windowTitles()).some((t) => /^\(\d+\) Switchboard$/.test(t)),
          { timeout: 10000 },
        ).catch((e) => {
          throw new Error(`${e.message}; titles seen: ${JSON.stringify(titles)}`);
        });
        log(`window titles: ${JSON.stringify(titles)}`);
      },
    },
    {
      name: "a muted conversation raises no notification",
      timeout: 60000,
      async run(ctx) {
        const { browser, server, monitor } = ctx;
        assert(ctx.first, "needs the first case");
        const c = client("muted");
        const { conversation_id: id } = await server.inbound(c);
        await monitor.waitText(c.text);
        await openRow(browser, id);
        await click(browser, "#mute-conversation");
        await waitFor("the mute toggle pressed", async () => (await attr(browser, "#mute-conversation", "aria-pressed")) === "true");
        await screenshot(browser, "notify-muted");
        // Leave it: another conversation is open now, so only the mute can silence it.
        await openRow(browser, ctx.first.id);
        const quiet = `muted again ${Date.now()}`;
        await server.inbound({ external_id: c.external_id, name: c.name, text: quiet });
        await sentinel(ctx, "after-mute");
        assert(monitor.withText(quiet).length === 0, "a Notify call for the muted conversation");
      },
    },
    {
      name: "do not disturb silences every notification",
      timeout: 60000,
      async run(ctx) {
        const { browser, server, monitor } = ctx;
        await click(browser, "#notify-settings");
        await click(browser, "#notify-dnd");
        await waitFor("DND shown in the status bar", async () => (await browser.execute(() => document.querySelector("#notify-settings")?.textContent ?? "")).includes("Do not disturb"));
        await screenshot(browser, "notify-dnd");
        const c = client("dnd");
        await server.inbound(c);
        // The server has it and the app synced it (it is in the list) before DND goes off.
        await selectTab(browser, "unassigned");
        await waitFor("the DND client in the list", async () =>
          (await browser.execute((n) => [...document.querySelectorAll(".client-name")].some((e) => e.textContent?.trim() === n), c.name)), { timeout: 15000 });
        await click(browser, "#notify-dnd");
        await waitFor("DND off in the status bar", async () => (await browser.execute(() => document.querySelector("#notify-settings")?.textContent ?? "")).includes("Notifications"));
        await click(browser, "#notify-settings");
        await sentinel(ctx, "after-dnd");
        assert(monitor.withText(c.text).length === 0, "a Notify call while do-not-disturb was on");
      },
    },
    {
      name: "the open and focused conversation raises no notification",
      timeout: 60000,
      async run(ctx) {
        const { browser, server, monitor } = ctx;
        assert(ctx.first, "needs the first case");
        await openRow(browser, ctx.first.id);
        const quiet = `while open ${Date.now()}`;
        await server.inbound({ external_id: ctx.first.external_id, name: ctx.first.name, text: quiet });
        await sentinel(ctx, "after-open");
        assert(monitor.withText(quiet).length === 0, "a Notify call for the conversation on screen");
        await screenshot(browser, "notify-open");
      },
    },
    {
      name: "a burst in one conversation updates one notification",
      timeout: 60000,
      async run(ctx) {
        const { server, monitor } = ctx;
        const c = client("burst");
        const texts = [1, 2, 3].map((i) => `${c.text} #${i}`);
        for (const text of texts) await server.inbound({ ...c, text });
        await monitor.waitText(texts[2]);
        const calls = monitor.calls.filter((x) => x.summary === c.name);
        log(`burst Notify calls: ${JSON.stringify(calls.map((x) => ({ replaces: x.replacesId, body: x.body })))}`);
        assert(calls.length >= 1 && calls.length <= 3, `${calls.length} calls`);
        assert(calls[0].replacesId === 0, "the first call opens a new notification");
        const later = calls.slice(1);
        assert(later.every((x) => x.replacesId > 0 && x.replacesId === later[0].replacesId), "later calls replace one notification");
      },
    },
    {
      name: "clicking a notification opens its conversation in the focused window",
      timeout: 60000,
      async run(ctx) {
        const { browser, server, monitor } = ctx;
        // The operator was on another tab, then closed the window: the app lives in the tray.
        await selectTab(browser, "inbox");
        await closeWindow();
        await dunstctl("close-all");
        const c = client("click");
        const { conversation_id: id } = await server.inbound(c);
        await monitor.waitText(c.text);
        await waitFor("dunst shows the popup", async () => Number((await dunstctl("count", "displayed")).trim()) >= 1);
        await screenScreenshot(path.join(env.out, "notify-click-popup-screen.png"));
        // A real click on the popup: dunst's stock config runs the default action on a middle
        // click (a left click only dismisses, unlike GNOME's), so click its window with button 2.
        const popups = (await run("xdotool", ["search", "--onlyvisible", "--class", "Dunst"])).stdout.trim().split("\n");
        assert(popups[0], "no visible dunst window");
        await run("xdotool", ["mousemove", "--window", popups[0], "20", "10", "click", "2"]);
        await waitFor(
          `conversation ${id} of "${c.name}" open in the thread`,
          async () =>
            (await browser.execute(() => document.querySelector(".conv-header .client")?.textContent?.trim() ?? null)) === c.name &&
            (await browser.execute((t) => [...document.querySelectorAll(".message-text")].some((m) => m.textContent.includes(t)), c.text)),
          { timeout: 15000 },
        );
        // The list follows: the tab that holds it (Unassigned) with its row selected.
        await waitFor("the Unassigned tab active", async () => (await attr(browser, '[data-tab="unassigned"]', "aria-current")) === "page");
        await waitFor(`the list shows ${id} selected`, async () => (await attr(browser, `.conversation-row[data-id="${id}"]`, "aria-selected")) === "true");
        await waitWindowShownAndFocused();
        await screenshot(browser, "notify-click-opened");
        await screenScreenshot(path.join(env.out, "notify-click-opened-screen.png"));
      },
    },
    {
      name: "tray: the panel sees the icon with its menu and the unread count",
      timeout: 30000,
      async run(ctx) {
        const item = await ctx.tray.item();
        const props = await gdbusCall(item.bus, item.path, "org.freedesktop.DBus.Properties.GetAll", "org.kde.StatusNotifierItem");
        log(`tray item ${item.bus} ${item.path}: ${props}`);
        const menu = await trayMenu(item);
        const labels = menu.entries.filter((e) => e.type !== "separator").map((e) => e.label);
        log(`tray menu: ${JSON.stringify(menu.entries)}`);
        for (const want of ["Open Switchboard", "Do not disturb", "Sign out", "Quit"]) {
          assert(labels.includes(want), `no "${want}" in the tray menu: ${JSON.stringify(labels)}`);
        }
        // The unread count, as the window title shows it, is the icon's label next to it.
        const unread = Number((await windowTitles()).map((t) => t.match(/^\((\d+)\) Switchboard$/)?.[1]).find(Boolean));
        assert(unread > 0, "no unread count in the window title");
        await waitFor(`the tray label "${unread}"`, async () => (await itemProperty(item, "XAyatanaLabel")).includes(`'${unread}'`));
      },
    },
    {
      name: "tray: Do not disturb from the tray menu silences notifications",
      timeout: 60000,
      async run(ctx) {
        const { browser, server, monitor } = ctx;
        const item = await ctx.tray.item();
        const dndText = () => browser.execute(() => document.querySelector("#notify-settings")?.textContent ?? "");
        await clickTrayEntry(item, "Do not disturb");
        await waitFor("DND shown in the status bar", async () => (await dndText()).includes("Do not disturb"));
        await waitFor("the tray's Do not disturb checked", async () => (await trayMenu(item)).entries.find((e) => e.label === "Do not disturb")?.toggleState === 1);
        await screenshot(browser, "tray-dnd");
        const c = client("tray-dnd");
        await server.inbound(c);
        await selectTab(browser, "unassigned");
        await waitFor("the client in the list while DND is on", async () =>
          (await browser.execute((n) => [...document.querySelectorAll(".client-name")].some((e) => e.textContent?.trim() === n), c.name)), { timeout: 15000 });
        await clickTrayEntry(item, "Do not disturb");
        await waitFor("DND off in the status bar", async () => (await dndText()).includes("Notifications"));
        await sentinel(ctx, "after-tray-dnd");
        assert(monitor.withText(c.text).length === 0, "a Notify call while do-not-disturb (from the tray) was on");
      },
    },
    {
      name: "tray: Open brings back the window closed to the tray",
      timeout: 30000,
      async run(ctx) {
        const item = await ctx.tray.item();
        await closeWindow();
        await screenScreenshot(path.join(env.out, "tray-closed-screen.png"));
        assert(pidAlive(ctx.driver.appPid()), "closing the window ended the app");
        await clickTrayEntry(item, "Open Switchboard");
        await waitWindowShownAndFocused();
        await screenScreenshot(path.join(env.out, "tray-open-screen.png"));
      },
    },
    {
      name: "a second launch hands over to the first instance (notifications stay with one app)",
      timeout: 60000,
      async run(ctx) {
        const first = ctx.driver.appPid();
        assert(first && pidAlive(first), "the first app is not running");
        // The first app sits in the tray: the second launch must bring its window back.
        await closeWindow();
        // A second instance that did not hand over would keep running until this deadline.
        const t0 = Date.now();
        await run(env.app, [], { timeout: 30000, env: { SWITCHBOARD_DATA_DIR: ctx.dataDir } });
        log(`the second launch exited after ${Date.now() - t0} ms`);
        assert(pidAlive(first), "the first app died when the second was launched");
        assert(await exists(ctx.browser, "[data-tab]"), "the first app's desk is gone");
        await waitWindowShownAndFocused();
      },
    },
    {
      name: "notification latency from inbound POST to Notify (measured, not asserted)",
      timeout: 120000,
      async run(ctx) {
        const { server, monitor } = ctx;
        const c = client("latency");
        const ms = [];
        for (let i = 0; i < 20; i++) {
          const text = `${c.text} n${i}`;
          const t0 = Date.now();
          await server.inbound({ ...c, text });
          const call = await monitor.waitText(text);
          ms.push(call.time - t0);
        }
        ms.sort((a, b) => a - b);
        const pct = (p) => ms[Math.min(ms.length - 1, Math.ceil((p / 100) * ms.length) - 1)].toFixed(0);
        const line = `inbound → Notify latency over ${ms.length}: p50 ${pct(50)} ms, p99 ${pct(99)} ms, max ${ms[ms.length - 1].toFixed(0)} ms`;
        log(line);
        fs.writeFileSync(path.join(env.out, "notify-latency.txt"), `${line}\n${ms.map((x) => x.toFixed(1)).join("\n")}\n`);
      },
    },
    {
      name: "tray: Sign out ends the session, Quit ends the app",
      timeout: 30000,
      async run(ctx) {
        const { browser } = ctx;
        const item = await ctx.tray.item();
        // This session's token, keyed by "email @ server" (other specs' sessions share the
        // throwaway keyring).
        const user = `${ADMIN.email} @ ${ctx.server.url}`;
        const stored = async () => {
          const found = await run("secret-tool", ["search", "--all", "--unlock", "service", "dev.switchboard.desk", "username", user]).catch(
            () => ({ stdout: "" }),
          );
          return /^secret = ./m.test(found.stdout);
        };
        assert(await stored(), `no keychain entry for ${user} before signing out`);
        await clickTrayEntry(item, "Sign out");
        await waitFor("the sign-in form after the tray's Sign out", () => visible(browser, "#sign-in"), { timeout: 15000 });
        assert(!(await stored()), `the token for ${user} is still in the keychain after signing out from the tray`);
        await screenshot(browser, "tray-signed-out");
        const pid = ctx.driver.appPid();
        await clickTrayEntry(item, "Quit");
        await waitFor(`app pid ${pid} to exit after Quit`, () => !pidAlive(pid), { timeout: 10000, interval: 100 });
      },
    },
  ],

  async teardown(ctx) {
    if (ctx.driver) {
      await ctx.driver.quit(ctx.browser).catch((e) => log(`quit: ${e.message}`));
      await ctx.driver.stop();
    }
    if (ctx.server) await ctx.server.stop();
    if (ctx.monitor?.proc) await ctx.monitor.proc.stop();
    await ctx.tray?.stop();
  },
};
