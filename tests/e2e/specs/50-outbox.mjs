// The outbox and offline review with the real app: the app talks to the server through a TCP
// proxy the test can cut (the server keeps running, as on a dropped network), while the test
// reaches the server directly through the seed API. Offline sends and "Start conversation" show
// as pending and land exactly once when the network is back; a conversation another operator
// took meanwhile comes back as a conflict with Retry/Discard; search, the Ctrl+K switcher and
// the shortcut help work from the cache; a client rename and note made offline show at once
// (pending) and reach the server once.

import path from "node:path";
import fs from "node:fs";
import { attr, bodyText, click, count, ctrlEnter, Driver, exists, openRow, screenshot, selectTab, signIn, text, threadMessages, typeInto, visible } from "../harness/app.mjs";
import { NetworkProxy } from "../harness/proxy.mjs";
import { TestServer } from "../harness/server.mjs";
import { assert, env, log, waitFor } from "../harness/util.mjs";

const ADMIN = { email: "admin@demo.test", password: "demo" };

const connState = (browser) => attr(browser, "#conn-state", "data-state");
const waitConn = (browser, state, timeout = 30000) =>
  waitFor(`#conn-state data-state="${state}"`, async () => (await connState(browser)) === state, { timeout });

const clientName = (browser, id) =>
  browser.execute((cid) => document.querySelector(`.conversation-row[data-id="${cid}"] .client-name`)?.textContent?.trim() ?? null, id);

async function keys(browser, ...values) {
  const down = values.map((value) => ({ type: "keyDown", value }));
  const up = [...values].reverse().map((value) => ({ type: "keyUp", value }));
  await browser.performActions([{ type: "key", id: "keyboard", actions: [...down, ...up] }]);
  await browser.releaseActions();
}

/** Cuts the network and waits until the app says offline. */
async function goOffline(ctx) {
  ctx.proxy.down();
  await waitConn(ctx.browser, "offline");
}

/** Opens conversation `id` from `tab`, then cuts the network. */
async function openOffline(ctx, tab, id) {
  await selectTab(ctx.browser, tab);
  await openRow(ctx.browser, id);
  await goOffline(ctx);
}

/** Clicks "Start conversation" offline and waits for the queued banner. */
async function startOffline(browser) {
  await click(browser, "#start-conversation");
  await waitFor("the queued start banner", async () => (await bodyText(browser)).includes("Start conversation — waiting for the server"));
}

async function goOnline(ctx) {
  ctx.proxy.up();
  await waitConn(ctx.browser, "online", 45000);
}

async function serverConversation(server, id) {
  return (await server.seed("GET", "get", { conversation_id: id })).data;
}

