// Assignment, client pinning, the black list, the filters, outgoing WhatsApp and unread marks
// (issue 4, `assign`), driven as operators of the demo company would: Anna Petrova (supervisor,
// 1st line), Boris Ivanov (operator, 1st line) and the super-admin. Every step checks what the
// operator sees and, through the seed API, what the server stored. The cases run in order on
// one server and one app; each says when its starting point is missing.

import fs from "node:fs";
import path from "node:path";
import { attr, bodyText, click, count, Driver, exists, invoke, screenshot, selectTab, signIn, text, typeInto, visible } from "../harness/app.mjs";
import { TestServer } from "../harness/server.mjs";
import { assert, env, log, waitFor } from "../harness/util.mjs";

const PASSWORD = "demo";
const ANNA = { email: "anna@demo.test", name: "Anna Petrova" };
const BORIS = { email: "boris@demo.test", name: "Boris Ivanov" };
const ADMIN = { email: "admin@demo.test" };

async function signInAs(ctx, who) {
  const { browser, server } = ctx;
  if (await exists(browser, "#sign-out")) {
    await click(browser, "#sign-out");
  }
  await signIn(browser, server.url, { email: who.email, password: PASSWORD });
  await waitFor(
    `the desk of ${who.email}`,
    async () => {
      if (await exists(browser, "#sign-in-error")) throw new Error(`sign-in error: ${(await bodyText(browser)).slice(0, 300)}`);
      return (await exists(browser, "[data-tab]")) && (await attr(browser, "#conn-state", "data-state")) === "online";
    },
    { timeout: 60000 },
  );
  ctx.who = who.email;
}

async function openRow(browser, id) {
  await click(browser, `.conversation-row[data-id="${id}"]`);
  await waitFor(`conversation ${id} open with its menus`, () => exists(browser, ".assign-bar"), { timeout: 15000 });
}

/** Brings `row` into the (virtualized) list of the current tab by searching its client's name:
 * whether a row is already rendered depends on the list's length and the window, so the spec
 * never branches on it. */
async function showRow(browser, row) {
  const sel = `.conversation-row[data-id="${row.id}"]`;
  await typeInto(browser, "#search", row.client_name);
  await waitFor(`row ${row.id} found by searching "${row.client_name}"`, () => exists(browser, sel), { timeout: 20000 });
}

/** The cached list of a tab, as the UI reads it: all its rows. */
async function listTab(browser, tab, extra = {}) {
  const page = await invoke(browser, "list_conversations", {
    query: { tab, search: null, group_id: null, status: null, operator_id: null, ...extra },
    limit: null,
  });
  return page.rows;
}

const get = (server, id) => server.seed("GET", "get", { conversation_id: id }).then((b) => b.data);

