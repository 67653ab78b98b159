// What the browser tests share: waiting for conditions, asserting, counting cases, and
// starting the real server on a database.
import { spawn, execFileSync } from "node:child_process";

export const DEADLINE = 30_000;

/** Polls `check` until it returns a truthy value (the deadline only bounds a broken run). */
export async function until(what, check) {
  const end = Date.now() + DEADLINE;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error("timed out waiting for: " + what);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function assert(cond, msg) {
  if (!cond) throw new Error("assertion failed: " + msg);
}

/** Runs named cases and prints `<label> cases: N passed, N failed` at the end. */
export function cases(label) {
  const results = [];
  return {
    async step(name, fn) {
      try {
        await fn();
        results.push(true);
        console.log("ok   " + name);
      } catch (e) {
        results.push(false);
        console.log("FAIL " + name + "\n     " + (e && e.stack ? e.stack : e));
      }
    },
    /** Prints the summary; the process exit code. */
    finish() {
      const passed = results.filter(Boolean).length;
      console.log(`${label} cases: ${passed} passed, ${results.length - passed} failed`);
      return passed === results.length ? 0 : 1;
    },
  };
}

/** The server's command line on `db`. */
export function cli(server, db, ...args) {
  return execFileSync(server, ["--db", db, ...args], { encoding: "utf8" });
}

/** `serve` on `listen` (port 0: any); resolves once it listens. */
export async function startServer(server, db, listen = "127.0.0.1:0") {
  const child = spawn(server, ["--db", db, "serve", "--listen", listen], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, RUST_LOG: "warn" },
  });
  const url = await new Promise((resolve, reject) => {
    let buf = "";
    child.stdout.on("data", (d) => {
      buf += d;
      const m = buf.match(/listening on (http:\/\/\S+)/);
      if (m) resolve(m[1]);
    });
    child.on("exit", (code) => reject(new Error("server exited " + code)));
  });
  return { child, url };
}
