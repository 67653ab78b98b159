// "Send to Email" in the real app against a real SMTP server (aiosmtpd, harness/smtp.mjs): the
// operator selects two messages and sends them from the selection bar, then sends the whole
// conversation from the conversation bar; each time the toast confirms and the mail that
// arrived holds exactly the expected messages, as plain text and HTML. Then the super-admin's
// Administration › Settings › Advanced saves the email whitelist and a group's file block; the
// Action log section lists them (exported as CSV), the IP whitelist saves after the lockout
// question, and a webhook's test event reaches a local receiver and shows in its delivery log.

import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { attr, click, count, Driver, exists, screenshot, text, typeInto, visible, signIn } from "../harness/app.mjs";
import { TestServer } from "../harness/server.mjs";
import { SmtpServer } from "../harness/smtp.mjs";
import { assert, env, log, waitFor } from "../harness/util.mjs";

const ADMIN = { email: "admin@demo.test", password: "demo" };
const CLIENT = "Mail Tester";
const TEXTS = ["My parcel arrived broken", "Order number is 4711", "Please call me <b>today</b>"];
const TO = "claims@partner.test";

/** Sends the open dialog to TO and waits for the toast. */
async function sendDialog(browser, step) {
  await waitFor("the email dialog", () => visible(browser, "#email-dialog"));
  await typeInto(browser, "#email-to", TO);
  await screenshot(browser, `${step}-dialog`);
  await click(browser, "#email-send");
  await waitFor(
    "the Sent toast",
    async () => {
      if (await exists(browser, "#email-dialog .error")) throw new Error(`dialog error: ${await text(browser, "#email-dialog .error")}`);
      return (await exists(browser, "#email-sent")) && (await text(browser, "#email-sent")) === `Sent to ${TO}`;
    },
    { timeout: 30000 },
  );
  await screenshot(browser, `${step}-sent`);
}

/** Ticks a message's selection checkbox, which shows when the pointer is over the message. */
async function selectMessage(browser, id) {
  const box = await browser.$(`[data-select="${id}"]`);
  const message = await box.$('./ancestor::*[contains(concat(" ", @class, " "), " message ")][1]');
  await message.moveTo();
  await box.waitForClickable({ timeout: 10000 });
  await box.click();
  await waitFor(`message ${id} selected`, () => box.isSelected());
}

function assertHas(mail, wanted, unwanted) {
  for (const part of ["text", "html"]) {
    const body = mail[part] ?? "";
    for (const w of wanted) assert(body.includes(w), `${part} part lacks ${JSON.stringify(w)}:\n${body}`);
    for (const u of unwanted) assert(!body.includes(u), `${part} part has ${JSON.stringify(u)}:\n${body}`);
  }
}

