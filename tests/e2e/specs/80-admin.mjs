// The Administration area in the real app. The super-admin adds an operator in the 2nd line
// (one-time password shown once); a second app instance (its own tauri-driver on a private
// D-Bus session, so the single-instance lock and the keychain are its own) signs in as that
// operator with it and sees only the 2nd line's Unassigned; the admin deactivates her, and the
// second app signs out by itself within 2 s saying why. Every admin screen is photographed
// (docs/admin-*.png come from this run). `E2E_ONLY=admin:`

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { attr, bodyText, click, count, Driver, exists, screenshot, signIn, text, typeInto, visible } from "../harness/app.mjs";
import { TestServer } from "../harness/server.mjs";
import { assert, env, log, waitFor } from "../harness/util.mjs";

const ADMIN = { email: "admin@demo.test", password: "demo" };
const NEW = { name: "Nina Neumann", email: "nina@demo.test" };
const GROUP = "2nd line";

/** A REST call with the server's API token (acts as the super-admin). */
async function rest(server, p) {
  const res = await fetch(`${server.url}/api/v1/${p}`, {
    headers: { Authentication: server.token },
    signal: AbortSignal.timeout(10000),
  });
  assert(res.ok, `GET ${p} → ${res.status}`);
  return res.json();
}

/** Every conversation of the company (snapshot pages, as the super-admin sees them). */
async function allConversations(server) {
  const out = [];
  let after = null;
  for (;;) {
    const page = await rest(server, `snapshot?limit=5000${after ? `&after_id=${after}` : ""}`);
    out.push(...page.conversations);
    if (!page.next_after_id) return out;
    after = page.next_after_id;
  }
}

/** How many conversations in the app's cache (its SQLite file under `dataDir`, read beside the
 * running app) carry `needle` in their client. */
function cacheHolds(dataDir, needle) {
  const files = fs.readdirSync(dataDir, { recursive: true }).filter((f) => String(f).endsWith("cache.sqlite3"));
  assert(files.length === 1, `one cache under ${dataDir}: ${files.join(", ")}`);
  const py = "import sqlite3,sys; c=sqlite3.connect('file:'+sys.argv[1]+'?mode=ro', uri=True); " +
    "print(c.execute('SELECT COUNT(*) FROM conversations WHERE client_json LIKE ?', ('%'+sys.argv[2]+'%',)).fetchone()[0])";
  return Number(execFileSync("python3", ["-c", py, path.join(dataDir, String(files[0])), needle]).toString().trim());
}

async function openSection(browser, id, shot) {
  await click(browser, `[data-admin-section="${id}"]`);
  await waitFor(`the ${id} section`, () => visible(browser, `#admin-${id}`), { timeout: 15000 });
  await waitFor(`the ${id} section loaded`, async () => !(await bodyText(browser)).includes("Loading…"), { timeout: 15000 });
  if (await exists(browser, `#admin-${id} .page-error`)) throw new Error(await text(browser, `#admin-${id} .page-error`));
  await screenshot(browser, shot);
}

