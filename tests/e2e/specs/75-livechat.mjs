// LiveChat (issue 10), end to end: a visitor on a shop page (widget/demo.html, served on its own
// origin) writes in the widget in headless Chromium (playwright-core, apt `chromium`); the real
// app shows the conversation and notifies (a Notify call on the session bus); the operator takes
// it and answers from the app; the visitor's widget shows the answer, the app shows it delivered,
// and after a reload the visitor still has the whole conversation. Typing shows both ways: the
// app says "<visitor> is typing…" while the visitor types, the widget "typing…" while the operator
// types an answer.

import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { chromium } from "playwright-core";
import { attr, click, ctrlEnter, Driver, exists, openRow, screenshot, selectTab, signIn, threadMessages, typeInto, visible } from "../harness/app.mjs";
import { NotifyMonitor } from "../harness/notify.mjs";
import { TestServer } from "../harness/server.mjs";
import { assert, env, log, run, waitFor } from "../harness/util.mjs";

const ADMIN = { email: "admin@demo.test", password: "demo" };
const ROOT = path.resolve(env.here, "..", "..");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

/** Serves the demo shop page, embedding `chat` of `server`, on a free port of 127.0.0.1. */
async function shopPage(embed) {
  const template = fs.readFileSync(path.join(ROOT, "widget", "demo.html"), "utf8");
  const srv = http.createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(template.replaceAll("{{SERVER}}", embed.server).replaceAll("{{CHANNEL}}", String(embed.channel)));
  });
  await new Promise((r) => srv.listen(0, "127.0.0.1", r));
  return { srv, origin: `http://127.0.0.1:${srv.address().port}` };
}

const get = (server, id) => server.seed("GET", "get", { conversation_id: id }).then((b) => b.data);

