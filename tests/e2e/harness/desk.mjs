// A spec's usual life: its own demo server and an app with its own data dir, then both stopped.
// Specs that need more (a second app, a mail server) compose the parts themselves.

import fs from "node:fs";
import path from "node:path";
import { Driver } from "./app.mjs";
import { TestServer } from "./server.mjs";
import { env, log } from "./util.mjs";

/** Starts `ctx.server` (extra `serve` options in `serverArgs`) and the app as `ctx.browser`,
 * signed out, with its data in `data-<name>` of the run dir (and `appEnv` added). */
export async function startDesk(ctx, name, { serverArgs = [], appEnv = {} } = {}) {
  ctx.server = new TestServer(`server-${name}`, { args: serverArgs });
  await ctx.server.prepare();
  await ctx.server.start();
  ctx.dataDir = path.join(env.runDir, `data-${name}`);
  fs.mkdirSync(ctx.dataDir, { recursive: true });
  ctx.driver = new Driver(name, { appEnv: { SWITCHBOARD_DATA_DIR: ctx.dataDir, ...appEnv } });
  await ctx.driver.start();
  ctx.browser = await ctx.driver.launch();
}

/** Stops what `startDesk` started (whatever of it did start). */
export async function stopDesk(ctx) {
  if (ctx.driver) {
    await ctx.driver.quit(ctx.browser).catch((e) => log(`quit: ${e.message}`));
    await ctx.driver.stop();
  }
  ctx.browser = null;
  if (ctx.server) await ctx.server.stop();
}
