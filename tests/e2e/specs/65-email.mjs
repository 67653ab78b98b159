// "Send to Email" in the real app against a real SMTP server (aiosmtpd, harness/smtp.mjs): the
// operator selects two messages and sends them from the selection bar, then sends the whole
// conversation from the conversation bar; each time the toast confirms and the mail that
// arrived holds exactly the expected messages, as plain text and HTML. Then the super-admin's
// Administration › Settings › Advanced saves the email whitelist and a group's file block.

import fs from "node:fs";
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
      args: ["--smtp-url", ctx.smtp.url, "--mail-from", "Switchboard <desk@demo.test>"],
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
    ctx.driver = new Driver("email", { appEnv: { SWITCHBOARD_DATA_DIR: ctx.dataDir } });
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