export default {
  title: "LiveChat widget: a visitor in Chromium, the operator in the app",
  setupTimeout: 150000,

  async setup(ctx) {
    ctx.server = new TestServer("server-livechat");
    await ctx.server.prepare();
    await ctx.server.start();
    ctx.embed = { server: ctx.server.url, channel: 0 };
    ctx.page = await shopPage(ctx.embed);
    const added = await run(env.server, [
      "--db", ctx.server.db, "channel", "add", "--kind", "livechat", "--name", "Shop site",
      "--origin", ctx.page.origin, "--group", "1st line", "--public-url", ctx.server.url,
    ]);
    const [id, snippet] = added.stdout.trim().split("\n");
    ctx.embed.channel = Number(id);
    assert(ctx.embed.channel > 0 && snippet.includes(`data-channel="${id}"`), `channel add printed ${added.stdout}`);
    await run(env.server, ["--db", ctx.server.db, "channel", "widget", "--id", id, "--greeting", "Hi! An operator is here."]);
    ctx.monitor = new NotifyMonitor();
    ctx.monitor.start("dbus-monitor-livechat");
    ctx.dataDir = path.join(env.runDir, "data-livechat");
    fs.mkdirSync(ctx.dataDir, { recursive: true });
    ctx.driver = new Driver("livechat", { appEnv: { SWITCHBOARD_DATA_DIR: ctx.dataDir } });
    await ctx.driver.start();
    ctx.browser = await ctx.driver.launch();
    ctx.chromium = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    ctx.visitor = await (await ctx.chromium.newContext({ viewport: { width: 1000, height: 700 } })).newPage();
  },

  cases: [
    {
      name: "livechat: the visitor's message shows in the app and notifies",
      timeout: 120000,
      async run(ctx) {
        const { browser, server, visitor, monitor } = ctx;
        await signIn(browser, server.url, ADMIN);
        await waitFor("the desk, online", async () => (await exists(browser, "[data-tab]")) && (await attr(browser, "#conn-state", "data-state")) === "online", { timeout: 60000 });

        await visitor.goto(ctx.page.origin + "/");
        await visitor.getByRole("button", { name: /Open chat/ }).click();
        // The app is open, so the widget greets instead of the offline message.
        await visitor.getByText("Hi! An operator is here.").waitFor({ timeout: 20000 });
        ctx.question = `Do you deliver to Lyon? ${Date.now()}`;
        await visitor.getByLabel("Your message").fill(ctx.question);
        await visitor.keyboard.press("Enter");

        const conv = await waitFor("the visitor's conversation on the server", async () => {
          const { data } = await server.seed("GET", "unassigned");
          return data.find((c) => c.channel_account_id === ctx.embed.channel);
        }, { timeout: 20000, interval: 250 });
        ctx.id = conv.id;
        const call = await monitor.waitText(ctx.question, 20000);
        log(`Notify: ${call.summary} / ${call.body}`);
        assert(call.summary.includes("Visitor") || call.body.includes("Visitor"), `the notification names the visitor: ${JSON.stringify(call)}`);
        await selectTab(browser, "unassigned");
        await openRow(browser, ctx.id);
        const msgs = await threadMessages(browser);
        assert(msgs.some((m) => m.kind === "client" && m.text === ctx.question), `the thread shows the question: ${JSON.stringify(msgs)}`);
        await screenshot(browser, "livechat-in-the-app");
      },
    },
    {
      name: "livechat: the app shows \"is typing…\" while the visitor types, and clears it",
      timeout: 60000,
      async run(ctx) {
        const { browser, visitor } = ctx;
        const typingText = () => browser.execute(() => document.querySelector("#client-typing")?.textContent?.trim() ?? "");
        const box = visitor.getByLabel("Your message");
        await box.pressSequentially("One more thing", { delay: 30 });
        const shown = await waitFor("the app: is typing…", async () => {
          const t = await typingText();
          return t.includes("is typing…") && t;
        }, { timeout: 20000, interval: 100 });
        assert(/^Visitor .* is typing…$/.test(shown), `names the visitor: ${shown}`);
        await screenshot(browser, "livechat-visitor-typing");
        await box.fill("");
        await waitFor("the app: typing cleared by the emptied box", async () => (await typingText()) === "", { timeout: 20000, interval: 100 });
      },
    },
    {
      name: "livechat: the operator answers from the app and the visitor sees it, also after a reload",
      timeout: 120000,
      async run(ctx) {
        const { browser, server, visitor } = ctx;
        await click(browser, "#start-conversation");
        await waitFor("the reply box", () => visible(browser, "#composer"), { timeout: 15000 });
        const answer = `Yes, in 3 days. ${Date.now()}`;
        await typeInto(browser, "#composer", answer);
        // The visitor sees the operator typing before the answer arrives, and not after.
        const typing = visitor.locator(".typing");
        await waitFor("the widget: typing…", async () => ((await typing.textContent()) || "").includes("typing…"), { timeout: 20000, interval: 100 });
        await visitor.screenshot({ path: path.join(env.out, "livechat-visitor-sees-typing.png") });
        await ctrlEnter(browser);
        await visitor.getByRole("log", { name: "Messages" }).getByText(answer).waitFor({ timeout: 20000 });
        assert(((await typing.textContent()) || "") === "", "the answer ends typing… in the widget");
        await waitFor("the server: delivered", async () => {
          const m = (await get(server, ctx.id)).messages.find((x) => x.text === answer);
          return m?.delivery === "delivered";
        }, { timeout: 20000 });
        await waitFor("the app: delivered", async () =>
          browser.execute((t) => [...document.querySelectorAll(".message")].some(
            (m) => m.querySelector(".message-text")?.textContent?.trim() === t && m.querySelector('[data-delivery="delivered"]')), answer),
        { timeout: 20000 });
        await screenshot(browser, "livechat-answered-in-the-app");
        await visitor.screenshot({ path: path.join(env.out, "livechat-visitor.png") });

        await visitor.reload();
        await visitor.getByRole("button", { name: /Open chat/ }).click();
        const log_ = visitor.getByRole("log", { name: "Messages" });
        await log_.getByText(answer).waitFor({ timeout: 20000 });
        const text = await log_.textContent();
        assert(text.indexOf(ctx.question) >= 0 && text.indexOf(ctx.question) < text.indexOf(answer), `history after the reload: ${text}`);
      },
    },
  ],

  async teardown(ctx) {
    await ctx.chromium?.close().catch((e) => log(`chromium: ${e.message}`));
    ctx.page?.srv.close();
    if (ctx.driver) {
      await ctx.driver.quit(ctx.browser).catch((e) => log(`quit: ${e.message}`));
      await ctx.driver.stop();
    }
    if (ctx.server) await ctx.server.stop();
    if (ctx.monitor?.proc) await ctx.monitor.proc.stop();
  },
};