export default {
  title: "administration",
  setupTimeout: 150000,

  async setup(ctx) {
    ctx.server = new TestServer("server-admin");
    await ctx.server.prepare();
    await ctx.server.start();
    ctx.dataDir = path.join(env.runDir, "data-admin");
    ctx.dataDir2 = path.join(env.runDir, "data-admin-2");
    fs.mkdirSync(ctx.dataDir, { recursive: true });
    fs.mkdirSync(ctx.dataDir2, { recursive: true });
    ctx.driver = new Driver("admin", { appEnv: { SWITCHBOARD_DATA_DIR: ctx.dataDir } });
    await ctx.driver.start();
    ctx.browser = await ctx.driver.launch();
  },

  cases: [
    {
      name: "admin: the super-admin adds an operator in a group; the password is shown once",
      timeout: 150000,
      async run(ctx) {
        const { browser, server } = ctx;
        const groups = await rest(server, "groups");
        ctx.group = groups.find((g) => g.name === GROUP);
        assert(ctx.group, `no group ${GROUP}: ${JSON.stringify(groups)}`);

        await signIn(browser, server.url, ADMIN);
        await waitFor("the desk", () => exists(browser, "[data-tab]"), { timeout: 20000 });
        await waitFor("online", async () => (await attr(browser, "#conn-state", "data-state")) === "online", { timeout: 45000 });
        await click(browser, "#admin-open");
        await waitFor("the Administration area", () => visible(browser, "#admin-area"), { timeout: 10000 });
        await openSection(browser, "operators", "admin-operators");

        await click(browser, "#operator-add");
        await waitFor("the new-operator form", () => visible(browser, "#operator-form"));
        await typeInto(browser, "#operator-name-input", NEW.name);
        await typeInto(browser, "#operator-email", NEW.email);
        await click(browser, `[data-group-choice="${ctx.group.id}"]`);
        await screenshot(browser, "admin-operator-form");
        await click(browser, "#operator-save");
        await waitFor(
          "the one-time password",
          async () => {
            if (await exists(browser, "#operator-form .error")) throw new Error(await text(browser, "#operator-form .error"));
            return visible(browser, "#secret-value");
          },
          { timeout: 15000 },
        );
        ctx.password = await browser.$("#secret-value").getValue();
        assert(/^[a-z0-9]{4}(-[a-z0-9]{4}){3}$/.test(ctx.password), `one-time password ${JSON.stringify(ctx.password)}`);
        await screenshot(browser, "admin-one-time-password");
        await click(browser, "#secret-done");
        await waitFor("the password dialog closed", async () => !(await exists(browser, "#secret-once")));
        // Shown once: the list has her, never the password.
        await waitFor(`${NEW.email} in the list`, () => exists(browser, `[data-operator="${NEW.email}"]`), { timeout: 10000 });
        const row = await text(browser, `[data-operator="${NEW.email}"]`);
        assert(row.includes(GROUP) && row.includes("Active"), `her row: ${row}`);
        assert(!(await bodyText(browser)).includes(ctx.password), "the password is still on screen");
        const ops = await rest(server, "operators");
        const nina = ops.find((o) => o.email === NEW.email);
        assert(nina && JSON.stringify(nina.group_ids) === JSON.stringify([ctx.group.id]), `server: ${JSON.stringify(nina)}`);
        ctx.ninaId = nina.id;

        // The other screens, for the record.
        await openSection(browser, "groups", "admin-groups");
        await openSection(browser, "roles", "admin-roles");
        await click(browser, '[data-role-row] [data-action="edit"]');
        await waitFor("the role form", () => visible(browser, "#role-form"));
        await screenshot(browser, "admin-role-form");
        await click(browser, "#role-form .btn--secondary");
        await openSection(browser, "advanced", "admin-advanced");
        await openSection(browser, "action-log", "admin-action-log");
        await openSection(browser, "ip-whitelist", "admin-ip-whitelist");
        await openSection(browser, "webhooks", "admin-webhooks");
        // Iframe integration: on with a CRM's site; the server keeps it.
        await openSection(browser, "iframe", "admin-iframe-before");
        if (!(await browser.$("#iframe-enabled").isSelected())) await click(browser, "#iframe-enabled");
        await typeInto(browser, "#iframe-origins", "https://crm.example.com");
        await click(browser, "#iframe-save");
        await waitFor(
          "the iframe settings saved",
          async () => {
            if (await exists(browser, "#iframe-error")) throw new Error(await text(browser, "#iframe-error"));
            return exists(browser, "#iframe-saved");
          },
          { timeout: 15000 },
        );
        await screenshot(browser, "admin-iframe");
        // The instructions name this server.
        const snippet = await text(browser, "#iframe-snippet");
        assert(snippet.includes(`<iframe src="${server.url}/embed/`), `the snippet: ${snippet}`);
        const iframe = await rest(server, "settings/iframe");
        assert(iframe.enabled && iframe.origins.includes("https://crm.example.com"), `server: ${JSON.stringify(iframe)}`);
      },
    },
    {
      name: "admin: channels of every kind are added from the app; a channel with conversations is not deleted",
      timeout: 150000,
      async run(ctx) {
        const { browser, server } = ctx;
        const choose = async (selector, label) => (await browser.$(selector)).selectByVisibleText(label);
        await openSection(browser, "channels", "admin-channels-before");
        await click(browser, "#channel-add");
        await waitFor("the channel form", () => visible(browser, "#channel-form"));
        // A Telegram bot with a token that is not one: the server's sentence, in the dialog.
        await choose("#channel-kind", "Telegram");
        await typeInto(browser, "#channel-name", "Support bot");
        await typeInto(browser, "#channel-bot-token", "not-a-token");
        await click(browser, "#channel-save");
        await waitFor("the server's sentence", () => exists(browser, "#channel-form .error"), { timeout: 10000 });
        const refusal = await text(browser, "#channel-form .error");
        assert(refusal.includes("@BotFather"), `the sentence: ${refusal}`);
        await screenshot(browser, "admin-channels-add-telegram");
        await choose("#channel-kind", "Email");
        await waitFor("the mailbox fields", () => visible(browser, "#channel-imap"));
        await typeInto(browser, "#channel-address", "support@demo.test");
        await typeInto(browser, "#channel-imap", "imaps://mail.demo.test");
        await typeInto(browser, "#channel-imap-user", "support@demo.test");
        await typeInto(browser, "#channel-smtp", "smtps://mail.demo.test");
        await screenshot(browser, "admin-channels-add-email");

        // A web chat: added, and the code a site pastes is shown with this server's address.
        await choose("#channel-kind", "LiveChat");
        await typeInto(browser, "#channel-name", "Shop chat");
        await typeInto(browser, "#channel-tags", "EU, Web shop");
        await typeInto(browser, "#channel-origins", "https://shop.example.com");
        await click(browser, "#channel-save");
        await waitFor("the embed code", () => visible(browser, "#channel-embed"), { timeout: 10000 });
        const chat = (await rest(server, "channels")).find((c) => c.name === "Shop chat");
        assert(chat && chat.kind === "livechat" && JSON.stringify(chat.tags) === '["EU","Web shop"]', `server: ${JSON.stringify(chat)}`);
        const snippet = await browser.execute(() => document.querySelector("#channel-snippet")?.value ?? "");
        assert(snippet.includes(`${server.url}/widget.js`) && snippet.includes(`data-channel="${chat.id}"`), `snippet: ${snippet}`);
        await screenshot(browser, "admin-channels-embed");
        await click(browser, "#embed-done");

        // Tags are shown and filter the list.
        await waitFor("the tag filter", () => exists(browser, "#channel-tag-filter"));
        await choose("#channel-tag-filter", "Web shop");
        await waitFor("only the tagged channel", async () => (await count(browser, "[data-channel-row]")) === 1);
        assert(await exists(browser, '[data-channel-row="Shop chat"]'), "Shop chat is the one shown");
        await screenshot(browser, "admin-channels");
        await choose("#channel-tag-filter", "All channels");

        // A channel with conversations: refused with the server's sentence, nothing lost.
        const busy = (await allConversations(server))[0].channel_account_id;
        const busyName = (await rest(server, "channels")).find((c) => c.id === busy).name;
        await click(browser, `[data-channel-row="${busyName}"] [data-action="delete"]`);
        await waitFor("the confirmation", () => visible(browser, "#admin-confirm"));
        await click(browser, "#confirm-ok");
        await waitFor("the refusal", () => exists(browser, "#admin-confirm .error"), { timeout: 10000 });
        const why = await text(browser, "#admin-confirm .error");
        assert(why.includes("disable it instead so they stay readable"), `the refusal: ${why}`);
        await screenshot(browser, "admin-channels-delete-refused");
        await click(browser, "#confirm-cancel");
        assert((await rest(server, "channels")).some((c) => c.id === busy), "the busy channel is kept");

        // The new one has none: deleted.
        await click(browser, '[data-channel-row="Shop chat"] [data-action="delete"]');
        await waitFor("the confirmation", () => visible(browser, "#admin-confirm"));
        await click(browser, "#confirm-ok");
        await waitFor("Shop chat gone", async () => !(await exists(browser, '[data-channel-row="Shop chat"]')), { timeout: 10000 });
        assert(!(await rest(server, "channels")).some((c) => c.id === chat.id), "deleted on the server");
        // Back where the next case starts.
        await openSection(browser, "operators", "admin-operators-after");
      },
    },
    {
      name: "admin: a second app signs in as her and sees only her group's Unassigned",
      timeout: 150000,
      async run(ctx) {
        const { server } = ctx;
        assert(ctx.password, "needs the first case's one-time password");
        ctx.driver2 = new Driver("admin-2", { bare: true, appEnv: { SWITCHBOARD_DATA_DIR: ctx.dataDir2 } });
        await ctx.driver2.start();
        ctx.browser2 = await ctx.driver2.launch();
        const b2 = ctx.browser2;
        await signIn(b2, server.url, { email: NEW.email, password: ctx.password });
        await waitFor(
          "her desk",
          async () => {
            if (await exists(b2, "#sign-in-error")) throw new Error(await text(b2, "#sign-in-error"));
            return exists(b2, "[data-tab]");
          },
          { timeout: 20000 },
        );
        await waitFor("online", async () => (await attr(b2, "#conn-state", "data-state")) === "online", { timeout: 45000 });
        assert((await text(b2, "#operator-name")) === NEW.name, `signed in as ${await text(b2, "#operator-name")}`);
        assert(!(await exists(b2, "#admin-open")), "a plain operator is offered Administration");

        const all = await allConversations(server);
        // Unassigned as the tab shows it: blacklisted clients are the Blacklist tab's.
        const unassigned = all.filter((c) => c.status === "unassigned" && !c.client.blacklisted);
        const mine = new Set(unassigned.filter((c) => c.group_id === ctx.group.id).map((c) => c.id));
        const others = unassigned.filter((c) => c.group_id !== ctx.group.id).length;
        assert(mine.size > 0 && others > 0, `the demo needs unassigned conversations in and outside ${GROUP}`);
        await click(b2, '[data-tab="unassigned"]');
        await waitFor("her Unassigned", async () => (await count(b2, ".conversation-row")) > 0, { timeout: 30000 });
        // The tab counts what she sees: exactly her group's.
        await waitFor(
          `the Unassigned count ${mine.size}`,
          async () => (await text(b2, '[data-tab="unassigned"] .count')) === String(mine.size),
          { timeout: 30000 },
        );
        const shown = await b2.execute(() => [...document.querySelectorAll(".conversation-row")].map((r) => Number(r.getAttribute("data-id"))));
        const foreign = shown.filter((id) => !mine.has(id));
        assert(foreign.length === 0, `rows of other groups shown: ${foreign.join(", ")}`);
        log(`she sees ${shown.length} rows on screen of ${mine.size} in ${GROUP} (${others} unassigned elsewhere)`);
        await screenshot(b2, "admin-second-app-unassigned");
      },
    },
    {
      name: "admin: turning on Hide personal data takes the client's phone out of her app",
      timeout: 120000,
      async run(ctx) {
        const { browser, server } = ctx;
        const b2 = ctx.browser2;
        assert(b2 && (await exists(b2, "[data-tab]")), "needs the second app signed in");
        // A conversation on her screen whose client the channel gave a phone number.
        const byId = new Map((await allConversations(server)).map((c) => [c.id, c]));
        const shown = await b2.execute(() => [...document.querySelectorAll(".conversation-row")].map((r) => Number(r.getAttribute("data-id"))));
        const target = shown.map((id) => byId.get(id)).find((c) => c?.client.contact?.phone);
        assert(target, `none of the ${shown.length} rows on her screen has a client with a phone`);
        const phone = target.client.contact.phone;
        await click(b2, `.conversation-row[data-id="${target.id}"]`);
        await waitFor("the conversation", () => exists(b2, "#client-avatar"), { timeout: 15000 });
        await click(b2, "#client-avatar");
        await waitFor("the profile", () => visible(b2, "#client-profile"));
        await waitFor(`the phone ${phone} in her profile view`, async () => (await text(b2, "#client-phone")) === phone, { timeout: 15000 });
        await screenshot(b2, "admin-second-app-contact-shown");

        await openSection(browser, "personal-data", "admin-personal-data-before");
        await click(browser, "#personal-data-enabled");
        await click(browser, "#personal-data-save");
        const t0 = Date.now();
        await waitFor(
          "saved",
          async () => {
            if (await exists(browser, "#admin-personal-data .error")) throw new Error(await text(browser, "#admin-personal-data .error"));
            return exists(browser, "#personal-data-saved");
          },
          { timeout: 15000 },
        );
        await screenshot(browser, "admin-personal-data");
        // Her app drops it without a restart: the profile says why, the phone is nowhere.
        await waitFor("the contact hidden in her profile", () => exists(b2, "#client-contact-hidden"), { timeout: 30000 });
        log(`her app hid the contact ${Date.now() - t0} ms after the save`);
        assert(!(await exists(b2, "#client-phone")), "the phone is still in her profile");
        assert(!(await bodyText(b2)).includes(phone), "the phone is still on her screen");
        await screenshot(b2, "admin-second-app-contact-hidden");
        // Nor is it in her app's cache.
        const digits = phone.replace(/\D/g, "").slice(-7);
        const cached = await cacheHolds(ctx.dataDir2, digits);
        assert(cached === 0, `her cache still holds ${cached} conversations with ${digits}`);
        // Back where the next case starts.
        await openSection(browser, "operators", "admin-operators-after-privacy");
      },
    },
    {
      name: "admin: deactivating her signs the second app out by itself within 2 s",
      timeout: 90000,
      async run(ctx) {
        const { browser } = ctx;
        const b2 = ctx.browser2;
        assert(b2 && (await exists(b2, "[data-tab]")), "needs the second app signed in");
        await click(browser, `[data-operator="${NEW.email}"] [data-action="deactivate"]`);
        await waitFor("the confirmation", () => visible(browser, "#admin-confirm"));
        await screenshot(browser, "admin-deactivate-confirm");
        const confirm = await browser.$("#confirm-ok");
        await confirm.waitForClickable({ timeout: 10000 });
        const t0 = Date.now();
        await confirm.click();
        const notice = await waitFor(
          "the second app's sign-in screen with the reason",
          async () => ((await exists(b2, "#sign-in-notice")) ? text(b2, "#sign-in-notice") : null),
          { timeout: 15000, interval: 50 },
        );
        const took = Date.now() - t0;
        log(`the second app signed out ${took} ms after the click: ${notice}`);
        assert(notice.includes("Your account was deactivated by an admin."), `notice: ${notice}`);
        assert(took <= 2000, `signed out after ${took} ms`);
        await screenshot(b2, "admin-second-app-signed-out");
        await waitFor("Deactivated in the list", async () => (await text(browser, `[data-operator="${NEW.email}"]`))?.includes("Deactivated"), {
          timeout: 10000,
        });
        await screenshot(browser, "admin-operator-deactivated");
      },
    },
  ],

  async teardown(ctx) {
    for (const [driver, browser] of [
      [ctx.driver2, ctx.browser2],
      [ctx.driver, ctx.browser],
    ]) {
      if (!driver) continue;
      await driver.quit(browser).catch((e) => log(`quit: ${e.message}`));
      await driver.stop();
    }
    if (ctx.server) await ctx.server.stop();
  },
};
