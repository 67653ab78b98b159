// App updates from the company's own server: the test signs a "newer release" with its own
// release key (tauri signer, as a vendor's CI does), puts it with Tauri's latest.json into
// `serve --updates-dir`, and the app — trusting that key (SWITCHBOARD_UPDATER_PUBKEY, honoured by
// debug builds only) — offers "Update 9.9.9 available" with the notes in its status bar. Then
// "Install and restart": the app runs from its own copy of the binary (installing replaces the
// file it was started from), downloads the release, checks its signature, writes it in place of
// itself and starts it. The release is a small script that records that it was started, so
// the test sees the installed update run. `E2E_ONLY=updates:`

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { click, exists, screenshot, signIn, text, visible } from "../harness/app.mjs";
import { startDesk, stopDesk } from "../harness/desk.mjs";
import { assert, env, log, waitFor } from "../harness/util.mjs";

const VERSION = "9.9.9";
const NOTES = "Faster first sync; Start at login.";

/** The "newer desk" the release ships: it says it was started, with the arguments it got. */
const RELEASE = `#!/bin/sh
# Switchboard ${VERSION} as the updates test ships it.
echo "started $*" > "$SB_E2E_UPDATED"
`;

/** A release in `dir`, signed with a fresh key; returns the public key. */
function signedRelease(dir) {
  const tauri = path.join(env.here, "..", "..", "ui", "node_modules", ".bin", "tauri");
  const key = path.join(dir, "..", "release.key");
  execFileSync(tauri, ["signer", "generate", "--ci", "-p", "", "-w", key, "-f"], { stdio: "ignore" });
  const bundle = `Switchboard_${VERSION}_amd64.AppImage`;
  fs.writeFileSync(path.join(dir, bundle), RELEASE);
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
    ctx.updates = updates;
    fs.mkdirSync(updates, { recursive: true });
    const pubkey = signedRelease(updates);
    // Its own copy of the app: installing replaces the file the app was started from.
    const installDir = path.join(env.runDir, "updates-install");
    fs.mkdirSync(installDir, { recursive: true });
    ctx.app = path.join(installDir, "switchboard");
    fs.copyFileSync(env.app, ctx.app);
    fs.chmodSync(ctx.app, 0o755);
    ctx.started = path.join(installDir, "release-started");
    await startDesk(ctx, "updates", {
      serverArgs: ["--updates-dir", updates],
      appEnv: { SWITCHBOARD_UPDATER_PUBKEY: pubkey, SB_E2E_APP: ctx.app, SB_E2E_UPDATED: ctx.started },
    });
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
    {
      name: "updates: a release changed after it was signed is refused and the app stays",
      timeout: 60000,
      async run(ctx) {
        const { browser } = ctx;
        const bundle = path.join(ctx.updates, `Switchboard_${VERSION}_amd64.AppImage`);
        fs.writeFileSync(bundle, RELEASE.replace("started", "tampered"));
        try {
          await click(browser, "#update-offer");
          await waitFor("the update dialog", () => visible(browser, "#update-dialog"));
          await click(browser, "#update-install");
          const refusal = await waitFor("the refusal", async () => ((await exists(browser, "#update-dialog [role=alert]")) ? text(browser, "#update-dialog [role=alert]") : null), {
            timeout: 30000,
          });
          log(`refused: ${refusal}`);
          assert(/signature/i.test(refusal), `the refusal names the signature: ${refusal}`);
          assert(!fs.existsSync(ctx.started), "the tampered release ran");
          assert(fs.readFileSync(ctx.app).equals(fs.readFileSync(env.app)), "the app's file changed");
          await click(browser, "#update-later");
        } finally {
          fs.writeFileSync(bundle, RELEASE);
        }
      },
    },
    {
      name: "updates: Install and restart puts the signed release in place of the app and starts it",
      timeout: 90000,
      async run(ctx) {
        const { browser } = ctx;
        assert(!fs.existsSync(ctx.started), "the release ran before it was installed");
        await click(browser, "#update-offer");
        await waitFor("the update dialog", () => visible(browser, "#update-dialog"));
        await click(browser, "#update-install");
        // The app exits into the release: the session ends with it.
        const started = await waitFor("the installed release to start", () => (fs.existsSync(ctx.started) ? fs.readFileSync(ctx.started, "utf8") : null), {
          timeout: 60000,
        });
        log(`the release ran: ${started.trim()}`);
        assert(fs.readFileSync(ctx.app, "utf8") === RELEASE, "the app's file is not the release");
        assert((fs.statSync(ctx.app).mode & 0o111) !== 0, "the installed release is not executable");
        ctx.browser = null;
      },
    },
  ],

  async teardown(ctx) {
    await stopDesk(ctx);
  },
};
