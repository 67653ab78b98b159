// No keychain: the app runs on a private D-Bus session with no Secret Service (bare-session.conf),
// says so plainly on the sign-in screen, and still signs in, for this session only.

import fs from "node:fs";
import path from "node:path";
import { attr, bodyText, click, count, Driver, exists, invoke, screenshot, typeInto, visible } from "../harness/app.mjs";
import { TestServer } from "../harness/server.mjs";
import { assert, env, listFiles, log, waitFor } from "../harness/util.mjs";

export default {
  title: "no keychain (private bus without Secret Service)",
  setupTimeout: 150000,

  async setup(ctx) {
    // Its own server and database: independent of what the first spec did.
    ctx.server = new TestServer("server-bare");
    await ctx.server.prepare();
    await ctx.server.start();
    ctx.dataDir = path.join(env.runDir, "data-bare");
    fs.mkdirSync(ctx.dataDir, { recursive: true });
    ctx.driver = new Driver("bare", {
      bare: true,
      appEnv: { SWITCHBOARD_DATA_DIR: ctx.dataDir, SWITCHBOARD_SERVER_URL: ctx.server.url },
    });
    await ctx.driver.start();
    ctx.browser = await ctx.driver.launch();
  },

  cases: [
    {
      name: "no keychain -> session-only sign-in",
      timeout: 60000,
      async run(ctx) {
        const { browser, server } = ctx;
        await waitFor("the sign-in form", () => visible(browser, "#sign-in"), { timeout: 20000 });
        const notice = await waitFor(
          "a notice on the sign-in screen that mentions the keychain",
          async () => {
            const t = await bodyText(browser);
            return /keychain/i.test(t) ? t : null;
          },
          { timeout: 10000 },
        );
        log(`sign-in screen says: ${notice.replace(/\s+/g, " ").slice(0, 300)}`);
        assert(/session only|this session/i.test(notice), "the notice does not say the sign-in is for this session only");
        const prefilled = await browser.$("#server-url").getValue();
        assert(prefilled === server.url, `server field prefilled with ${JSON.stringify(prefilled)}, expected SWITCHBOARD_SERVER_URL ${server.url}`);
        await screenshot(browser, "no-keychain-sign-in");

        await typeInto(browser, "#email", "admin@demo.test");
        await typeInto(browser, "#password", "demo");
        await click(browser, "#sign-in");
        await waitFor(
          "the desk after a session-only sign-in",
          async () => {
            if (await exists(browser, "#sign-in-error")) {
              throw new Error(`sign-in error shown: ${(await bodyText(browser)).slice(0, 400)}`);
            }
            return (await exists(browser, "[data-tab]")) && (await exists(browser, "#conn-state")) && !(await exists(browser, "#sign-in"));
          },
          { timeout: 20000 },
        );
        await click(browser, '[data-tab="unassigned"]');
        await waitFor("rows in Unassigned", async () => (await count(browser, ".conversation-row")) > 0, { timeout: 30000 });
        await screenshot(browser, "no-keychain-desk");

        const session = (await invoke(browser, "restore_session"))?.session;
        assert(session?.remembered === false, `the session should not be remembered: ${JSON.stringify(session)}`);
        const files = listFiles(ctx.dataDir).map((f) => path.relative(ctx.dataDir, f));
        assert(!files.includes("account.json"), `account.json written for a session-only sign-in (files: ${files.join(", ")})`);
        log(`conn state: ${await attr(browser, "#conn-state", "data-state")}`);

        // Said plainly: once, not the shell's whole error message wrapped in the UI's sentence.
        const repeats = (notice.match(/keychain is not available/gi) || []).length;
        assert(repeats <= 1, `the keychain notice repeats "keychain is not available" ${repeats} times: ${notice.replace(/\s+/g, " ").slice(0, 400)}`);
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