export default {
  title: "outbox and offline review (network drop through a proxy)",
  setupTimeout: 150000,

  async setup(ctx) {
    ctx.server = new TestServer("server-outbox");
    await ctx.server.prepare();
    await ctx.server.start();
    ctx.proxy = new NetworkProxy(ctx.server.url);
    await ctx.proxy.start();
    ctx.dataDir = path.join(env.runDir, "data-outbox");
    fs.mkdirSync(ctx.dataDir, { recursive: true });
    ctx.driver = new Driver("outbox", { appEnv: { SWITCHBOARD_DATA_DIR: ctx.dataDir } });
    await ctx.driver.start();
    ctx.browser = await ctx.driver.launch();
  },

  cases: [
    {
      name: "outbox: sign in through the proxy and take a conversation",
      timeout: 120000,
      async run(ctx) {
        const { browser } = ctx;
        await signIn(browser, ctx.proxy.url, ADMIN);
        await waitFor("the desk", async () => (await exists(browser, "#conn-state")) && !(await exists(browser, "#sign-in")), { timeout: 20000 });
        await waitConn(browser, "online", 60000);
        await selectTab(browser, "unassigned");
        await waitFor("3 rows in Unassigned", async () => (await count(browser, ".conversation-row")) >= 3, { timeout: 30000 });
        const ids = await browser.execute(() => [...document.querySelectorAll(".conversation-row")].slice(0, 3).map((r) => Number(r.dataset.id)));
        [ctx.a, ctx.b, ctx.c] = ids;
        ctx.names = {};
        for (const id of ids) ctx.names[id] = await clientName(browser, id);
        log(`conversations ${JSON.stringify(ctx.names)}`);
        await openRow(browser, ctx.a);
        await click(browser, "#start-conversation");
        await waitFor("the start to be confirmed", async () => !(await exists(browser, "#start-conversation")) && (await serverConversation(ctx.server, ctx.a)).status === "inbox", {
          timeout: 15000,
          interval: 500,
        });
        ctx.ready = true;
      },
    },

    {
      name: "outbox: offline send shows pending, then is delivered exactly once",
      timeout: 90000,
      async run(ctx) {
        assert(ctx.ready, "needs the first case");
        const { browser, server } = ctx;
        await openOffline(ctx, "inbox", ctx.a);
        const text = `sent while offline ${Date.now()}`;
        await typeInto(browser, "#composer", text);
        await ctrlEnter(browser);
        await waitFor("the message shown as pending", () =>
          browser.execute((t) => [...document.querySelectorAll(".message--queued .message-text")].some((m) => m.textContent.includes(t)), text),
        );
        const status = await bodyText(browser);
        assert(/offline/i.test(status), "the status bar does not say offline");
        await screenshot(browser, "outbox-send-pending");
        await goOnline(ctx);
        await waitFor("the message delivered (no longer pending)", async () => {
          const msgs = await threadMessages(browser);
          return msgs.some((m) => m.text.includes(text) && m.key.startsWith("m"));
        }, { timeout: 30000 });
        await screenshot(browser, "outbox-send-delivered");
        const conv = await serverConversation(server, ctx.a);
        const copies = conv.messages.filter((m) => m.text === text).length;
        assert(copies === 1, `the server has ${copies} copies of the offline message`);
      },
    },

    {
      name: "outbox: offline Start conversation is pending, then confirmed",
      timeout: 90000,
      async run(ctx) {
        assert(ctx.ready, "needs the first case");
        const { browser, server } = ctx;
        await openOffline(ctx, "unassigned", ctx.b);
        await startOffline(browser);
        // Optimistic: already in My inbox, marked pending, gone from Unassigned.
        await waitFor("gone from Unassigned", async () => !(await exists(browser, `.conversation-row[data-id="${ctx.b}"]`)));
        await selectTab(browser, "inbox");
        await waitFor("in My inbox, pending", () => exists(browser, `.conversation-row[data-id="${ctx.b}"] .pending`));
        await openRow(browser, ctx.b);
        await waitFor("the queued start banner again", async () => (await bodyText(browser)).includes("Start conversation — waiting for the server"));
        await screenshot(browser, "outbox-start-pending");
        await goOnline(ctx);
        await waitFor("the server to have the start", async () => (await serverConversation(server, ctx.b)).status === "inbox", { timeout: 30000, interval: 500 });
        await waitFor("the queued banner to go", async () => !(await bodyText(browser)).includes("waiting for the server"), { timeout: 15000 });
        assert(!(await exists(browser, `.conversation-row[data-id="${ctx.b}"] .pending`)), "still marked pending");
        await screenshot(browser, "outbox-start-confirmed");
      },
    },

    {
      name: "outbox: a conversation taken meanwhile comes back as a conflict",
      timeout: 90000,
      async run(ctx) {
        assert(ctx.ready, "needs the first case");
        const { browser, server } = ctx;
        await openOffline(ctx, "unassigned", ctx.c);
        await startOffline(browser);
        const login = await fetch(`${server.url}/api/v1/auth/login`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ email: "olga@demo.test", password: "demo" }),
        }).then((r) => r.json());
        const olgaId = login?.me?.operator?.id;
        assert(Number.isInteger(olgaId), `no operator id for Olga: ${JSON.stringify(login).slice(0, 200)}`);
        await server.seed("POST", "start", { conversation_id: ctx.c, operator_id: olgaId });
        await goOnline(ctx);
        await waitFor("the conflict", async () => (await bodyText(browser)).includes("Olga Novak took this conversation while you were offline."), {
          timeout: 30000,
        });
        await screenshot(browser, "outbox-conflict");
        const buttons = await browser.execute(() => [...document.querySelectorAll(".outbox-actions button")].map((b) => b.textContent.trim()));
        assert(buttons.includes("Retry") && buttons.includes("Discard"), `buttons: ${buttons}`);
        await browser.execute(() => [...document.querySelectorAll(".outbox-actions button")].find((b) => b.textContent.trim() === "Discard")?.click());
        await waitFor("the conflict to go after Discard", async () => !(await bodyText(browser)).includes("took this conversation"));
        const conv = await serverConversation(server, ctx.c);
        assert(conv.operator_id === olgaId, `the conversation is with ${conv.operator_id}, not Olga ${olgaId}`);
      },
    },

    {
      name: "outbox: search, Ctrl+K switcher and the shortcut help work offline",
      timeout: 90000,
      async run(ctx) {
        assert(ctx.ready, "needs the first case");
        const { browser } = ctx;
        await selectTab(browser, "inbox");
        await goOffline(ctx);
        const name = ctx.names[ctx.a];
        await typeInto(browser, "#search", name);
        await waitFor(`search "${name}" finds it offline`, async () =>
          browser.execute((n) => {
            const rows = [...document.querySelectorAll(".conversation-row .client-name")].map((e) => e.textContent.trim());
            return rows.length > 0 && rows.includes(n);
          }, name),
        );
        await screenshot(browser, "outbox-search-offline");
        await click(browser, "#search");
        await keys(browser, "\uE00C"); // Esc clears the search

        const target = ctx.names[ctx.b];
        await click(browser, `[data-tab="inbox"]`);
        await keys(browser, "\uE009", "k");
        await waitFor("the switcher", () => visible(browser, "#switcher-input"));
        await typeInto(browser, "#switcher-input", target);
        await waitFor(`${target} in the switcher`, () => exists(browser, `#switcher-${ctx.b}`));
        await screenshot(browser, "outbox-switcher");
        // Move the highlight to the target with the arrows, then Enter.
        for (let i = 0; i < 20 && (await attr(browser, `#switcher-${ctx.b}`, "aria-selected")) !== "true"; i++) await keys(browser, "\uE015");
        await keys(browser, "\uE007");
        await waitFor(`${target} open`, async () =>
          !(await exists(browser, "#switcher-input")) &&
          (await browser.execute(() => document.querySelector(".conv-header .client")?.textContent?.trim() ?? "")) === target,
        );

        // Shortcuts are not taken while a text field has the focus; let go of it without clicking
        // anything that acts (the client's name opens the profile, and where a click lands on the
        // header depends on the name's length).
        await browser.execute(() => document.activeElement?.blur());
        await keys(browser, "?");
        await waitFor("the shortcut help", () => visible(browser, "#shortcut-help"));
        const help = await bodyText(browser);
        assert(help.includes("Jump to a conversation by client name") && help.includes("Show these shortcuts"), "the help misses shortcuts");
        await screenshot(browser, "outbox-help");
        await keys(browser, "\uE00C");
        await waitFor("the help to close", async () => !(await exists(browser, "#shortcut-help")));
        await goOnline(ctx);
      },
    },

    {
      name: "outbox: an offline rename and note are pending, then on the server once",
      timeout: 120000,
      async run(ctx) {
        assert(ctx.ready, "needs the first case");
        const { browser, server } = ctx;
        await openOffline(ctx, "inbox", ctx.a);
        const name = `Renamed offline ${Date.now() % 100000}`;
        const note = `Noted offline ${Date.now()}`;
        // The avatar toggles the profile: it must start closed for the click to open it.
        assert((await attr(browser, "#client-avatar", "aria-expanded")) === "false", "the profile is already open before the click");
        await click(browser, "#client-avatar");
        await waitFor("the profile", () => visible(browser, "#client-profile"));
        await click(browser, "#client-rename");
        await typeInto(browser, "#client-rename-input", name);
        await click(browser, "#client-rename-save");
        await typeInto(browser, "#client-note-input", note);
        await click(browser, "#client-note-add");
        await waitFor("the new name shown at once", async () => (await text(browser, "#client-profile-name"))?.trim() === name);
        await waitFor("the note listed as pending", () =>
          browser.execute((t) => [...document.querySelectorAll(".client-note[data-pending]")].some((n) => n.textContent.includes(t)), note),
        );
        const pending = await bodyText(browser);
        assert(pending.includes(`Rename the client to “${name}”`), "no pending rename banner");
        assert(!(await exists(browser, "#client-profile .error")), `the profile shows an error: ${await text(browser, "#client-profile .error")}`);
        await screenshot(browser, "outbox-edits-pending");
        await goOnline(ctx);

        const login = await fetch(`${server.url}/api/v1/auth/login`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(ADMIN),
        }).then((r) => r.json());
        const api = (p) => fetch(`${server.url}/api/v1/${p}`, { headers: { Authorization: `Bearer ${login.token}` } }).then((r) => r.json());
        await waitFor("the rename on the server", async () => (await api(`conversations/${ctx.a}`)).client?.display_name === name, { timeout: 30000, interval: 500 });
        const clientId = (await api(`conversations/${ctx.a}`)).client.id;
        await waitFor("the note on the server", async () => (await api(`clients/${clientId}/notes`)).some((n) => n.text === note), { timeout: 30000, interval: 500 });
        await waitFor("nothing pending in the app", async () =>
          !(await exists(browser, ".client-note[data-pending]")) && !(await bodyText(browser)).includes("Rename the client to"),
          { timeout: 15000 },
        );
        await screenshot(browser, "outbox-edits-delivered");
        const copies = (await api(`clients/${clientId}/notes`)).filter((n) => n.text === note).length;
        assert(copies === 1, `the server has ${copies} copies of the offline note`);
        assert((await clientName(browser, ctx.a)) === name, "the list shows the old name");
      },
    },
  ],

  async teardown(ctx) {
    if (ctx.driver) {
      await ctx.driver.quit(ctx.browser).catch((e) => log(`quit: ${e.message}`));
      await ctx.driver.stop();
    }
    if (ctx.proxy) await ctx.proxy.stop();
    if (ctx.server) await ctx.server.stop();
  },
};
