// A tiny runner: spec files export { title, setup, cases: [{ name, timeout, run }], teardown }.
// Cases of one spec run in order and share its context (they follow one operator's session);
// each case has its own deadline and counts once. The planned cases and each result are written
// to OUT_DIR (planned.txt, results.txt) so that run.sh can print the summary even if this
// process dies.

import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { screenScreenshot } from "./app.mjs";
import { env, log, slug, stopAll, withDeadline } from "./util.mjs";

// Every file in specs/ runs, in name order (feature specs add a file; nothing to register).
// E2E_SPECS_DIR runs another folder's specs with the same harness (tests/bundle: the installed
// .deb).
const SPECS_DIR = process.env.E2E_SPECS_DIR
  ? pathToFileURL(path.resolve(process.env.E2E_SPECS_DIR) + path.sep)
  : new URL("../specs/", import.meta.url);
const SPECS = fs
  .readdirSync(SPECS_DIR)
  .filter((f) => f.endsWith(".mjs"))
  .sort()
  .map((f) => new URL(f, SPECS_DIR).href);

const plannedFile = path.join(env.out, "planned.txt");
const resultsFile = path.join(env.out, "results.txt");

async function main() {
  const specs = [];
  for (const url of SPECS) specs.push((await import(url)).default);
  for (const spec of specs) spec.cases = spec.cases.filter((c) => !env.only || c.name.includes(env.only));
  const all = specs.flatMap((s) => s.cases);
  fs.writeFileSync(plannedFile, all.map((c) => c.name + "\n").join(""));
  fs.writeFileSync(resultsFile, "");

  const results = [];
  const record = (name, ok, detail, ms) => {
    results.push({ name, ok, detail });
    fs.appendFileSync(resultsFile, `${ok ? "ok  " : "FAIL"} ${name} (${(ms / 1000).toFixed(1)} s)${ok ? "" : ": " + detail}\n`);
    log(`${ok ? "PASS" : "FAIL"} ${name} (${(ms / 1000).toFixed(1)} s)${ok ? "" : "\n       " + detail}`);
  };

  for (const spec of specs) {
    if (!spec.cases.length) continue;
    const ctx = {};
    log(`== ${spec.title}`);
    let setupError = null;
    try {
      await withDeadline(spec.setup(ctx), spec.setupTimeout ?? 120000, `${spec.title}: setup`);
    } catch (err) {
      setupError = err;
      log(`setup failed: ${err.stack || err.message}`);
      await failureScreens(ctx, `setup-${slug(spec.title)}`);
    }
    for (const c of spec.cases) {
      const t = Date.now();
      if (setupError) {
        record(c.name, false, `setup failed: ${setupError.message}`, 0);
        continue;
      }
      log(`-- ${c.name}`);
      try {
        await withDeadline(c.run(ctx), c.timeout ?? 60000, c.name);
        record(c.name, true, "", Date.now() - t);
      } catch (err) {
        record(c.name, false, err.message, Date.now() - t);
        if (err.stack) log(err.stack.split("\n").slice(1, 4).join("\n"));
        await failureScreens(ctx, `FAIL-${slug(c.name)}`);
      }
    }
    try {
      await withDeadline(spec.teardown(ctx), 30000, `${spec.title}: teardown`);
    } catch (err) {
      log(`teardown: ${err.message}`);
    }
  }
  const passed = results.filter((r) => r.ok).length;
  // Again at the end: CI keeps only the tail of the output, where the cases' own lines are gone.
  for (const r of results.filter((r) => !r.ok)) log(`failed: ${r.name}\n       ${r.detail}`);
  log(`e2e results: ${passed} of ${results.length} cases passed`);
  return results.length - passed;
}

/** On failure: the webview (when a session is alive) and the whole X screen. */
async function failureScreens(ctx, name) {
  if (ctx.browser) {
    await withDeadline(ctx.browser.saveScreenshot(path.join(env.out, `${name}.png`)), 10000, "screenshot").catch(
      (e) => log(`failure screenshot: ${e.message}`),
    );
  }
  await screenScreenshot(path.join(env.out, `${name}-screen.png`)).catch((e) => log(`X screenshot: ${e.message}`));
}

for (const sig of ["SIGTERM", "SIGINT", "SIGHUP"]) {
  process.on(sig, async () => {
    log(`harness: ${sig}, stopping what it started`);
    await stopAll();
    process.exit(1);
  });
}

let code = 1;
try {
  code = (await main()) === 0 ? 0 : 1;
} catch (err) {
  log(`harness error: ${err.stack || err.message}`);
} finally {
  await stopAll();
}
process.exit(code);
