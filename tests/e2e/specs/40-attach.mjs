// Attachments in the real app: "Attach file" uploads a picture into the open conversation, the
// thread shows it with its name and an inline preview, and the server stored exactly those bytes.
//
// WebDriver cannot drive the native file dialog. The app's `pick_file` command returns the path
// in SWITCHBOARD_E2E_PICK_FILE instead of opening the dialog when that variable is set (and only
// then); the button click, the upload, the progress, the thread and the preview are the real ones.

import fs from "node:fs";
import path from "node:path";
import { attr, click, count, Driver, exists, screenshot, typeInto, visible, signIn } from "../harness/app.mjs";
import { TestServer } from "../harness/server.mjs";
import { assert, env, log, waitFor } from "../harness/util.mjs";

const ADMIN = { email: "admin@demo.test", password: "demo" };

/** A real 2×2 PNG (red, green, blue, white). */
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEklEQVR4nGP4z8DAAMIM/4EAAB/uBfsL2WiLAAAAAElFTkSuQmCC",
  "base64",
);

export default {
  title: "attachments",
  setupTimeout: 150000,

  async setup(ctx) {
    ctx.server = new TestServer("server-attach");
    await ctx.server.prepare();
    await ctx.server.start();
    ctx.dataDir = path.join(env.runDir, "data-attach");
    fs.mkdirSync(ctx.dataDir, { recursive: true });
    ctx.file = path.join(env.runDir, "e2e-chart.png");
    fs.writeFileSync(ctx.file, PNG);
    ctx.driver = new Driver("attach", {
      appEnv: { SWITCHBOARD_DATA_DIR: ctx.dataDir, SWITCHBOARD_E2E_PICK_FILE: ctx.file },
    });
    await ctx.driver.start();
    ctx.browser = await ctx.driver.launch();
  },

  cases: [
    {
      name: "attach a picture: thread, preview and the server's copy",
      timeout: 120000,
      async run(ctx) {
        const { browser, server } = ctx;
        await signIn(browser, server.url, ADMIN);
        await waitFor("the desk", () => exists(browser, "[data-tab]"), { timeout: 20000 });
        await click(browser, `[data-tab="unassigned"]`);
        await waitFor("rows in Unassigned", async () => (await count(browser, ".conversation-row")) > 0, { timeout: 30000 });
        await waitFor("online", async () => (await attr(browser, "#conn-state", "data-state")) === "online", { timeout: 45000 });
        const id = Number(await attr(browser, ".conversation-row", "data-id"));
        await click(browser, `.conversation-row[data-id="${id}"]`);
        await waitFor("#start-conversation", () => visible(browser, "#start-conversation"), { timeout: 15000 });
        await click(browser, "#start-conversation");
        await waitFor("Attach file enabled", async () => (await exists(browser, "#attach-file")) && (await browser.$("#attach-file").isEnabled()), {
          timeout: 15000,
        });
        await screenshot(browser, "attach-before");

        await click(browser, "#attach-file");
        await waitFor(
          "the picture in the thread with its preview",
          async () => {
            if (await exists(browser, "#attach-error")) throw new Error(`attach error: ${await browser.$("#attach-error").getText()}`);
            return exists(browser, '.attachment img.preview[alt="e2e-chart.png"]');
          },
          { timeout: 30000 },
        );
        const src = await attr(browser, ".attachment img.preview", "src");
        assert(src.startsWith("data:image/png;base64,"), `preview src is ${src.slice(0, 40)}`);
        // Every file name the thread shows (the virtualized thread may hold the row twice while
        // it re-measures after the preview loaded).
        const shown = await browser.execute(() =>
          [...document.querySelectorAll(".message .attachment .name")].map((e) => e.textContent.trim()),
        );
        assert(shown.includes("e2e-chart.png"), `file names shown: ${JSON.stringify(shown)}`);
        const loaded = await browser.execute(() => document.querySelector(".attachment img.preview")?.naturalWidth ?? 0);
        assert(loaded === 2, `the preview image did not decode (naturalWidth ${loaded})`);
        await screenshot(browser, "attach-in-thread");

        // The server has one message with this file, and its bytes are the ones picked.
        const msg = await waitFor(
          `the server's file message in conversation ${id}`,
          async () => {
            const { data } = await server.seed("GET", "get", { conversation_id: id });
            return data.messages.find((m) => m.attachment?.name === "e2e-chart.png");
          },
          { timeout: 15000, interval: 500 },
        );
        const res = await fetch(`${server.url}/api/v1/attachments/${msg.attachment.id}`, {
          headers: { Authentication: server.token },
          signal: AbortSignal.timeout(10000),
        });
        assert(res.ok, `download answered ${res.status}`);
        assert(res.headers.get("content-type") === "image/png", `content-type ${res.headers.get("content-type")}`);
        const bytes = Buffer.from(await res.arrayBuffer());
        assert(bytes.equals(PNG), `the server's copy differs (${bytes.length} bytes vs ${PNG.length})`);
        // …and the app's cache holds it under its SHA-256, after the preview downloaded it.
        const cached = path.join(ctx.dataDir, "files", msg.attachment.sha256);
        assert(fs.existsSync(cached) && fs.readFileSync(cached).equals(PNG), `no verified copy at ${cached}`);
        log(`attachment ${msg.attachment.id} stored and cached (${bytes.length} bytes)`);
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
