// "Start conversation" from the Closed tab (issue 4, seed `conversations-tab.txt`): an operator
// closes a conversation, so its last closer is them and it shows in their Closed tab; they open
// it there, click "Start conversation", and it is back in their My inbox, open and assigned to
// them. Every step checks what the operator sees and, through the seed API, what the server
// stored. Then, with the server gone, searching the cache highlights what matched.

import fs from "node:fs";
import path from "node:path";
import { attr, bodyText, click, count, Driver, exists, invoke, openRow, screenshot, selectTab, signIn, text, typeInto, visible } from "../harness/app.mjs";
import { TestServer } from "../harness/server.mjs";
import { assert, env, log, waitFor } from "../harness/util.mjs";

// Boris is a plain operator of the 1st line: no All tab, so his Closed tab is the only place
// his closed conversation is listed.
const BORIS = { email: "boris@demo.test", password: "demo" };

const row = (id) => `.conversation-row[data-id="${id}"]`;

/** The status the open conversation's header shows (`data-status` of its StatusLabel). */
const headerStatus = (browser) => attr(browser, ".conv-header [data-status]", "data-status");

const get = (server, id) => server.seed("GET", "get", { conversation_id: id }).then((b) => b.data);

export default {
  title: "Start conversation from the Closed tab",
  setupTimeout: 150000,

  async setup(ctx) {
    ctx.server = new TestServer("server-closed");
    await ctx.server.prepare();
    await ctx.server.start();
    ctx.dataDir = path.join(env.runDir, "data-closed");
    fs.mkdirSync(ctx.dataDir, { recursive: true });
    ctx.driver = new Driver("closed", { appEnv: { SWITCHBOARD_DATA_DIR: ctx.dataDir } });
    await ctx.driver.start();
    ctx.browser = await ctx.driver.launch();
  },

  cases: [
    {
      name: "closed-start: a conversation I closed starts again from my Closed tab",
      timeout: 120000,
      async run(ctx) {
        const { browser, server } = ctx;
        await signIn(browser, server.url, BORIS);
        await waitFor(
          "Boris's desk, online",
          async () => {
            if (await exists(browser, "#sign-in-error")) throw new Error(`sign-in error: ${(await bodyText(browser)).slice(0, 300)}`);
            return (await exists(browser, "[data-tab]")) && (await attr(browser, "#conn-state", "data-state")) === "online";
          },
          { timeout: 60000 },
        );
        const me = (await invoke(browser, "restore_session"))?.session?.me?.operator;
        assert(Number.isInteger(me?.id), `no operator in the session: ${JSON.stringify(me)}`);

        // A client of his own: a fresh conversation in the 1st line's Unassigned.
        const client = { external_id: `closed-${Date.now()}`, name: "Clara Closed", text: "My order never arrived" };
        const { conversation_id: id } = await server.inbound(client);
        assert(id, "the inbound endpoint returned no conversation_id");
        ctx.client = client;
        ctx.id = id;
        await selectTab(browser, "unassigned");
        await openRow(browser, id);
        await click(browser, "#start-conversation");
        await waitFor("To closed offered once the conversation is his", () => visible(browser, "#to-closed"), { timeout: 15000 });
        await waitFor("server: in Boris's inbox", async () => {
          const c = await get(server, id);
          return c.status === "inbox" && c.operator_id === me.id;
        }, { timeout: 15000 });

        // He closes it: the server records him as the last closer.
        await click(browser, "#to-closed");
        await waitFor("server: closed", async () => (await get(server, id)).status === "closed", { timeout: 15000 });
        await selectTab(browser, "inbox");
        await waitFor(`${id} gone from My inbox`, async () => !(await exists(browser, row(id))), { timeout: 15000 });

        // The Closed tab lists it; opened there it offers "Start conversation" and nothing else.
        await selectTab(browser, "closed");
        await openRow(browser, id);
        await waitFor("the header shows Closed", async () => (await headerStatus(browser)) === "closed");
        await waitFor("Start conversation offered", () => visible(browser, "#start-conversation"));
        assert(!(await exists(browser, "#to-closed")), "To closed offered on a closed conversation");
        assert(!(await exists(browser, "#composer")) || (await attr(browser, "#composer", "disabled")) !== null,
          "the composer accepts a reply to a closed conversation");
        await screenshot(browser, "closed-tab-open");

        await click(browser, "#start-conversation");
        await waitFor("the header shows the conversation open in an inbox", async () => (await headerStatus(browser)) === "inbox", {
          timeout: 15000,
        });
        await waitFor("server: back in Boris's inbox", async () => {
          const c = await get(server, id);
          return c.status === "inbox" && c.operator_id === me.id;
        }, { timeout: 15000 });
        await waitFor(`${id} left the Closed tab`, async () => !(await exists(browser, row(id))), { timeout: 15000 });

        await selectTab(browser, "inbox");
        await waitFor(`${id} in My inbox`, () => exists(browser, row(id)), { timeout: 15000 });
        const listed = await browser.execute(
          (sel) => {
            const r = document.querySelector(sel);
            return {
              status: r?.querySelector("[data-status]")?.getAttribute("data-status") ?? null,
              client: r?.querySelector(".client-name")?.textContent?.trim() ?? null,
            };
          },
          row(id),
        );
        log(`My inbox row: ${JSON.stringify(listed)}`);
        assert(listed.client === client.name, `the row shows ${listed.client}`);
        assert(listed.status === null || listed.status === "inbox", `the row's status is ${listed.status}`);
        await openRow(browser, id);
        await waitFor("the reply box and To closed for the operator in charge", async () => (await visible(browser, "#composer")) && (await visible(browser, "#to-closed")));
        const who = (await text(browser, ".conv-header .responsible"))?.trim();
        assert(who === me.name, `the header's responsible operator is "${who}", expected ${me.name}`);
        await screenshot(browser, "closed-started-inbox");
      },
    },
    {
      // Seed: "If the operator understands that the client's conversation has been resolved,
      // then it can be closed by clicking on "to closed" button. Also, the conversation can be
      // returned to "Unassigned" by clicking on "To Unassigned" button".
      name: "closed-start: To Unassigned and To closed move the row and the server's conversation",
      timeout: 120000,
      async run(ctx) {
        const { browser, server } = ctx;
        const me = (await invoke(browser, "restore_session"))?.session?.me?.operator;
        assert(Number.isInteger(me?.id), "needs Boris signed in (first case)");
        const client = { external_id: `moves-${Date.now()}`, name: "Umberto Moves", text: "Where is my parcel?" };
        const { conversation_id: id } = await server.inbound(client);
        const group = (await get(server, id)).group_id;
        const take = async () => {
          await selectTab(browser, "unassigned");
          await openRow(browser, id);
          await click(browser, "#start-conversation");
          await waitFor("server: in Boris's inbox", async () => {
            const c = await get(server, id);
            return c.status === "inbox" && c.operator_id === me.id;
          }, { timeout: 15000 });
          await selectTab(browser, "inbox");
          await openRow(browser, id);
        };

        await take();
        await waitFor("To Unassigned offered", () => visible(browser, "#to-unassigned"));
        await click(browser, "#to-unassigned");
        await waitFor("server: unassigned in its group, Boris still named as the last operator", async () => {
          const c = await get(server, id);
          return c.status === "unassigned" && c.group_id === group && c.operator_id === me.id;
        }, { timeout: 15000 });
        await waitFor(`${id} left My inbox`, async () => !(await exists(browser, row(id))), { timeout: 15000 });
        await selectTab(browser, "unassigned");
        await waitFor(`${id} in Unassigned`, () => exists(browser, row(id)), { timeout: 15000 });
        await screenshot(browser, "to-unassigned");

        await take();
        await waitFor("To closed offered", () => visible(browser, "#to-closed"));
        await click(browser, "#to-closed");
        await waitFor("server: closed by Boris", async () => {
          const c = await get(server, id);
          return c.status === "closed" && c.closed_by === me.id;
        }, { timeout: 15000 });
        await waitFor(`${id} left My inbox`, async () => !(await exists(browser, row(id))), { timeout: 15000 });
        await selectTab(browser, "closed");
        await waitFor(`${id} in Closed`, () => exists(browser, row(id)), { timeout: 15000 });
        await screenshot(browser, "to-closed");
      },
    },
    {
      name: "closed-start: offline search highlights what matched",
      timeout: 60000,
      async run(ctx) {
        const { browser, server } = ctx;
        assert(ctx.client, "needs the conversation of the first case");
        await server.kill();
        await waitFor("the offline indicator", async () => (await attr(browser, "#conn-state", "data-state")) === "offline", { timeout: 20000 });
        await selectTab(browser, "inbox");
        const marks = () =>
          browser.execute((sel) => {
            const r = document.querySelector(sel);
            const of = (q) => [...(r?.querySelectorAll(`${q} mark`) ?? [])].map((m) => m.textContent);
            return r ? { name: of(".client-name"), preview: of(".preview") } : null;
          }, row(ctx.id));
        const search = async (q, want) => {
          await typeInto(browser, "#search", q);
          let seen = null;
          await waitFor(`"${q}" to find ${ctx.id} with ${JSON.stringify(want)} marked`, async () => {
            seen = await marks();
            return seen && ["name", "preview"].every((k) => JSON.stringify(seen[k]) === JSON.stringify(want[k]));
          }).catch((e) => {
            throw new Error(`${e.message}; the row's marks: ${JSON.stringify(seen)}`);
          });
        };
        // A client name, typed in lower case: the start of the name is marked.
        await search("clar", { name: ["Clar"], preview: [] });
        await screenshot(browser, "search-offline-name");
        // A word of the message, from its beginning only.
        await search("orde", { name: [], preview: ["orde"] });
        await screenshot(browser, "search-offline-message");
        // Under 3 characters nothing is searched, so nothing is marked.
        await typeInto(browser, "#search", "cl");
        await waitFor("no marks for 2 characters", async () => (await count(browser, ".conversation-row mark")) === 0);
        assert((await attr(browser, "#conn-state", "data-state")) === "offline", "left offline while the server is down");
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
