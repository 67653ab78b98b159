// App updates from the company's own server: the test signs a "newer release" with its own
// release key (tauri signer, as a vendor's CI does), puts it with Tauri's latest.json into
// `serve --updates-dir`, and the app — trusting that key (SWITCHBOARD_UPDATER_PUBKEY, honoured by
// debug builds only) — offers "Update 9.9.9 available" with the notes in its status bar.
// Installing is not clicked: it would replace the binary under test. `E2E_ONLY=updates:`

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { click, exists, screenshot, signIn, text, visible } from "../harness/app.mjs";
import { startDesk, stopDesk } from "../harness/desk.mjs";
import { assert, env, log, waitFor } from "../harness/util.mjs";

const VERSION = "9.9.9";
const NOTES = "Faster first sync; Start at login.";

/** A release in `dir`, signed with a fresh key; returns the public key. */
function signedRelease(dir) {
  const tauri = path.join(env.here, "..", "..", "ui", "node_modules", ".bin", "tauri");
  const key = path.join(dir, "..", "release.key");
  execFileSync(tauri, ["signer", "generate", "--ci", "-p", "", "-w", key, "-f"], { stdio: "ignore" });
  const bundle = `Switchboard_${VERSION}_amd64.AppImage`;
  fs.writeFileSync(path.join(dir, bundle), "a newer desk, signed");
  execFileSync(tauri, ["signer", "sign", "-f", key, "-p", "", path.join(dir, bundle)], { stdio: "ignore" });
  const signature = fs.readFileSync(path.join(dir, `${bundle}.sig`), "utf8");
  const manifest = {
    version: VERSION,
    notes: NOTES,
    pub_date: new Date().toISOString(),
    platforms: { "linux-x86_64": { url: bundle, signature } },
  };
  fs.writeFileSync(path.join(dir, "latest.json"), JSON.stringify(manifest));
  return fs.readFileSync(`${key}.pub`, "utf8").trim();
}

export default {
  title: "updates",
  setupTimeout: 150000,

  async setup(ctx) {
    const updates = path.join(env.runDir, "updates");
    fs.mkdirSync(updates, { recursive: true });
    const pubkey = signedRelease(updates);
    await startDesk(ctx, "updates", { serverArgs: ["--updates-dir", updates], appEnv: { SWITCHBOARD_UPDATER_PUBKEY: pubkey } });
  },

  cases: [
    {
      name: "updates: the app offers the newer release its server serves",
      timeout: 90000,
      async run(ctx) {
        const { browser, server } = ctx;
        await signIn(browser, server.url, { email: "admin@demo.test", password: "demo" });
        await waitFor("the desk", () => exists(browser, "[data-tab]"), { timeout: 20000 });
        const offer = await waitFor("the update offer", async () => ((await exists(browser, "#update-offer")) ? text(browser, "#update-offer") : null), {
          timeout: 30000,
        });
        log(`status bar: ${offer}`);
        assert(offer.includes(`Update ${VERSION} available`), `the offer: ${offer}`);
        await click(browser, "#update-offer");
        await waitFor("the update dialog", () => visible(browser, "#update-dialog"));
        const notes = await text(browser, "#update-notes");
        assert(notes === NOTES, `notes: ${notes}`);
        await screenshot(browser, "update-offer");
        await click(browser, "#update-later");
        await waitFor("the dialog closed", async () => !(await exists(browser, "#update-dialog")));
      },
    },
  ],

  async teardown(ctx) {
    await stopDesk(ctx);
  },
};
