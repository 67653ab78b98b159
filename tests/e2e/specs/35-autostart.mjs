// "Start at login" (issue 12): off by default; ticking it in the status bar's settings writes
// the XDG autostart entry that starts this binary, unticking removes it.

import fs from "node:fs";
import { attr, bodyText, exists, signIn } from "../harness/app.mjs";
import { toggleAutostart } from "../harness/autostart.mjs";
import { startDesk, stopDesk } from "../harness/desk.mjs";
import { env, waitFor } from "../harness/util.mjs";

const ANNA = { email: "anna@demo.test", password: "demo" };

export default {
  title: "Start at login",
  setupTimeout: 150000,

  async setup(ctx) {
    await startDesk(ctx, "autostart");
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
    await stopDesk(ctx);
  },
};
