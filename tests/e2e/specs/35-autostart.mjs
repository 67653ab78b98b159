// "Start at login" (issue 12): off by default; ticking it in the status bar's settings writes
// the XDG autostart entry that starts this binary, unticking removes it.

import fs from "node:fs";
import path from "node:path";
import { attr, bodyText, Driver, exists, signIn } from "../harness/app.mjs";
import { toggleAutostart } from "../harness/autostart.mjs";
import { TestServer } from "../harness/server.mjs";
import { env, waitFor } from "../harness/util.mjs";

const ANNA = { email: "anna@demo.test", password: "demo" };

export default {
  title: "Start at login",
  setupTimeout: 150000,

  async setup(ctx) {
    ctx.server = new TestServer("server-autostart");
    await ctx.server.prepare();
    await ctx.server.start();
    ctx.dataDir = path.join(env.runDir, "data-autostart");
    fs.mkdirSync(ctx.dataDir, { recursive: true });
    ctx.driver = new Driver("autostart", { appEnv: { SWITCHBOARD_DATA_DIR: ctx.dataDir } });
    await ctx.driver.start();
    ctx.browser = await ctx.driver.launch();
  },

  cases: [
    {
      name: "autostart: Start at login writes the autostart entry and unticking removes it",
      timeout: 90000,
      async run(ctx) {
        const { browser, server } = ctx;
        await signIn(browser, server.url, ANNA);
        await waitFor(
          "the desk",
          async () => {
            if (await exists(browser, "#sign-in-error")) throw new Error(`sign-in error: ${(await bodyText(browser)).slice(0, 300)}`);
            return (await exists(browser, "[data-tab]")) && (await attr(browser, "#conn-state", "data-state")) === "online";
          },
          { timeout: 60000 },
        );
        await toggleAutostart(browser, fs.realpathSync(env.app));
      },
    },
  ],

  async teardown(ctx) {
    if (ctx.driver) {
      await ctx.driver.quit(ctx.browser).catch(() => {});
      await ctx.driver.stop();
    }
    ctx.browser = null;
    if (ctx.server) await ctx.server.stop();
  },
};
