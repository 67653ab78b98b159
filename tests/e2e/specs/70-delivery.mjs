// Real delivery in the real app: a Custom app channel whose callback (a local HTTP receiver)
// refuses the operator's answer with 404. The thread shows "Not delivered" with the channel's
// reason; once the receiver is fixed, the operator's Retry queues the answer again for real and
// its icon turns to "Delivered", with exactly one message accepted by the receiver.

import http from "node:http";
import path from "node:path";
import fs from "node:fs";
import { attr, click, ctrlEnter, Driver, exists, openRow, screenshot, selectTab, signIn, typeInto, visible } from "../harness/app.mjs";
import { TestServer } from "../harness/server.mjs";
import { assert, env, log, run, waitFor } from "../harness/util.mjs";

const ADMIN = { email: "admin@demo.test", password: "demo" };
const ANSWER = "Your refund is on its way";

/** A Custom app callback: answers `status` to every POST and records the bodies it accepted. */
class Receiver {
  constructor() {
    this.status = 404;
    this.accepted = [];
    this.posts = 0;
    this.server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        this.posts++;
        if (this.status === 200) this.accepted.push(JSON.parse(body));
        res.writeHead(this.status, { "Content-Type": "application/json" });
        res.end(this.status === 200 ? JSON.stringify({ id: `shop-${this.accepted.length}` }) : "{}");
      });
    });
  }

  start() {
    return new Promise((resolve) => this.server.listen(0, "127.0.0.1", () => resolve(this.server.address().port)));
  }

  stop() {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** The thread's message whose text is `text`: its failure line and delivery icon state. */
function answerState(browser, text) {
  return browser.execute((t) => {
    const m = [...document.querySelectorAll(".message")].find((e) => e.querySelector(".message-text")?.textContent.trim() === t);
    if (!m) return null;
    return {
      failure: m.querySelector(".failure")?.textContent.trim() ?? null,
      delivery: m.querySelector("[data-delivery]")?.getAttribute("data-delivery") ?? null,
      retry: m.querySelector("[data-retry]")?.getAttribute("data-retry") ?? null,
    };
  }, text);
}

export default {
  title: "delivery",
  setupTimeout: 150000,

  async setup(ctx) {
    ctx.receiver = new Receiver();
    const port = await ctx.receiver.start();
    ctx.server = new TestServer("server-delivery", { args: ["--allow-private-callbacks", "--delivery-backoff-max-secs", "1"] });
    await ctx.server.prepare();
    const added = await run(
      env.server,
      ["--db", ctx.server.db, "channel", "add", "--kind", "custom", "--name", "Shop app", "--callback-url", `http://127.0.0.1:${port}/hook`],
      { timeout: 30000 },
    );
    const [id, secret] = added.stdout.trim().split("\n");
    ctx.server.customChannelId = Number(id);
    ctx.server.customChannelSecret = secret;
    await ctx.server.start();
    const acc = await ctx.server.inbound({ external_id: "e2e-shop-42", name: "Shop Buyer", text: "Where is my refund?" });
    ctx.convId = acc.conversation_id;
    ctx.dataDir = path.join(env.runDir, "data-delivery");
    fs.mkdirSync(ctx.dataDir, { recursive: true });
    ctx.driver = new Driver("delivery", { appEnv: { SWITCHBOARD_DATA_DIR: ctx.dataDir } });
    await ctx.driver.start();
    ctx.browser = await ctx.driver.launch();
  },

  cases: [
    {
      name: "delivery: a refused answer shows the reason, Retry delivers it once",
      timeout: 120000,
      async run(ctx) {
        const { browser, server, receiver, convId } = ctx;
        await signIn(browser, server.url, ADMIN);
        await waitFor("the desk", () => exists(browser, "[data-tab]"), { timeout: 20000 });
        await waitFor("online", async () => (await attr(browser, "#conn-state", "data-state")) === "online", { timeout: 45000 });
        await selectTab(browser, "unassigned");
        await openRow(browser, convId);
        await waitFor("#start-conversation", () => visible(browser, "#start-conversation"));
        await click(browser, "#start-conversation");
        await waitFor("the composer enabled", async () => (await exists(browser, "#composer")) && (await browser.$("#composer").isEnabled()));
        await typeInto(browser, "#composer", ANSWER);
        await ctrlEnter(browser);

        const failed = await waitFor(
          "the answer marked not delivered with the channel's reason",
          async () => {
            const s = await answerState(browser, ANSWER);
            return s?.delivery === "failed" && s.failure ? s : null;
          },
          { timeout: 30000 },
        );
        log(`failed: ${JSON.stringify(failed)}`);
        assert(failed.failure.includes("Not delivered: The channel's callback answered 404 Not Found"), `failure line: ${failed.failure}`);
        assert(failed.retry, "no Retry next to the failed answer");
        assert(receiver.accepted.length === 0, "the receiver accepted a refused answer");
        await screenshot(browser, "delivery-failed");

        receiver.status = 200;
        const postsBefore = receiver.posts;
        await click(browser, `[data-retry="${failed.retry}"]`);
        await waitFor(
          "the answer delivered after Retry",
          async () => {
            const s = await answerState(browser, ANSWER);
            return s?.delivery === "delivered" && !s.failure;
          },
          { timeout: 30000 },
        );
        await screenshot(browser, "delivery-retried");
        assert(receiver.posts === postsBefore + 1, `Retry made ${receiver.posts - postsBefore} POSTs`);
        assert(receiver.accepted.length === 1, `the receiver accepted ${receiver.accepted.length} messages`);
        assert(receiver.accepted[0].text === ANSWER, `the receiver got ${JSON.stringify(receiver.accepted[0])}`);
        assert(receiver.accepted[0].client_external_id === "e2e-shop-42", "the answer went to another client");
        const { data } = await server.seed("GET", "get", { conversation_id: convId });
        const stored = data.messages.filter((m) => m.text === ANSWER);
        assert(stored.length === 1, `the server has ${stored.length} copies of the answer`);
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
    await ctx.receiver?.stop();
  },
};
