// One operator's day with the real app, the real server and the real Secret Service: sign in
// and take a conversation, the token is only in the keychain, a restart opens signed in, and the
// desk survives the server going away and coming back. The cases run in order on one app data
// dir and one keyring; each checks its own starting point and says so when it is missing.

import fs from "node:fs";
import path from "node:path";
import { attr, bodyText, click, count, ctrlEnter, Driver, exists, invoke, openRow, screenshot, selectTab, text, threadMessages, typeInto, visible } from "../harness/app.mjs";
import { TestServer } from "../harness/server.mjs";
import { assert, env, filesContaining, listFiles, log, logsDir, pidAlive, run, waitFor } from "../harness/util.mjs";

const ADMIN = { email: "admin@demo.test", password: "demo" };
const KEYCHAIN_SERVICE = "dev.switchboard.desk";

/** The desk is showing: tabs and the status bar, and no sign-in form. */
async function deskShown(browser) {
  return (await exists(browser, "[data-tab]")) && (await exists(browser, "#conn-state")) && !(await exists(browser, "#sign-in"));
}

async function connState(browser) {
  return attr(browser, "#conn-state", "data-state");
}

async function waitConn(browser, state, timeout) {
  let seen = [];
  return waitFor(
    `#conn-state data-state="${state}"`,
    async () => {
      const s = await connState(browser);
      if (seen[seen.length - 1] !== s) seen.push(s);
      return s === state;
    },
    { timeout },
  ).catch((err) => {
    throw new Error(`${err.message}; states seen: ${seen.join(" → ")}`);
  });
}

async function threadHas(browser, text) {
  return (await threadMessages(browser)).find((m) => m.text.includes(text));
}