/** Picks the menu entry named `name` from the ChoiceMenu `menuId`; returns its id. */
async function pick(browser, menuId, name) {
  await click(browser, `#${menuId}`);
  await waitFor(`#${menuId}-menu`, () => exists(browser, `#${menuId}-menu`));
  const id = await browser.execute(
    (m, n) => [...document.querySelectorAll(`#${m}-menu [data-choice-id]`)].find((b) => b.textContent.trim() === n)?.getAttribute("data-choice-id"),
    menuId,
    name,
  );
  assert(id, `no "${name}" in the ${menuId} menu: ${await text(browser, `#${menuId}-menu`)}`);
  await click(browser, `#${menuId}-menu [data-choice-id="${id}"]`);
  return Number(id);
}

/** Sets a filter <select> the way a change by the operator does. */
async function choose(browser, selector, label) {
  const has = () => browser.execute((s, l) => [...(document.querySelector(s)?.options ?? [])].some((o) => o.textContent.trim() === l), selector, label);
  await waitFor(`option "${label}" in ${selector}`, has);
  const ok = await browser.execute(
    (s, l) => {
      const el = document.querySelector(s);
      const opt = el && [...el.options].find((o) => o.textContent.trim() === l);
      if (!opt) return false;
      el.value = opt.value;
      el.dispatchEvent(new Event("change", { bubbles: true }));
      return true;
    },
    selector,
    label,
  );
  assert(ok, `no option "${label}" in ${selector}`);
}

/** Takes the first Unassigned conversation of the 1st line into my inbox; returns its id. */
async function takeOne(ctx) {
  const { browser } = ctx;
  const rows = await listTab(browser, "unassigned");
  const row = rows.find((r) => r.group_name === "1st line" && !ctx.used.has(r.id));
  assert(row, "no unassigned 1st-line conversation left");
  ctx.used.add(row.id);
  await selectTab(browser, "unassigned");
  await showRow(browser, row);
  await openRow(browser, row.id);
  await click(browser, "#start-conversation");
  await waitFor(`${row.id} in the server's inbox`, async () => (await get(ctx.server, row.id)).status === "inbox");
  return row;
}

/** Opens the conversation log panel, waits for a line containing `needle`, then closes it. */
async function expectInLog(browser, needle, shot) {
  await click(browser, "#conversation-log-button");
  await waitFor(`log: "${needle}"`, async () => (await text(browser, "#conversation-log"))?.includes(needle), { timeout: 15000 });
  if (shot) await screenshot(browser, shot);
  await click(browser, "#conversation-log-button");
  await waitFor("log closed", async () => !(await exists(browser, "#conversation-log")));
}

async function clearSearch(browser) {
  if (await exists(browser, "button[aria-label='Clear search']")) await click(browser, "button[aria-label='Clear search']");
}

export default {
  title: "assign, pin, blacklist, filters",
  setupTimeout: 150000,

  async setup(ctx) {
    ctx.server = new TestServer("server-assign");
    await ctx.server.prepare();
    await ctx.server.start();
    ctx.used = new Set();
    ctx.dataDir = path.join(env.runDir, "data-assign");
    fs.mkdirSync(ctx.dataDir, { recursive: true });
    ctx.driver = new Driver("assign", { appEnv: { SWITCHBOARD_DATA_DIR: ctx.dataDir } });
    await ctx.driver.start();
    ctx.browser = await ctx.driver.launch();
  },

  cases: [
    {
      name: "assign: assign to another operator of my group",
      timeout: 120000,
      async run(ctx) {
        const { browser, server } = ctx;
        await signInAs(ctx, ANNA);
        const row = await takeOne(ctx);
        await selectTab(browser, "inbox");
        await clearSearch(browser);
        await showRow(browser, row);
        await openRow(browser, row.id);
        // Seed: the assignment "will be indicated in the conversation log".
        await expectInLog(browser, `${ANNA.name} started the conversation`);
        // Anna is in the 1st line: the 2nd-line-only operators are not offered.
        await click(browser, "#assign-operator");
        const names = await browser.execute(() => [...document.querySelectorAll("#assign-operator-menu [data-choice-id]")].map((b) => b.textContent.trim()));
        await screenshot(browser, "assign-menu");
        assert(names.includes(BORIS.name), `Boris missing from ${names}`);
        await click(browser, "#assign-operator");
        const boris = await pick(browser, "assign-operator", BORIS.name);
        await waitFor(`server: ${row.id} in Boris's inbox`, async () => {
          const c = await get(server, row.id);
          return c.status === "inbox" && c.operator_id === boris;
        }, { timeout: 15000 });
        await waitFor(`${row.id} left Anna's My inbox`, async () => !(await exists(browser, `.conversation-row[data-id="${row.id}"]`)), {
          timeout: 15000,
        });
        await screenshot(browser, "assigned-to-boris");
        ctx.boris = boris;
        ctx.borisConv = row;
      },
    },
    {
      name: "assign: assign to group leaves my view",
      timeout: 90000,
      async run(ctx) {
        const { browser, server } = ctx;
        assert(ctx.who === ANNA.email, "needs Anna signed in (first case)");
        const row = await takeOne(ctx);
        const group = await pick(browser, "assign-group", "2nd line");
        await waitFor(`server: ${row.id} unassigned in the 2nd line`, async () => {
          const c = await get(server, row.id);
          return c.status === "unassigned" && c.group_id === group;
        }, { timeout: 15000 });
        // Anna (1st line only) no longer sees it at all: the server sent `remove`.
        await waitFor(`${row.id} gone from Anna's cache`, async () => {
          const all = await listTab(browser, "all");
          const un = await listTab(browser, "unassigned");
          return !all.some((r) => r.id === row.id) && !un.some((r) => r.id === row.id);
        }, { timeout: 15000 });
        await screenshot(browser, "assigned-to-group");
      },
    },
    {
      name: "assign: pin a client and the three displays",
      timeout: 240000,
      async run(ctx) {
        const { browser, server } = ctx;
        assert(ctx.who === ANNA.email, "needs Anna signed in");
        const row = await takeOne(ctx);
        await waitFor("Fix (Anna Petrova)", async () => (await text(browser, "#pin-client"))?.trim() === `Fix (${ANNA.name})`);
        await click(browser, "#pin-client");
        await waitFor("Detach for the pinner", async () => (await text(browser, "#pin-client"))?.trim() === "Detach", { timeout: 15000 });
        await screenshot(browser, "pin-detach");
        const anna = (await get(server, row.id)).operator_id;
        assert((await get(server, row.id)).client.pinned_operator_id === anna, "server: client not pinned to Anna");
        // Hand the conversation to Boris: he sees "Pinned (Anna Petrova)", not clickable.
        await pick(browser, "assign-operator", BORIS.name);
        await waitFor("server: in Boris's inbox", async () => (await get(server, row.id)).operator_id === ctx.boris, { timeout: 15000 });
        await signInAs(ctx, BORIS);
        await selectTab(browser, "inbox");
        await showRow(browser, row);
        await openRow(browser, row.id);
        await waitFor("Pinned (Anna Petrova)", async () => (await text(browser, "#pin-client"))?.trim() === `Pinned (${ANNA.name})`);
        assert((await browser.execute(() => document.querySelector("#pin-client")?.tagName)) === "SPAN", "Pinned (…) must not be a button");
        await screenshot(browser, "pin-other");
        // Boris closes it (the server test proves the pinner gets the client's next message).
        await click(browser, "#to-closed");
        await waitFor("server: closed by Boris", async () => (await get(server, row.id)).status === "closed", { timeout: 15000 });
        // The super-admin sees "Detach (assigned to Anna Petrova)" and may detach.
        await signInAs(ctx, ADMIN);
        await selectTab(browser, "all");
        await showRow(browser, row);
        await openRow(browser, row.id);
        await waitFor("Detach (assigned to Anna Petrova)", async () => (await text(browser, "#pin-client"))?.trim() === `Detach (assigned to ${ANNA.name})`);
        await screenshot(browser, "pin-admin");
        await click(browser, "#pin-client");
        await waitFor("server: detached", async () => (await get(server, row.id)).client.pinned_operator_id === null, { timeout: 15000 });
        // Seed: "To assign a client to an operator, it is necessary to assign a conversation to
        // the operator, click on the icon and select "Fix (name)"". Closed, it is assigned to
        // no one: no Fix at all.
        await waitFor("no pin control on a closed conversation", async () => !(await exists(browser, "#pin-client")), { timeout: 15000 });
        await screenshot(browser, "pin-none-closed");
        // The super-admin assigns it to Anna, then fixes the client to her.
        const annaId = await pick(browser, "assign-operator", ANNA.name);
        await waitFor("server: in Anna's inbox", async () => (await get(server, row.id)).operator_id === annaId, { timeout: 15000 });
        await waitFor("Fix (Anna Petrova) for the super-admin", async () => (await text(browser, "#pin-client"))?.trim() === `Fix (${ANNA.name})`, {
          timeout: 15000,
        });
        await expectInLog(browser, `Admin assigned the conversation to ${ANNA.name}`, "conversation-log");
        await screenshot(browser, "pin-admin-fix");
        await click(browser, "#pin-client");
        await waitFor("server: pinned to Anna by the super-admin", async () => (await get(server, row.id)).client.pinned_operator_id === annaId, { timeout: 15000 });
        await waitFor("Detach (assigned to Anna Petrova) again", async () => (await text(browser, "#pin-client"))?.trim() === `Detach (assigned to ${ANNA.name})`, {
          timeout: 15000,
        });
        await click(browser, "#pin-client");
        await waitFor("server: detached again", async () => (await get(server, row.id)).client.pinned_operator_id === null, { timeout: 15000 });
        await clearSearch(browser);
      },
    },
    {
      name: "assign: blacklist then unlock from the Blacklist tab",
      timeout: 90000,
      async run(ctx) {
        const { browser, server } = ctx;
        assert(ctx.who === ADMIN.email, "needs the admin signed in");
        const client = { external_id: `bl-${Date.now()}`, name: "Spammy Sam", text: "Buy cheap watches" };
        const acc = await server.inbound(client);
        const id = acc.conversation_id;
        await selectTab(browser, "unassigned");
        await clearSearch(browser);
        await waitFor(`${id} in Unassigned`, () => exists(browser, `.conversation-row[data-id="${id}"]`), { timeout: 15000 });
        await openRow(browser, id);
        await click(browser, "#send-to-blacklist");
        await waitFor("the confirm dialog", () => visible(browser, "#blacklist-dialog"));
        await screenshot(browser, "blacklist-confirm");
        await click(browser, "#blacklist-confirm");
        await waitFor("server: blacklisted", async () => (await get(server, id)).client.blacklisted === true, { timeout: 15000 });
        await waitFor(`${id} left Unassigned`, async () => !(await exists(browser, `.conversation-row[data-id="${id}"]`)), { timeout: 15000 });
        // New messages are stored but reach nobody's Unassigned.
        await server.inbound({ ...client, text: "Still there?" });
        await selectTab(browser, "blacklist");
        await waitFor(`${id} in the Blacklist tab`, () => exists(browser, `.conversation-row[data-id="${id}"]`), { timeout: 15000 });
        await screenshot(browser, "blacklist-tab");
        await openRow(browser, id);
        await click(browser, "#unlock-conversation");
        await waitFor("server: unlocked", async () => (await get(server, id)).client.blacklisted === false, { timeout: 15000 });
        await waitFor(`${id} left the Blacklist tab`, async () => !(await exists(browser, `.conversation-row[data-id="${id}"]`)), { timeout: 15000 });
        assert((await get(server, id)).messages.length === 2, "the message sent while blacklisted was not stored");
      },
    },
    {
      name: "assign: filters narrow the list",
      timeout: 60000,
      async run(ctx) {
        const { browser } = ctx;
        assert(ctx.who === ADMIN.email, "needs the admin signed in");
        await selectTab(browser, "all");
        const before = (await listTab(browser, "all")).length;
        const rowsShown = () =>
          browser.execute(() =>
            [...document.querySelectorAll(".conversation-row")].map((r) => ({
              group: r.querySelector(".group-chip")?.textContent.trim() ?? null,
              status: r.querySelector("[data-status]")?.getAttribute("data-status"),
              operator: r.querySelector(".operator-name")?.textContent.trim(),
            })),
          );
        await choose(browser, "#filter-group", "2nd line");
        await waitFor("only 2nd-line rows", async () => {
          const rows = await rowsShown();
          return rows.length > 0 && rows.every((r) => r.group === "2nd line");
        });
        await choose(browser, "#filter-status", "Closed");
        await waitFor("only closed 2nd-line rows", async () => {
          const rows = await rowsShown();
          return rows.length > 0 && rows.every((r) => r.group === "2nd line" && r.status === "closed");
        });
        await screenshot(browser, "filters-group-status");
        const op = await browser.execute(() => document.querySelector(".conversation-row .operator-name")?.textContent.trim());
        await choose(browser, "#filter-operator", op);
        await waitFor(`only ${op}'s rows`, async () => {
          const rows = await rowsShown();
          return rows.length > 0 && rows.every((r) => r.operator === op && r.status === "closed");
        });
        const narrowed = Number((await text(browser, ".total"))?.replace(/\D/g, "") || 0);
        assert(narrowed > 0 && narrowed < before, `filtered count ${narrowed} not below ${before}`);
        await screenshot(browser, "filters-operator");
        for (const [sel, label] of [["#filter-operator", "All operators"], ["#filter-status", "Any status"], ["#filter-group", "All groups"]]) {
          await choose(browser, sel, label);
        }
      },
    },
    {
      name: "assign: outgoing whatsapp lands in my inbox",
      timeout: 60000,
      async run(ctx) {
        const { browser, server } = ctx;
        assert(ctx.who === ADMIN.email, "needs the admin signed in");
        await click(browser, "#outgoing-message");
        await waitFor("the outgoing dialog", () => visible(browser, "#outgoing-dialog"));
        await typeInto(browser, "#outgoing-phone", "+49 30 5550 1234");
        await typeInto(browser, "#outgoing-name", "Hanna Outgoing");
        await typeInto(browser, "#outgoing-text", "Hello from the demo desk");
        await screenshot(browser, "outgoing-dialog");
        await click(browser, "#outgoing-send");
        await waitFor("My inbox with the new conversation open", async () => (await text(browser, ".conv-header .client"))?.trim() === "Hanna Outgoing", {
          timeout: 15000,
        });
        const id = Number(await attr(browser, ".conversation-row[aria-selected='true']", "data-id"));
        const conv = await get(server, id);
        assert(conv.status === "inbox" && conv.client.external_id === "493055501234", `server: ${JSON.stringify(conv).slice(0, 300)}`);
        assert(conv.messages.at(-1).text === "Hello from the demo desk", "the message was not stored");
        await screenshot(browser, "outgoing-inbox");
      },
    },
    {
      name: "assign: unread mark cleared on open",
      timeout: 60000,
      async run(ctx) {
        const { browser, server } = ctx;
        assert(ctx.who === ADMIN.email, "needs the admin signed in");
        const acc = await server.inbound({ external_id: `ur-${Date.now()}`, name: "Una Read", text: "Is anyone there?" });
        const id = acc.conversation_id;
        await selectTab(browser, "unassigned");
        const dot = `.conversation-row[data-id="${id}"] .unread-dot`;
        await waitFor("the unread mark", () => exists(browser, dot), { timeout: 15000 });
        await screenshot(browser, "unread");
        await click(browser, `.conversation-row[data-id="${id}"]`);
        await waitFor("the unread mark gone", async () => !(await exists(browser, dot)), { timeout: 15000 });
        log(`unread of ${id} cleared`);
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
