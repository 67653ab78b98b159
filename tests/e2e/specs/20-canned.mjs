// Canned responses, the client profile and message tags in the real app against the real
// server: add an answer, pick it from the composer with "/" and the keyboard and send it;
// rename the client and see the original name; add a note; tag a message. Each step is
// checked on screen and on the server.

import path from "node:path";
import fs from "node:fs";
import { attr, click, count, ctrlEnter, Driver, exists, screenshot, text, threadMessages, typeInto, visible, signIn } from "../harness/app.mjs";
import { TestServer } from "../harness/server.mjs";
import { assert, env, log, waitFor } from "../harness/util.mjs";

const ADMIN = { email: "admin@demo.test", password: "demo" };

/** `/api/v1` as the seed API token (it acts as the company's admin). */
async function v1(server, method, p, body) {
  const res = await fetch(`${server.url}/api/v1${p}`, {
    method,
    headers: { Authentication: server.token, "Content-Type": "application/json" },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(10000),
  });
  const data = await res.json();
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(data)}`);
  return data;
}

async function keys(browser, ...values) {
  await browser.keys(values);
}

export default {
  title: "canned responses, client profile, tags",
  setupTimeout: 150000,

  async setup(ctx) {
    ctx.server = new TestServer("server-canned");
    await ctx.server.prepare();
    await ctx.server.start();
    ctx.dataDir = path.join(env.runDir, "data-canned");
    fs.mkdirSync(ctx.dataDir, { recursive: true });
    ctx.driver = new Driver("canned", { appEnv: { SWITCHBOARD_DATA_DIR: ctx.dataDir } });
    await ctx.driver.start();
    ctx.browser = await ctx.driver.launch();
    const { browser, server } = ctx;
    await signIn(browser, server.url, ADMIN);
    await waitFor("the desk", () => exists(browser, "[data-tab]"), { timeout: 30000 });
    await waitFor("online", async () => (await attr(browser, "#conn-state", "data-state")) === "online", { timeout: 45000 });
    // A conversation of our own to work in.
    await click(browser, '[data-tab="unassigned"]');
    await waitFor("rows in Unassigned", async () => (await count(browser, ".conversation-row")) > 0, { timeout: 30000 });
    const id = Number(await attr(browser, ".conversation-row", "data-id"));
    await click(browser, `.conversation-row[data-id="${id}"]`);
    await waitFor("#start-conversation", () => visible(browser, "#start-conversation"), { timeout: 15000 });
    await click(browser, "#start-conversation");
    await waitFor("the composer enabled", async () => !(await browser.$("#composer").getAttribute("disabled")), { timeout: 15000 });
    ctx.conversationId = id;
  },

  cases: [
    {
      name: "add a canned answer, pick it with '/' and the keyboard, send it",
      timeout: 90000,
      async run(ctx) {
        const { browser, server } = ctx;
        await typeInto(browser, "#composer", "/");
        await waitFor("the canned picker", () => visible(browser, "#canned-menu"));
        await click(browser, "#canned-add");
        await typeInto(browser, "#canned-title", "Greeting");
        await typeInto(browser, "#canned-text", "Hello! Thanks for writing to us.");
        await screenshot(browser, "canned-form");
        await click(browser, "#canned-save");
        await waitFor("the new answer in the picker", async () => (await count(browser, "#canned-list [role=option]")) === 1);
        const stored = await v1(server, "GET", "/canned-responses");
        assert(stored.some((c) => c.title === "Greeting" && c.global), `server list: ${JSON.stringify(stored)}`);

        // Start over: type the trigger with a query, choose with the keyboard.
        await typeInto(browser, "#composer", "Hi! /gree");
        await waitFor("the filtered picker", async () => (await count(browser, "#canned-list [role=option]")) === 1);
        await screenshot(browser, "canned-picker");
        await keys(browser, "ArrowDown");
        await keys(browser, "Enter");
        await waitFor("the answer in the composer", async () => (await browser.$("#composer").getValue()) === "Hi! Hello! Thanks for writing to us.");
        assert(!(await exists(browser, "#canned-menu")), "the picker stayed open after Enter");
        await ctrlEnter(browser);
        await waitFor("the canned answer sent", async () => (await threadMessages(browser)).some((m) => m.text === "Hi! Hello! Thanks for writing to us."));
        await screenshot(browser, "canned-sent");
        await waitFor("the server to have it", async () => {
          const { data } = await server.seed("GET", "get", { conversation_id: ctx.conversationId });
          return data.messages.some((m) => m.kind === "operator" && m.text === "Hi! Hello! Thanks for writing to us.");
        }, { timeout: 15000, interval: 500 });
      },
    },

    {
      name: "rename the client, see the original name, add a note",
      timeout: 60000,
      async run(ctx) {
        const { browser, server } = ctx;
        await click(browser, "#client-avatar");
        await waitFor("the profile", () => visible(browser, "#client-profile"));
        const original = (await text(browser, "#client-profile-name"))?.trim();
        await click(browser, "#client-rename");
        await typeInto(browser, "#client-rename-input", "Renamed by e2e");
        await click(browser, "#client-rename-save");
        await waitFor("the new name and the original one", async () =>
          (await text(browser, "#client-profile-name"))?.trim() === "Renamed by e2e" &&
          (await text(browser, "#client-original-name"))?.includes(`Original name: ${original}`), { timeout: 15000 });
        await typeInto(browser, "#client-note-input", "Prefers email, VIP");
        await click(browser, "#client-note-add");
        await waitFor("the note with its author", async () => (await text(browser, "#client-notes"))?.includes("Prefers email, VIP"));
        await screenshot(browser, "client-profile");
        const { data } = await server.seed("GET", "get", { conversation_id: ctx.conversationId });
        assert(data.client.display_name === "Renamed by e2e", `server display_name ${data.client.display_name}`);
        const notes = await v1(server, "GET", `/clients/${data.client.id}/notes`);
        assert(notes.some((n) => n.text === "Prefers email, VIP"), `server notes: ${JSON.stringify(notes)}`);
        await click(browser, "#client-profile .close");
      },
    },

    {
      name: "tag a message",
      timeout: 60000,
      async run(ctx) {
        const { browser, server } = ctx;
        const id = Number(await attr(browser, ".message--client [data-select]", "data-select"));
        assert(id > 0, "no selectable client message");
        await browser.$(".message--client").moveTo();
        await click(browser, `[data-select="${id}"]`);
        await waitFor("the tag bar", () => visible(browser, "#tag-bar"));
        await typeInto(browser, "#tag-input", "Complaint");
        await click(browser, "#tag-add");
        await waitFor("the tag on the message", async () => (await text(browser, `[data-tags="${id}"]`))?.includes("Complaint"));
        await screenshot(browser, "message-tagged");
        const counts = await v1(server, "GET", "/analytics/tags");
        assert(counts.some((c) => c.tag === "Complaint" && c.count === 1), `analytics: ${JSON.stringify(counts)}`);
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