export default {
  title: "operator desk (keychain session)",
  setupTimeout: 150000,

  async setup(ctx) {
    ctx.server = new TestServer("server");
    await ctx.server.prepare();
    await ctx.server.start();
    ctx.dataDir = path.join(env.runDir, "data-keychain");
    fs.mkdirSync(ctx.dataDir, { recursive: true });
    ctx.driver = new Driver("keychain", { appEnv: { SWITCHBOARD_DATA_DIR: ctx.dataDir } });
    await ctx.driver.start();
    ctx.browser = await ctx.driver.launch();
  },

  cases: [
    {
      name: "sign in and take a conversation",
      timeout: 90000,
      async run(ctx) {
        const { browser, server } = ctx;
        await waitFor("the sign-in form", () => visible(browser, "#sign-in"), { timeout: 20000 });
        await screenshot(browser, "sign-in");

        await typeInto(browser, "#server-url", server.url);
        await typeInto(browser, "#email", ADMIN.email);
        await typeInto(browser, "#password", ADMIN.password);
        await click(browser, "#sign-in");
        await waitFor(
          "the desk after sign-in",
          async () => {
            const err = await exists(browser, "#sign-in-error");
            if (err) throw new Error(`sign-in error shown: ${(await bodyText(browser)).slice(0, 300)}`);
            return deskShown(browser);
          },
          { timeout: 20000 },
        );
        ctx.signedIn = true;
        // First landing: the demo admin's My inbox is empty, so once the first sync is done the
        // desk opens where work waits, Unassigned.
        await waitConn(browser, "online", 45000);
        await waitFor("landed on Unassigned (My inbox is empty)", async () => (await attr(browser, '[data-tab="unassigned"]', "aria-current")) === "page");

        await selectTab(browser, "unassigned");
        await waitFor("rows in Unassigned", async () => (await count(browser, ".conversation-row")) > 0, { timeout: 30000 });
        await screenshot(browser, "unassigned");
        // Let the first sync finish so the list stops reordering under the click.
        await waitConn(browser, "online", 45000);

        const id = Number(await attr(browser, ".conversation-row", "data-id"));
        assert(id > 0, `first row has no numeric data-id (${id})`);
        ctx.conversationId = id;
        log(`taking conversation ${id}`);
        await openRow(browser, id);
        await waitFor("#start-conversation", () => visible(browser, "#start-conversation"));
        await screenshot(browser, "conversation-unassigned");

        await click(browser, "#start-conversation");
        await waitFor("#start-conversation to go once the conversation is taken", async () => !(await exists(browser, "#start-conversation")));
        await selectTab(browser, "inbox");
        await waitFor(`conversation ${id} in My inbox`, () => exists(browser, `.conversation-row[data-id="${id}"]`));
        if ((await attr(browser, `.conversation-row[data-id="${id}"]`, "aria-selected")) !== "true") {
          await openRow(browser, id);
        }
        await screenshot(browser, "inbox");

        const text = `e2e reply ${Date.now()}`;
        ctx.sentText = text;
        await typeInto(browser, "#composer", text);
        await ctrlEnter(browser);
        await waitFor("the sent message in the thread", () => threadHas(browser, text));
        await waitFor("the composer to be cleared after sending", async () => (await browser.$("#composer").getValue()) === "");
        await screenshot(browser, "message-sent");

        const session = (await invoke(browser, "restore_session"))?.session;
        const adminId = session?.me?.operator?.id;
        assert(Number.isInteger(adminId), `restore_session gave no operator id: ${JSON.stringify(session)}`);
        ctx.adminId = adminId;

        const conv = await waitFor(
          `the server to have an operator message "${text}" in conversation ${id}`,
          async () => {
            const { data } = await server.seed("GET", "get", { conversation_id: id });
            return data.messages.some((m) => m.kind === "operator" && m.text === text) ? data : null;
          },
          { timeout: 15000, interval: 500 },
        );
        assert(conv.status === "inbox", `server says status ${conv.status}, expected inbox`);
        assert(conv.operator_id === adminId, `server says operator_id ${conv.operator_id}, expected the admin ${adminId}`);
        const copies = conv.messages.filter((m) => m.kind === "operator" && m.text === text).length;
        assert(copies === 1, `the server has ${copies} copies of the message`);
      },
    },

    {
      name: "token is in the keychain, not on disk",
      timeout: 30000,
      async run(ctx) {
        assert(ctx.signedIn, "needs the sign-in of the first case");
        // keyring 3 writes: service, username, target, application = rust-keyring; secret-tool
        // prints the label and secret on stdout and the attributes on stderr.
        const found = await run("secret-tool", ["search", "--all", "--unlock", "service", KEYCHAIN_SERVICE]);
        const items = found.stdout.split(/^\[/m).filter((s) => s.trim());
        assert(items.length > 0, `no Secret Service item with service=${KEYCHAIN_SERVICE} (stderr: ${found.stderr.trim()})`);
        assert(/attribute\.application = rust-keyring/.test(found.stderr), `no application = rust-keyring attribute: ${found.stderr}`);
        assert(found.stderr.includes(ADMIN.email), `no item names ${ADMIN.email}: ${found.stderr}`);
        const secrets = [...found.stdout.matchAll(/^secret = (.*)$/gm)].map((m) => m[1].trim()).filter(Boolean);
        assert(secrets.length === 1, `expected one secret for the service, found ${secrets.length}`);
        const token = secrets[0];
        assert(token.length >= 16, `the stored secret is suspiciously short (${token.length} chars)`);
        ctx.appToken = token;

        const dataFiles = listFiles(ctx.dataDir);
        log(`app data dir files: ${dataFiles.map((f) => path.relative(ctx.dataDir, f)).join(", ")}`);
        assert(dataFiles.length > 0, `the app wrote nothing in SWITCHBOARD_DATA_DIR ${ctx.dataDir}`);
        assert(dataFiles.some((f) => path.basename(f) === "account.json"), "no account.json in the app data dir");
        const logFiles = listFiles(logsDir).filter((f) => /app-|tauri-driver-/.test(path.basename(f)));
        // The data dir, the throwaway HOME (WebKit storage, caches, the encrypted keyring) and
        // the app's own log (stderr, at debug level).
        const { hits, scanned } = filesContaining([ctx.dataDir, process.env.HOME, ...logFiles], token);
        log(`scanned ${scanned} files for the token`);
        assert(hits.length === 0, `the token is in plain text in: ${hits.join(", ")}`);
      },
    },

    {
      name: "a search that matches more than it lists says so",
      timeout: 60000,
      async run(ctx) {
        assert(ctx.signedIn, "needs the sign-in of the first case");
        const { browser } = ctx;
        // Of the demo's 2,000 conversations, 846 have a word starting "you": more than a search
        // lists (200).
        await selectTab(browser, "all");
        await typeInto(browser, "#search", "you");
        await waitFor("the note under the search's rows", async () => /matches are listed/.test((await text(browser, ".capped")) ?? ""), {
          timeout: 15000,
        });
        const note = await text(browser, ".capped");
        assert(note === "The newest 200 matches are listed: add words to the search to narrow it.", `note: ${note}`);
        assert((await text(browser, ".list-pane .total")) === "200+", `header count: ${await text(browser, ".list-pane .total")}`);
        await screenshot(browser, "search-past-its-cap");
        // A narrower search (the reply the first case sent) lists every match and says nothing.
        await typeInto(browser, "#search", ctx.sentText);
        await waitFor("the note to go", async () => !(await exists(browser, ".capped")), { timeout: 15000 });
        assert(!((await text(browser, ".list-pane .total")) ?? "").endsWith("+"), "a whole search has a plain count");
        // Back to where the first case left the desk: the next case restarts on the remembered tab.
        await click(browser, '.search button[aria-label="Clear search"]');
        await waitFor("the search cleared", async () => (await browser.$("#search").getValue()) === "");
        await selectTab(browser, "inbox");
      },
    },

    {
      name: "restart opens signed in",
      timeout: 60000,
      async run(ctx) {
        assert(ctx.signedIn, "needs the sign-in of the first case");
        const oldPid = ctx.driver.appPid();
        // A session manager ends the desk with SIGTERM at logout: the desk closes its cache
        // cleanly, so the next start trusts the file instead of reading it whole to check it.
        process.kill(oldPid, "SIGTERM");
        await waitFor(`app pid ${oldPid} to exit on SIGTERM`, () => !pidAlive(oldPid), { timeout: 10000, interval: 50 });
        const stamps = listFiles(ctx.dataDir).filter((f) => f.endsWith("cache.sqlite3.clean"));
        assert(stamps.length === 1, `no clean-close stamp after SIGTERM: ${listFiles(ctx.dataDir).join(", ")}`);
        await ctx.driver.quit(ctx.browser);
        ctx.browser = null;
        log(`app pid ${oldPid} ended; starting it again`);
        ctx.browser = await ctx.driver.launch();
        const browser = ctx.browser;
        assert(ctx.driver.appPid() !== oldPid, "the app was not restarted");
        let sawSignIn = false;
        await waitFor(
          "the desk without signing in",
          async () => {
            if (await exists(browser, "#sign-in")) sawSignIn = true;
            return deskShown(browser);
          },
          { timeout: 20000 },
        ).catch((err) => {
          throw new Error(`${err.message}${sawSignIn ? "; the sign-in form was shown" : ""}`);
        });
        const session = (await invoke(browser, "restore_session"))?.session;
        assert(session?.remembered === true, `session not marked remembered: ${JSON.stringify(session)}`);
        assert(session?.me?.operator?.email === ADMIN.email, `signed in as ${session?.me?.operator?.email}`);
        await waitFor("rows in the list after restart", async () => (await count(browser, ".conversation-row")) > 0, {
          timeout: 15000,
        });
        // The last tab the operator used (My inbox, in the first case) is remembered.
        await waitFor("restarted on the remembered My inbox", async () => (await attr(browser, '[data-tab="inbox"]', "aria-current")) === "page");
        await screenshot(browser, "restarted");
        assert(!sawSignIn, "the sign-in form flashed before the desk");
      },
    },

    {
      name: "offline then recovery",
      timeout: 120000,
      async run(ctx) {
        const { server } = ctx;
        const browser = ctx.browser;
        assert(browser && ctx.signedIn, "needs a signed-in app");
        assert(ctx.conversationId, "needs the conversation taken in the first case");
        const id = ctx.conversationId;
        await waitFor("the desk", () => deskShown(browser), { timeout: 15000 });
        await waitConn(browser, "online", 30000);

        // Remember another cached conversation to open offline.
        await selectTab(browser, "unassigned");
        await waitFor("rows in Unassigned", async () => (await count(browser, ".conversation-row")) > 1, { timeout: 15000 });
        const otherId = await browser.execute(
          (skip) => [...document.querySelectorAll(".conversation-row")].map((r) => Number(r.dataset.id)).find((x) => x !== skip),
          id,
        );

        await server.kill();
        await waitConn(browser, "offline", 20000);
        await screenshot(browser, "offline");

        // The cache still lists and opens conversations.
        await selectTab(browser, "inbox");
        await waitFor(`conversation ${id} listed offline`, () => exists(browser, `.conversation-row[data-id="${id}"]`));
        await openRow(browser, id);
        await waitFor("the earlier reply in the cached thread", () => threadHas(browser, ctx.sentText || "\u0000"));
        await selectTab(browser, "unassigned");
        await waitFor(`conversation ${otherId} listed offline`, () => exists(browser, `.conversation-row[data-id="${otherId}"]`));
        await openRow(browser, otherId);
        await screenshot(browser, "offline-open");
        assert((await connState(browser)) === "offline", "state left offline while the server is down");

        await server.start(); // same port, same database
        await waitConn(browser, "online", 45000);

        // A change made elsewhere while the app is open reaches it: an operator reply through the
        // seed API into the admin's conversation.
        const text = `seed API reply ${Date.now()}`;
        await server.seed("POST", "send-message", { conversation_id: id, text });
        await selectTab(browser, "inbox");
        await waitFor(`conversation ${id} in My inbox`, () => exists(browser, `.conversation-row[data-id="${id}"]`));
        await openRow(browser, id);
        await waitFor(`"${text}" in the thread`, () => threadHas(browser, text), { timeout: 15000 });
        await screenshot(browser, "back-online");

        // And a client writing in through a channel shows up in Unassigned.
        const stamp = Date.now();
        const client = { external_id: `e2e-client-${stamp}`, name: `E2E Client ${stamp}`, text: `hello from the e2e client ${stamp}` };
        const { conversation_id: newId } = await server.inbound(client);
        assert(newId, "the inbound endpoint returned no conversation_id");
        await selectTab(browser, "unassigned");
        await waitFor(
          `new conversation ${newId} of "${client.name}" in Unassigned`,
          () =>
            browser.execute(
              (cid) => document.querySelector(`.conversation-row[data-id="${cid}"] .client-name`)?.textContent?.trim() ?? null,
              newId,
            ).then((name) => name === client.name),
          { timeout: 15000 },
        );
        await openRow(browser, newId);
        await waitFor("the client's message in the thread", () => threadHas(browser, client.text));
        await screenshot(browser, "new-client");
      },
    },
  ],

  async teardown(ctx) {
    if (ctx.driver) {
      await ctx.driver.quit(ctx.browser).catch((e) => log(`quit: ${e.message}`));
      await ctx.driver.stop();
    }
    ctx.browser = null;
    if (ctx.server) await ctx.server.stop();
  },
};