export default {
  title: "send to email",
  setupTimeout: 150000,

  async setup(ctx) {
    ctx.smtp = new SmtpServer("smtp-email");
    await ctx.smtp.start();
    ctx.server = new TestServer("server-email", {
      args: ["--smtp-url", ctx.smtp.url, "--mail-from", "Switchboard <desk@demo.test>", "--allow-private-callbacks"],
    });
    await ctx.server.prepare();
    await ctx.server.start();
    // A conversation with three client messages.
    for (const t of TEXTS) {
      const acc = await ctx.server.inbound({ external_id: "e2e-mail-tester", name: CLIENT, text: t });
      ctx.convId = acc.conversation_id;
    }
    const { data } = await ctx.server.seed("GET", "get", { conversation_id: ctx.convId });
    ctx.ids = Object.fromEntries(data.messages.map((m) => [m.text, m.id]));
    ctx.dataDir = path.join(env.runDir, "data-email");
    fs.mkdirSync(ctx.dataDir, { recursive: true });
    // WebDriver cannot drive the native save dialog: the app's "Export CSV" writes here instead.
    ctx.csv = path.join(env.runDir, "action-log.csv");
    ctx.driver = new Driver("email", { appEnv: { SWITCHBOARD_DATA_DIR: ctx.dataDir, SWITCHBOARD_E2E_SAVE_FILE: ctx.csv } });
    await ctx.driver.start();
    ctx.browser = await ctx.driver.launch();
  },

  cases: [
    {
      name: "email: two selected messages from the selection bar",
      timeout: 120000,
      async run(ctx) {
        const { browser, server, smtp, convId, ids } = ctx;
        await signIn(browser, server.url, ADMIN);
        await waitFor("the desk", () => exists(browser, "[data-tab]"), { timeout: 20000 });
        await waitFor("online", async () => (await attr(browser, "#conn-state", "data-state")) === "online", { timeout: 45000 });
        await click(browser, `[data-tab="unassigned"]`);
        await waitFor(`row ${convId}`, () => exists(browser, `.conversation-row[data-id="${convId}"]`), { timeout: 30000 });
        await click(browser, `.conversation-row[data-id="${convId}"]`);
        await waitFor("the three messages", async () => (await count(browser, "[data-select]")) >= 3, { timeout: 15000 });
        await waitFor("Send to Email in the conversation bar", () => visible(browser, "#email-conversation"), { timeout: 15000 });
        await screenshot(browser, "email-open");

        await selectMessage(browser, ids[TEXTS[0]]);
        await selectMessage(browser, ids[TEXTS[2]]);
        await waitFor("the selection bar", () => visible(browser, "#email-selected"));
        assert((await text(browser, "#tag-bar .count")) === "2 selected", `selection: ${await text(browser, "#tag-bar .count")}`);
        await screenshot(browser, "email-selected");
        await click(browser, "#email-selected");
        const subject = await browser.$("#email-subject").getValue();
        assert(subject === `Conversation with ${CLIENT} (#${convId})`, `subject prefilled as ${JSON.stringify(subject)}`);
        await sendDialog(browser, "email-selection");
        assert(!(await exists(browser, "#tag-bar")), "the selection bar stayed open after sending");

        const mail = await smtp.mail(1);
        log(`mail 1: ${JSON.stringify({ subject: mail.subject, to: mail.to, type: mail.content_type })}`);
        assert(mail.subject === subject, `subject ${mail.subject}`);
        assert(mail.to === TO, `to ${mail.to}`);
        assert(mail.content_type === "multipart/alternative", `content type ${mail.content_type}`);
        assertHas(mail, [TEXTS[0], "2 selected messages"], [TEXTS[1]]);
        assert(mail.text.includes(TEXTS[2]), `text part lacks the third message`);
        assert(mail.html.includes("Please call me &lt;b&gt;today&lt;/b&gt;"), `HTML part did not escape the client's text`);
      },
    },
    {
      name: "email: the whole conversation from the conversation bar",
      timeout: 90000,
      async run(ctx) {
        const { browser, smtp, convId } = ctx;
        assert(await exists(browser, `.conversation-row[data-id="${convId}"][aria-selected="true"]`), "needs the first case's open conversation");
        const before = smtp.files().length;
        await click(browser, "#email-conversation");
        await sendDialog(browser, "email-whole");
        const mail = await smtp.mail(before + 1);
        assertHas(mail, [TEXTS[0], TEXTS[1], "whole conversation", CLIENT], []);
        assert(mail.text.includes(TEXTS[2]), "text part lacks the third message");
        assert(smtp.files().length === before + 1, `${smtp.files().length - before} mails arrived`);
      },
    },
    {
      name: "email: Settings › Advanced saves the whitelist and a group's file block",
      timeout: 90000,
      async run(ctx) {
        const { browser, server } = ctx;
        assert(await exists(browser, "#admin-open"), "needs the signed-in super-admin of the first case");
        await click(browser, "#admin-open");
        await click(browser, '[data-admin-section="advanced"]');
        await waitFor("the settings loaded", () => visible(browser, "#restrict-emails"), { timeout: 15000 });
        await waitFor("the groups", () => exists(browser, "[data-group]"), { timeout: 15000 });
        const group = Number(await attr(browser, "[data-group]", "data-group"));
        await click(browser, "#restrict-emails");
        await typeInto(browser, "#whitelist", "Claims@Partner.test");
        await click(browser, `[data-block-send="${group}"]`);
        await screenshot(browser, "settings-edited");
        await click(browser, "#settings-save");
        await waitFor(
          "Saved.",
          async () => {
            if (await exists(browser, "#company-settings .error")) throw new Error(await text(browser, "#company-settings .error"));
            return exists(browser, "#settings-saved");
          },
          { timeout: 15000 },
        );
        await screenshot(browser, "settings-saved");
        const get = async (p) => {
          const res = await fetch(`${server.url}/api/v1/settings/${p}`, {
            headers: { Authentication: server.token },
            signal: AbortSignal.timeout(10000),
          });
          assert(res.ok, `GET ${p} → ${res.status}`);
          return res.json();
        };
        const w = await get("email-whitelist");
        assert(w.restrict === true && JSON.stringify(w.addresses) === '["claims@partner.test"]', `whitelist ${JSON.stringify(w)}`);
        const files = await get("groups/files");
        const g = files.find((f) => f.group_id === group);
        assert(g?.policy.block_send === true && g.policy.block_receive === false, `group files ${JSON.stringify(files)}`);
        await click(browser, "#admin-close");
        await waitFor("back to the conversations", async () => !(await exists(browser, "#company-settings")));
      },
    },
    {
      name: "email: advanced settings, the action log (CSV export) and the IP whitelist (lockout question)",
      timeout: 90000,
      async run(ctx) {
        const { browser, server, csv } = ctx;
        assert(await exists(browser, "#admin-open"), "needs the signed-in super-admin of the first case");
        await click(browser, "#admin-open");
        await click(browser, '[data-admin-section="action-log"]');
        // The previous case's whitelist and file policy are the newest rows.
        await waitFor("the log rows", () => exists(browser, "[data-log-row]"), { timeout: 15000 });
        const first = await text(browser, "[data-log-row]");
        assert(first.includes("file_policy_changed"), `first row: ${first}`);
        await screenshot(browser, "settings-action-log");
        await click(browser, "#log-export");
        await waitFor("Saved to …", () => exists(browser, "#log-exported"), { timeout: 15000 });
        const saved = fs.readFileSync(csv, "utf8");
        assert(saved.startsWith("Actor,Target account,Action type,IP address,Date and time (UTC),Note\r\n"), saved.slice(0, 200));
        assert(saved.includes("email_whitelist_changed") && saved.includes("file_policy_changed"), saved.slice(0, 600));

        await click(browser, '[data-admin-section="ip-whitelist"]');
        await waitFor("the IP whitelist", () => visible(browser, "#ip-whitelist-enabled"), { timeout: 15000 });
        await click(browser, "#ip-whitelist-enabled");
        await typeInto(browser, "#ip-whitelist-entries", "10.0.0.0/8");
        await click(browser, "#ip-whitelist-save");
        await waitFor("the lockout question", () => exists(browser, "#ip-lockout-question"), { timeout: 15000 });
        const question = await text(browser, "#ip-lockout-question");
        assert(/does not include your address .+ Save anyway\? You will be signed out\./.test(question), question);
        await screenshot(browser, "settings-ip-whitelist-lockout");
        await click(browser, "#ip-lockout-cancel");
        // With the app's own address the list saves at once.
        const me = (await text(browser, "#ip-your-address")).split(": ").pop().trim();
        // One per line or separated by spaces or commas (WebDriver types no newline here).
        await typeInto(browser, "#ip-whitelist-entries", `10.0.0.0/8, ${me}`);
        await click(browser, "#ip-whitelist-save");
        await waitFor("Saved.", () => exists(browser, "#ip-whitelist-saved"), { timeout: 15000 });
        await screenshot(browser, "settings-ip-whitelist-saved");
        const res = await fetch(`${server.url}/api/v1/settings/ip-whitelist`, {
          headers: { Authentication: server.token },
          signal: AbortSignal.timeout(10000),
        });
        const w = await res.json();
        assert(w.enabled === true && w.entries.includes("10.0.0.0/8") && w.entries.includes(me), JSON.stringify(w));
        // The desk still works from the listed address.
        await click(browser, "#admin-close");
        await waitFor("back to the conversations", async () => !(await exists(browser, "#admin-ip-whitelist")));
        await waitFor("still online", async () => (await attr(browser, "#conn-state", "data-state")) === "online", { timeout: 20000 });
      },
    },
    {
      name: "email: company settings webhooks: the super-admin adds one, its test event arrives and shows in the log",
      timeout: 90000,
      async run(ctx) {
        const { browser, server } = ctx;
        // A receiver on loopback (the server runs with --allow-private-callbacks).
        const got = [];
        const receiver = http.createServer((req, res) => {
          let body = "";
          req.on("data", (c) => (body += c));
          req.on("end", () => {
            got.push({ event: req.headers["x-switchboard-event"], signature: req.headers["x-switchboard-signature"], body });
            res.end("ok");
          });
        });
        await new Promise((resolve) => receiver.listen(0, "127.0.0.1", resolve));
        const url = `http://127.0.0.1:${receiver.address().port}/hook`;
        try {
          await click(browser, "#admin-open");
          await click(browser, '[data-admin-section="webhooks"]');
          await waitFor("the webhooks section", () => visible(browser, "#webhook-url"), { timeout: 15000 });
          await typeInto(browser, "#webhook-url", url);
          await click(browser, '[data-new-event="message.created"]');
          await click(browser, "#webhook-add");
          await waitFor(
            "the secret shown once",
            async () => {
              if (await exists(browser, "#webhooks .error")) throw new Error(await text(browser, "#webhooks .error"));
              return exists(browser, "[data-secret]");
            },
            { timeout: 15000 },
          );
          const id = Number(await attr(browser, "[data-secret]", "data-secret"));
          assert((await text(browser, "[data-secret]")).startsWith("whsec_"), "a whsec_ secret");
          await screenshot(browser, "webhook-added");
          await click(browser, `[data-webhook="${id}"] [data-action="test"]`);
          await waitFor("the test event arrived", async () => got.some((g) => g.event === "webhook.test"), { timeout: 20000 });
          const test = got.find((g) => g.event === "webhook.test");
          assert(/^t=\d+,v1=[0-9a-f]{64}$/.test(test.signature), `signature ${test.signature}`);
          await click(browser, `[data-webhook="${id}"] [data-action="log"]`);
          await waitFor("the log shows the delivery", async () => (await count(browser, "[data-attempt]")) > 0, { timeout: 15000 });
          assert((await text(browser, "[data-attempt]")).includes("delivered"), "delivered in the log");
          await screenshot(browser, "webhook-log");
          const res = await fetch(`${server.url}/api/v1/webhooks`, {
            headers: { Authentication: server.token },
            signal: AbortSignal.timeout(10000),
          });
          const hooks = await res.json();
          const saved = hooks.find((h) => h.id === id);
          assert(saved?.url === url && saved.events.length === 7 && !saved.events.includes("message.created"), `webhook ${JSON.stringify(hooks)}`);
          await click(browser, "#admin-close");
          await waitFor("back to the conversations", async () => !(await exists(browser, "#admin-webhooks")));
        } finally {
          receiver.close();
        }
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
    if (ctx.smtp) await ctx.smtp.stop();
  },
};
