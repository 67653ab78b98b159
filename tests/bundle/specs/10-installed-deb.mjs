// The app as an operator installs it: /usr/bin/switchboard from the .deb (tests/bundle/run.sh
// installs it and points the harness at it with E2E_APP), started under Xvfb against a local
// demo server, signed in until the desk shows; its "Start at login" entry starts the installed
// binary. Runs with the e2e harness (E2E_SPECS_DIR).

import fs from "node:fs";
import { bodyText, exists, screenshot, signIn } from "../../e2e/harness/app.mjs";
import { toggleAutostart } from "../../e2e/harness/autostart.mjs";
import { startDesk, stopDesk } from "../../e2e/harness/desk.mjs";
import { assert, env, log, waitFor } from "../../e2e/harness/util.mjs";

const INSTALLED = "/usr/bin/switchboard";
const ADMIN = { email: "admin@demo.test", password: "demo" };

export default {
  title: "the installed .deb",
  setupTimeout: 150000,

  async setup(ctx) {
    assert(env.app === INSTALLED, `the harness runs ${env.app}, not the installed ${INSTALLED}`);
    await startDesk(ctx, "installed");
  },


  cases: [
    {
      name: "installed: /usr/bin/switchboard signs in and shows the desk",
      timeout: 90000,
      async run(ctx) {
        const { browser, server } = ctx;
        // The process tauri-driver started is the installed binary itself.
        const exe = fs.readlinkSync(`/proc/${ctx.driver.appPid()}/exe`);
        assert(exe === INSTALLED, `the app process runs ${exe}`);
        await signIn(browser, server.url, ADMIN);
        await waitFor(
          "the desk after sign-in",
          async () => {
            if (await exists(browser, "#sign-in-error")) {
              throw new Error(`sign-in error shown: ${(await bodyText(browser)).slice(0, 300)}`);
            }
            return (await exists(browser, "[data-tab]")) && (await exists(browser, "#conn-state")) && !(await exists(browser, "#sign-in"));
          },
          { timeout: 30000 },
        );
        const text = await bodyText(browser);
        assert(/Unassigned/.test(text), `the desk shows no Unassigned tab: ${text.slice(0, 300)}`);
        await screenshot(browser, "installed-desk");
        log(`installed app (${exe}) signed in to ${server.url}`);
      },
    },
    {
      name: "installed: Start at login writes an entry that starts /usr/bin/switchboard",
      timeout: 60000,
      async run(ctx) {
        await toggleAutostart(ctx.browser, INSTALLED);
      },
    },
  ],

  async teardown(ctx) {
    await stopDesk(ctx);
  },

};
